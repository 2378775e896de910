"""挂失 without the card: ID number + name → SMS one-time code → single-use ticket → 临时挂失.

No enumeration: step 1 answers the same (a challenge id and its expiry) whether the ID number is unknown, the name
is wrong or both match; only a match sends a code. A challenge without a match stores the HMAC of a value no code
can equal, so step 2 fails the same way (``otp_wrong``, then ``otp_attempts_exceeded``) for both. Codes, tickets and
rate-limit keys are HMAC-SHA256 under the backend's secret; a code is never logged or audited (only the SMS text
carries it). Rate limits (per ID number, per kiosk at step 1; per phone before a code is sent) are counted in the
database so they hold across ``serve`` workers; an unknown ID number is counted exactly like a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk_backend.clock import aware, utcnow
from kiosk_backend.config import BackendSettings
from kiosk_backend.errors import ApiError
from kiosk_backend.identifiers import is_valid_ssn, mask_name, mask_ssn, mask_tail
from kiosk_backend.models import Card, LossReportRecord, Person
from kiosk_backend.schemas import (
    LossReportChallenge,
    LossReportConfirm,
    LossReportResult,
    LossReportStart,
    LossReportTicket,
    LossReportVerify,
)
from kiosk_backend.services import card_status, rate_limits
from kiosk_backend.services.audit import audit
from kiosk_backend.services.notifications import BEIJING
from kiosk_backend.services.sms import SmsMessage

CODE_LENGTH = 6
RATE_LIMITED = "too many loss reports were started; please try again later or call 12333"


def mac(key: bytes, purpose: str, *parts: str) -> str:
    """Hex HMAC-SHA256 of ``purpose`` and ``parts`` under the backend's secret."""
    return hmac.new(key, "\x1f".join((purpose, *parts)).encode(), hashlib.sha256).hexdigest()


def code_sms_text(code: str, ttl_s: int) -> str:
    """The one-time code's SMS (the only place the code is ever written)."""
    return (
        f"【宁夏人社】验证码{code}，您正在社保自助终端办理社会保障卡挂失，{ttl_s // 60}分钟内有效。"
        "请勿将验证码告诉他人；如非本人操作，请忽略本短信。"
    )


