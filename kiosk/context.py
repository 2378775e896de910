"""What the running kiosk is made of: settings, clock and the services the screens may call (no UI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.journal import Journal
from kiosk.printing.printers import Printer, printer_from_settings
from kiosk.services.availability import AvailabilityMonitor
from kiosk.services.card_reader import CardReaderState, DemoCardSlot, MonitorFactory
from kiosk.services.counters import PAPER_SINCE_REFILL, Counters
from kiosk.services.demo_sms import DemoSmsInbox
from kiosk.services.devices import CARD_READER, PRINTER, DeviceRegistry
from kiosk.services.heartbeat import HeartbeatSender
from kiosk.services.journal_upload import JournalUploader
from kiosk.services.journal_writer import JournalWriter
from kiosk.services.login import LoginService
from kiosk.services.pension_estimate import PensionRules, load_pension_rules
from kiosk.services.pin_change import PendingPinChecks
from kiosk.services.printer_probe import PrinterProbe
from kiosk.services.service_control import ServiceControl
from kiosk.services.slip_desk import SlipDesk, desk_for
from kiosk.services.staff import StaffService
from kiosk.services.staff_auth import PassphraseAuthenticator, StaffAuthenticator, StaffLockout
from kiosk.services.staff_card import StaffCardAuthenticator
from kiosk.services.state_file import StateFile


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
    reader_state: CardReaderState = field(default_factory=CardReaderState)
    control: ServiceControl | None = None
    devices: DeviceRegistry = field(default_factory=DeviceRegistry)
    heartbeat: HeartbeatSender | None = None
    uploader: JournalUploader | None = None
    staff: StaffService | None = None
    staff_auth: StaffAuthenticator | None = None
    staff_card: StaffCardAuthenticator | None = None  # staff card + PIN (None: no card reader)
    printer: Printer | None = None  # None: the configured one, built on first use (tests put a fake here)
    pin_checks: PendingPinChecks | None = None  # PIN changes the card was pulled from, until the card is back
    demo_sms: DemoSmsInbox | None = None  # demo mode: the development SMS gateway's outbox, shown as 演示短信
    counters: Counters | None = None
    printer_probe: PrinterProbe | None = None  # the printer as a device (None when a test plugged its own probe)

    @classmethod
    def create(
        cls,
        settings: KioskSettings,
        clock: Clock,
        backend: Backend,
        journal: Journal | None = None,
        card_monitor: MonitorFactory | None = None,
        demo_slot: DemoCardSlot | None = None,
        state_path: Path | None = None,
        devices: DeviceRegistry | None = None,
        demo_sms: DemoSmsInbox | None = None,
    ) -> KioskContext:
        """Wire the services to the backend, the journal and the card reader with the configured limits.

        ``state_path`` None keeps the maintenance state (out of service, counters, lockout) in memory.
        """
        state = StateFile(state_path)
        devices = devices or DeviceRegistry()
        reader_state = CardReaderState()
        if card_monitor is not None:
            devices.set_probe(CARD_READER, reader_state)
        control = ServiceControl(state, clock, journal)
        counters = Counters(state, clock, journal)
        monitor = AvailabilityMonitor(
            backend,
            clock,
            startup_grace_s=settings.backend.startup_grace_s,
            failures_threshold=settings.backend.failures_before_out_of_service,
            journal=journal,
            control=control,
            devices=devices,
        )
        heartbeat = HeartbeatSender(backend, clock, devices, counters, control, lambda: monitor.current, journal)
        uploader = JournalUploader(journal, backend, clock=clock) if journal is not None else None
        staff = StaffService(settings, clock, backend, monitor, control, counters, devices, journal, uploader)
        lock = StaffLockout(state, clock, journal, settings.staff.max_failures, settings.staff.lockout_s)
        staff_auth = PassphraseAuthenticator(settings.staff.passphrase_hash.get_secret_value(), state, clock, lock=lock)
        pin_checks = PendingPinChecks(clock)
        login = LoginService(backend, clock, settings.session.hard_limit_s, pin_check=pin_checks)
        context = cls(
            settings=settings,
            clock=clock,
            backend=backend,
            availability=monitor,
            login=login,
            journal=journal,
            journal_writer=JournalWriter(journal, clock) if journal is not None else None,
            card_monitor=card_monitor,
            demo_slot=demo_slot,
            demo=demo_slot is not None,
            pension_rules=load_pension_rules(),
            reader_state=reader_state,
            control=control,
            devices=devices,
            heartbeat=heartbeat,
            uploader=uploader,
            staff=staff,
            staff_auth=staff_auth,
            staff_card=StaffCardAuthenticator(login, backend, lock) if card_monitor is not None else None,
            counters=counters,
            pin_checks=pin_checks,
            demo_sms=demo_sms,
        )
        staff.test_print_hook = context.print_test_page
        if not devices.plugged(PRINTER):  # the configured printer (or the one a test assigns later), asked lazily
            context.printer_probe = PrinterProbe(context.slip_printer, settings.printer.status_interval_s)
            devices.set_probe(PRINTER, context.printer_probe)
        return context

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

    def print_test_page(self) -> str:
        """Staff self-test: print a test page on the slip printer (blocking); raises SelfTestFailed with the reason."""
        from kiosk.printing.selftest import SelfTestFailed, render_test_page

        printer = self.slip_printer()
        pdf = render_test_page(self.settings.kiosk_id, self.clock.now(), self.settings.printer.layout)
        result = printer.print_pdf(pdf, "kiosk-test-page")
        if not result.printed:
            raise SelfTestFailed(" ".join(part for part in (result.reason, result.detail) if part))
        if self.counters is not None:
            self.counters.count(PAPER_SINCE_REFILL)  # paper used, not a slip
        return f"{printer.name} {result.job_id}"

    def slip_desk(self, visit: object, token: Callable[[], str]) -> SlipDesk:
        """The slip desk of a citizen visit (one per visit: a slip printed again is a 补打 with the same serial)."""
        return desk_for(
            visit,
            lambda: SlipDesk(
                self.backend,
                token,
                self.slip_printer(),
                self.settings.printer.layout,
                self.journal_writer,
                self.counters,
            ),
        )
