"""权益单校验 at the kiosk: a serial + check code is checked online by the backend (archive, logging, rate limit); a
scanned QR text is checked offline with the keys the backend publishes (the last copy is kept if it goes away)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal

from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk_backend.identifiers import mask_name
from kiosk_backend.schemas import SlipDocument, SlipKeys
from kiosk_backend.slips.checkcode import normalise_check_code
from kiosk_backend.slips.serial import is_valid_serial, normalise_serial

if TYPE_CHECKING:  # the signature stack (cryptography, cbor2) is loaded with the first check, not at start
    from kiosk_backend.slips.payload import SlipPayload
    from kiosk_backend.slips.verify import Verification

BEIJING = timezone(timedelta(hours=8))
CheckStatus = Literal["genuine", "expired", "revoked", "invalid", "limited", "unavailable"]
_EXTRA_STATUS = {"limited": ("查询过于频繁", "Too many attempts"), "unavailable": ("暂时无法校验", "Cannot check now")}
_EXTRA_REASON = {
    "rate_limited": ("请稍后再试", "please try again later"),
    "backend_unavailable": ("请稍后再试或到服务窗口核验", "try later or at a service counter"),
    "no_keys": ("本机尚无校验密钥", "this kiosk has no verification keys yet"),
    "unreadable": ("无法识别的二维码", "the QR code cannot be read"),
}


@dataclass(frozen=True)
class CheckAnswer:
    """What the screen shows: the verdict, its reason and the slip content (names masked) when there is one."""

    status: CheckStatus
    reason: str
    lines: tuple[tuple[str, str], ...] = ()  # (label catalog key, value)
    door: Literal["code", "qr"] = "code"

    @property
    def genuine(self) -> bool:
        return self.status == "genuine"

    def text(self, language: Literal["zh", "en"]) -> str:
        """``真实有效：签名与内容核验一致`` in the language."""
        from kiosk_backend.slips.verify import REASON_TEXT, STATUS_TEXT

        index = 0 if language == "zh" else 1
        status = (_EXTRA_STATUS.get(self.status) or STATUS_TEXT[self.status])[index]  # type: ignore[index]
        reason = {**REASON_TEXT, **_EXTRA_REASON}.get(self.reason, (self.reason, self.reason))[index]
        return f"{status}：{reason}"


def looks_like_qr(text: str) -> bool:
    """A scanned slip QR (``…/V/<base32>``), as a keyboard-wedge scanner types it."""
    return "/V/" in text.upper()


def _when(moment: datetime | int) -> str:
    value = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _ym(period: int) -> str:
    return f"{period // 100}-{period % 100:02d}"


def archived_lines(doc: SlipDocument) -> tuple[tuple[str, str], ...]:
    """The archived slip's content (online check)."""
    lines = [
        ("check.field.type", doc.title),
        ("check.field.serial", doc.serial),
        ("check.field.holder", f"{mask_name(doc.holder_name)}  {doc.masked_id}"),
        ("check.field.issued", _when(doc.issued_at)),
        ("check.field.valid_until", _when(doc.valid_until)),
    ]
    if doc.period:
        lines.append(("check.field.period", doc.period))
    lines += [
        (
            "check.field.summary",
            f"{r.insurance_name} {r.status_name} {_ym(r.from_period)}～{_ym(r.to_period)} {r.months}",
        )
        for r in doc.summary_rows
    ]
    return tuple(lines)


def payload_lines(payload: SlipPayload) -> tuple[tuple[str, str], ...]:
    """The signed payload's content (offline check of a QR)."""
    lines = [
        ("check.field.type", payload.kind),
        ("check.field.serial", payload.serial),
        ("check.field.holder", f"{mask_name(payload.holder_name)}  {payload.masked_id}"),
        ("check.field.issued", _when(payload.issued_at)),
        ("check.field.valid_until", _when(payload.valid_until)),
    ]
    lines += [
        (
            "check.field.summary",
            f"{e.insurance_code} {e.status_code} {_ym(e.from_period)}～{_ym(e.to_period)} {e.months}",
        )
        for e in payload.summary
    ]
    return tuple(lines)


class SlipChecker:
    """Checks slips for anyone at the kiosk (no card needed). Methods block: call them off the UI thread."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._lock = threading.Lock()
        self._keys: SlipKeys | None = None

    def by_code(self, serial: str, code: str) -> CheckAnswer:
        """Online: the backend checks the archive (a malformed serial or code is refused here, calmly)."""
        if not is_valid_serial(normalise_serial(serial)):
            return CheckAnswer("invalid", "bad_serial")
        if normalise_check_code(code) is None:
            return CheckAnswer("invalid", "bad_check_code")
        try:
            result = self._backend.check_slip(normalise_serial(serial), code)
        except (BackendUnavailable, BackendRejected):
            return CheckAnswer("unavailable", "backend_unavailable")
        lines = archived_lines(result.archived) if result.archived is not None else ()
        return CheckAnswer(result.status, result.reason, lines)

    def by_qr(self, text: str, now: datetime | None = None) -> CheckAnswer:
        """Offline: the signature under the backend's published keys (fresh if it answers, else the last copy)."""
        from kiosk.services.slip_verification import UnreadableSlip, verify_source
        from kiosk_backend.slips.verify import Keyring

        keys = self._published_keys()
        if keys is None:
            return CheckAnswer("unavailable", "no_keys", door="qr")
        try:
            verification = verify_source(text.strip(), Keyring.from_wire(keys), now)
        except UnreadableSlip:
            return CheckAnswer("invalid", "unreadable", door="qr")
        return self._from_verification(verification)

    @staticmethod
    def _from_verification(verification: Verification) -> CheckAnswer:
        lines = payload_lines(verification.payload) if verification.payload is not None else ()
        return CheckAnswer(verification.status, verification.reason, lines, door="qr")

    def _published_keys(self) -> SlipKeys | None:
        try:
            keys = self._backend.slip_keys()
        except (BackendUnavailable, BackendRejected):
            with self._lock:
                return self._keys
        with self._lock:
            self._keys = keys
        return keys
