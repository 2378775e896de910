"""The printer as a device, against a real IPP printer (ippeveprinter) behind a real CUPS queue (``ipp_lab``):
paper out / queue stopped / printer gone → printing hidden from the citizen's menu while queries stay; paper back →
printing returns without a restart. The kiosk is the real app on the real embedded backend (pilot)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import KioskApp
from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.config import BackendSection, KioskSettings, PrinterSection
from kiosk.context import KioskContext
from kiosk.printing.printers import CupsPrinter, PrinterStatus
from kiosk.printing.selftest import SelfTestFailed
from kiosk.screens.attract import AttractScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.pin import PinScreen
from kiosk.services.card_reader import DemoCardSlot
from kiosk.services.devices import PRINTER
from kiosk.services.printer_probe import PrinterProbe, device_status
from kiosk_backend.demo_cards import load_demo_cards
from kiosk_backend.schemas import DeviceStatus
from tests.helpers import FakeClock, require_tool
from tests.slips.ipp_lab import QUEUE, IppLab
from tests.ui.pilot import wait_for

CARDS = load_demo_cards()


@pytest.fixture(scope="module")
def lab() -> Iterator[IppLab]:
    started = IppLab()
    try:
        yield started.start()
    finally:
        started.stop()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    home = tmp_path_factory.mktemp("backend")
    backend = EmbeddedBackend(home / "demo-backend.sqlite3", home / "demo-backend.log")
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


def test_xfs_words_for_every_printer_state() -> None:
    assert device_status(PrinterStatus("ready")) == DeviceStatus(device="online", media="not_present", paper="full")
    assert device_status(PrinterStatus("ready", ("media-low-report",))).paper == "low"
    assert device_status(PrinterStatus("out_of_paper", ("media-empty-error",))) == DeviceStatus(
        device="online", media="not_present", paper="out", fault="E-PR-002"
    )
    jam = device_status(PrinterStatus("offline", ("media-jam-error",)))
    assert (jam.media, jam.fault) == ("jammed", "E-PR-003")
    assert device_status(PrinterStatus("offline")) == DeviceStatus(device="offline", fault="E-PR-004")
    assert device_status(PrinterStatus("unknown")) == DeviceStatus(device="no_device", fault="E-PR-005")
    assert device_status(PrinterStatus("error")) == DeviceStatus(device="hardware_error", fault="E-PR-006")


def test_probe_never_blocks_and_reports_changes() -> None:
    class Slow:
        name = "slow"

        def __init__(self) -> None:
            self.state = "ready"

        def status(self) -> PrinterStatus:
            return PrinterStatus(self.state)  # type: ignore[arg-type]

        def print_pdf(self, pdf: bytes, title: str) -> object:
            raise AssertionError("not printed here")

    printer = Slow()
    changes: list[int] = []
    probe = PrinterProbe(lambda: printer, interval_s=0.0, on_change=lambda: changes.append(1))  # type: ignore[arg-type,return-value]
    assert probe.status().device == "unknown"  # the first question runs in the background
    assert probe.refresh() == DeviceStatus(device="online", media="not_present", paper="full")
    printer.state = "out_of_paper"
    assert probe.refresh().paper == "out"
    assert probe.refresh().paper == "out"
    assert len(changes) == 2  # unknown → online → out of paper; the same answer again is no change


async def test_paper_out_stopped_and_gone_hide_printing_but_not_queries(
    lab: IppLab, embedded: EmbeddedBackend, tmp_path: Path
) -> None:
    cupsdisable, cupsenable = require_tool("cupsdisable"), require_tool("cupsenable")
    lab.reset()
    settings = KioskSettings(
        data_dir=tmp_path / "data",
        backend=BackendSection(health_interval_s=0.2, startup_grace_s=0),
        printer=PrinterSection(kind="cups", queue=QUEUE, cups_server=lab.server, status_interval_s=0.2),
    )
    backend = HttpBackend(embedded.url, token=embedded.kiosk_token, timeout_s=5)
    slot = DemoCardSlot(CARDS)
    context = KioskContext.create(settings, FakeClock(), backend, None, slot.monitor, slot)
    assert isinstance(context.slip_printer(), CupsPrinter)
    app = KioskApp(context)

    def printing() -> bool:
        return context.availability.functions().allows("printing")

    def printer_state() -> DeviceStatus:
        return context.devices.last[PRINTER]

    async def menu_keys() -> list[str]:
        slot.insert("citizen")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await pilot.press(*CARDS.by_id("citizen").pin, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app._visit is not None)
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        return list(menu.entries)

    try:
        async with app.run_test(size=(100, 36)) as pilot:
            await wait_for(pilot, lambda: app.in_service and printer_state().device == "online")
            assert printer_state().paper == "full" and printing()
            assert "slips" in await menu_keys()
            before = len(lab.printed())
            assert context.print_test_page().startswith("cups ")  # the staff self-test page, through CUPS
            assert len(lab.printed()) == before + 1

            lab.set_paper(0)  # paper out
            await wait_for(pilot, lambda: printer_state().paper == "out")
            assert printer_state().fault == "E-PR-002" and not printing() and app.in_service
            keys = await menu_keys()
            assert "slips" not in keys and {"personal", "contributions", "pension"} <= set(keys)
            with pytest.raises(SelfTestFailed, match="out_of_paper"):
                context.print_test_page()

            lab.set_paper(250)  # paper back: printing returns without a restart
            await wait_for(pilot, printing)
            assert "slips" in await menu_keys()

            run = [cupsdisable, "-h", lab.server, QUEUE]  # the queue stopped
            subprocess.run(run, check=True, capture_output=True, timeout=20)
            await wait_for(pilot, lambda: printer_state().device == "offline")
            assert printer_state().fault == "E-PR-004" and not printing()
            subprocess.run([cupsenable, "-h", lab.server, QUEUE], check=True, timeout=20)
            await wait_for(pilot, printing)

            ippeve = next(p for p in lab.processes if "ippeveprinter" in str(p.args))
            ippeve.terminate()  # the printer gone (the last step: the lab's printer does not come back)
            ippeve.wait(timeout=10)
            await wait_for(pilot, lambda: printer_state().device == "offline")
            assert not printing() and app.in_service
            assert "slips" not in await menu_keys()
    finally:
        backend.close()
