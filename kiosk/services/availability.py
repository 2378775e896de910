"""Whether the kiosk can serve citizens right now, decided from backend health checks.

A freshly started kiosk gives the backend a grace period before declaring itself out of service; afterwards a
configurable number of consecutive failed checks switches to out of service, and one good check switches back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kiosk.backend_client.protocol import Backend, BackendUnavailable
from kiosk.clock import Clock

BACKEND_UNREACHABLE = "E-BK-001"


class ServiceState(Enum):
    """Where the kiosk stands."""

    STARTING = "starting"
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True)
class Availability:
    """The outcome of one check: the state, and for out of service a fault code for staff."""

    state: ServiceState
    fault_code: str | None = None
    latency_ms: float | None = None


class AvailabilityMonitor:
    """Turns a stream of health checks into in service / out of service (call :meth:`check` off the UI thread)."""

    def __init__(self, backend: Backend, clock: Clock, startup_grace_s: float, failures_threshold: int) -> None:
        self._backend = backend
        self._clock = clock
        self._grace_until = clock.monotonic() + startup_grace_s
        self._failures_threshold = failures_threshold
        self._failures = 0
        self._ever_reached = False
        self.current = Availability(ServiceState.STARTING)

    def check(self) -> Availability:
        """Ask the backend once and return the resulting availability (blocking: run in a worker thread)."""
        started = self._clock.monotonic()
        try:
            health = self._backend.health()
        except BackendUnavailable:
            self._failures += 1
            self.current = self._after_failure()
            return self.current
        latency_ms = (self._clock.monotonic() - started) * 1000
        self._failures = 0
        self._ever_reached = True
        if health.status == "ok":
            self.current = Availability(ServiceState.IN_SERVICE, latency_ms=latency_ms)
        else:
            self.current = Availability(ServiceState.OUT_OF_SERVICE, BACKEND_UNREACHABLE, latency_ms)
        return self.current

    def _after_failure(self) -> Availability:
        starting = not self._ever_reached and self._clock.monotonic() < self._grace_until
        if starting:
            return Availability(ServiceState.STARTING)
        if self._ever_reached and self._failures < self._failures_threshold:
            return self.current
        return Availability(ServiceState.OUT_OF_SERVICE, BACKEND_UNREACHABLE)
