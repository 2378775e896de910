"""A card reader unplugged (or pcscd gone) takes the kiosk out of service with the reason; back when it returns."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.app import KioskApp
from kiosk.cardreader.events import MonitorListener
from kiosk.cardreader.transport import CardTransport
from kiosk.config import BackendSection, KioskSettings
from kiosk.context import KioskContext
from kiosk.screens.attract import AttractScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.services.functions import CARD_READER_FAULT
from tests.helpers import FakeBackend, FakeClock

READER = "Test reader 00 00"


class AnnouncingMonitor:
    """Announces the PC/SC service and one reader at start, like the real monitor does."""

    def __init__(self, listener: MonitorListener) -> None:
        self.listener = listener

    def start(self) -> None:
        self.listener.service_changed(True)
        self.listener.reader_attached(READER)

    def stop(self) -> None:
        pass

    def open(self, reader: str) -> CardTransport:
        raise AssertionError("no card in this test")


async def wait(pilot: object, condition: object) -> None:
    for _ in range(200):
        if callable(condition) and condition():
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("condition not reached")


async def test_unplugged_reader_and_dead_pcscd_take_the_kiosk_out_of_service(clock: FakeClock) -> None:
    settings = KioskSettings(backend=BackendSection(startup_grace_s=0, health_interval_s=0.2))
    monitors: list[AnnouncingMonitor] = []

    def factory(listener: MonitorListener) -> AnnouncingMonitor:
        monitors.append(AnnouncingMonitor(listener))
        return monitors[-1]

    app = KioskApp(KioskContext.create(settings, clock, FakeBackend(), card_monitor=factory))
    async with app.run_test(size=(100, 32)) as pilot:
        await wait(pilot, lambda: isinstance(app.screen, AttractScreen) and app.in_service)
        app.reader_detached(READER)
        await wait(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))
        code = str(app.screen.query_one("#oos-code", Static).render())
        assert CARD_READER_FAULT in code
        app.reader_attached(READER)
        await wait(pilot, lambda: isinstance(app.screen, AttractScreen))
        app.service_changed(False)  # pcscd died: no reader can be used
        await wait(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))
        app.service_changed(True)
        app.reader_attached(READER)
        await wait(pilot, lambda: isinstance(app.screen, AttractScreen))
