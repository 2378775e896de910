"""The ``Backend`` protocol: what the kiosk's services need from the records backend."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from kiosk_backend.schemas import (
    BenefitPaymentPage,
    Benefits,
    CardChallenge,
    CardChallengeRequest,
    CardInfo,
    CardLossReportRequest,
    CardServiceResult,
    CardSession,
    CardSessionRequest,
    Cases,
    ContributionPage,
    Enrolments,
    Health,
    HeartbeatAnswer,
    HeartbeatRequest,
    Injuries,
    JournalAck,
    JournalUpload,
    LossReportChallenge,
    LossReportConfirm,
    LossReportResult,
    LossReportStart,
    LossReportTicket,
    LossReportVerify,
    MedicalAccountPage,
    MedicalContracts,
    MedicalVisitPage,
    OneTimeBenefits,
    PensionAccount,
    PersonInfo,
    SessionEnded,
    SlipCheckResult,
    SlipDocument,
    SlipIssueRequest,
    SlipKeys,
    SlipOutcome,
    SlipOutcomeRequest,
    Transfers,
)


class BackendUnavailable(Exception):
    """The backend could not be reached or did not answer in time (the kiosk shows 服务暂停 / retries)."""


class BackendRejected(Exception):
    """The backend answered with an error: ``code`` is the stable error code the kiosk maps to a screen."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Backend(Protocol):
    """The records backend as the kiosk sees it; tests and the demo swap implementations."""

    def health(self) -> Health:
        """Liveness and database reachability; raises :class:`BackendUnavailable`."""
        ...

    def card_challenge(self, request: CardChallengeRequest) -> CardChallenge:
        """A one-time challenge for INTERNAL AUTHENTICATE; raises BackendUnavailable / BackendRejected."""
        ...

    def open_card_session(self, request: CardSessionRequest) -> CardSession:
        """Check the card's cryptogram and open a citizen session; raises BackendUnavailable / BackendRejected."""
        ...

    # Personal queries: ``citizen_token`` is CardSession.token; money in fen, periods YYYYMM.
    def person_info(self, citizen_token: str) -> PersonInfo:
        """个人基本信息."""
        ...

    def enrolments(self, citizen_token: str) -> Enrolments:
        """个人参保信息."""
        ...

    def contributions(
        self,
        citizen_token: str,
        from_period: int | None = None,
        to_period: int | None = None,
        kind: str | None = None,
        limit: int = 120,
        offset: int = 0,
    ) -> ContributionPage:
        """个人缴费信息 (newest month first; ``kind="supplementary"`` for 补缴)."""
        ...

    def card_info(self, citizen_token: str) -> CardInfo:
        """社会保障持卡 / 发卡信息."""
        ...

    def medical_account(
        self,
        citizen_token: str,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> MedicalAccountPage:
        """职工医疗保险个人账户余额 + 明细."""
        ...

    def pension_account(
        self, citizen_token: str, from_year: int | None = None, to_year: int | None = None
    ) -> PensionAccount:
        """养老保险个人账户, by year."""
        ...

    def benefits(self, citizen_token: str) -> Benefits:
        """定期待遇审批 + 构成."""
        ...

    def benefit_payments(
        self,
        citizen_token: str,
        benefit_id: int,
        from_period: int | None = None,
        to_period: int | None = None,
        limit: int = 120,
        offset: int = 0,
    ) -> BenefitPaymentPage:
        """定期待遇发放."""
        ...

    def one_time_benefits(self, citizen_token: str) -> OneTimeBenefits:
        """一次性待遇发放."""
        ...

    def cases(self, citizen_token: str) -> Cases:
        """办件进度."""
        ...

    def medical_visits(
        self,
        citizen_token: str,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> MedicalVisitPage:
        """就医信息."""
        ...

    def medical_contracts(self, citizen_token: str) -> MedicalContracts:
        """门诊统筹 / 门诊大病签约."""
        ...

    def work_injuries(self, citizen_token: str) -> Injuries:
        """工伤认定 + 伤残、护理."""
        ...

    def transfers(self, citizen_token: str) -> Transfers:
        """转移接续进度."""
        ...

    # State-changing card services (an Idempotency-Key per logical request; pass the same key to retry).
    def report_card_loss(
        self, citizen_token: str, request: CardLossReportRequest, idempotency_key: str | None = None
    ) -> CardServiceResult:
        """临时挂失."""
        ...

    def unlock_card(self, citizen_token: str, idempotency_key: str | None = None) -> CardServiceResult:
        """解挂 (works with an ``unlock_only`` token)."""
        ...

    # 挂失 without the card (SMS one-time code; the same answer for an unknown ID as for a wrong name).
    def start_loss_report(self, request: LossReportStart) -> LossReportChallenge:
        """Step 1: ID number + name → a challenge; the code goes to the phone on record if they match."""
        ...

    def verify_loss_report(self, challenge_id: str, request: LossReportVerify) -> LossReportTicket:
        """Step 2: the SMS code → the masked card and a single-use ticket (wrong/expired/used code → rejected)."""
        ...

    def confirm_loss_report(self, request: LossReportConfirm, idempotency_key: str) -> LossReportResult:
        """Step 3: 临时挂失 (pass the same key to retry)."""
        ...

    def end_session(self, citizen_token: str) -> SessionEnded:
        """Void the citizen token (card removed / 退出)."""

    def heartbeat(self, beat: HeartbeatRequest) -> HeartbeatAnswer:
        """Report the kiosk's state; the answer carries the operators' service command. Raises like the others."""
        ...

    def upload_journal(self, batch: JournalUpload) -> JournalAck:
        """Send journal entries that continue the chain; answers the highest contiguous seq held."""
        ...

    # Record slips (SLIP_SPEC.md): issued for the logged-in citizen, verified by anyone at the kiosk.
    def issue_slip(
        self, citizen_token: str, request: SlipIssueRequest, idempotency_key: str | None = None
    ) -> SlipDocument:
        """A signed, archived slip of the citizen's records (serial, check code, QR text)."""
        ...

    def report_slip_outcome(
        self, citizen_token: str, serial: str, outcome: SlipOutcomeRequest, idempotency_key: str | None = None
    ) -> SlipOutcome:
        """Printed / failed + reason (a reprint counts 补打)."""
        ...

    def check_slip(self, serial: str, check_code: str) -> SlipCheckResult:
        """权益单校验 by serial + check code (logged and rate-limited by the backend)."""
        ...

    def slip_keys(self) -> SlipKeys:
        """The slip public keys and revoked serials the backend publishes (offline verification)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
