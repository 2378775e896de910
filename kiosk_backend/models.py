"""SQLAlchemy 2 models of the records service.

Money is stored in fen (integers), contribution periods as ``YYYYMM`` integers, insurance types as the national
AAE140 codes (``110`` enterprise pension … ``510`` maternity, see REFERENCE.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (rowid alias, autoincrement) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic diffs stay clean on SQLite and PostgreSQL)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Kiosk(Base):
    """A registered kiosk: its API token is stored only as a hash (SHA-256 of a 32-byte random token)."""

    __tablename__ = "kiosk"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="in_service")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# ---------------------------------------------------------------- people, cards, employers
class Person(Base):
    """个人基本信息: one insured person, keyed internally by ``id`` and publicly by the 社会保障号码."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ssn: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(30))
    sex: Mapped[str] = mapped_column(String(1))  # GB/T 2261.1: 1 male, 2 female
    birth_date: Mapped[date] = mapped_column(Date)
    ethnic: Mapped[str] = mapped_column(String(2))  # GB 3304
    household_region: Mapped[str] = mapped_column(String(6))  # 户口所在地 region code
    household_type: Mapped[str] = mapped_column(String(8))  # urban | rural (户口性质)
    phone: Mapped[str] = mapped_column(String(11))
    address: Mapped[str] = mapped_column(String(120))
    work_start: Mapped[date | None] = mapped_column(Date, nullable=True)  # 参加工作日期
    persona: Mapped[str] = mapped_column(String(10))  # worker | retiree | resident | injured (seeder's shape)


class Employer(Base):
    """参保单位."""

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    name: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(6))
    injury_rate_permille: Mapped[int] = mapped_column(SmallInteger)  # work-injury unit rate, ‰ (2–19)


class Card(Base):
    """社会保障卡 on record. ``status`` is a state machine; every change is in :class:`CardStatusChange`."""

    __tablename__ = "card"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(9), unique=True)  # 卡号
    card_id: Mapped[str] = mapped_column(String(32), unique=True)  # 卡识别码, hex
    atr: Mapped[str] = mapped_column(String(34), unique=True)  # hex; its last 8 bytes diversify K_card
    region: Mapped[str] = mapped_column(String(6))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    bank: Mapped[str] = mapped_column(String(40))
    bank_account: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))  # normal | temporary_loss | formal_loss | cancelled
    loss_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CardStatusChange(Base):
    """History of a card's status (挂失, 解挂, 正式挂失, 注销)."""

    __tablename__ = "card_status_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    card_pk: Mapped[int] = mapped_column(ForeignKey("card.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))  # kiosk | counter | system | seed
    kiosk_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(String(80), default="")


class Staff(Base):
    """A person whose card opens staff mode on kiosks."""

    __tablename__ = "staff"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # operator | admin
    active: Mapped[bool] = mapped_column(default=True)


# ---------------------------------------------------------------- enrolment and contributions
class Enrolment(Base):
    """参保信息: one insurance of one person (status 1 contributing, 2 suspended, 3 ended)."""

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    insurance: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(1))
    start_period: Mapped[int] = mapped_column(Integer)
    end_period: Mapped[int | None] = mapped_column(Integer, nullable=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), nullable=True)
    region: Mapped[str] = mapped_column(String(6))


class Contribution(Base):
    """缴费明细: one month of one person, all insurances side by side (the annual statement's layout).

    ``kind``: normal (monthly by the unit), flexible (灵活就业, pension + medical by the person), resident (城乡居民,
    a yearly payment booked in January), supplementary (补缴, paid later for a past month).
    """

    __tablename__ = "contribution"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(13), primary_key=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), nullable=True)
    base: Mapped[int] = mapped_column(Integer)  # contribution base, fen
    pension_unit: Mapped[int] = mapped_column(Integer)
    pension_personal: Mapped[int] = mapped_column(Integer)
    medical_unit: Mapped[int] = mapped_column(Integer)
    medical_personal: Mapped[int] = mapped_column(Integer)
    unemployment_unit: Mapped[int] = mapped_column(Integer)
    unemployment_personal: Mapped[int] = mapped_column(Integer)
    injury_unit: Mapped[int] = mapped_column(Integer)
    maternity_unit: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)


class Transfer(Base):
    """转移接续: pension or medical insurance moved between regions."""

    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    insurance: Mapped[str] = mapped_column(String(3))
    from_region: Mapped[str] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(6))
    from_period: Mapped[int] = mapped_column(Integer)
    to_period: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer)
    fund_amount: Mapped[int] = mapped_column(BigInteger)  # fen moved with the record
    status: Mapped[str] = mapped_column(String(12))  # applied | reviewing | approved | completed | rejected
    applied_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)


