"""Wire models of the `/v1` API: the one source of the contract, used by the backend and the kiosk's client."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """Strict wire model: unknown fields are refused, so a typo never passes silently.

    Validators are built on first use (``defer_build``): importing the ~70 models costs the kiosk's start ~60 ms
    otherwise, and most of them are needed only once a citizen is served.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Health(WireModel):
    """Answer of ``GET /v1/health``."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]


class ErrorDetail(WireModel):
    """A stable, machine-readable error code and a human message."""

    code: str
    message: str


class ErrorBody(WireModel):
    """Every error answer of the API has this shape."""

    error: ErrorDetail


# ---------------------------------------------------------------- card sessions (CARD_SPEC.md §5)
HEX16 = r"^[0-9A-F]{32}$"  # 16 bytes, upper-case hex


class CardChallengeRequest(WireModel):
    """``POST /v1/card-sessions/challenge`` (kiosk token): ask for a one-time challenge for this card."""

    card_id: str = Field(pattern=HEX16, description="卡识别码 (EF05 tag 01), 16 bytes hex")
    atr: str = Field(pattern=r"^[0-9A-F]{34}$", description="answer to reset, 17 bytes hex")


class CardChallenge(WireModel):
    """A one-time challenge, valid for 60 s, to be sent to the card with INTERNAL AUTHENTICATE."""

    challenge_id: str
    challenge: str = Field(pattern=HEX16)
    expires_at: datetime


class CardSessionRequest(WireModel):
    """``POST /v1/card-sessions`` (kiosk token): the card's cryptogram and identity read after the PIN was verified.

    The PIN itself never leaves the kiosk: the card verified it.
    """

    challenge_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    cryptogram: str = Field(pattern=HEX16)
    ssn: str = Field(min_length=18, max_length=18)
    card_no: str = Field(min_length=9, max_length=9)


CardStatus = Literal["normal", "temporary_loss", "formal_loss", "cancelled"]


class CardSession(WireModel):
    """A short-lived citizen token, scoped to this person and kiosk.

    ``scope`` is ``unlock_only`` when the card is reported lost: the token then only allows 解挂.
    """

    token: str
    expires_at: datetime
    scope: Literal["full", "unlock_only"]
    role: Literal["citizen", "staff"]
    card_status: CardStatus
    name: str
    ssn: str


# ---------------------------------------------------------------- personal queries (citizen token; money in fen)
Insurance = Literal["110", "120", "170", "210", "310", "390", "410", "510"]
Period = int  # YYYYMM


class PersonInfo(WireModel):
    """个人基本信息查询."""

    ssn: str
    name: str
    sex: Literal["1", "2"]
    birth_date: date
    ethnic: str = Field(description="GB 3304 code")
    household_region: str
    household_type: Literal["urban", "rural"]
    phone: str
    address: str
    work_start: date | None
    role: Literal["citizen", "staff"]


class EnrolmentItem(WireModel):
    """个人参保信息: one insurance (status 1 contributing, 2 suspended, 3 ended)."""

    insurance: Insurance
    status: Literal["1", "2", "3"]
    start_period: Period
    end_period: Period | None
    employer_name: str | None
    region: str


class Enrolments(WireModel):
    """All insurances of the person."""

    items: list[EnrolmentItem]


class ContributionMonth(WireModel):
    """One month of contributions, all insurances (fen)."""

    period: Period
    kind: Literal["normal", "flexible", "resident", "supplementary"]
    employer_name: str | None
    base: int
    pension_unit: int
    pension_personal: int
    medical_unit: int
    medical_personal: int
    unemployment_unit: int
    unemployment_personal: int
    injury_unit: int
    maternity_unit: int
    paid_on: date


class ContributionTotals(WireModel):
    """Sums over the whole filtered range (not only the page)."""

    months: int
    pension_personal: int
    pension_unit: int
    medical_personal: int
    medical_unit: int
    unemployment_personal: int
    unemployment_unit: int
    injury_unit: int
    maternity_unit: int


class ContributionPage(WireModel):
    """个人缴费信息查询: a page of months, newest first."""

    items: list[ContributionMonth]
    total: int
    limit: int
    offset: int
    totals: ContributionTotals


class CardStatusEvent(WireModel):
    """One change of the card's status."""

    from_status: CardStatus | None
    to_status: CardStatus
    changed_at: datetime
    channel: str


class CardInfo(WireModel):
    """社会保障持卡/发卡信息查询 (bank account masked to the last 4)."""

    card_no: str
    region: str
    issued_on: date
    expires_on: date
    bank: str
    bank_account_masked: str
    status: CardStatus
    loss_expires_at: datetime | None
    history: list[CardStatusEvent]


