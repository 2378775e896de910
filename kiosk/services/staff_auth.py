"""Staff login: the :class:`StaffAuthenticator` seam and the offline maintenance passphrase (argon2 hash in config).

Lockout after ``max_failures`` failed attempts for ``lockout_s`` seconds, kept in the state file so a restart does not
reset it; the staff card login (``staff_card.py``) counts into the same lockout. Every attempt is journaled — never
the passphrase itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from kiosk.clock import Clock
from kiosk.journal import Journal
from kiosk.services.state_file import StateFile


class LoginResult(Enum):
    """How an attempt ended."""

    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_CONFIGURED = "not_configured"
    NOT_STAFF = "not_staff"  # the backend says this card's holder is not staff
    BACKEND_DOWN = "backend_down"  # the backend cannot confirm the role: use the passphrase
    CARD_FAILED = "card_failed"  # the card could not be read, its PIN is blocked, or the backend refused it
    CANCELLED = "cancelled"  # cancelled at the PIN prompt or the card was pulled out


@dataclass(frozen=True)
class StaffLogin:
    """The outcome, with what the screen needs to say (tries left, seconds until unlocked, a failure code)."""

    result: LoginResult
    staff_id: str = ""
    method: str = ""
    tries_left: int = 0
    locked_for_s: int = 0
    code: str = ""


class StaffAuthenticator(Protocol):
    """A way for staff to prove who they are with a typed secret (the passphrase; the staff card has its own flow,
    :class:`kiosk.services.staff_card.StaffCardAuthenticator`, sharing the same lockout)."""

    def authenticate(self, secret: str) -> StaffLogin:
        """Check the secret (blocking; run off the UI thread). The secret is never stored or logged."""
        ...

    def lockout(self) -> StaffLogin | None:
        """The current lock, if any (so the screen can say so before anything is typed)."""
        ...


class StaffLockout:
    """Failed staff logins (passphrase or card) counted together; ``max_failures`` in a row lock both ways in for
    ``lockout_s`` seconds. Kept in the state file so that a restart does not unlock; every outcome is journaled."""

    def __init__(
        self,
        state: StateFile,
        clock: Clock,
        journal: Journal | None = None,
        max_failures: int = 5,
        lockout_s: int = 300,
    ) -> None:
        self._state = state
        self._clock = clock
        self._journal = journal
        self._max_failures = max_failures
        self._lockout_s = lockout_s

    def current(self, method: str) -> StaffLogin | None:
        """The lock in force now, or None (an expired lock is cleared)."""
        until_text = self._state.get("staff_locked_until")
        if not until_text:
            return None
        remaining = (datetime.fromisoformat(until_text) - self._clock.now()).total_seconds()
        if remaining <= 0:
            self._state.set("staff_locked_until", None)
            self._state.set("staff_failures", 0)
            return None
        return StaffLogin(LoginResult.LOCKED, method=method, locked_for_s=int(remaining + 0.999))

    def refuse_if_locked(self, method: str) -> StaffLogin | None:
        """The lock (journaled as a refused attempt), or None when an attempt may go ahead."""
        locked = self.current(method)
        if locked is not None:
            self.record("staff.login_locked", "E-ST-003", {"method": method})
        return locked

    def failed(self, method: str, code: str = "E-ST-002", **detail: str | int) -> StaffLogin:
        """Count one failure; lock when there were too many. ``code`` says why (journaled)."""
        failures = int(self._state.get("staff_failures", 0)) + 1
        self._state.set("staff_failures", failures)
        if failures >= self._max_failures:
            until = self._clock.now().timestamp() + self._lockout_s
            self._state.set("staff_locked_until", datetime.fromtimestamp(until, self._clock.now().tzinfo).isoformat())
            self.record("staff.login_locked", "E-ST-003", {"method": method, "failures": failures, **detail})
            return StaffLogin(LoginResult.LOCKED, method=method, locked_for_s=self._lockout_s, code=code)
        self.record("staff.login_failed", code, {"method": method, "failures": failures, **detail})
        return StaffLogin(LoginResult.WRONG, method=method, tries_left=self._max_failures - failures, code=code)

    def succeeded(self, staff_id: str, method: str) -> StaffLogin:
        """A good login: the failure count starts again (journaled)."""
        self._state.set("staff_failures", 0)
        self.record("staff.login", None, {"method": method, "staff": staff_id})
        return StaffLogin(LoginResult.OK, staff_id=staff_id, method=method)

    def record(self, kind: str, code: str | None, detail: dict[str, str | int]) -> None:
        """Journal one login event (never a secret)."""
        if self._journal is not None:
            self._journal.append(kind, code, dict(detail), at=self._clock.now())


def hash_passphrase(passphrase: str) -> str:
    """The argon2id hash to put into ``[staff] passphrase_hash``."""
    if len(passphrase) < 8:
        raise ValueError("the maintenance passphrase needs at least 8 characters")
    from argon2 import PasswordHasher  # staff only: not on the kiosk's start path

    return PasswordHasher().hash(passphrase)


class PassphraseAuthenticator:
    """The local maintenance passphrase, for when the backend (and so the staff card check) is unreachable."""

    def __init__(
        self,
        passphrase_hash: str,
        state: StateFile,
        clock: Clock,
        journal: Journal | None = None,
        max_failures: int = 5,
        lockout_s: int = 300,
        lock: StaffLockout | None = None,
    ) -> None:
        self._hash = passphrase_hash
        self.lock = lock or StaffLockout(state, clock, journal, max_failures, lockout_s)

    def lockout(self) -> StaffLogin | None:
        """The lock in force now, or None."""
        return self.lock.current("passphrase")

    def authenticate(self, secret: str) -> StaffLogin:
        """Check the passphrase; count failures; lock after too many."""
        if not self._hash:
            return StaffLogin(LoginResult.NOT_CONFIGURED, method="passphrase")
        locked = self.lock.refuse_if_locked("passphrase")
        if locked is not None:
            return locked
        from argon2 import PasswordHasher  # staff only: not on the kiosk's start path
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            PasswordHasher().verify(self._hash, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return self.lock.failed("passphrase")
        return self.lock.succeeded("maintenance", "passphrase")