# ---------------------------------------------------------------- personal accounts
class MedicalAccount(Base):
    """职工医疗保险个人账户: the balance."""

    __tablename__ = "medical_account"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MedicalAccountTxn(Base):
    """职工医疗保险个人账户明细: credits (划入) and expenses (支出)."""

    __tablename__ = "medical_account_txn"
    __table_args__ = (Index("ix_medical_account_txn_person_time", "person_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(8))  # credit | expense
    amount: Mapped[int] = mapped_column(Integer)  # signed fen
    balance_after: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(60))


class PensionAccountYear(Base):
    """养老保险个人账户 by year: credits, interest (the yearly 记账利率), closing balance."""

    __tablename__ = "pension_account_year"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    insurance: Mapped[str] = mapped_column(String(3))  # 110 enterprise | 170 resident
    months: Mapped[int] = mapped_column(SmallInteger)
    opening: Mapped[int] = mapped_column(BigInteger)
    credits: Mapped[int] = mapped_column(BigInteger)
    interest: Mapped[int] = mapped_column(BigInteger)
    closing: Mapped[int] = mapped_column(BigInteger)
    rate_bp: Mapped[int] = mapped_column(SmallInteger)  # interest rate in basis points (8.31 % → 831)


# ---------------------------------------------------------------- benefits
class Benefit(Base):
    """定期待遇: approved periodic benefit (basic pension, injury pension, unemployment benefit …)."""

    __tablename__ = "benefit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    insurance: Mapped[str] = mapped_column(String(3))
    approval_no: Mapped[str] = mapped_column(String(24), unique=True)
    approved_on: Mapped[date] = mapped_column(Date)
    start_period: Mapped[int] = mapped_column(Integer)
    end_period: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # paying | suspended | ended


class BenefitComponent(Base):
    """定期待遇构成: the items making up the monthly amount."""

    __tablename__ = "benefit_component"

    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(24), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)


class BenefitPayment(Base):
    """定期待遇发放: one month paid."""

    __tablename__ = "benefit_payment"

    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id"), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    bank_account_tail: Mapped[str] = mapped_column(String(4))


class OneTimeBenefit(Base):
    """一次性待遇: lump sums (funeral grant, injury lump sum, maternity allowance, account refund …)."""

    __tablename__ = "one_time_benefit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    insurance: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    approved_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10))  # approved | paid


# ---------------------------------------------------------------- medical care
class MedicalVisit(Base):
    """就医信息: one settled outpatient visit or inpatient stay."""

    __tablename__ = "medical_visit"
    __table_args__ = (Index("ix_medical_visit_person_date", "person_id", "visit_date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    visit_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # outpatient | inpatient | pharmacy
    institution: Mapped[str] = mapped_column(String(60))
    diagnosis: Mapped[str] = mapped_column(String(60))
    total: Mapped[int] = mapped_column(Integer)
    fund_paid: Mapped[int] = mapped_column(Integer)
    account_paid: Mapped[int] = mapped_column(Integer)
    self_paid: Mapped[int] = mapped_column(Integer)


class MedicalContract(Base):
    """门诊统筹签约 (kind ``general``) and 门诊大病/慢特病签约 (kind ``chronic``)."""

    __tablename__ = "medical_contract"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    institution: Mapped[str] = mapped_column(String(60))
    disease: Mapped[str | None] = mapped_column(String(40), nullable=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # active | expired | cancelled


# ---------------------------------------------------------------- work injury
class InjuryDetermination(Base):
    """工伤认定."""

    __tablename__ = "injury_determination"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), nullable=True)
    decision_no: Mapped[str] = mapped_column(String(24), unique=True)
    accident_date: Mapped[date] = mapped_column(Date)
    determined_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16))  # recognised | not_recognised
    description: Mapped[str] = mapped_column(String(120))


class DisabilityAssessment(Base):
    """劳动能力鉴定: disability grade (1–10) and care grade (1 完全, 2 大部分, 3 部分 护理依赖)."""

    __tablename__ = "disability_assessment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    determination_id: Mapped[int] = mapped_column(ForeignKey("injury_determination.id"))
    conclusion_no: Mapped[str] = mapped_column(String(24), unique=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    disability_grade: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    care_grade: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


# ---------------------------------------------------------------- cases, slips
class Case(Base):
    """办件: a service application and its progress."""

    __tablename__ = "service_case"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    service: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(12))  # counter | online | kiosk
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12))  # accepted | processing | completed | rejected


class CaseStep(Base):
    """办件进度: one step of a case."""

    __tablename__ = "case_step"

    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    step: Mapped[str] = mapped_column(String(24))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    office: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(40))


# ---------------------------------------------------------------- sessions, idempotency, audit
class CardChallengeRecord(Base):
    """A one-time INTERNAL AUTHENTICATE challenge (CARD_SPEC §5): used once, expires after 60 s."""

    __tablename__ = "card_challenge"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(32))
    card_pk: Mapped[int] = mapped_column(ForeignKey("card.id"))
    challenge: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CitizenSession(Base):
    """A short-lived citizen token (stored as its SHA-256), scoped to one person and one kiosk."""

    __tablename__ = "citizen_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    card_pk: Mapped[int] = mapped_column(ForeignKey("card.id"))
    kiosk_id: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(12))  # full | unlock_only
    role: Mapped[str] = mapped_column(String(8))  # citizen | staff
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class IdempotencyRecord(Base):
    """A state-changing request seen once: the unique (kiosk, key) pair makes concurrent duplicates take effect once."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("kiosk_id", "key", name="uq_idempotency_key_kiosk_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuditEntry(Base):
    """Audit log of security-relevant events (logins, card status changes). No PINs, ID numbers masked."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kiosk_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    person_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200), default="")


