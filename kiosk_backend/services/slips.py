"""Issuing, archiving and verifying record slips (SLIP_SPEC.md §1, §4).

``issue_slip`` takes the rows already gathered from the records (the HTTP issuing endpoint that gathers them arrives
with the records API, issue #3), assigns the serial, computes the check code, signs the QR payload and archives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk_backend.config import SlipSettings
from kiosk_backend.identifiers import is_valid_ssn, mask_ssn
from kiosk_backend.models import Slip, SlipLookup, SlipRevokedSerial, SlipSigningKey
from kiosk_backend.schemas import SlipDocument, SlipKind, SlipSummaryRow
from kiosk_backend.services.slip_keys import MasterKey, check_key, current_signer, published_keys
from kiosk_backend.slips.checkcode import check_code, check_code_matches, normalise_check_code
from kiosk_backend.slips.compose import BEIJING, Issuer, SlipContent, compose_slip
from kiosk_backend.slips.payload import parse_body
from kiosk_backend.slips.serial import is_valid_serial, next_serial, normalise_serial, serial_prefix
from kiosk_backend.slips.signing import (
    Blob,
    BlobError,
    blob_from_qr_text,
    signature_valid,
    split_blob,
)
from kiosk_backend.slips.verify import Keyring, Verification, invalid, judge, verify_blob

_SERIAL_ATTEMPTS = 5


class SlipError(Exception):
    """A slip request that cannot be done; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SlipHolder:
    """Whose slip: a person reference (the records' key, a plain string until issue #3), the name and the full ID.

    The full ID is only used to mask it; it is never stored in the archive or put on the slip.
    """

    person_ref: str
    name: str
    ssn: str


@dataclass(frozen=True)
class LookupResult:
    """A verification answer with the archived slip content (masked), when there is one."""

    verification: Verification
    archived: SlipDocument | None
    checked_at: datetime


def issue_slip(
    db: Session,
    master: MasterKey,
    settings: SlipSettings,
    *,
    kind: SlipKind,
    holder: SlipHolder,
    summary_rows: Sequence[SlipSummaryRow],
    detail_columns: Sequence[str],
    detail_rows: Sequence[Sequence[str | int]],
    kiosk_id: str,
    region_code: str,
    period: str | None = None,
    now: datetime | None = None,
) -> SlipDocument:
    """Assign the serial, compute the check code, sign and archive; returns what the kiosk renders."""
    if not is_valid_ssn(holder.ssn):
        raise SlipError("bad_holder", "the holder's ID number is not valid")
    issued = (now or datetime.now(UTC)).replace(microsecond=0)
    valid_until = issued + timedelta(days=settings.validity_days)
    kid, private_key = current_signer(db, master)
    version, k_cc = check_key(db, master)
    issuer = Issuer(
        settings.issuing_office, kiosk_id, region_code, settings.verify_base_url, private_key, k_cc, version
    )
    content = SlipContent(kind, holder.name, mask_ssn(holder.ssn), summary_rows, detail_columns, detail_rows, period)
    for _attempt in range(_SERIAL_ATTEMPTS):
        serial = _allocate_serial(db, region_code, issued)
        document, blob = compose_slip(content, issuer, serial, issued, valid_until)
        archived = Slip(
            serial=serial,
            kind=kind,
            holder_ref=holder.person_ref,
            kiosk_id=kiosk_id,
            issued_at=issued,
            valid_until=valid_until,
            kid=kid,
            check_key_version=version,
            body=blob.body,
            signature=blob.signature,
            details_digest=parse_body(blob.body).details_digest,
            content=document.model_dump(mode="json", exclude={"check_code", "qr_text"}),
            status="issued",
            reprint_count=0,
        )
        try:
            with db.begin_nested():
                db.add(archived)
        except IntegrityError:
            continue  # another worker took this serial; allocate the next one
        return document
    raise SlipError("serial_busy", "could not allocate a serial; try again")


def _allocate_serial(db: Session, region_code: str, issued: datetime) -> str:
    day = issued.astimezone(BEIJING).date()  # the serial carries the hall's calendar day
    prefix = serial_prefix(region_code, day)
    last = db.scalar(select(func.max(Slip.serial)).where(Slip.serial.like(prefix + "%")))
    return next_serial(region_code, day, last)


def record_print_outcome(
    db: Session, serial: str, *, printed: bool, reason: str | None = None, reprint: bool = False, now: datetime
) -> Slip:
    """What happened at the printer: ``printed`` or ``failed`` (with the reason); a reprint counts 补打."""
    row = db.get(Slip, serial)
    if row is None:
        raise SlipError("unknown_serial", "no slip with this serial")
    if reprint:
        row.reprint_count += 1
    if printed:
        row.status, row.printed_at, row.failure_reason = "printed", now, None
    elif row.status != "printed":
        row.status, row.failure_reason = "failed", (reason or "unknown")[:200]
    db.flush()
    return row


def archived_document(row: Slip) -> SlipDocument:
    """The archived slip as it was printed, without check code and QR (the web page shows this)."""
    content: dict[str, Any] = dict(row.content)
    content.update(check_code="0000-0000-0000", qr_text="")
    return SlipDocument.model_validate(content)