class MedicalAccountTxnItem(WireModel):
    """One credit (划入, positive) or expense (支出, negative)."""

    occurred_at: datetime
    kind: Literal["credit", "expense"]
    amount: int
    balance_after: int
    description: str


class MedicalAccountPage(WireModel):
    """职工医疗保险个人账户余额 + 明细 (a page, newest first)."""

    balance: int
    updated_at: datetime | None
    items: list[MedicalAccountTxnItem]
    total: int
    limit: int
    offset: int


class PensionAccountYearItem(WireModel):
    """养老保险个人账户: one year (rate in basis points)."""

    year: int
    insurance: Insurance
    months: int
    opening: int
    credits: int
    interest: int
    closing: int
    rate_bp: int


class PensionAccount(WireModel):
    """The yearly account history; ``balance`` is the newest closing balance."""

    balance: int
    items: list[PensionAccountYearItem]


class BenefitComponentItem(WireModel):
    """定期待遇构成: one item."""

    item: str
    amount: int


class BenefitItem(WireModel):
    """定期待遇审批 + 构成."""

    id: int
    kind: str
    insurance: Insurance
    approval_no: str
    approved_on: date
    start_period: Period
    end_period: Period | None
    monthly_amount: int
    status: Literal["paying", "suspended", "ended"]
    components: list[BenefitComponentItem]


class Benefits(WireModel):
    """All periodic benefits of the person."""

    items: list[BenefitItem]


class BenefitPaymentItem(WireModel):
    """定期待遇发放: one month."""

    period: Period
    amount: int
    paid_on: date
    bank_account_tail: str


class BenefitPaymentPage(WireModel):
    """Payments of one benefit, newest first."""

    benefit_id: int
    items: list[BenefitPaymentItem]
    total: int
    limit: int
    offset: int
    total_amount: int


class OneTimeBenefitItem(WireModel):
    """一次性待遇发放."""

    kind: str
    insurance: Insurance
    amount: int
    approved_on: date
    paid_on: date | None
    status: Literal["approved", "paid"]


class OneTimeBenefits(WireModel):
    """All one-time benefits."""

    items: list[OneTimeBenefitItem]


class CaseStepItem(WireModel):
    """办件进度: one step."""

    seq: int
    step: str
    done_at: datetime | None
    office: str
    result: str


class CaseItem(WireModel):
    """One case with its steps."""

    case_no: str
    service: str
    channel: str
    submitted_at: datetime
    status: Literal["accepted", "processing", "completed", "rejected"]
    steps: list[CaseStepItem]


class Cases(WireModel):
    """办件进度查询."""

    items: list[CaseItem]


class MedicalVisitItem(WireModel):
    """就医信息: one settlement (fen)."""

    visit_date: date
    kind: Literal["outpatient", "inpatient", "pharmacy"]
    institution: str
    diagnosis: str
    total: int
    fund_paid: int
    account_paid: int
    self_paid: int


class MedicalVisitPage(WireModel):
    """就医信息查询: a page, newest first."""

    items: list[MedicalVisitItem]
    total: int
    limit: int
    offset: int


class MedicalContractItem(WireModel):
    """门诊统筹签约 (general) / 门诊大病签约 (chronic)."""

    kind: Literal["general", "chronic"]
    institution: str
    disease: str | None
    start_date: date
    end_date: date
    status: Literal["active", "expired", "cancelled"]


class MedicalContracts(WireModel):
    """Both kinds of outpatient contracts."""

    items: list[MedicalContractItem]


class DisabilityAssessmentItem(WireModel):
    """伤残、护理信息: disability grade 1–10, care grade 1–3 (1 完全护理依赖)."""

    conclusion_no: str
    assessed_on: date
    disability_grade: int | None
    care_grade: int | None


class InjuryItem(WireModel):
    """工伤认定信息 with the assessments that followed it."""

    decision_no: str
    employer_name: str | None
    accident_date: date
    determined_on: date
    result: Literal["recognised", "not_recognised"]
    description: str
    assessments: list[DisabilityAssessmentItem]


class Injuries(WireModel):
    """工伤认定 + 伤残护理."""

    items: list[InjuryItem]


class TransferItem(WireModel):
    """转移接续 (进度 and 审核结果)."""

    insurance: Insurance
    from_region: str
    to_region: str
    from_period: Period
    to_period: Period
    months: int
    fund_amount: int
    status: Literal["applied", "reviewing", "approved", "completed", "rejected"]
    applied_on: date
    completed_on: date | None


class Transfers(WireModel):
    """社保转移进度查询."""

    items: list[TransferItem]


# ---------------------------------------------------------------- card services (state-changing; Idempotency-Key)
class CardLossReportRequest(WireModel):
    """``POST /v1/me/card/loss-report``: 临时挂失 (self-service; expires unless made formal at a counter)."""

    reason: Literal["lost", "stolen"] = "lost"