# ---------------------------------------------------------------- record slips (SLIP_SPEC.md, issue #6)
class SlipSigningKey(Base):
    """An Ed25519 slip signing key. The private key is AES-GCM encrypted under the backend's master key file
    (``slips.master_key_file``); it never leaves the backend. The newest unrevoked, unretired key signs."""

    __tablename__ = "slip_signing_key"

    kid: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SlipCheckKey(Base):
    """K_cc, the HMAC key of check codes, by version (encrypted like the signing keys)."""

    __tablename__ = "slip_check_key"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SlipRevokedSerial(Base):
    """A withdrawn slip: published in ``/v1/slip-keys`` so offline verifiers refuse it too."""

    __tablename__ = "slip_revoked_serial"

    serial: Mapped[str] = mapped_column(String(22), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(200), default="")


class Slip(Base):
    """The archive of every issued slip: the signed body, the printed content, and what happened at the printer."""

    __tablename__ = "slip"

    serial: Mapped[str] = mapped_column(String(22), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    holder_ref: Mapped[str] = mapped_column(String(64), index=True)  # person reference; a foreign key after #3
    kiosk_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kid: Mapped[str] = mapped_column(String(8))
    check_key_version: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the signed CBOR body
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    details_digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # the SlipDocument as printed, without check code
    status: Mapped[str] = mapped_column(String(16), default="issued")  # issued / printed / failed
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)


class SlipLookup(Base):
    """Every verification lookup (web page, form, API): when, who asked (client address), what, and the answer."""

    __tablename__ = "slip_lookup"
    __table_args__ = (
        Index("ix_slip_lookup_serial_at", "serial", "at"),
        Index("ix_slip_lookup_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(String(64))
    door: Mapped[str] = mapped_column(String(8))  # qr / form
    serial: Mapped[str | None] = mapped_column(String(22), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # genuine / expired / revoked / invalid / limited
    reason: Mapped[str] = mapped_column(String(32))


# ---------------------------------------------------------------- fleet: heartbeats, commands, uploaded journals
class FleetState(Base):
    """The newest heartbeat of a kiosk and the operator's standing service command for it."""

    __tablename__ = "fleet_state"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosk.id"), primary_key=True)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    software_version: Mapped[str] = mapped_column(String(32), default="")
    service_state: Mapped[str] = mapped_column(String(16), default="unknown")
    fault: Mapped[str | None] = mapped_column(String(64), nullable=True)
    devices: Mapped[str] = mapped_column(Text, default="{}")  # JSON: name → DeviceStatus
    counters: Mapped[str] = mapped_column(Text, default="{}")  # JSON: name → int
    journal_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    journal_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    command_mode: Mapped[str] = mapped_column(String(16), default="in_service")
    command_reason: Mapped[str] = mapped_column(String(80), default="")
    command_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class KioskJournalEntry(Base):
    """One uploaded kiosk journal entry; ``(kiosk_id, seq)`` is unique and the chain is checked on arrival."""

    __tablename__ = "kiosk_journal_entry"

    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosk.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------- card services: 挂失 without the card, SMS (issue #7)
class LossReportRecord(Base):
    """One card-less loss report: the SMS challenge, then the confirmation ticket.

    ``person_id``/``card_pk`` are empty when the ID number and name did not match (the answer looked the same).
    The code and the ticket are stored only as HMACs under the backend's secret; both are single use.
    """

    __tablename__ = "loss_report"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the challenge id
    kiosk_id: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    card_pk: Mapped[int | None] = mapped_column(ForeignKey("card.id"), nullable=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(24), unique=True, nullable=True)


class RateCounter(Base):
    """A fixed-window request counter shared by all workers: ``(scope, key, window)`` counts atomically (upsert)."""

    __tablename__ = "rate_counter"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # loss_id | loss_phone | loss_kiosk
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # an HMAC, never a plain ID or phone number
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the window's start, unix seconds
    count: Mapped[int] = mapped_column(Integer, default=0)


class SmsOutbox(Base):
    """A notification SMS written in the same transaction as the change it reports, delivered after the commit.

    ``claimed_at`` leases a message to one worker; a message claimed but never marked ``sent_at`` (a crash) is sent
    again after the lease. One-time codes never come here (they are sent directly and never stored in clear).
    """

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(11))
    kind: Mapped[str] = mapped_column(String(16))  # card_status
    text: Mapped[str] = mapped_column(String(300))
    status_change_id: Mapped[int | None] = mapped_column(ForeignKey("card_status_change.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
