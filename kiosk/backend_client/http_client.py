"""``HttpBackend``: the records backend over HTTP (httpx), with timeouts and the kiosk's bearer token."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import httpx
from pydantic import BaseModel, ValidationError

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
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
    CardUnlockRequest,
    Cases,
    ContributionPage,
    Enrolments,
    ErrorBody,
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
    SlipCheckRequest,
    SlipCheckResult,
    SlipDocument,
    SlipIssueRequest,
    SlipKeys,
    SlipOutcome,
    SlipOutcomeRequest,
    Transfers,
)

CITIZEN_HEADER = "X-Citizen-Token"
Params = dict[str, str | int]

AnswerT = TypeVar("AnswerT", bound=BaseModel)


class HttpBackend:
    """A keep-alive HTTP client of one backend URL.

    Transport failures and unreadable answers raise :class:`BackendUnavailable`; error answers raise
    :class:`BackendRejected` with the backend's stable error code.
    """

    def __init__(
        self, base_url: str, token: str = "", timeout_s: float = 5.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client_options = {
            "base_url": base_url.rstrip("/") + "/v1",
            "headers": headers,
            "timeout": timeout_s,
            "transport": transport,
        }
        self._client_instance: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def _client(self) -> httpx.Client:
        """The connection pool, made on first use (httpx is imported off the kiosk's start path, in a worker)."""
        with self._client_lock:
            if self._client_instance is None:
                import httpx

                self._client_instance = httpx.Client(**self._client_options)  # type: ignore[arg-type]
            return self._client_instance

    def health(self) -> Health:
        """``GET /v1/health``."""
        return self._call("GET", "/health", Health)

    def card_challenge(self, request: CardChallengeRequest) -> CardChallenge:
        """``POST /v1/card-sessions/challenge``."""
        return self._call("POST", "/card-sessions/challenge", CardChallenge, request)

    def open_card_session(self, request: CardSessionRequest) -> CardSession:
        """``POST /v1/card-sessions``."""
        return self._call("POST", "/card-sessions", CardSession, request)

    # ------------------------------------------------------------ personal queries
    def person_info(self, citizen_token: str) -> PersonInfo:
        """``GET /v1/me``."""
        return self._call("GET", "/me", PersonInfo, citizen=citizen_token)

    def enrolments(self, citizen_token: str) -> Enrolments:
        """``GET /v1/me/enrolments``."""
        return self._call("GET", "/me/enrolments", Enrolments, citizen=citizen_token)

    def contributions(
        self,
        citizen_token: str,
        from_period: int | None = None,
        to_period: int | None = None,
        kind: str | None = None,
        limit: int = 120,
        offset: int = 0,
    ) -> ContributionPage:
        """``GET /v1/me/contributions``."""
        params = _params(from_period=from_period, to_period=to_period, kind=kind, limit=limit, offset=offset)
        return self._call("GET", "/me/contributions", ContributionPage, citizen=citizen_token, params=params)

    def card_info(self, citizen_token: str) -> CardInfo:
        """``GET /v1/me/card``."""
        return self._call("GET", "/me/card", CardInfo, citizen=citizen_token)

    def medical_account(
        self,
        citizen_token: str,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> MedicalAccountPage:
        """``GET /v1/me/medical-account``."""
        params = _params(date_from=date_from, date_to=date_to, limit=limit, offset=offset)
        return self._call("GET", "/me/medical-account", MedicalAccountPage, citizen=citizen_token, params=params)

    def pension_account(
        self, citizen_token: str, from_year: int | None = None, to_year: int | None = None
    ) -> PensionAccount:
        """``GET /v1/me/pension-account``."""
        params = _params(from_year=from_year, to_year=to_year)
        return self._call("GET", "/me/pension-account", PensionAccount, citizen=citizen_token, params=params)

    def benefits(self, citizen_token: str) -> Benefits:
        """``GET /v1/me/benefits``."""
        return self._call("GET", "/me/benefits", Benefits, citizen=citizen_token)

    def benefit_payments(
        self,
        citizen_token: str,
        benefit_id: int,
        from_period: int | None = None,
        to_period: int | None = None,
        limit: int = 120,
        offset: int = 0,
    ) -> BenefitPaymentPage:
        """``GET /v1/me/benefits/{id}/payments``."""
        params = _params(from_period=from_period, to_period=to_period, limit=limit, offset=offset)
        path = f"/me/benefits/{int(benefit_id)}/payments"
        return self._call("GET", path, BenefitPaymentPage, citizen=citizen_token, params=params)

    def one_time_benefits(self, citizen_token: str) -> OneTimeBenefits:
        """``GET /v1/me/one-time-benefits``."""
        return self._call("GET", "/me/one-time-benefits", OneTimeBenefits, citizen=citizen_token)

    def cases(self, citizen_token: str) -> Cases:
        """``GET /v1/me/cases``."""
        return self._call("GET", "/me/cases", Cases, citizen=citizen_token)

    def medical_visits(
        self,
        citizen_token: str,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> MedicalVisitPage:
        """``GET /v1/me/medical-visits``."""
        params = _params(date_from=date_from, date_to=date_to, limit=limit, offset=offset)
        return self._call("GET", "/me/medical-visits", MedicalVisitPage, citizen=citizen_token, params=params)

    def medical_contracts(self, citizen_token: str) -> MedicalContracts:
        """``GET /v1/me/medical-contracts``."""
        return self._call("GET", "/me/medical-contracts", MedicalContracts, citizen=citizen_token)

    def work_injuries(self, citizen_token: str) -> Injuries:
        """``GET /v1/me/work-injuries``."""
        return self._call("GET", "/me/work-injuries", Injuries, citizen=citizen_token)

    def transfers(self, citizen_token: str) -> Transfers:
        """``GET /v1/me/transfers``."""
        return self._call("GET", "/me/transfers", Transfers, citizen=citizen_token)

    # ------------------------------------------------------------ card services
    def report_card_loss(
        self, citizen_token: str, request: CardLossReportRequest, idempotency_key: str | None = None
    ) -> CardServiceResult:
        """``POST /v1/me/card/loss-report``."""
        return self._call(
            "POST", "/me/card/loss-report", CardServiceResult, request, citizen=citizen_token, key=idempotency_key
        )

    def unlock_card(self, citizen_token: str, idempotency_key: str | None = None) -> CardServiceResult:
        """``POST /v1/me/card/unlock``."""
        return self._call(
            "POST",
            "/me/card/unlock",
            CardServiceResult,
            CardUnlockRequest(),
            citizen=citizen_token,
            key=idempotency_key,
        )

    def start_loss_report(self, request: LossReportStart) -> LossReportChallenge:
        """``POST /v1/loss-reports``."""
        return self._call("POST", "/loss-reports", LossReportChallenge, request)

    def verify_loss_report(self, challenge_id: str, request: LossReportVerify) -> LossReportTicket:
        """``POST /v1/loss-reports/{challenge_id}/verify``."""
        return self._call("POST", f"/loss-reports/{challenge_id}/verify", LossReportTicket, request)

    def confirm_loss_report(self, request: LossReportConfirm, idempotency_key: str) -> LossReportResult:
        """``POST /v1/loss-reports/confirm``."""
        return self._call("POST", "/loss-reports/confirm", LossReportResult, request, key=idempotency_key)

    def end_session(self, citizen_token: str) -> SessionEnded:
        """``POST /v1/me/session/end``."""
        return self._call("POST", "/me/session/end", SessionEnded, citizen=citizen_token)

    def issue_slip(
        self, citizen_token: str, request: SlipIssueRequest, idempotency_key: str | None = None
    ) -> SlipDocument:
        """``POST /v1/me/slips``."""
        return self._call("POST", "/me/slips", SlipDocument, request, citizen=citizen_token, key=idempotency_key)

    def report_slip_outcome(
        self, citizen_token: str, serial: str, outcome: SlipOutcomeRequest, idempotency_key: str | None = None
    ) -> SlipOutcome:
        """``POST /v1/me/slips/{serial}/outcome``."""
        path = f"/me/slips/{serial}/outcome"
        return self._call("POST", path, SlipOutcome, outcome, citizen=citizen_token, key=idempotency_key)

    def check_slip(self, serial: str, check_code: str) -> SlipCheckResult:
        """``POST /v1/slips/check`` (a lookup: no state of the kiosk changes, the backend logs it)."""
        return self._call(
            "POST", "/slips/check", SlipCheckResult, SlipCheckRequest(serial=serial, check_code=check_code)
        )

    def slip_keys(self) -> SlipKeys:
        """``GET /v1/slip-keys``: the slip public keys this backend publishes (``kiosk verify-slip``)."""
        return self._call("GET", "/slip-keys", SlipKeys)

    def heartbeat(self, beat: HeartbeatRequest) -> HeartbeatAnswer:
        """``POST /v1/heartbeats``."""
        return self._call("POST", "/heartbeats", HeartbeatAnswer, beat)

    def upload_journal(self, batch: JournalUpload) -> JournalAck:
        """``POST /v1/journal``."""
        return self._call("POST", "/journal", JournalAck, batch)

    def close(self) -> None:
        """Close the connection pool."""
        with self._client_lock:
            if self._client_instance is not None:
                self._client_instance.close()
                self._client_instance = None

    def _call(
        self,
        method: str,
        path: str,
        answer: type[AnswerT],
        body: BaseModel | None = None,
        citizen: str | None = None,
        params: Params | None = None,
        key: str | None = None,
    ) -> AnswerT:
        """One request. Every POST carries an Idempotency-Key (``key`` or a fresh one); the citizen token if given."""
        content = body.model_dump_json().encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if method == "POST":
            headers["Idempotency-Key"] = key or uuid.uuid4().hex
        if citizen is not None:
            headers[CITIZEN_HEADER] = citizen
        try:
            response = self._client.request(method, path, content=content, headers=headers, params=params)
        except _http_error() as exc:
            raise BackendUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.is_error:
            raise _rejection(response)
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            raise BackendUnavailable(f"{method} {path}: unreadable answer") from exc


def _params(**values: int | str | date | None) -> Params:
    """Query parameters without the unset ones (dates as ISO text)."""
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in values.items()
        if value is not None
    }


def _rejection(response: httpx.Response) -> BackendRejected | BackendUnavailable:
    if response.status_code >= 500:
        return BackendUnavailable(f"backend error {response.status_code}")
    try:
        error = ErrorBody.model_validate_json(response.content).error
    except ValidationError:
        return BackendUnavailable(f"unreadable error answer {response.status_code}")
    return BackendRejected(response.status_code, error.code, error.message)


def _http_error() -> type[Exception]:
    import httpx

    return httpx.HTTPError
