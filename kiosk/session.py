"""The citizen session state machine (no UI): card present → PIN ok → backend token → … → ended (wiped).

A session holds the card's identity, the holder, the backend's token and three flags the services obey:
``restricted`` (card reported lost: only 解挂), ``must_change_pin`` (still on the initial PIN: state-changing
services first require a PIN change) and ``card_expired`` (logs in, with a reminder to renew the card).
Ending it — card removed, 退出, idle timeout, hard limit, token expiry — wipes every personal field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from kiosk.cardreader.models import CardIdentification, HolderInfo
from kiosk.clock import Clock
from kiosk_backend.identifiers import mask_name, mask_ssn
from kiosk_backend.schemas import CardSession


class SessionState(enum.Enum):
    """Where the citizen is."""

    CARD_PRESENT = "card_present"  # EF05 read, no PIN yet
    PIN_VERIFIED = "pin_verified"  # the card accepted the PIN, EF06 read
    AUTHENTICATED = "authenticated"  # the backend issued a token
    ENDED = "ended"


class EndReason(enum.Enum):
    """Why a session ended."""

    CARD_REMOVED = "card_removed"
    LOGOUT = "logout"
    IDLE = "idle"
    HARD_LIMIT = "hard_limit"
    TOKEN_EXPIRED = "token_expired"
    FAILED = "failed"


class SessionError(Exception):
    """A service asked for something the session does not allow; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Reminder:
    """Something the citizen should be told after login."""

    code: str
    zh: str
    en: str


CARD_EXPIRED = Reminder(
    "card_expired",
    "您的社保卡已过有效期，可继续查询和打印，请尽快到窗口换领新卡",
    "Your card has expired. You can still use queries and slips; please renew it at a counter soon.",
)
INITIAL_PIN = Reminder(
    "initial_pin",
    "您仍在使用初始密码，办理业务前请先修改密码",
    "You are still using the initial PIN. Please change it before using other services.",
)
REPORTED_LOST = Reminder(
    "reported_lost",
    "此卡已挂失，仅可办理解挂",
    "This card is reported lost. Only unblocking the loss report is available.",
)


class CitizenSession:
    """One citizen's visit. Transitions are checked; anything out of order raises :class:`SessionError`."""

    def __init__(self, clock: Clock, identification: CardIdentification, atr: bytes, hard_limit_s: float) -> None:
        self._clock = clock
        self.state = SessionState.CARD_PRESENT
        self.end_reason: EndReason | None = None
        self.identification: CardIdentification | None = identification
        self.atr = atr
        self.holder: HolderInfo | None = None
        self.card_session: CardSession | None = None
        self.must_change_pin = False
        self.started_mono = clock.monotonic()
        self.hard_limit_s = hard_limit_s
        self.card_expired = identification.is_expired(clock.now().date())

    def __repr__(self) -> str:
        who = f" {mask_name(self.holder.name)} {mask_ssn(self.holder.ssn)}" if self.holder else ""
        return f"CitizenSession({self.state.value}{who})"

    # ------------------------------------------------------------------ transitions
    def pin_verified(self, holder: HolderInfo, *, initial_pin: bool) -> None:
        """The card accepted the PIN and EF06 was read."""
        self._expect(SessionState.CARD_PRESENT)
        self.holder = holder
        self.must_change_pin = initial_pin
        self.state = SessionState.PIN_VERIFIED

    def authenticated(self, card_session: CardSession) -> None:
        """The backend accepted the card's cryptogram and issued a token."""
        self._expect(SessionState.PIN_VERIFIED)
        if self.holder is None or card_session.ssn != self.holder.ssn:
            raise SessionError("identity_mismatch", "the backend's person is not the card's holder")
        self.card_session = card_session
        self.state = SessionState.AUTHENTICATED

    def pin_changed(self) -> None:
        """The citizen changed the PIN: state-changing services are open again."""
        self._expect(SessionState.AUTHENTICATED)
        self.must_change_pin = False

    def scope_changed(self, scope: Literal["full", "unlock_only"]) -> None:
        """The backend changed what the token allows (``full`` after 解挂, ``unlock_only`` after a loss report)."""
        self._expect(SessionState.AUTHENTICATED)
        assert self.card_session is not None
        self.card_session = self.card_session.model_copy(update={"scope": scope})

    def end(self, reason: EndReason) -> None:
        """End and wipe (idempotent: the first reason is kept)."""
        if self.state is SessionState.ENDED:
            return
        self.state = SessionState.ENDED
        self.end_reason = reason
        self.identification = None
        self.holder = None
        self.card_session = None
        self.atr = b""
        self.must_change_pin = False

    # ------------------------------------------------------------------ queries
    @property
    def active(self) -> bool:
        """Authenticated and within both the token's and the kiosk's time limits (ends itself otherwise)."""
        if self.state is not SessionState.AUTHENTICATED:
            return False
        if self._clock.monotonic() - self.started_mono >= self.hard_limit_s:
            self.end(EndReason.HARD_LIMIT)
            return False
        assert self.card_session is not None
        if self._clock.now() >= self.card_session.expires_at:
            self.end(EndReason.TOKEN_EXPIRED)
            return False
        return True

    @property
    def restricted(self) -> bool:
        """Card reported lost: the token only allows 解挂."""
        return self.card_session is not None and self.card_session.scope == "unlock_only"

    @property
    def token(self) -> str:
        """The backend token of an active session."""
        self.require_active()
        assert self.card_session is not None
        return self.card_session.token

    @property
    def reminders(self) -> list[Reminder]:
        """What to tell the citizen on the service menu."""
        out = [REPORTED_LOST] if self.restricted else []
        if self.must_change_pin:
            out.append(INITIAL_PIN)
        if self.card_expired:
            out.append(CARD_EXPIRED)
        return out

    def require_active(self) -> None:
        """Raise unless authenticated and in time."""
        if not self.active:
            raise SessionError("session_ended", "the session has ended")

    def require_queries(self) -> None:
        """Queries and slips: any active session that is not restricted (an expired card may)."""
        self.require_active()
        if self.restricted:
            raise SessionError("card_reported_lost", REPORTED_LOST.zh)

    def require_state_change(self) -> None:
        """State-changing services: not restricted, and no longer on the initial PIN."""
        self.require_queries()
        if self.must_change_pin:
            raise SessionError("pin_change_required", INITIAL_PIN.zh)

    def require_unlock(self) -> None:
        """解挂: the one service a restricted session offers."""
        self.require_active()

    def _expect(self, state: SessionState) -> None:
        if self.state is not state:
            raise SessionError("bad_transition", f"expected {state.value}, session is {self.state.value}")
