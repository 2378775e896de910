"""密码修改 on the card (CARD_SPEC §4), and finding out which PIN is valid after a card was pulled mid-change.

CHANGE PIN is atomic on the card: pulled during the command, the card keeps exactly one valid PIN — the old or the
new one — but the kiosk may not have seen the answer. It then keeps both PINs **in memory only** for a short while
(never logged or written) and, when the same card comes back, tries the new PIN and, if the card refuses it, the old
one (a right VERIFY resets the try counter, so nothing is lost) — and tells the citizen which PIN to use.
PIN unblocking and reset stay counter services.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass

from kiosk.cardreader.card import SocialSecurityCard
from kiosk.cardreader.errors import CardError, CardRemoved, PinBlocked, WeakPin, WrongPin
from kiosk.cardreader.pin import Pin
from kiosk.clock import Clock
from kiosk.services.citizen import Notice
from kiosk.session import CitizenSession

log = logging.getLogger(__name__)

PENDING_CHECK_S = 180.0  # how long the kiosk remembers an unconfirmed change for the card's return


class PinChangeResult(enum.Enum):
    """How a change ended."""

    CHANGED = "changed"
    WRONG_OLD = "wrong_old"
    BLOCKED = "blocked"
    UNCERTAIN = "uncertain"  # the card left during CHANGE PIN: old or new, checked when it comes back
    FAILED = "failed"


@dataclass(frozen=True)
class PinChangeOutcome:
    """The result and the words for it."""

    result: PinChangeResult
    notice: Notice
    tries_left: int | None = None


def new_pin_problem(old: Pin, new: Pin, repeat: Pin) -> Notice | None:
    """The rules a new PIN must pass before the card is asked (CARD_SPEC §4)."""
    if new != repeat:
        return Notice(
            _NOT_DONE, {"zh": "两次输入的新密码不一致，请重新输入。", "en": "The two new PINs differ."}, "pin_mismatch"
        )
    if new == old:
        return Notice(
            _NOT_DONE, {"zh": "新密码不能与原密码相同。", "en": "The new PIN must differ from the old one."}, "pin_same"
        )
    try:
        new.check_strength()
    except WeakPin as exc:
        return Notice(_NOT_DONE, {"zh": exc.zh, "en": exc.en}, exc.code)
    return None


_NOT_DONE = {"zh": "密码未修改", "en": "PIN not changed"}
_COUNTER = {
    "zh": "忘记密码或密码已锁定，请携带身份证件到社保经办窗口办理密码重置或解锁。",
    "en": "A forgotten or blocked PIN is reset or unblocked at a service counter (bring your ID card).",
}


class PendingPinChecks:
    """Unconfirmed changes by card number, in memory only, forgotten after :data:`PENDING_CHECK_S`."""

    def __init__(self, clock: Clock, keep_s: float = PENDING_CHECK_S) -> None:
        self._clock = clock
        self._keep_s = keep_s
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[Pin, Pin, float]] = {}

    def __repr__(self) -> str:
        return f"PendingPinChecks({len(self._pending)} pending)"

    def remember(self, card_no: str, old: Pin, new: Pin) -> None:
        """Keep both PINs for the card's return."""
        with self._lock:
            self._pending[card_no] = (old, new, self._clock.monotonic() + self._keep_s)

    def has(self, card_no: str) -> bool:
        """Whether a check waits for this card."""
        with self._lock:
            entry = self._pending.get(card_no)
            return entry is not None and entry[2] > self._clock.monotonic()

    def forget_expired(self) -> None:
        """Drop what is too old to keep."""
        now = self._clock.monotonic()
        with self._lock:
            for card_no in [c for c, (_o, _n, until) in self._pending.items() if until <= now]:
                del self._pending[card_no]

    def resolve(self, card: SocialSecurityCard, card_no: str) -> dict[str, str] | None:
        """With the card back: which PIN is valid now, as the words for the PIN screen (``None``: nothing pending).
        Raises :class:`CardError` (e.g. CardRemoved) like any card command; the check is then kept."""
        self.forget_expired()
        with self._lock:
            entry = self._pending.get(card_no)
        if entry is None:
            return None
        old, new, _until = entry
        tries = card.pin_tries_left()
        if tries is not None and tries < 2:  # a wrong try could block the card: let the citizen choose
            verdict = _UNKNOWN
        elif _accepts(card, new):
            verdict = _NEW_VALID
        elif _accepts(card, old):
            verdict = _OLD_VALID
        else:
            verdict = _UNKNOWN
        with self._lock:
            self._pending.pop(card_no, None)
        log.info("PIN change check after removal: %s", verdict["code"])
        return verdict


