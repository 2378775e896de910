"""Idle and hard session limits (WCAG 2.2.1): when to warn, how long is left, when a session must end."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kiosk.clock import Clock


class ActivityState(Enum):
    """Where a citizen session stands against its time limits."""

    ACTIVE = "active"
    WARNING = "warning"  # idle: ask "are you still there?" with a countdown
    IDLE_EXPIRED = "idle_expired"
    HARD_LIMIT = "hard_limit"


@dataclass(frozen=True)
class ActivityStatus:
    """The state and, while warning, the whole seconds left."""

    state: ActivityState
    seconds_left: int = 0


class ActivityTracker:
    """Counts idle time from the last input and total time from the session start (monotonic clock)."""

    def __init__(self, clock: Clock, idle_timeout_s: float, warning_s: float, hard_limit_s: float) -> None:
        self._clock = clock
        self._idle_timeout_s = idle_timeout_s
        self._warning_s = warning_s
        self._hard_limit_s = hard_limit_s
        self._started = clock.monotonic()
        self._last_input = self._started

    def touch(self) -> None:
        """The citizen did something (key, tap, 继续)."""
        self._last_input = self._clock.monotonic()

    def status(self) -> ActivityStatus:
        """Active, warning (with seconds left), or ended by idleness or by the hard limit."""
        now = self._clock.monotonic()
        if now - self._started >= self._hard_limit_s:
            return ActivityStatus(ActivityState.HARD_LIMIT)
        idle = now - self._last_input
        if idle < self._idle_timeout_s:
            return ActivityStatus(ActivityState.ACTIVE)
        left = self._idle_timeout_s + self._warning_s - idle
        if left <= 0:
            return ActivityStatus(ActivityState.IDLE_EXPIRED)
        return ActivityStatus(ActivityState.WARNING, int(left + 0.999))
