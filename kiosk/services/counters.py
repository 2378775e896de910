"""Counters staff read and the heartbeat reports: sessions, slips printed, paper used since the last refill."""

from __future__ import annotations

import threading

from kiosk.clock import Clock
from kiosk.journal import Journal
from kiosk.services.state_file import StateFile

SESSIONS = "sessions"
SLIPS = "slips_printed"
PAPER_SINCE_REFILL = "slips_since_refill"
NAMES = (SESSIONS, SLIPS, PAPER_SINCE_REFILL)


class Counters:
    """Persistent counters; the session and slip services call :meth:`count`."""

    def __init__(self, state: StateFile, clock: Clock, journal: Journal | None = None) -> None:
        self._state = state
        self._clock = clock
        self._journal = journal
        self._lock = threading.Lock()  # sessions (UI worker), slips (print worker) and a refill may meet

    def values(self) -> dict[str, int]:
        """Every counter."""
        stored = self._state.get("counters", {})
        return {name: int(stored.get(name, 0)) for name in NAMES}

    def count(self, name: str, by: int = 1) -> None:
        """Add to a counter (a printed slip also counts against the paper roll)."""
        with self._lock:
            values = self.values()
            values[name] = values.get(name, 0) + by
            if name == SLIPS:
                values[PAPER_SINCE_REFILL] += by
            self._state.set("counters", values)

    def paper_refilled(self) -> None:
        """Staff put in a new roll: paper used goes back to zero (journaled)."""
        with self._lock:
            values = self.values()
            used = values[PAPER_SINCE_REFILL]
            values[PAPER_SINCE_REFILL] = 0
            self._state.set("counters", values)
        if self._journal is not None:
            self._journal.append("staff.paper_refilled", None, {"slips_since_refill": used}, at=self._clock.now())
