"""Snapshot tests of the key screens in both themes (regenerate with `pytest --snapshot-update` after a deliberate
change, and look at the SVGs before committing them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.app import KioskApp
from kiosk.config import BackendSection, KioskSettings, UiSection
from kiosk.context import KioskContext
from tests.helpers import FakeBackend, FakeClock

SnapCompare = Callable[..., bool]


def make_app(up: bool, theme: str) -> KioskApp:
    settings = KioskSettings(
        kiosk_id="NX-YC-0007",
        backend=BackendSection(startup_grace_s=0, failures_before_out_of_service=1, health_interval_s=60),
        ui=UiSection(theme=theme),  # type: ignore[arg-type]
    )
    return KioskApp(KioskContext.create(settings, FakeClock(), FakeBackend(up=up)))


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)


@pytest.mark.parametrize("theme", ["standard", "high-contrast"])
def test_attract_screen(snap_compare: SnapCompare, theme: str) -> None:
    assert snap_compare(make_app(True, theme), terminal_size=(100, 32), run_before=settle)


@pytest.mark.parametrize("theme", ["standard", "high-contrast"])
def test_out_of_service_screen(snap_compare: SnapCompare, theme: str) -> None:
    assert snap_compare(make_app(False, theme), terminal_size=(100, 32), run_before=settle)


def test_attract_screen_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(True, "standard"), terminal_size=(80, 24), run_before=settle)


class _Screens:
    """Key citizen screens pushed on a kiosk with a fake backend (no card needed for a picture)."""

    @staticmethod
    def pin(app: KioskApp) -> None:
        from kiosk.screens.pin import PinScreen

        app.push_screen(PinScreen(lambda _digits: None, "*****0016", 3))

    @staticmethod
    def menu(app: KioskApp) -> None:
        from kiosk.app import MENU
        from kiosk.screens.menu import MenuEntry, MenuScreen

        entries = [MenuEntry(key, label, lambda: None) for key, label, _queries in MENU]
        app.push_screen(MenuScreen("menu.title", entries, lambda: None, main=True, greeting="王**"))

    @staticmethod
    def query(app: KioskApp) -> None:
        from kiosk.screens.query import QueryScreen
        from kiosk.services.queries import YEAR_PERIODS
        from kiosk.services.views import Column, QueryRequest, QuerySpec, QueryView, TableView

        def load(request: QueryRequest) -> QueryView:
            rows = tuple((f"2026-{m:02d}", "10,162.00", "812.96", "1,625.92") for m in range(10, 0, -1))
            columns = (
                Column("col.period"),
                Column("col.base", "right"),
                Column("col.pension_personal", "right"),
                Column("col.pension_unit", "right"),
            )
            totals = ("合计 10 个月", "", "8,129.60", "16,259.20")
            return TableView("query.payments", columns, rows, totals, request.page, 2, note_key="note.yuan")

        app.push_screen(QueryScreen(QuerySpec("payments", "query.payments", load, YEAR_PERIODS)))


@pytest.mark.parametrize("theme", ["standard", "high-contrast"])
@pytest.mark.parametrize("screen", ["pin", "menu", "query"])
def test_citizen_screens(snap_compare: SnapCompare, theme: str, screen: str) -> None:
    app = make_app(True, theme)

    async def show(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.3)
        getattr(_Screens, screen)(app)
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=(100, 32), run_before=show)
