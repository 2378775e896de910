"""Out of service on purpose: by hall staff (local, persisted) or by the province's operators (remote command).

Each change is journaled. The availability monitor reads this to decide what citizens see.
"""

from __future__ import annotations

import re
import threading

from kiosk.clock import Clock
from kiosk.journal import Journal
from kiosk.services.state_file import StateFile
from kiosk_backend.identifiers import mask_ssn

REMOTE_OUT_OF_SERVICE = "E-RM-001"
STAFF_OUT_OF_SERVICE = "E-ST-001"
_ID_LIKE = re.compile(r"\d{17}[\dXx]")


def clean_reason(reason: str | None) -> str | None:
    """A reason fit to show and journal: trimmed, at most 80 characters, ID-like numbers masked; None if empty."""
    text = _ID_LIKE.sub(lambda m: mask_ssn(m.group(0).upper()), (reason or "").strip())[:80]
    return text or None


class ServiceControl:
    """The two switches; the remote one is what the newest heartbeat answer said."""

    def __init__(self, state: StateFile, clock: Clock, journal: Journal | None = None) -> None:
        self._state = state
        self._clock = clock
        self._journal = journal
        self._lock = threading.Lock()
        self._remote_reason: str | None = None

    @property
    def local_reason(self) -> str | None:
        """Staff's reason while staff took the kiosk out of service."""
        value = self._state.get("local_out_of_service")
        return str(value) if value else None

    @property
    def remote_reason(self) -> str | None:
        """The operators' reason while they hold the kiosk out of service."""
        return self._remote_reason

    def set_local(self, reason: str | None) -> None:
        """Staff take the kiosk out of service (reason) or put it back (None)."""
        reason = clean_reason(reason)
        if reason == self.local_reason:
            return
        self._state.set("local_out_of_service", reason)
        self._record("staff", reason)

    def set_remote(self, reason: str | None) -> bool:
        """Apply the operators' standing command; returns whether it changed anything."""
        reason = clean_reason(reason)
        with self._lock:
            if reason == self._remote_reason:
                return False
            self._remote_reason = reason
        self._record("operator", reason)
        return True

    def _record(self, by: str, reason: str | None) -> None:
        if self._journal is not None:
            kind = "service.out_of_service" if reason else "service.in_service"
            code = (STAFF_OUT_OF_SERVICE if by == "staff" else REMOTE_OUT_OF_SERVICE) if reason else None
            self._journal.append(kind, code, {"by": by, "reason": reason or ""}, at=self._clock.now())
