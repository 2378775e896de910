"""打印凭证: choose the type (digits) and the period → preview of the slip's key lines → print → "请取走您的凭证", or a
calm failure. Backend and printer are asked in a worker thread, with progress after 300 ms; printing is offered only
when the printer reports ready. 1 on the done screen prints a 补打 with the same serial; Esc goes back."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Literal

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen
from kiosk.services.slip_desk import KINDS, PeriodOption, PrintAttempt, SlipDesk, period_options, preview
from kiosk.widgets.busy import BusyIndicator
from kiosk_backend.schemas import SlipDocument, SlipIssueRequest, SlipKind

Stage = Literal["kind", "period", "issuing", "preview", "printing", "done", "failed", "error"]
BUSY: frozenset[Stage] = frozenset({"issuing", "printing"})
BEIJING = timezone(timedelta(hours=8))


class SlipScreen(KioskScreen):
    """The slip desk of one visit; ``stage`` says what is shown."""

    CSS_PATH = "slips.tcss"

    def __init__(self, desk: SlipDesk) -> None:
        super().__init__()
        self.desk = desk
        self.stage: Stage = "kind"
        self.kind: SlipKind | None = None
        self.periods: list[PeriodOption] = []
        self.doc: SlipDocument | None = None
        self.offered = False
        self.attempt: PrintAttempt | None = None
        self.error_code = ""

    # ------------------------------------------------------------ what is shown
    def compose(self) -> ComposeResult:
        title, body, keys = self._texts()
        yield self.top_bar()
        with Vertical(id="slip-body"):
            yield Static(title, id="slip-title")
            yield Static(body, id="slip-text")
            yield BusyIndicator(tr("busy.loading", self.language), id="slip-busy")
            yield Static(keys, id="slip-keys")
        yield self.status_bar()

    def _texts(self) -> tuple[str, str, str]:
        lang = self.language
        stage = self.stage
        if stage == "kind":
            lines = [f"{n}  {tr(key, lang)}" for n, (_kind, key) in enumerate(KINDS, start=1)]
            return tr("slip.choose_kind", lang), "\n".join(lines), tr("slip.keys.choose", lang)
        if stage == "period":
            lines = [
                f"{n}  {tr(option.label_key, lang, **option.label_values)}"
                for n, option in enumerate(self.periods, start=1)
            ]
            return tr("slip.choose_period", lang), "\n".join(lines), tr("slip.keys.choose", lang)
        if stage == "issuing":
            return tr("slip.title", lang), tr("slip.issuing", lang), ""
        if stage == "preview":
            assert self.doc is not None
            lines = [f"{tr(line.label_key, lang)}：{line.value}" for line in preview(self.doc)]
            if not self.offered:
                lines += ["", tr("slip.unavailable", lang)]
                return tr("slip.preview.title", lang), "\n".join(lines), tr("slip.keys.back", lang)
            return tr("slip.preview.title", lang), "\n".join(lines), tr("slip.keys.preview", lang)
        if stage == "printing":
            return tr("slip.title", lang), tr("slip.printing", lang), ""
        if stage == "done":
            assert self.attempt is not None
            mark = tr("slip.reprinted", lang) if self.attempt.reprint else ""
            return tr("slip.take", lang) + mark, self._serial_line(), tr("slip.keys.done", lang)
        if stage == "failed":
            assert self.attempt is not None
            outcome = self.attempt.outcome
            text = outcome.message_zh if lang == "zh" else outcome.message_en
            body = f"{text}\n\n{tr('slip.queries_remain', lang)}\n{self._serial_line()}"
            return tr("slip.failed.title", lang), body, tr("slip.keys.back", lang)
        body = tr("slip.error", lang) + "\n" + tr("error.code", lang, code=self.error_code)
        return tr("slip.title", lang), body, tr("slip.keys.back", lang)

    def _serial_line(self) -> str:
        return f"{tr('slip.preview.serial', self.language)}：{self.doc.serial}" if self.doc is not None else ""

    def _go(self, stage: Stage) -> None:
        self.stage = stage
        title, body, keys = self._texts()
        self.query_one("#slip-title", Static).update(title)
        self.query_one("#slip-text", Static).update(body)
        self.query_one("#slip-keys", Static).update(keys)
        busy = self.query_one(BusyIndicator)
        if stage in BUSY:
            busy.start()
        else:
            busy.stop()

    # ------------------------------------------------------------ choices
    def choose_kind(self, number: int) -> None:
        """1 参保证明, 2 个人权益记录单, 3 缴费明细."""
        if not 1 <= number <= len(KINDS):
            return
        self.kind = KINDS[number - 1][0]
        self.periods = period_options(self.kind, self.context.clock.now().astimezone(BEIJING).date())
        if not self.periods:
            self._issue(SlipIssueRequest(kind=self.kind))
            return
        self._go("period")

    def choose_period(self, number: int) -> None:
        if 1 <= number <= len(self.periods):
            self._issue(self.periods[number - 1].request)

    def _issue(self, request: SlipIssueRequest) -> None:
        self._go("issuing")
        self._issue_work(request)

    @work(thread=True, exclusive=True, group="slip")
    def _issue_work(self, request: SlipIssueRequest) -> None:
        try:
            doc = self.desk.issue(request)
        except BackendUnavailable:
            self.app.call_from_thread(self._failed_to_issue, "E-BK-002")
            return
        except BackendRejected as exc:
            self.app.call_from_thread(self._failed_to_issue, exc.code)
            return
        offered = self.desk.printing_offered()
        self.app.call_from_thread(self._show_preview, doc, offered)
        if offered:
            self.desk.prepare(doc)

    def _failed_to_issue(self, code: str) -> None:
        self.error_code = code
        self._go("error")

    def _show_preview(self, doc: SlipDocument, offered: bool) -> None:
        self.doc, self.offered = doc, offered
        self._go("preview")

    def print_slip(self) -> None:
        """Print the previewed slip (a 补打 when it was printed before in this visit)."""
        if self.doc is None or not self.offered:
            return
        self._go("printing")
        self._print_work(self.doc)

    @work(thread=True, exclusive=True, group="slip")
    def _print_work(self, doc: SlipDocument) -> None:
        attempt = self.desk.print(doc)
        self.app.call_from_thread(self._printed, attempt)

    def _printed(self, attempt: PrintAttempt) -> None:
        self.attempt = attempt
        self._go("done" if attempt.outcome.printed else "failed")

    # ------------------------------------------------------------ keys
    def on_key(self, event: events.Key) -> None:
        key, stage = event.key, self.stage
        if stage in BUSY:
            event.stop()
            return
        if key == "escape":
            event.stop()
            if stage == "period":
                self._go("kind")
            else:
                self.app.pop_screen()
        elif stage == "kind" and key.isdigit():
            event.stop()
            self.choose_kind(int(key))
        elif stage == "period" and key.isdigit():
            event.stop()
            self.choose_period(int(key))
        elif stage in ("preview", "done") and key in ("1", "enter"):
            event.stop()
            if stage == "done" and key == "enter":
                self.app.pop_screen()
            else:
                self.print_slip()