class CardUnlockRequest(WireModel):
    """``POST /v1/me/card/unlock``: 解挂 (only while the loss report is temporary). The body is ``{}``."""


class CardServiceResult(WireModel):
    """The card after the change, and the session's scope now (``full`` once the card is normal again)."""

    card: CardInfo
    session_scope: Literal["full", "unlock_only"]


class LossReportStart(WireModel):
    """``POST /v1/loss-reports``: 挂失 without the card, step 1. The answer is the same whether or not the ID is on
    record and the name matches (no enumeration); if both match, a one-time code goes by SMS to the phone on record."""

    ssn: str = Field(pattern=r"^\d{17}[\dX]$", description="社会保障号码 (18 characters, check character verified)")
    name: str = Field(min_length=1, max_length=30)


class LossReportChallenge(WireModel):
    """Step 1's answer: where to send the code, and when it stops working."""

    challenge_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    expires_at: datetime
    code_length: int = 6


class LossReportVerify(WireModel):
    """``POST /v1/loss-reports/{challenge_id}/verify``: step 2, the SMS code."""

    code: str = Field(pattern=r"^\d{4,8}$")


class LossReportTicket(WireModel):
    """Step 2's answer after a right code: what the confirmation screen shows, and a single-use ticket to confirm."""

    ticket: str = Field(pattern=r"^[0-9a-f]{32}$")
    ticket_expires_at: datetime
    masked_name: str
    masked_card_no: str
    card_status: CardStatus
    loss_expires_at: datetime | None = Field(description="when an existing temporary loss lapses")
    temporary_loss_days: int = Field(description="a new report lapses after this many days unless made formal")


class LossReportConfirm(WireModel):
    """``POST /v1/loss-reports/confirm`` (Idempotency-Key): step 3, 临时挂失 takes effect."""

    ticket: str = Field(pattern=r"^[0-9a-f]{32}$")
    reason: Literal["lost", "stolen"] = "lost"


class LossReportResult(WireModel):
    """The report on record: the citizen's reference number and when the temporary loss lapses."""

    reference: str
    masked_card_no: str
    card_status: CardStatus
    reported_at: datetime
    loss_expires_at: datetime


class SessionEnded(WireModel):
    """``POST /v1/me/session/end``: the citizen token is void from now on."""

    ended_at: datetime


# ---------------------------------------------------------------- record slips (SLIP_SPEC.md)
SlipKind = Literal["CBZM", "QYJLD", "JFMX"]  # 参保证明, 个人权益记录单, 缴费明细


class SlipKey(WireModel):
    """One slip signing key as published (SLIP_SPEC §3)."""

    kid: str = Field(pattern=r"^[0-9a-f]{8}$")
    alg: Literal["Ed25519"] = "Ed25519"
    public_key: str = Field(description="base64 of the 32 raw bytes")
    not_before: int = Field(description="Unix seconds")
    not_after: int | None = Field(description="Unix seconds; slips of this key stop verifying after it")
    revoked: bool = False


class SlipKeys(WireModel):
    """``GET /v1/slip-keys`` (no authentication), and the file offline verifiers load."""

    keys: list[SlipKey]
    revoked_serials: list[str] = Field(default_factory=list)


class SlipSummaryRow(WireModel):
    """One insurance line of a slip; the codes go into the QR, the names are printed beside them."""

    insurance_code: str = Field(pattern=r"^\d{3}$", description="险种类型 AAE140, e.g. 110")
    insurance_name: str
    status_code: int = Field(ge=1, le=3, description="1 参保缴费, 2 暂停缴费, 3 终止参保")
    status_name: str
    from_period: int = Field(description="YYYYMM")
    to_period: int = Field(description="YYYYMM")
    months: int = Field(ge=0)


