"""Time as the kiosk sees it: injectable so idle timeouts and the on-screen clock can be tested."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """A source of wall-clock time (for display) and monotonic time (for timeouts)."""

    def now(self) -> datetime:
        """Local wall-clock time."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...


class SystemClock:
    """The real clocks."""

    def now(self) -> datetime:
        """Local wall-clock time."""
        return datetime.now().astimezone()

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()
