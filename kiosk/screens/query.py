"""One screen for every query: a title, an optional period picker, a table or a list of fields, and paging.

Digits choose the period (1…), 8 / 9 page back and forth, Esc goes back; the data is fetched in a worker thread
with progress shown after 300 ms, and a failure shows what to do next with a code for staff.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen
from kiosk.services.views import FieldsView, QueryRequest, QuerySpec, QueryView, TableView
from kiosk.widgets.busy import BusyIndicator

PREVIOUS_PAGE_KEY, NEXT_PAGE_KEY = "8", "9"


class QueryScreen(KioskScreen):
    """Shows one :class:`QuerySpec`."""

    CSS_PATH = "query.tcss"

    def __init__(self, spec: QuerySpec) -> None:
        super().__init__()
        self.spec = spec
        self.request = QueryRequest(period=spec.periods[0].key if spec.periods else None)
        self.view: QueryView | None = None
        self._mounted = False
        self._early: Callable[[], None] | None = None  # the first answer, if it came before the screen was mounted

    def compose(self) -> ComposeResult:
        if not self._mounted:  # the citizen asked for it: the backend works while the screen is built
            self._fetch(self.request)
        yield self.top_bar()
        with Vertical(id="query-body"):
            yield Static(tr(self.spec.title_key, self.language), id="query-title")
            if self.spec.periods:
                with Horizontal(id="query-periods"):
                    for number, option in enumerate(self.spec.periods, start=1):
                        label = f"{number} {tr(option.label_key, self.language)}"
                        yield Button(label, id=f"period-{option.key}", compact=True, classes="period")
            yield BusyIndicator(tr("busy.loading", self.language), id="query-busy")
            yield Static("", id="query-error")
            yield DataTable(id="query-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="query-fields")
            yield Static("", id="query-footer")
            yield Static(tr("query.keys", self.language), id="query-keys")
        yield self.status_bar()

    def on_mount(self) -> None:
        self._mounted = True
        self.query_one("#query-error", Static).display = False
        if self._early is not None:
            self._early()
        else:
            self.query_one(BusyIndicator).start()

    def load(self) -> None:
        """Fetch the current request in a worker thread."""
        error = self.query_one("#query-error", Static)
        error.update("")
        error.display = False
        self.query_one(BusyIndicator).start()
        self._fetch(self.request)

    @work(thread=True, exclusive=True, group="query")
    def _fetch(self, request: QueryRequest) -> None:
        try:
            view = self.spec.load(request)
        except BackendUnavailable:
            self.app.call_from_thread(
                self._answer, functools.partial(self._show_error, "query.error.unavailable", "E-BK-002")
            )
            return
        except BackendRejected as exc:
            self.app.call_from_thread(
                self._answer, functools.partial(self._show_error, "query.error.rejected", exc.code)
            )
            return
        self.app.call_from_thread(self._answer, functools.partial(self._show, request, view))

    def _answer(self, show: Callable[[], None]) -> None:
        """Show an answer now, or when the screen is mounted if it came first (UI thread)."""
        if self._mounted:
            show()
        else:
            self._early = show

    def _show_error(self, message_key: str, code: str) -> None:
        self._early = None
        self.query_one(BusyIndicator).stop()
        message = tr(message_key, self.language) + "  " + tr("error.code", self.language, code=code)
        error = self.query_one("#query-error", Static)
        error.update(message)
        error.display = True

    def _show(self, request: QueryRequest, view: QueryView) -> None:
        if request != self.request:  # the citizen already asked for something else
            return
        self._early = None
        self.query_one(BusyIndicator).stop()
        self.view = view
        table = self.query_one(DataTable)
        fields = self.query_one("#query-fields", Static)
        footer = self.query_one("#query-footer", Static)
        table.clear(columns=True)
        if isinstance(view, TableView):
            table.display, fields.display = True, False
            aligns = [column.align for column in view.columns]
            for column in view.columns:
                table.add_column(Text(tr(column.label_key, self.language), justify=column.align), width=column.width)
            for row in view.rows:
                table.add_row(*(Text(cell, justify=align) for cell, align in zip(row, aligns, strict=True)))
            if view.totals is not None:
                totals = (
                    Text(cell, justify=align, style="bold") for cell, align in zip(view.totals, aligns, strict=True)
                )
                table.add_row(*totals, key="totals")
            empty = tr("query.empty", self.language) if not view.rows else ""
            pages = tr("query.page", self.language, page=view.page, pages=view.pages) if view.pages > 1 else ""
            note = tr(view.note_key, self.language) if view.note_key else ""
            footer.update("    ".join(part for part in (empty, pages, note) if part))
        elif isinstance(view, FieldsView):
            table.display, fields.display = False, True
            lines = [f"{tr(label, self.language)}：{value}" for label, value in view.fields]
            fields.update("\n".join(lines))
            footer.update(tr(view.note_key, self.language) if view.note_key else "")

    def choose_period(self, key: str) -> None:
        """Show another period (first page)."""
        self.request = QueryRequest(period=key, page=1)
        self.load()

    def turn_page(self, delta: int) -> None:
        """Previous / next page, within bounds."""
        if isinstance(self.view, TableView) and 1 <= self.request.page + delta <= self.view.pages:
            self.request = QueryRequest(period=self.request.period, page=self.request.page + delta)
            self.load()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("period-"):
            event.stop()
            self.choose_period(event.button.id.removeprefix("period-"))

    def on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "escape":
            event.stop()
            self.app.pop_screen()
        elif key == PREVIOUS_PAGE_KEY:
            event.stop()
            self.turn_page(-1)
        elif key == NEXT_PAGE_KEY:
            event.stop()
            self.turn_page(+1)
        elif key.isdigit() and 1 <= int(key) <= len(self.spec.periods):
            event.stop()
            self.choose_period(self.spec.periods[int(key) - 1].key)
