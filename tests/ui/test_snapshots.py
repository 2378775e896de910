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
