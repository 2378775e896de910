"""What the running kiosk is made of: settings, clock and the services the screens may call (no UI)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.journal import Journal
from kiosk.services.availability import AvailabilityMonitor


@dataclass
class KioskContext:
    """The composition handed to ``KioskApp``; tests build one with fakes."""

    settings: KioskSettings
    clock: Clock
    backend: Backend
    availability: AvailabilityMonitor
    journal: Journal | None = None
    demo: bool = False

    @classmethod
    def create(
        cls, settings: KioskSettings, clock: Clock, backend: Backend, journal: Journal | None = None, demo: bool = False
    ) -> KioskContext:
        """Wire the availability monitor to the backend and the journal with the configured thresholds."""
        monitor = AvailabilityMonitor(
            backend,
            clock,
            startup_grace_s=settings.backend.startup_grace_s,
            failures_threshold=settings.backend.failures_before_out_of_service,
            journal=journal,
        )
        return cls(settings=settings, clock=clock, backend=backend, availability=monitor, journal=journal, demo=demo)