def _holder_card(db: Session, ssn: str, name: str) -> tuple[Person, Card] | None:
    """The person with this ID number and name, and their newest card that is not cancelled.

    The same queries run whether or not the number is on record (no timing difference between the two).
    """
    person = db.execute(select(Person).where(Person.ssn == ssn)).scalar_one_or_none()
    same_name = person is not None and hmac.compare_digest(person.name.strip().encode(), name.strip().encode())
    card = (
        db.execute(
            select(Card)
            .where(Card.person_id == (person.id if person is not None and same_name else 0), Card.status != "cancelled")
            .order_by(Card.issued_on.desc(), Card.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
    return None if person is None or card is None else (person, card)


def _over_limit(db: Session, scope: str, key: str, limit: int, now: datetime, window_s: int) -> bool:
    return rate_limits.count(db, scope, key, now, window_s) > limit


def start(
    db: Session, kiosk_id: str, request: LossReportStart, settings: BackendSettings, key: bytes
) -> tuple[LossReportChallenge, SmsMessage | None]:
    """Step 1: the challenge, and the code's SMS to send once the transaction has committed (if they matched)."""
    if not is_valid_ssn(request.ssn):
        raise ApiError(422, "ssn_invalid", "the 社会保障号码 has a wrong check character")
    policy = settings.loss_report
    now = utcnow()
    kiosk_over = _over_limit(db, "loss_kiosk", kiosk_id, policy.starts_per_kiosk, now, policy.window_s)
    id_over = _over_limit(db, "loss_id", mac(key, "ssn", request.ssn), policy.starts_per_id, now, policy.window_s)
    if kiosk_over or id_over:
        audit(db, "loss_report_start", "rate_limited", kiosk_id, None, mask_ssn(request.ssn))
        db.flush()
        raise ApiError(429, "rate_limited", RATE_LIMITED)
    match = _holder_card(db, request.ssn, request.name)
    # A non-match is counted under a stand-in for the phone (derived from the number): the same work, the same limit.
    phone_key = mac(key, "phone", match[0].phone) if match is not None else mac(key, "no-phone", request.ssn)
    if _over_limit(db, "loss_phone", phone_key, policy.sms_per_phone, now, policy.window_s):
        audit(db, "loss_report_start", "rate_limited", kiosk_id, None, mask_ssn(request.ssn))
        db.flush()
        raise ApiError(429, "rate_limited", RATE_LIMITED)
    challenge_id = secrets.token_hex(16)
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    record = LossReportRecord(
        id=challenge_id,
        kiosk_id=kiosk_id,
        person_id=None if match is None else match[0].id,
        card_pk=None if match is None else match[1].id,
        # a non-match keeps the HMAC of a value no 4–8 digit code can equal: it can never be verified
        code_hash=mac(key, "otp", challenge_id, code if match is not None else secrets.token_hex(16)),
        created_at=now,
        expires_at=(now + timedelta(seconds=policy.otp_ttl_s)).replace(microsecond=0),  # same length for all
        attempts=0,
    )
    db.add(record)
    outcome = "no_match" if match is None else "code_sent"
    audit(db, "loss_report_start", outcome, kiosk_id, record.person_id, mask_ssn(request.ssn))
    db.flush()
    sms = None
    if match is not None:
        sms = SmsMessage(
            id=f"otp-{challenge_id}",
            to=match[0].phone,
            kind="otp",
            text=code_sms_text(code, policy.otp_ttl_s),
            sent_at=now,
            ref=challenge_id,
        )
    return LossReportChallenge(challenge_id=challenge_id, expires_at=record.expires_at, code_length=CODE_LENGTH), sms


def verify(
    db: Session, kiosk_id: str, challenge_id: str, request: LossReportVerify, settings: BackendSettings, key: bytes
) -> LossReportTicket:
    """Step 2: a right code burns the challenge and returns a single-use ticket; a wrong one counts an attempt."""
    policy = settings.loss_report
    record = db.get(LossReportRecord, challenge_id)
    if record is None or record.kiosk_id != kiosk_id:
        raise ApiError(404, "challenge_unknown", "unknown loss report; start again")
    now = utcnow()
    if record.verified_at is not None:
        raise ApiError(409, "otp_used", "this code was already used; start again")
    if record.attempts >= policy.otp_max_attempts:
        raise ApiError(403, "otp_attempts_exceeded", "too many wrong codes; start again")
    if aware(record.expires_at) <= now:
        raise ApiError(410, "otp_expired", "the code has expired; start again")
    live = (
        LossReportRecord.id == challenge_id,
        LossReportRecord.verified_at.is_(None),
        LossReportRecord.attempts < policy.otp_max_attempts,
    )
    if not hmac.compare_digest(record.code_hash, mac(key, "otp", challenge_id, request.code)):
        counted = db.execute(
            update(LossReportRecord)
            .where(*live)
            .values(attempts=LossReportRecord.attempts + 1)
            .returning(LossReportRecord.attempts),
            execution_options={"synchronize_session": False},
        ).scalar_one_or_none()
        audit(db, "loss_report_verify", "otp_wrong", kiosk_id, record.person_id)
        db.flush()
        if counted is None:
            raise ApiError(403, "otp_attempts_exceeded", "too many wrong codes; start again")
        left = policy.otp_max_attempts - counted
        raise ApiError(401, "otp_wrong", f"wrong code; {left} attempt(s) left")
    ticket = secrets.token_hex(16)
    ticket_expires_at = now + timedelta(seconds=policy.ticket_ttl_s)
    burnt = db.execute(
        update(LossReportRecord)
        .where(*live)
        .values(verified_at=now, ticket_hash=mac(key, "ticket", ticket), ticket_expires_at=ticket_expires_at),
        execution_options={"synchronize_session": False},
    )
    if getattr(burnt, "rowcount", 0) != 1:
        raise ApiError(409, "otp_used", "this code was already used; start again")
    assert record.card_pk is not None and record.person_id is not None  # a right code implies a match
    card = db.get(Card, record.card_pk)
    person = db.get(Person, record.person_id)
    assert card is not None and person is not None
    status = card_status.effective_status(db, card, now)
    audit(db, "loss_report_verify", "ok", kiosk_id, person.id, f"card …{card.card_no[-4:]}")
    db.flush()
    return LossReportTicket(
        ticket=ticket,
        ticket_expires_at=ticket_expires_at,
        masked_name=mask_name(person.name),
        masked_card_no=mask_tail(card.card_no),
        card_status=status,
        loss_expires_at=aware(card.loss_expires_at) if status == "temporary_loss" and card.loss_expires_at else None,
        temporary_loss_days=settings.card.temporary_loss_days,
    )


def confirm(
    db: Session, kiosk_id: str, request: LossReportConfirm, settings: BackendSettings, key: bytes
) -> LossReportResult:
    """Step 3: the ticket is burnt and the card becomes ``temporary_loss`` (409 ``card_not_normal`` otherwise)."""
    record = db.execute(
        select(LossReportRecord).where(LossReportRecord.ticket_hash == mac(key, "ticket", request.ticket))
    ).scalar_one_or_none()
    if record is None or record.kiosk_id != kiosk_id or record.card_pk is None:
        raise ApiError(401, "ticket_unknown", "unknown confirmation ticket; start again")
    now = utcnow()
    if record.confirmed_at is not None:
        raise ApiError(409, "ticket_used", "this confirmation was already used")
    if record.ticket_expires_at is None or aware(record.ticket_expires_at) <= now:
        raise ApiError(410, "ticket_expired", "the confirmation has expired; start again")
    card = db.get(Card, record.card_pk, with_for_update=True)
    assert card is not None
    burnt = db.execute(
        update(LossReportRecord)
        .where(LossReportRecord.id == record.id, LossReportRecord.confirmed_at.is_(None))
        .values(confirmed_at=now),
        execution_options={"synchronize_session": False},
    )
    if getattr(burnt, "rowcount", 0) != 1:
        raise ApiError(409, "ticket_used", "this confirmation was already used")
    change = card_status.report_temporary_loss(db, card, kiosk_id, request.reason, settings.card.temporary_loss_days)
    reference = f"GS{now.astimezone(BEIJING):%Y%m%d}{change.id:08d}"
    db.execute(
        update(LossReportRecord).where(LossReportRecord.id == record.id).values(reference=reference),
        execution_options={"synchronize_session": False},
    )
    audit(db, "card_loss_report", "ok", kiosk_id, card.person_id, f"card …{card.card_no[-4:]} {reference} (SMS code)")
    db.flush()
    assert card.loss_expires_at is not None
    return LossReportResult(
        reference=reference,
        masked_card_no=mask_tail(card.card_no),
        card_status="temporary_loss",
        reported_at=aware(change.changed_at),
        loss_expires_at=aware(card.loss_expires_at),
    )
