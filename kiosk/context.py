"""What the running kiosk is made of: settings, clock and the services the screens may call (no UI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.backend_client.protocol import Backend
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.journal import Journal
from kiosk.services.availability import AvailabilityMonitor
from kiosk.services.counters import Counters
from kiosk.services.devices import DeviceRegistry
from kiosk.services.heartbeat import HeartbeatSender
from kiosk.services.journal_upload import JournalUploader
from kiosk.services.service_control import ServiceControl
from kiosk.services.staff import StaffService
from kiosk.services.staff_auth import PassphraseAuthenticator, StaffAuthenticator
from kiosk.services.state_file import StateFile


@dataclass
class KioskContext:
    """The composition handed to ``KioskApp``; tests build one with fakes."""

    settings: KioskSettings
    clock: Clock
    backend: Backend
    availability: AvailabilityMonitor
    journal: Journal | None = None
    demo: bool = False
    control: ServiceControl | None = None
    devices: DeviceRegistry = field(default_factory=DeviceRegistry)
    heartbeat: HeartbeatSender | None = None
    uploader: JournalUploader | None = None
    staff: StaffService | None = None
    staff_auth: StaffAuthenticator | None = None

    @classmethod
    def create(
        cls,
        settings: KioskSettings,
        clock: Clock,
        backend: Backend,
        journal: Journal | None = None,
        demo: bool = False,
        state_path: Path | None = None,
        devices: DeviceRegistry | None = None,
    ) -> KioskContext:
        """Wire the monitor, heartbeat, uploader and staff services; ``state_path`` None keeps state in memory."""
        state = StateFile(state_path)
        devices = devices or DeviceRegistry()
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
        staff_auth = PassphraseAuthenticator(
            settings.staff.passphrase_hash.get_secret_value(),
            state,
            clock,
            journal,
            max_failures=settings.staff.max_failures,
            lockout_s=settings.staff.lockout_s,
        )
        return cls(
            settings=settings,
            clock=clock,
            backend=backend,
            availability=monitor,
            journal=journal,
            demo=demo,
            control=control,
            devices=devices,
            heartbeat=heartbeat,
            uploader=uploader,
            staff=staff,
            staff_auth=staff_auth,
        )