# ---------------------------------------------------------------- verification (web page doors)
def keyring(db: Session) -> Keyring:
    """The trusted keys and revoked serials, as published."""
    return Keyring.from_wire(published_keys(db))


def _rate_limited(db: Session, settings: SlipSettings, client: str, serial: str | None, now: datetime) -> bool:
    failed = SlipLookup.status.in_(("invalid", "limited"))
    since_client = now - timedelta(seconds=settings.client_window_s)
    client_failures = db.scalar(
        select(func.count())
        .select_from(SlipLookup)
        .where(SlipLookup.client == client, SlipLookup.at >= since_client, failed)
    )
    if (client_failures or 0) >= settings.client_failures_per_window:
        return True
    if serial is None:
        return False
    serial_failures = db.scalar(
        select(func.count())
        .select_from(SlipLookup)
        .where(
            SlipLookup.serial == serial,
            SlipLookup.at >= now - timedelta(hours=1),
            SlipLookup.reason == "wrong_check_code",
        )
    )
    return (serial_failures or 0) >= settings.serial_failures_per_hour


def _log(db: Session, now: datetime, client: str, door: str, serial: str | None, status: str, reason: str) -> None:
    db.add(SlipLookup(at=now, client=client[:64], door=door, serial=serial, status=status, reason=reason[:32]))
    db.flush()


LIMITED: Literal["limited"] = "limited"


def verify_by_code(
    db: Session,
    master: MasterKey,
    settings: SlipSettings,
    *,
    serial_text: str,
    code_text: str,
    client: str,
    now: datetime | None = None,
) -> LookupResult | Literal["limited"]:
    """The form door: serial + check code (case- and dash-insensitive). Logged; wrong guesses rate-limited."""
    moment = now or datetime.now(UTC)
    serial = normalise_serial(serial_text)
    logged_serial = serial if is_valid_serial(serial) else None
    if _rate_limited(db, settings, client, logged_serial, moment):
        _log(db, moment, client, "form", logged_serial, LIMITED, "rate_limited")
        return LIMITED
    result = _verify_by_code(db, master, serial, code_text, moment)
    outcome = result.verification
    _log(db, moment, client, "form", logged_serial, outcome.status, outcome.reason)
    return result


def _verify_by_code(db: Session, master: MasterKey, serial: str, code_text: str, now: datetime) -> LookupResult:
    if not is_valid_serial(serial):
        return LookupResult(invalid("bad_serial"), None, now)
    if normalise_check_code(code_text) is None:
        return LookupResult(invalid("bad_check_code"), None, now)
    row = db.get(Slip, serial)
    if row is None:
        return LookupResult(invalid("unknown_serial"), None, now)
    _version, k_cc = check_key(db, master, row.check_key_version)
    if not check_code_matches(check_code(k_cc, row.check_key_version, serial, row.details_digest), code_text):
        return LookupResult(invalid("wrong_check_code"), None, now)
    return LookupResult(_judge_archived(db, row, now), archived_document(row), now)


def _judge_archived(db: Session, row: Slip, now: datetime) -> Verification:
    key = keyring(db).find(bytes.fromhex(row.kid))
    blob = Blob(bytes.fromhex(row.kid), row.body, row.signature)
    if key is None:
        return invalid("unknown_key")
    if not signature_valid(key.public_key, blob):
        return invalid("archive_mismatch")
    revoked = db.scalars(select(SlipRevokedSerial.serial).where(SlipRevokedSerial.serial == row.serial)).all()
    return judge(parse_body(row.body), key, revoked, int(now.timestamp()))


def verify_by_qr(
    db: Session, settings: SlipSettings, *, code: str, client: str, now: datetime | None = None
) -> LookupResult | Literal["limited"]:
    """The QR door (``/V/<blob>``): the signature is checked as an offline verifier would, then the archive is
    compared byte for byte. Logged; invalid codes count against the client's limit."""
    moment = now or datetime.now(UTC)
    if _rate_limited(db, settings, client, None, moment):
        _log(db, moment, client, "qr", None, LIMITED, "rate_limited")
        return LIMITED
    try:
        data = blob_from_qr_text(code)
    except BlobError as exc:
        result = LookupResult(invalid(exc.code), None, moment)
    else:
        result = _verify_blob_with_archive(db, data, moment)
    serial = result.verification.payload.serial if result.verification.payload else None
    _log(db, moment, client, "qr", serial, result.verification.status, result.verification.reason)
    return result


def _verify_blob_with_archive(db: Session, data: bytes, now: datetime) -> LookupResult:
    outcome = verify_blob(data, keyring(db), int(now.timestamp()))
    if outcome.payload is None:
        return LookupResult(outcome, None, now)
    row = db.get(Slip, outcome.payload.serial)
    if row is None or row.body != split_blob(data).body:
        return LookupResult(invalid("archive_mismatch", outcome.payload), None, now)
    return LookupResult(outcome, archived_document(row), now)


def signing_key_rows(db: Session) -> list[SlipSigningKey]:
    """All signing keys, oldest first (for `kiosk-backend keys list`)."""
    return list(db.scalars(select(SlipSigningKey).order_by(SlipSigningKey.created_at)).all())