class SlipDocument(WireModel):
    """What the backend returns when it issues a slip: everything the kiosk needs to render and print it.

    ``masked_id`` is masked (``111111********1110``); the full ID never leaves the backend on a slip. Detail cells are
    the printed text (money already formatted, e.g. ``"4457.64"``) or integers; their canonical CBOR is digested.
    """

    kind: SlipKind
    title: str
    issuing_office: str
    serial: str = Field(pattern=r"^\d{22}$")
    check_code: str = Field(pattern=r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
    holder_name: str
    masked_id: str = Field(pattern=r"^\d{6}\*{8}[\dX]{4}$")
    period: str | None = Field(default=None, description="e.g. 2025 or 2025-01至2025-12; None for 参保证明")
    issued_at: datetime
    valid_until: datetime
    region_code: str = Field(pattern=r"^\d{6}$")
    kiosk_id: str
    summary_rows: list[SlipSummaryRow]
    detail_columns: list[str]
    detail_rows: list[list[str | int]]
    qr_text: str
    verify_hint: str = Field(description="footer line: where and how to verify")


# ---------------------------------------------------------------- fleet: heartbeats, service commands, journal upload
DeviceState = Literal["online", "offline", "hardware_error", "no_device", "unknown"]
MediaState = Literal["present", "not_present", "jammed", "unknown"]
PaperState = Literal["full", "low", "out", "unknown"]
ServiceMode = Literal["in_service", "out_of_service"]
HEX64 = r"^[0-9a-f]{64}$"


class DeviceStatus(WireModel):
    """One device in the XFS4IoT style: device state, its media, its paper (printers) and the fault if any."""

    device: DeviceState
    media: MediaState = "unknown"
    paper: PaperState = "unknown"
    fault: str | None = Field(default=None, max_length=64, description="stable fault code, e.g. E-PR-002")


class HeartbeatRequest(WireModel):
    """``POST /v1/heartbeats`` (kiosk token): the kiosk's latest state; only the newest one matters."""

    sent_at: datetime
    software_version: str = Field(max_length=32)
    service_state: Literal["starting", "in_service", "out_of_service"]
    fault: str | None = Field(default=None, max_length=64)
    devices: dict[str, DeviceStatus] = Field(default_factory=dict, max_length=16)
    counters: dict[str, int] = Field(default_factory=dict, max_length=32)
    journal_seq: int = Field(ge=0)
    journal_hash: str = Field(pattern=HEX64)


class ServiceCommand(WireModel):
    """What an operator wants of a kiosk: in service, or out of service with a reason shown on the kiosk."""

    mode: ServiceMode
    reason: str = Field(default="", max_length=80)


class HeartbeatAnswer(WireModel):
    """The backend's answer: the standing service command (the kiosk obeys the newest one)."""

    received_at: datetime
    service: ServiceCommand
    interval_s: int = Field(ge=5, le=3600)


class FleetKiosk(WireModel):
    """One kiosk on the fleet view."""

    kiosk_id: str
    last_heartbeat_at: datetime | None
    age_s: float | None
    stale: bool
    service_state: str
    fault: str | None
    devices: dict[str, DeviceStatus]
    counters: dict[str, int]
    software_version: str
    journal_seq: int
    journal_uploaded_seq: int
    command: ServiceCommand


class FleetView(WireModel):
    """``GET /v1/fleet`` (operator token)."""

    generated_at: datetime
    stale_after_s: int
    kiosks: list[FleetKiosk]


class JournalUploadEntry(WireModel):
    """One kiosk journal entry as uploaded (the fields its hash covers)."""

    seq: int = Field(ge=1)
    at: str = Field(max_length=40)
    kind: str = Field(max_length=64)
    code: str | None = Field(default=None, max_length=32)
    detail: str = Field(max_length=4000)
    prev_hash: str = Field(pattern=HEX64)
    hash: str = Field(pattern=HEX64)


class JournalUpload(WireModel):
    """``POST /v1/journal`` (kiosk token): a batch of consecutive entries, oldest first."""

    entries: list[JournalUploadEntry] = Field(min_length=1, max_length=500)


class JournalAck(WireModel):
    """The highest sequence number the backend holds contiguously for this kiosk (and its hash)."""

    uploaded_seq: int
    uploaded_hash: str


class SlipIssueRequest(WireModel):
    """``POST /v1/me/slips``: which slip and which period (``year`` for 权益记录单, ``from``/``to`` for 缴费明细)."""

    kind: SlipKind
    year: int | None = Field(default=None, ge=1990, le=2999, description="QYJLD: the year")
    from_period: int | None = Field(default=None, ge=199001, le=299912, description="JFMX: first month, YYYYMM")
    to_period: int | None = Field(default=None, ge=199001, le=299912, description="JFMX: last month, YYYYMM")


class SlipOutcomeRequest(WireModel):
    """``POST /v1/me/slips/{serial}/outcome``: what happened at the printer (a reprint counts 补打)."""

    printed: bool
    reason: str | None = Field(default=None, max_length=40, pattern=r"^[a-z_]+$")
    reprint: bool = False


class SlipOutcome(WireModel):
    """The archived slip's state after an outcome report."""

    serial: str
    status: Literal["issued", "printed", "failed"]
    reprint_count: int


class SlipCheckRequest(WireModel):
    """``POST /v1/slips/check``: serial + check code typed at a kiosk (case- and dash-insensitive)."""

    serial: str = Field(max_length=64)
    check_code: str = Field(max_length=64)


class SlipCheckResult(WireModel):
    """The verification answer with the archived content (masked) when the serial and code match."""

    status: Literal["genuine", "expired", "revoked", "invalid", "limited"]
    reason: str
    archived: SlipDocument | None = None
    checked_at: datetime
