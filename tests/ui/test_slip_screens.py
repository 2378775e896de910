"""打印凭证 and 权益单校验 in the pilot, against the real embedded backend of demo mode: a slip printed to the spool
directory is read back (pdftoppm → zbarimg) and verifies; out of paper is told and recorded; a reprint is 补打 with
the same serial; the check screen answers genuine / invalid for typed serial + code and for a scanned QR."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.context import KioskContext
from kiosk.printing.printers import DirectoryPrinter, PrinterStatus, PrintResult
from kiosk.runtime import kiosk_context
from kiosk.screens.attract import AttractScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.slip_check import SlipCheckScreen
from kiosk.screens.slips import SlipScreen
from kiosk.services.slip_verification import verify_source
from kiosk_backend.config import SlipSettings
from kiosk_backend.demo_cards import load_demo_cards
from kiosk_backend.models import Slip
from kiosk_backend.schemas import SlipDocument
from kiosk_backend.services.slip_keys import MasterKey
from kiosk_backend.services.slip_samples import sample_content
from kiosk_backend.services.slips import SlipHolder, issue_slip
from kiosk_backend.slips.verify import Keyring
from tests.helpers import require_tool

SIZE = (100, 40)
CARDS = load_demo_cards()


@dataclass
class Demo:
    context: KioskContext
    data_dir: Path

    def archived(self, serial: str) -> Slip:
        engine = create_engine(f"sqlite:///{self.data_dir / 'demo-backend.sqlite3'}")
        try:
            with Session(engine) as db:
                row = db.get(Slip, serial)
                assert row is not None
                db.expunge(row)
                return row
        finally:
            engine.dispose()

    def issue_directly(self) -> SlipDocument:
        """A slip issued into the demo archive without the UI (for the check screen)."""
        engine = create_engine(f"sqlite:///{self.data_dir / 'demo-backend.sqlite3'}")
        card = CARDS.by_id("retiree")
        rows = sample_content("CBZM")
        try:
            with Session(engine) as db, db.begin():
                return issue_slip(
                    db,
                    MasterKey.load(self.data_dir / "demo-slip-master.key"),
                    SlipSettings(),
                    kind="CBZM",
                    holder=SlipHolder("test", card.name, card.ssn),
                    summary_rows=rows.summary_rows,
                    detail_columns=rows.detail_columns,
                    detail_rows=rows.detail_rows,
                    kiosk_id="demo-kiosk",
                    region_code="640100",
                )
        finally:
            engine.dispose()


@dataclass
class FakePrinter:
    """A printer whose state the test sets; jobs fail with ``fail_with`` (paper running out mid-job)."""

    state: str = "ready"
    fail_with: str | None = None
    jobs: list[str] = field(default_factory=list)
    name: str = "fake"

    def status(self) -> PrinterStatus:
        return PrinterStatus(self.state)  # type: ignore[arg-type]

    def print_pdf(self, pdf: bytes, title: str) -> PrintResult:
        self.jobs.append(title)
        assert pdf.startswith(b"%PDF-")
        return PrintResult(False, self.fail_with) if self.fail_with else PrintResult(True, job_id=title)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    data_dir = Path(home) / "data"
    with kiosk_context(KioskSettings(data_dir=data_dir), demo=True) as context:
        yield Demo(context, data_dir)
    mp.undo()


async def wait_for(pilot: Pilot[None], condition: object, timeout_s: float = 30.0) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if callable(condition) and condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting; screen is {type(pilot.app.screen).__name__}")


def screen_text(app: KioskApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def login(pilot: Pilot[None], app: KioskApp, card_id: str) -> None:
    await wait_for(pilot, lambda: app.in_service)
    assert app.context.demo_slot is not None
    app.context.demo_slot.insert(card_id)
    await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
    await pilot.press(*CARDS.by_id(card_id).pin, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app._visit is not None)


async def logout(pilot: Pilot[None], app: KioskApp) -> None:
    assert app.context.demo_slot is not None
    app.context.demo_slot.remove()
    await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def open_slip(pilot: Pilot[None], app: KioskApp, *digits: str) -> SlipScreen:
    await pilot.press("8")
    await wait_for(pilot, lambda: isinstance(app.screen, SlipScreen))
    screen = app.screen
    assert isinstance(screen, SlipScreen)
    await pilot.press(*digits)
    await wait_for(pilot, lambda: screen.stage in ("preview", "error"))
    assert screen.stage == "preview", screen_text(app)
    return screen


async def test_print_reprint_and_read_the_slip_back(demo: Demo) -> None:
    require_tool("pdftoppm")
    require_tool("zbarimg")
    demo.context.printer = None  # the configured printer: demo mode's default, the directory printer
    spool = demo.data_dir / "printed"
    app = KioskApp(demo.context)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, "citizen")
        screen = await open_slip(pilot, app, "3", "2")  # 缴费明细, last year
        doc = screen.doc
        assert doc is not None and screen.offered
        shown = screen_text(app)
        assert doc.serial in shown and doc.check_code in shown and "王**" in shown and "王建国" not in shown
        assert isinstance(demo.context.printer, DirectoryPrinter) and demo.context.printer.directory == spool
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.stage in ("done", "failed"))
        assert screen.stage == "done" and "请取走您的凭证" in screen_text(app) and "（补打）" not in screen_text(app)
        pdfs = sorted(spool.glob("*.pdf"))
        assert len(pdfs) == 1
        verification = verify_source(str(pdfs[0]), Keyring.from_wire(demo.context.backend.slip_keys()))
        assert verification.genuine and verification.payload is not None
        assert verification.payload.serial == doc.serial and verification.payload.masked_id == "640104********2314"
        await pilot.press("1")  # 补打
        await wait_for(pilot, lambda: screen.attempt is not None and screen.attempt.reprint)
        assert screen.stage == "done" and "请取走您的凭证（补打）" in screen_text(app)
        # the same slip chosen again in this visit is the same serial, printed as 补打
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen))
        again = await open_slip(pilot, app, "3", "2")
        assert again.doc is not None and again.doc.serial == doc.serial
        await pilot.press("enter")
        await wait_for(pilot, lambda: again.stage == "done")
        assert again.attempt is not None and again.attempt.reprint
        assert len(list(spool.glob("*-reprint*.pdf"))) == 2 and len(list(spool.glob("*.pdf"))) == 3
        await wait_for(pilot, lambda: demo.archived(doc.serial).reprint_count == 2)
        row = demo.archived(doc.serial)
        assert row.status == "printed" and row.printed_at is not None
        await logout(pilot, app)


async def test_out_of_paper_is_told_and_recorded(demo: Demo) -> None:
    printer = FakePrinter(fail_with="out_of_paper")
    demo.context.printer = printer
    app = KioskApp(demo.context)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, "citizen")
        screen = await open_slip(pilot, app, "1")  # 参保证明: no period to choose
        assert screen.doc is not None and screen.doc.kind == "CBZM"
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.stage in ("done", "failed"))
        assert screen.stage == "failed"
        text = screen_text(app)
        assert "缺纸" in text and "查询服务仍可正常使用" in text and screen.doc.serial in text
        assert printer.jobs == [screen.doc.serial]
        serial = screen.doc.serial
        await wait_for(pilot, lambda: demo.archived(serial).status == "failed")
        assert demo.archived(serial).failure_reason == "out_of_paper"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen))
        await logout(pilot, app)


async def test_printing_not_offered_unless_the_printer_is_ready(demo: Demo) -> None:
    printer = FakePrinter(state="ready")
    demo.context.printer = printer
    app = KioskApp(demo.context)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, "citizen")
        printer.state = "unknown"  # it stops answering after the menu was built: the preview asks again
        screen = await open_slip(pilot, app, "2", "1")  # 个人权益记录单, last year
        assert not screen.offered
        assert "本机暂不能打印凭证" in screen_text(app)
        await pilot.press("1", "enter")
        await pilot.pause(0.2)
        assert screen.stage == "preview" and printer.jobs == []
        await logout(pilot, app)


async def _type(pilot: Pilot[None], text: str) -> None:
    """Typed at the keypad: one key at a time, then Enter."""
    for char in text:
        await pilot.press(char)
    await pilot.press("enter")


async def _scan(pilot: Pilot[None], text: str) -> None:
    """Like a keyboard-wedge scanner: a burst of key events (one per character) into the focused field, then Enter."""
    field = pilot.app.screen.query_one(Input)
    for char in text:
        field.post_message(events.Key(_character_to_key(char), char))
    await pilot.pause()
    await pilot.press("enter")


async def test_slip_check_screen_by_code_and_by_qr(demo: Demo) -> None:
    app = KioskApp(demo.context)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        doc = demo.issue_directly()
        assert "权益单校验" in screen_text(app)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, SlipCheckScreen))
        screen = app.screen
        assert isinstance(screen, SlipCheckScreen)
        # serial + check code typed (lower case, without dashes)
        await _type(pilot, doc.serial)
        assert screen.step == "code"
        await _type(pilot, doc.check_code.replace("-", "").lower())
        await wait_for(pilot, lambda: screen.answer is not None)
        assert screen.answer is not None and screen.answer.genuine
        text = screen_text(app)
        assert "真实有效" in text and doc.serial in text and doc.masked_id in text
        # a wrong check code
        wrong = ("0000" if not doc.check_code.startswith("0000") else "1111") + doc.check_code[4:]
        await _type(pilot, doc.serial)
        await _type(pilot, wrong)
        await wait_for(pilot, lambda: screen.answer is not None and not screen.answer.genuine)
        assert screen.answer is not None and screen.answer.reason == "wrong_check_code"
        assert "校验码不正确" in screen_text(app)
        # the QR scanned (offline check with the published keys)
        await _scan(pilot, doc.qr_text)
        await wait_for(pilot, lambda: screen.answer is not None and screen.answer.door == "qr")
        assert screen.answer is not None and screen.answer.genuine, screen.answer
        # a tampered QR: one character of the signed payload changed
        head, blob = doc.qr_text.split("/V/")
        position = len(blob) // 2
        tampered = head + "/V/" + blob[:position] + ("A" if blob[position] != "A" else "B") + blob[position + 1 :]
        screen.answer = None
        await _scan(pilot, tampered)
        await wait_for(pilot, lambda: screen.answer is not None)
        assert screen.answer is not None and screen.answer.status == "invalid"
        assert "无效" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_a_card_inserted_during_the_check_starts_the_visit(demo: Demo) -> None:
    app = KioskApp(demo.context)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, SlipCheckScreen))
        assert demo.context.demo_slot is not None
        demo.context.demo_slot.insert("citizen")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        assert not any(isinstance(s, SlipCheckScreen) for s in app.screen_stack)
        await logout(pilot, app)


async def test_the_demo_backend_has_slip_keys_on_first_start(demo: Demo) -> None:
    app = KioskApp(demo.context)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
    keys = demo.context.backend.slip_keys()
    assert len(keys.keys) == 1 and not keys.keys[0].revoked
    assert keys.keys[0].not_before <= int(datetime.now(UTC).timestamp())
