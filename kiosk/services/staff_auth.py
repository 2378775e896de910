"""Staff login: the :class:`StaffAuthenticator` seam and the offline maintenance passphrase (argon2 hash in config).

Lockout after ``max_failures`` failed attempts for ``lockout_s`` seconds, kept in the state file so a restart does not
reset it. Every attempt is journaled — never the passphrase itself. A staff card + PIN login whose role the backend
confirms is the other implementation of the same protocol (it needs the card-login service).
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


@dataclass(frozen=True)
class StaffLogin:
    """The outcome, with what the screen needs to say (tries left, seconds until unlocked)."""

    result: LoginResult
    staff_id: str = ""
    method: str = ""
    tries_left: int = 0
    locked_for_s: int = 0


class StaffAuthenticator(Protocol):
    """A way for staff to prove who they are (passphrase now; staff card + PIN with a backend role later)."""

    def authenticate(self, secret: str) -> StaffLogin:
        """Check the secret (blocking; run off the UI thread). The secret is never stored or logged."""
        ...

    def lockout(self) -> StaffLogin | None:
        """The current lock, if any (so the screen can say so before anything is typed)."""
        ...


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
    ) -> None:
        self._hash = passphrase_hash
        self._state = state
        self._clock = clock
        self._journal = journal
        self._max_failures = max_failures
        self._lockout_s = lockout_s

    def lockout(self) -> StaffLogin | None:
        """The lock in force now, or None."""
        until_text = self._state.get("staff_locked_until")
        if not until_text:
            return None
        remaining = (datetime.fromisoformat(until_text) - self._clock.now()).total_seconds()
        if remaining <= 0:
            self._state.set("staff_locked_until", None)
            self._state.set("staff_failures", 0)
            return None
        return StaffLogin(LoginResult.LOCKED, method="passphrase", locked_for_s=int(remaining + 0.999))

    def authenticate(self, secret: str) -> StaffLogin:
        """Check the passphrase; count failures; lock after too many."""
        if not self._hash:
            return StaffLogin(LoginResult.NOT_CONFIGURED, method="passphrase")
        locked = self.lockout()
        if locked is not None:
            self._record("staff.login_locked", "E-ST-003", {"method": "passphrase"})
            return locked
        from argon2 import PasswordHasher  # staff only: not on the kiosk's start path
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        try:
            PasswordHasher().verify(self._hash, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return self._failed()
        self._state.set("staff_failures", 0)
        self._record("staff.login", None, {"method": "passphrase", "staff": "maintenance"})
        return StaffLogin(LoginResult.OK, staff_id="maintenance", method="passphrase")

    def _failed(self) -> StaffLogin:
        failures = int(self._state.get("staff_failures", 0)) + 1
        self._state.set("staff_failures", failures)
        if failures >= self._max_failures:
            until = self._clock.now().timestamp() + self._lockout_s
            self._state.set("staff_locked_until", datetime.fromtimestamp(until, self._clock.now().tzinfo).isoformat())
            self._record("staff.login_locked", "E-ST-003", {"method": "passphrase", "failures": failures})
            return StaffLogin(LoginResult.LOCKED, method="passphrase", locked_for_s=self._lockout_s)
        self._record("staff.login_failed", "E-ST-002", {"method": "passphrase", "failures": failures})
        return StaffLogin(LoginResult.WRONG, method="passphrase", tries_left=self._max_failures - failures)

    def _record(self, kind: str, code: str | None, detail: dict[str, str | int]) -> None:
        if self._journal is not None:
            self._journal.append(kind, code, dict(detail), at=self._clock.now())
