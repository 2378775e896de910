"""Shared pieces of the pilot tests that run the kiosk against demo mode's real embedded backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.context import KioskContext
from kiosk.runtime import kiosk_context
from kiosk.services import card_services
from tests.helpers import FakeClock


@contextmanager
def demo_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskContext]:
    """Demo mode's parts (embedded backend, demo card slot) in a private home, retries of state changes quick."""
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    mp.setattr(card_services, "RETRY_DELAYS_S", (0.05, 0.05))
    try:
        with kiosk_context(KioskSettings(data_dir=Path(home) / "data"), demo=True, clock=FakeClock()) as context:
            yield context
    finally:
        mp.undo()


def text(app: object) -> str:
    """The visible text of the current screen."""
    assert isinstance(app, KioskApp)
    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


async def wait_for(pilot: Pilot[None], condition: object, timeout_s: float = 30.0) -> None:
    """Poll until ``condition()`` holds; fail with the screen's text otherwise."""
    for _ in range(int(timeout_s / 0.05)):
        if callable(condition) and condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting; screen is {type(pilot.app.screen).__name__}: {text(pilot.app)}")
