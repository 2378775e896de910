"""What the running kiosk is made of: settings, clock and the services the screens may call (no UI)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.journal import Journal
from kiosk.services.availability import AvailabilityMonitor
from kiosk.services.card_reader import DemoCardSlot, MonitorFactory
from kiosk.services.journal_writer import JournalWriter
from kiosk.services.login import LoginService
from kiosk.services.pension_estimate import PensionRules, load_pension_rules


@dataclass
class KioskContext:
    """The composition handed to ``KioskApp``; tests build one with fakes."""

    settings: KioskSettings
    clock: Clock
    backend: Backend
    availability: AvailabilityMonitor
    login: LoginService
    journal: Journal | None = None
    journal_writer: JournalWriter | None = None
    card_monitor: MonitorFactory | None = None  # None: no card reader at all (tests of screens without cards)
    demo_slot: DemoCardSlot | None = None
    demo: bool = False
    pension_rules: PensionRules | None = None

    @classmethod
    def create(
        cls,
        settings: KioskSettings,
        clock: Clock,
        backend: Backend,
        journal: Journal | None = None,
        card_monitor: MonitorFactory | None = None,
        demo_slot: DemoCardSlot | None = None,
    ) -> KioskContext:
        """Wire the services to the backend, the journal and the card reader with the configured limits."""
        monitor = AvailabilityMonitor(
            backend,
            clock,
            startup_grace_s=settings.backend.startup_grace_s,
            failures_threshold=settings.backend.failures_before_out_of_service,
            journal=journal,
        )
        return cls(
            settings=settings,
            clock=clock,
            backend=backend,
            availability=monitor,
            login=LoginService(backend, clock, settings.session.hard_limit_s),
            journal=journal,
            journal_writer=JournalWriter(journal, clock) if journal is not None else None,
            card_monitor=card_monitor,
            demo_slot=demo_slot,
            demo=demo_slot is not None,
            pension_rules=load_pension_rules(),
        )
