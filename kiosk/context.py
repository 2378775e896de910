"""What the running kiosk is made of: settings, clock and the services the screens may call (no UI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.journal import Journal
from kiosk.printing.printers import Printer, printer_from_settings
from kiosk.services.availability import AvailabilityMonitor
from kiosk.services.card_reader import DemoCardSlot, MonitorFactory
from kiosk.services.journal_writer import JournalWriter
from kiosk.services.login import LoginService
from kiosk.services.slip_desk import SlipDesk, desk_for


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
    printer: Printer | None = None  # None: the configured one, built on first use (tests put a fake here)

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
        )

    def slip_printer(self) -> Printer:
        """The slip printer of ``[printer]`` (the directory printer, <data dir>/printed, by default)."""
        if self.printer is None:
            section = self.settings.printer
            self.printer = printer_from_settings(
                section.kind,
                directory=section.directory or self.settings.resolved_data_dir() / "printed",
                queue=section.queue,
                server=section.cups_server,
                job_timeout_s=section.job_timeout_s,
            )
        return self.printer

    def slip_desk(self, visit: object, token: Callable[[], str]) -> SlipDesk:
        """The slip desk of a citizen visit (one per visit: a slip printed again is a 补打 with the same serial)."""
        return desk_for(
            visit,
            lambda: SlipDesk(
                self.backend, token, self.slip_printer(), self.settings.printer.layout, self.journal_writer
            ),
        )
