"""The signed QR payload body: a canonical CBOR map with integer keys (SLIP_SPEC §3)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cbor2

from kiosk_backend.slips.serial import is_valid_serial

FORMAT_VERSION = 1
SlipKind = Literal["CBZM", "QYJLD", "JFMX"]
SLIP_KINDS: tuple[SlipKind, ...] = ("CBZM", "QYJLD", "JFMX")
DIGEST_BYTES = 16
MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
_PERIOD_MIN, _PERIOD_MAX = 190001, 299912

Cell = str | int


class PayloadError(ValueError):
    """A payload that is not a well-formed slip body; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SummaryEntry:
    """One insurance line: ``[insurance code, status code, from YYYYMM, to YYYYMM, months]``."""

    insurance_code: str
    status_code: int
    from_period: int
    to_period: int
    months: int

    def as_list(self) -> list[Cell]:
        return [self.insurance_code, self.status_code, self.from_period, self.to_period, self.months]


@dataclass(frozen=True)
class SlipPayload:
    """The fields of the QR body, with the meaning of SLIP_SPEC §3 (keys 0–10)."""

    kind: SlipKind
    serial: str
    issued_at: int
    valid_until: int
    region_code: str
    kiosk_id: str
    holder_name: str
    masked_id: str
    summary: tuple[SummaryEntry, ...]
    details_digest: bytes
    version: int = FORMAT_VERSION


def nfc(text: str) -> str:
    """Unicode NFC, the only form strings take in a payload."""
    return unicodedata.normalize("NFC", text)


def details_digest(detail_rows: Sequence[Sequence[Cell]]) -> bytes:
    """First 16 bytes of SHA-256 over the canonical CBOR of all detail rows (strings NFC, no floats)."""
    rows = [[_cell(value) for value in row] for row in detail_rows]
    return hashlib.sha256(cbor2.dumps(rows, canonical=True)).digest()[:DIGEST_BYTES]


def _cell(value: object) -> Cell:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError("bad_detail_cell", "detail cells are strings or integers (money in fen), never floats")
    return nfc(value) if isinstance(value, str) else value


def build_body(payload: SlipPayload) -> bytes:
    """The deterministic CBOR encoding of a payload (validated first)."""
    _validate(payload)
    body: dict[int, Any] = {
        0: payload.version,
        1: payload.kind,
        2: payload.serial,
        3: payload.issued_at,
        4: payload.valid_until,
        5: payload.region_code,
        6: nfc(payload.kiosk_id),
        7: nfc(payload.holder_name),
        8: payload.masked_id,
        9: [entry.as_list() for entry in payload.summary],
        10: payload.details_digest,
    }
    encoded: bytes = cbor2.dumps(body, canonical=True)
    return encoded


def parse_body(body: bytes) -> SlipPayload:
    """Decode and validate a body; refuses anything that is not exactly what ``build_body`` would write."""
    try:
        decoded = cbor2.loads(body)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise PayloadError("malformed_cbor", "the payload is not CBOR") from exc
    if not isinstance(decoded, dict) or set(decoded) != set(range(11)):
        raise PayloadError("malformed_payload", "the payload does not have keys 0 to 10")
    if decoded[0] != FORMAT_VERSION:
        raise PayloadError("unsupported_version", "unknown payload format version")
    try:
        summary = tuple(_summary_entry(item) for item in decoded[9])
        payload = SlipPayload(
            kind=decoded[1],
            serial=decoded[2],
            issued_at=decoded[3],
            valid_until=decoded[4],
            region_code=decoded[5],
            kiosk_id=decoded[6],
            holder_name=decoded[7],
            masked_id=decoded[8],
            summary=summary,
            details_digest=decoded[10],
            version=decoded[0],
        )
    except TypeError as exc:
        raise PayloadError("malformed_payload", "a payload field has the wrong type") from exc
    _validate(payload)
    if build_body(payload) != body:
        raise PayloadError("non_canonical", "the payload is not in canonical form")
    return payload


def _summary_entry(item: object) -> SummaryEntry:
    if not isinstance(item, list) or len(item) != 5:
        raise PayloadError("malformed_payload", "a summary entry must have 5 fields")
    code, status, start, end, months = item
    return SummaryEntry(code, status, start, end, months)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate(payload: SlipPayload) -> None:
    problems = []
    if payload.kind not in SLIP_KINDS:
        problems.append("document type")
    if not (isinstance(payload.serial, str) and is_valid_serial(payload.serial)):
        problems.append("serial")
    if not (_is_int(payload.issued_at) and _is_int(payload.valid_until) and payload.valid_until > payload.issued_at):
        problems.append("validity")
    if not (isinstance(payload.region_code, str) and len(payload.region_code) == 6 and payload.region_code.isdigit()):
        problems.append("region code")
    elif isinstance(payload.serial, str) and not payload.serial.startswith(payload.region_code):
        problems.append("serial region")
    for name, value in (("kiosk id", payload.kiosk_id), ("holder name", payload.holder_name)):
        if not (isinstance(value, str) and 0 < len(value) <= 64 and value == nfc(value)):
            problems.append(name)
    if not (isinstance(payload.masked_id, str) and MASKED_ID.match(payload.masked_id)):
        problems.append("masked ID")
    if not (isinstance(payload.details_digest, bytes) and len(payload.details_digest) == DIGEST_BYTES):
        problems.append("details digest")
    for entry in payload.summary:
        if not _valid_entry(entry):
            problems.append("summary")
            break
    if problems:
        raise PayloadError("malformed_payload", "invalid payload field(s): " + ", ".join(problems))


def _valid_entry(entry: SummaryEntry) -> bool:
    code_ok = (
        isinstance(entry.insurance_code, str) and entry.insurance_code.isdigit() and len(entry.insurance_code) == 3
    )
    ints_ok = all(_is_int(v) for v in (entry.status_code, entry.from_period, entry.to_period, entry.months))
    if not (code_ok and ints_ok):
        return False
    periods_ok = all(
        _PERIOD_MIN <= p <= _PERIOD_MAX and 1 <= p % 100 <= 12 for p in (entry.from_period, entry.to_period)
    )
    return periods_ok and entry.from_period <= entry.to_period and entry.status_code in (1, 2, 3) and entry.months >= 0
