"""The citizen's slip desk (打印凭证): choose a type and a period, have the backend issue the slip, print it and report
the outcome. A slip issued in this visit is never issued twice: printing it again is a 补打 with the same serial."""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import TYPE_CHECKING

from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk.printing.printers import Printer
from kiosk.services.counters import SLIPS, Counters
from kiosk.services.journal_writer import JournalWriter
from kiosk.services.slip_printing import SlipPrintOutcome, print_slip, printing_offered
from kiosk_backend.identifiers import mask_name
from kiosk_backend.schemas import SlipDocument, SlipIssueRequest, SlipKind, SlipOutcomeRequest

if TYPE_CHECKING:  # reportlab loads on first use (or the warm-up thread), not on the kiosk's start path
    from kiosk.printing.render import Layout

log = logging.getLogger(__name__)
BEIJING = timezone(timedelta(hours=8))

KINDS: tuple[tuple[SlipKind, str], ...] = (
    ("CBZM", "slip.kind.CBZM"),
    ("QYJLD", "slip.kind.QYJLD"),
    ("JFMX", "slip.kind.JFMX"),
)


@dataclass(frozen=True)
class PeriodOption:
    """One period a citizen can pick: its catalog label (with values) and the request it makes."""

    label_key: str
    label_values: dict[str, int]
    request: SlipIssueRequest


def period_options(kind: SlipKind, today: date) -> list[PeriodOption]:
    """The periods offered for a type (none for 参保证明): the last three years, or 12 months / whole years."""
    year = today.year
    if kind == "CBZM":
        return []
    if kind == "QYJLD":
        return [
            PeriodOption("slip.period.year", {"year": y}, SlipIssueRequest(kind=kind, year=y))
            for y in (year - 1, year - 2, year - 3)
        ]
    now = year * 100 + today.month
    start = (year - 1) * 100 + today.month + 1 if today.month < 12 else year * 100 + 1
    options = [PeriodOption("slip.period.last12", {}, SlipIssueRequest(kind=kind, from_period=start, to_period=now))]
    options += [
        PeriodOption(
            "slip.period.year",
            {"year": y},
            SlipIssueRequest(kind=kind, from_period=y * 100 + 1, to_period=y * 100 + 12),
        )
        for y in (year - 1, year - 2)
    ]
    return options


def _ym(period: int) -> str:
    return f"{period // 100}-{period % 100:02d}"


@dataclass(frozen=True)
class PreviewLine:
    """One line of the preview: a catalog label and the value shown beside it."""

    label_key: str
    value: str


def preview(doc: SlipDocument) -> list[PreviewLine]:
    """The slip's key lines for the screen (the name masked, as everywhere on screen; the paper has it in full)."""
    lines = [
        PreviewLine("slip.preview.type", doc.title),
        PreviewLine("slip.preview.holder", f"{mask_name(doc.holder_name)}  {doc.masked_id}"),
    ]
    if doc.period:
        lines.append(PreviewLine("slip.preview.period", doc.period))
    lines += [
        PreviewLine("slip.preview.serial", doc.serial),
        PreviewLine("slip.preview.check_code", doc.check_code),
        PreviewLine("slip.preview.valid_until", doc.valid_until.astimezone(BEIJING).strftime("%Y-%m-%d")),
    ]
    lines += [
        PreviewLine(
            "slip.preview.summary",
            f"{r.insurance_name}  {r.status_name}  {_ym(r.from_period)}～{_ym(r.to_period)}  {r.months}",
        )
        for r in doc.summary_rows
    ]
    lines.append(PreviewLine("slip.preview.details", str(len(doc.detail_rows))))
    return lines


@dataclass(frozen=True)
class PrintAttempt:
    """What the screen shows after printing: the outcome and whether it was a 补打."""

    outcome: SlipPrintOutcome
    reprint: bool


class SlipDesk:
    """One citizen visit's slips: issued once per type and period, printed and reprinted with the same serial."""

    def __init__(
        self,
        backend: Backend,
        token: Callable[[], str],
        printer: Printer,
        layout: Layout = "a4",
        journal: JournalWriter | None = None,
        counters: Counters | None = None,
    ) -> None:
        self._backend = backend
        self._counters = counters
        self._token = token
        self.printer = printer
        self._layout = layout
        self._journal = journal
        self._issued: dict[str, SlipDocument] = {}
        self._printed: set[str] = set()

    def printing_offered(self) -> bool:
        """Whether the printer reports ready and a CJK font is installed (asks the printer: call off the UI)."""
        return printing_offered(self.printer)

    def issue(self, request: SlipIssueRequest) -> SlipDocument:
        """The slip for this request: the one already issued in this visit, or a new one from the backend.

        Raises BackendUnavailable / BackendRejected."""
        key = request.model_dump_json()
        if key not in self._issued:
            doc = self._backend.issue_slip(self._token(), request, idempotency_key=uuid.uuid4().hex)
            self._issued[key] = doc
            self._record("slip.issued", None, doc)
        return self._issued[key]

    @staticmethod
    def prepare(doc: SlipDocument) -> None:
        """Encode the QR while the preview shows, so that printing starts at once."""
        from kiosk.printing.render import prepare_slip

        prepare_slip(doc)

    def is_reprint(self, doc: SlipDocument) -> bool:
        """Printing ``doc`` now would be a 补打 (it was printed before in this visit)."""
        return doc.serial in self._printed

    def print(self, doc: SlipDocument) -> PrintAttempt:
        """Render and print (补打 when printed before), then report the outcome to the backend and the journal."""
        reprint = self.is_reprint(doc)
        outcome = print_slip(doc, self.printer, layout=self._layout, reprint=reprint)
        if outcome.printed:
            self._printed.add(doc.serial)
            if self._counters is not None:  # slips printed, and paper used since the last refill
                self._counters.count(SLIPS)
        self._record("slip.printed" if outcome.printed else "slip.print_failed", outcome.reason, doc, reprint)
        report = SlipOutcomeRequest(printed=outcome.printed, reason=outcome.reason, reprint=reprint)
        try:
            self._backend.report_slip_outcome(self._token(), doc.serial, report, idempotency_key=uuid.uuid4().hex)
        except (BackendUnavailable, BackendRejected) as exc:  # the journal has it; the citizen is not held up
            log.warning("could not report the print outcome of %s: %s", doc.serial, type(exc).__name__)
        return PrintAttempt(outcome, reprint)

    def _record(self, kind: str, code: str | None, doc: SlipDocument, reprint: bool = False) -> None:
        if self._journal is not None:
            # region-date-sequence with dashes: a 22-digit run would be refused as an unmasked ID number
            serial = f"{doc.serial[:6]}-{doc.serial[6:14]}-{doc.serial[14:]}"
            self._journal.record(kind, code, {"serial": serial, "type": doc.kind, "reprint": reprint})


_DESKS: weakref.WeakKeyDictionary[object, SlipDesk] = weakref.WeakKeyDictionary()


def desk_for(visit: object, make: Callable[[], SlipDesk]) -> SlipDesk:
    """The visit's desk (made on first use); it goes away with the visit, so nothing outlives the session."""
    desk = _DESKS.get(visit)
    if desk is None:
        desk = _DESKS[visit] = make()
    return desk
