"""Heartbeats: the kiosk's newest state to the backend every 30 s; the answer carries the operators' command.

A heartbeat that cannot be delivered is not an error anybody sees: the next one carries the newest state (old
states are never queued — only the latest matters). Call :meth:`HeartbeatSender.beat` from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk import __version__
from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk.clock import Clock
from kiosk.journal import GENESIS_HASH, Journal
from kiosk.services.availability import Availability
from kiosk.services.counters import Counters
from kiosk.services.devices import DeviceRegistry
from kiosk.services.service_control import ServiceControl
from kiosk_backend.schemas import HeartbeatAnswer, HeartbeatRequest


@dataclass(frozen=True)
class HeartbeatOutcome:
    """One attempt: delivered or not, and whether the operators' command changed the kiosk's state."""

    delivered: bool
    command_changed: bool = False
    error: str | None = None


class HeartbeatSender:
    """Builds and sends one heartbeat, and applies the command in the answer to :class:`ServiceControl`."""

    def __init__(
        self,
        backend: Backend,
        clock: Clock,
        devices: DeviceRegistry,
        counters: Counters,
        control: ServiceControl,
        current_availability: Callable[[], Availability],
        journal: Journal | None = None,
        version: str = __version__,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._devices = devices
        self._counters = counters
        self._control = control
        self._availability = current_availability
        self._journal = journal
        self._version = version
        self.last_answer: HeartbeatAnswer | None = None
        self.failures = 0

    def build(self) -> HeartbeatRequest:
        """The kiosk's state now."""
        availability = self._availability()
        seq, digest = 0, GENESIS_HASH
        if self._journal is not None:
            try:
                last = self._journal.last()
            except Exception:  # an unreadable journal is reported by the availability state, not here
                last = None
            if last is not None:
                seq, digest = last.seq, last.hash
        return HeartbeatRequest(
            sent_at=self._clock.now(),
            software_version=self._version,
            service_state=availability.state.value,
            fault=availability.fault_code,
            devices=self._devices.read(),
            counters=self._counters.values(),
            journal_seq=seq,
            journal_hash=digest,
        )

    def beat(self) -> HeartbeatOutcome:
        """Send one heartbeat (blocking); never raises."""
        beat = self.build()
        try:
            answer = self._backend.heartbeat(beat)
        except BackendUnavailable:
            self.failures += 1
            return HeartbeatOutcome(False, error="backend_unavailable")
        except BackendRejected as exc:
            self.failures += 1
            return HeartbeatOutcome(False, error=exc.code)
        self.failures = 0
        self.last_answer = answer
        remote = (answer.service.reason or "-") if answer.service.mode == "out_of_service" else None
        changed = self._control.set_remote(remote)
        return HeartbeatOutcome(True, command_changed=changed)
