"""Printers: the directory printer, and CUPS against a real IPP printer (ippeveprinter) behind a real cupsd queue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from kiosk.printing.printers import CupsPrinter, DirectoryPrinter, printer_from_settings, state_from_reasons
from kiosk.services.slip_printing import print_slip, printing_offered
from kiosk_backend.models import Slip
from kiosk_backend.services.slips import record_print_outcome
from tests.slips.conftest import ISSUED_AT, SlipWorld
from tests.slips.ipp_lab import QUEUE, IppLab


@pytest.fixture(scope="module")
def lab() -> Iterator[IppLab]:
    started = IppLab()
    try:
        yield started.start()
    finally:
        started.stop()


@pytest.fixture
def printer(lab: IppLab) -> Iterator[CupsPrinter]:
    lab.reset()
    yield CupsPrinter(QUEUE, lab.server, job_timeout_s=20, poll_s=0.2)
    lab.reset()


def test_reasons_mapping() -> None:
    assert state_from_reasons(("media-empty-warning",)) == "out_of_paper"
    assert state_from_reasons(("media-empty-error", "other")) == "out_of_paper"
    assert state_from_reasons(("media-needed",)) == "out_of_paper"
    assert state_from_reasons(("cover-open-error",)) == "offline"
    assert state_from_reasons(("toner-low-warning",)) is None
    assert state_from_reasons(()) is None


def test_directory_printer(tmp_path: Path, world: SlipWorld) -> None:
    spool = tmp_path / "printed"
    printer = DirectoryPrinter(spool)
    assert printing_offered(printer)
    doc = world.issue("CBZM")
    outcome = print_slip(doc, printer)
    assert outcome.printed and outcome.message_zh == "打印完成，请取走您的权益单"
    (written,) = spool.iterdir()
    assert written.name.endswith(f"{doc.serial}.pdf") and written.read_bytes().startswith(b"%PDF-")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert not DirectoryPrinter(tmp_path / "file" / "sub").status().ready


def test_unknown_is_not_ready(tmp_path: Path) -> None:
    nowhere = CupsPrinter("nosuchqueue", "127.0.0.1:9", ipp_timeout_s=1)  # nothing listens on port 9
    status = nowhere.status()
    assert status.state == "unknown" and not status.ready
    assert not printing_offered(nowhere)
    result = nowhere.print_pdf(b"%PDF-1.4", "x")
    assert (result.printed, result.reason) == (False, "not_ready")


def test_good_job_prints(lab: IppLab, printer: CupsPrinter, world: SlipWorld) -> None:
    assert printer.status().ready and printing_offered(printer)
    doc = world.issue("QYJLD")
    before = len(lab.printed())
    outcome = print_slip(doc, printer)
    assert outcome.printed, outcome
    printed = lab.printed()
    assert len(printed) == before + 1
    assert printed[-1].read_bytes().startswith(b"%PDF-")


def test_paper_out_before_submission(lab: IppLab, printer: CupsPrinter, world: SlipWorld) -> None:
    lab.set_paper(0)
    status = printer.status()
    assert status.state == "out_of_paper" and any(r.startswith("media-empty") for r in status.reasons)
    assert not printing_offered(printer)
    doc = world.issue("CBZM")
    before = len(lab.printed())
    outcome = print_slip(doc, printer)
    assert (outcome.printed, outcome.reason) == (False, "out_of_paper")
    assert "缺纸" in outcome.message_zh
    assert len(lab.printed()) == before
    lab.set_paper(250)
    assert printer.status().ready


def test_paper_out_after_submission_is_recorded_as_not_printed(
    lab: IppLab, printer: CupsPrinter, world: SlipWorld
) -> None:
    doc = world.issue("JFMX")
    lab.set_mode("paperout")  # the tray runs empty while the job is being printed
    assert printer.status().ready
    before = len(lab.printed())
    started = time.monotonic()
    outcome = print_slip(doc, printer)
    assert (outcome.printed, outcome.reason) == (False, "out_of_paper")
    assert time.monotonic() - started < printer.job_timeout_s
    with Session(world.engine) as db, db.begin():
        record_print_outcome(db, doc.serial, printed=outcome.printed, reason=outcome.reason, now=ISSUED_AT)
    with Session(world.engine) as db:
        row = db.get(Slip, doc.serial)
        assert row is not None and (row.status, row.failure_reason) == ("failed", "out_of_paper")
    assert len(lab.printed()) == before
    assert "缺纸" in outcome.message_zh and "not printed" in outcome.message_en


def test_stuck_job_times_out(lab: IppLab, printer: CupsPrinter, world: SlipWorld) -> None:
    doc = world.issue("CBZM")
    lab.set_mode("stuck")
    stuck = CupsPrinter(QUEUE, lab.server, job_timeout_s=3, poll_s=0.2)
    started = time.monotonic()
    outcome = print_slip(doc, stuck)
    took = time.monotonic() - started
    assert (outcome.printed, outcome.reason) == (False, "timeout")
    assert 3 <= took < 10
    assert "超时" in outcome.message_zh


def test_printer_from_settings(tmp_path: Path) -> None:
    demo = printer_from_settings("directory", directory=tmp_path, queue="", server="localhost:631", job_timeout_s=9)
    assert isinstance(demo, DirectoryPrinter) and demo.directory == tmp_path
    cups = printer_from_settings("cups", directory=tmp_path, queue="slips", server="10.0.0.5:631", job_timeout_s=9)
    assert isinstance(cups, CupsPrinter)
    assert (cups.queue, cups.server, cups.job_timeout_s) == ("slips", "10.0.0.5:631", 9)