def _accepts(card: SocialSecurityCard, pin: Pin) -> bool:
    try:
        card.verify_pin(pin)
    except WrongPin:
        return False
    return True


_NEW_VALID = {
    "code": "new_pin_valid",
    "zh": "上次修改密码时卡片被取出。经核对：新密码已生效，请输入新密码。",
    "en": "The card was pulled during the last PIN change. Checked: the NEW PIN is valid. Please enter the new PIN.",
}
_OLD_VALID = {
    "code": "old_pin_valid",
    "zh": "上次修改密码时卡片被取出。经核对：密码未修改，原密码仍有效，请输入原密码。",
    "en": "The card was pulled during the last PIN change. Checked: the PIN was NOT changed; enter your old PIN.",
}
_UNKNOWN = {
    "code": "pin_unknown",
    "zh": "上次修改密码时卡片被取出，未能核对哪个密码有效。请先输入新密码；如提示错误，请输入原密码。",
    "en": "The card was pulled during the last PIN change and it could not be checked which PIN is valid. "
    "Try the new PIN first; if it is refused, the old one.",
}


class PinChanger:
    """Changes the PIN of the card of a logged-in citizen (any active session, also one that may only 解挂)."""

    def __init__(self, card: SocialSecurityCard, session: CitizenSession, pending: PendingPinChecks) -> None:
        self._card = card
        self._session = session
        self._pending = pending

    def change(self, old: Pin, new: Pin) -> PinChangeOutcome:
        """CHANGE PIN on the card. The PINs are passed to the card only (and kept in memory if the card is pulled)."""
        self._session.require_active()
        ident = self._session.identification
        card_no = ident.card_no if ident is not None else ""
        try:
            self._card.change_pin(old, new)
        except WeakPin as exc:
            return PinChangeOutcome(PinChangeResult.FAILED, Notice(_NOT_DONE, {"zh": exc.zh, "en": exc.en}, exc.code))
        except WrongPin as exc:
            body = {"zh": f"原密码不正确。{exc.message('zh')}。", "en": f"The old PIN is wrong. {exc.message('en')}"}
            return PinChangeOutcome(PinChangeResult.WRONG_OLD, Notice(_NOT_DONE, body, exc.code), exc.tries_left)
        except PinBlocked as exc:
            body = {"zh": f"{exc.zh}。{_COUNTER['zh']}", "en": f"{exc.en} {_COUNTER['en']}"}
            return PinChangeOutcome(
                PinChangeResult.BLOCKED, Notice({"zh": "密码已锁定", "en": "PIN blocked"}, body, exc.code)
            )
        except CardRemoved:
            if card_no:
                self._pending.remember(card_no, old, new)
            return PinChangeOutcome(PinChangeResult.UNCERTAIN, _uncertain_notice())
        except CardError as exc:
            body = {"zh": exc.message("zh"), "en": exc.message("en")}
            return PinChangeOutcome(PinChangeResult.FAILED, Notice(_NOT_DONE, body, exc.code))
        self._session.pin_changed()
        body = {
            "zh": "密码已修改成功，请牢记新密码，下次使用新密码。",
            "en": "Your PIN has been changed. Please remember the new PIN and use it from now on.",
        }
        return PinChangeOutcome(PinChangeResult.CHANGED, Notice({"zh": "密码已修改", "en": "PIN changed"}, body, ""))


def _uncertain_notice() -> Notice:
    minutes = int(PENDING_CHECK_S // 60)
    return Notice(
        {"zh": "卡片在修改密码时被取出", "en": "The card was pulled during the PIN change"},
        {
            "zh": "无法确认新密码是否已生效（卡片上只有一个有效密码：原密码或新密码）。"
            f"请在 {minutes} 分钟内重新插入此卡，终端将为您核对应使用哪个密码。",
            "en": "It is not known whether the new PIN took effect (the card keeps exactly one valid PIN: the old or "
            f"the new one). Insert the same card again within {minutes} minutes and the kiosk will check which "
            "PIN to use.",
        },
        "pin_change_interrupted",
    )


def counter_only_notice() -> dict[str, str]:
    """What the PIN screens say about forgotten and blocked PINs."""
    return dict(_COUNTER)
