"""Whether the kiosk can serve citizens right now, decided from backend health checks.

A freshly started kiosk gives the backend a grace period before declaring itself out of service; afterwards a
configurable number of consecutive failed checks switches to out of service, and one good check switches back.
On top of the backend's health come the deliberate switches (operators' remote command, staff's local switch) and
the devices: a card reader that is absent or broken takes the kiosk out of service with that reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

from kiosk.backend_client.protocol import Backend, BackendUnavailable
from kiosk.clock import Clock
from kiosk.journal import Journal, JournalUnavailable
from kiosk.services.devices import DeviceRegistry
from kiosk.services.functions import Functions, offered_functions
from kiosk.services.service_control import REMOTE_OUT_OF_SERVICE, STAFF_OUT_OF_SERVICE, ServiceControl

BACKEND_UNREACHABLE = "E-BK-001"
JOURNAL_UNAVAILABLE = "E-JN-001"


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
    reason_key: str | None = None  # catalog key of the reason citizens see
    reason_text: str | None = None  # free text from staff or operators, shown as given


class AvailabilityMonitor:
    """Turns a stream of health checks into in service / out of service (call :meth:`check` off the UI thread)."""

    def __init__(
        self,
        backend: Backend,
        clock: Clock,
        startup_grace_s: float,
        failures_threshold: int,
        journal: Journal | None = None,
        control: ServiceControl | None = None,
        devices: DeviceRegistry | None = None,
    ) -> None:
        self._backend = backend
        self._journal = journal
        self._control = control
        self._devices = devices
        self._backend_view = Availability(ServiceState.STARTING)
        self._lock = threading.Lock()  # the health worker and the heartbeat worker both re-evaluate
        self._clock = clock
        self._grace_until = clock.monotonic() + startup_grace_s
        self._failures_threshold = failures_threshold
        self._failures = 0
        self._ever_reached = False
        self.current = Availability(ServiceState.STARTING)

    def check(self) -> Availability:
        """Ask the backend once and return the resulting availability (blocking: run in a worker thread).

        Every change of state is journaled; a journal that cannot be written takes the kiosk out of service,
        because a kiosk that cannot keep its journal must not serve.
        """
        self._backend_view = self._ask_backend()
        if self._devices is not None:
            self._devices.read()  # probes are cheap status reads; a card reader unplugged shows within one check
        return self.reevaluate()

    def reevaluate(self) -> Availability:
        """Combine the last backend check with the switches and the devices (no backend call; journals changes)."""
        with self._lock:
            before = self.current
            after = self._overlay(self._backend_view)
            if after.state is not before.state or after.fault_code != before.fault_code:
                try:
                    self._record(after)
                except JournalUnavailable:
                    after = Availability(ServiceState.OUT_OF_SERVICE, JOURNAL_UNAVAILABLE, reason_key="error.journal")
            self.current = after
            return after

    def functions(self) -> Functions:
        """Which functions are offered, from the devices as last read."""
        return offered_functions(self._devices.last if self._devices is not None else {})

    def _overlay(self, backend_view: Availability) -> Availability:
        latency = backend_view.latency_ms
        if self._control is not None:
            if self._control.remote_reason:
                return Availability(
                    ServiceState.OUT_OF_SERVICE, REMOTE_OUT_OF_SERVICE, latency, reason_text=self._control.remote_reason
                )
            if self._control.local_reason:
                return Availability(
                    ServiceState.OUT_OF_SERVICE, STAFF_OUT_OF_SERVICE, latency, reason_text=self._control.local_reason
                )
        functions = self.functions()
        if functions.blocking_fault is not None and backend_view.state is not ServiceState.STARTING:
            return Availability(ServiceState.OUT_OF_SERVICE, functions.blocking_fault, latency, functions.reason_key)
        return backend_view

    def _record(self, availability: Availability) -> None:
        if self._journal is not None:
            detail = {"state": availability.state.value}
            self._journal.append("kiosk.service_state", availability.fault_code, detail, at=self._clock.now())

    def _ask_backend(self) -> Availability:
        started = self._clock.monotonic()
        try:
            health = self._backend.health()
        except BackendUnavailable:
            self._failures += 1
            return self._after_failure()
        latency_ms = (self._clock.monotonic() - started) * 1000
        self._failures = 0
        self._ever_reached = True
        if health.status == "ok":
            return Availability(ServiceState.IN_SERVICE, latency_ms=latency_ms)
        return Availability(ServiceState.OUT_OF_SERVICE, BACKEND_UNREACHABLE, latency_ms, "error.backend_unreachable")

    def _after_failure(self) -> Availability:
        starting = not self._ever_reached and self._clock.monotonic() < self._grace_until
        if starting:
            return Availability(ServiceState.STARTING)
        if self._ever_reached and self._failures < self._failures_threshold:
            return self._backend_view
        return Availability(ServiceState.OUT_OF_SERVICE, BACKEND_UNREACHABLE, reason_key="error.backend_unreachable")
