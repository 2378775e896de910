"""The shared query screen: tables with totals, fields, period choice by digit, paging, errors, Esc back."""

from __future__ import annotations

import threading

from textual.widgets import DataTable, Static

from kiosk.app import KioskApp
from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.config import BackendSection, KioskSettings
from kiosk.context import KioskContext
from kiosk.screens.attract import AttractScreen
from kiosk.screens.query import QueryScreen
from kiosk.services.views import (
    Column,
    FieldsView,
    PeriodOption,
    QueryRequest,
    QuerySpec,
    QueryView,
    TableView,
    period_text,
    yuan,
)
from tests.helpers import FakeBackend, FakeClock

SIZE = (100, 32)
PERIODS = (PeriodOption("12m", "period.12m"), PeriodOption("all", "period.all"))


async def until(pilot: object, condition: object) -> None:
    """Poll (up to 10 s): the data comes back from a worker thread, later on a loaded machine."""
    for _ in range(200):
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        try:
            if callable(condition) and condition():
                return
        except (IndexError, LookupError):
            continue
    raise AssertionError("condition not reached")


def app_for(clock: FakeClock) -> KioskApp:
    settings = KioskSettings(backend=BackendSection(startup_grace_s=0))
    return KioskApp(KioskContext.create(settings, clock, FakeBackend()))


class PaymentsLoader:
    """Three pages of payments; remembers what it was asked."""

    def __init__(self) -> None:
        self.requests: list[QueryRequest] = []
        self.fail = False

    def __call__(self, request: QueryRequest) -> QueryView:
        self.requests.append(request)
        if self.fail:
            raise BackendUnavailable("down")
        rows = tuple((period_text(202400 + request.page), yuan(123456 * request.page)) for _ in range(2))
        return TableView(
            "query.payments",
            (Column("col.period"), Column("col.amount", "right")),
            rows,
            totals=("合计", yuan(246912 * request.page)),
            page=request.page,
            pages=3,
        )


async def test_table_with_totals_paging_and_periods(clock: FakeClock) -> None:
    loader = PaymentsLoader()
    app = app_for(clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(QueryScreen(QuerySpec("payments", "query.payments", loader, PERIODS)))
        await until(pilot, lambda: app.screen.query_one(DataTable).row_count == 3)  # two rows + totals
        table = app.screen.query_one(DataTable)
        assert [str(cell) for cell in table.get_row("totals")] == ["合计", "2,469.12"]
        await pilot.press("9")
        await until(pilot, lambda: "第 2/3 页" in str(app.screen.query_one("#query-footer", Static).render()))
        assert loader.requests[-1] == QueryRequest("12m", 2)
        await pilot.press("9", "9")  # no fourth page
        await until(pilot, lambda: "第 3/3 页" in str(app.screen.query_one("#query-footer", Static).render()))
        await pilot.pause(0.2)
        assert loader.requests[-1].page == 3
        await pilot.press("2")
        await until(pilot, lambda: loader.requests[-1] == QueryRequest("all", 1))
        await pilot.press("8")  # already on the first page
        await pilot.pause(0.1)
        assert loader.requests[-1] == QueryRequest("all", 1)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AttractScreen)


async def test_backend_down_shows_what_to_do_and_a_code(clock: FakeClock) -> None:
    loader = PaymentsLoader()
    loader.fail = True
    app = app_for(clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(QueryScreen(QuerySpec("payments", "query.payments", loader, PERIODS)))
        await until(pilot, lambda: "E-BK-002" in str(app.screen.query_one("#query-error", Static).render()))
        error = str(app.screen.query_one("#query-error", Static).render())
        assert "暂时无法查询" in error and "E-BK-002" in error


async def test_fields_view(clock: FakeClock) -> None:
    def load(_request: QueryRequest) -> QueryView:
        return FieldsView("query.basic", (("field.name", "王**"), ("field.ssn", "640104********2314")))

    app = app_for(clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(QueryScreen(QuerySpec("basic", "query.basic", load)))
        await until(pilot, lambda: "王**" in str(app.screen.query_one("#query-fields", Static).render()))
        fields = str(app.screen.query_one("#query-fields", Static).render())
        assert "王**" in fields and "640104********2314" in fields
        assert not app.screen.query_one(DataTable).display


async def test_slow_query_shows_progress_then_data(clock: FakeClock) -> None:
    release = threading.Event()

    def load(_request: QueryRequest) -> QueryView:
        release.wait(5)
        return FieldsView("query.basic", (("field.name", "王**"),))

    app = app_for(clock)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(QueryScreen(QuerySpec("basic", "query.basic", load)))
        await pilot.pause(0.5)
        assert app.screen.query_one("#query-busy").display
        release.set()
        for _ in range(100):  # the worker hands the data back through the event loop: allow for a loaded machine
            await pilot.pause(0.05)
            if not app.screen.query_one("#query-busy").display:
                break
        assert not app.screen.query_one("#query-busy").display


def test_money_and_period_formatting() -> None:
    assert yuan(0) == "0.00"
    assert yuan(5) == "0.05"
    assert yuan(123456789) == "1,234,567.89"
    assert yuan(-1050) == "-10.50"
    assert period_text(202403) == "2024-03"
