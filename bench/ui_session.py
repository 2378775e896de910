"""Menu → query screen latency with the embedded backend, and the kiosk's memory over many simulated sessions.

Drives the real app in Textual's pilot with demo mode's embedded backend and virtual reader: each session inserts
the demo citizen card, types the PIN, opens every query of one sub-menu, and removes the card.

Latency is measured from the key press to the first frame the app renders of the query screen with its data (what
the citizen sees), and also, as before, to the moment the pilot gets control back and sees the data (that includes
the pilot's own wait for the app to go idle). CPU is the kiosk process's CPU time over the same span (all threads;
the embedded backend is another process). The load average is printed because the machine is shared.
Usage: .venv/bin/python bench/ui_session.py [--sessions 100]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from kiosk.app import KioskApp
from kiosk.config import KioskSettings
from kiosk.runtime import kiosk_context
from kiosk.screens.attract import AttractScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.query import QueryScreen
from kiosk_backend.demo_cards import load_demo_cards

PIN = load_demo_cards().by_id("citizen").pin


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def until(pilot: Pilot[None], condition: object, timeout_s: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not (callable(condition) and condition()):
        if time.perf_counter() > deadline:
            raise TimeoutError(type(pilot.app.screen).__name__)
        await asyncio.sleep(0.001)


class PaintWatch:
    """Notes when the app renders its first frame of a query screen that has its data."""

    def __init__(self) -> None:
        self.painted_at: float | None = None
        self.cpu_at: float | None = None
        original = App._display

        def display(app: App[object], screen: object, renderable: object) -> None:
            original(app, screen, renderable)  # type: ignore[arg-type]
            if self.painted_at is None and isinstance(screen, QueryScreen) and screen.view is not None:
                self.painted_at, self.cpu_at = time.perf_counter(), time.process_time()

        App._display = display  # type: ignore[assignment,method-assign]

    def arm(self) -> None:
        self.painted_at = self.cpu_at = None


WATCH = PaintWatch()


class Figures:
    """Per query screen: to the frame with data, to the pilot seeing it, and kiosk CPU time."""

    def __init__(self) -> None:
        self.painted: list[float] = []
        self.seen: list[float] = []
        self.cpu: list[float] = []

    def clear(self) -> None:
        self.painted.clear()
        self.seen.clear()
        self.cpu.clear()


async def one_session(pilot: Pilot[None], app: KioskApp, figures: Figures) -> None:
    slot = app.context.demo_slot
    assert slot is not None
    slot.insert("citizen")
    await until(pilot, lambda: isinstance(app.screen, PinScreen))
    await pilot.press(*PIN, "enter")
    await until(pilot, lambda: isinstance(app.screen, MenuScreen))
    await pilot.press("2")  # 参保与缴费
    await until(pilot, lambda: isinstance(app.screen, MenuScreen) and not app.screen.main)
    for digit in "1234":
        WATCH.arm()
        started, cpu = time.perf_counter(), time.process_time()
        await pilot.press(digit)
        await until(pilot, lambda: isinstance(app.screen, QueryScreen) and app.screen.view is not None)
        figures.seen.append(time.perf_counter() - started)
        await until(pilot, lambda: WATCH.painted_at is not None)
        assert WATCH.painted_at is not None and WATCH.cpu_at is not None
        figures.painted.append(WATCH.painted_at - started)
        figures.cpu.append(WATCH.cpu_at - cpu)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MenuScreen))
    slot.remove()
    await until(pilot, lambda: isinstance(app.screen, AttractScreen))


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    median = statistics.median(ordered)
    return f"median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"


async def main(sessions: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["HOME"] = home
        with kiosk_context(KioskSettings(), demo=True) as context:
            app = KioskApp(context)
            async with app.run_test(size=(100, 32)) as pilot:
                await until(pilot, lambda: app.in_service, 60)
                figures = Figures()
                for _ in range(5):  # warm-up: imports, caches, first queries
                    await one_session(pilot, app, figures)
                gc.collect()
                before = rss_kib()
                figures.clear()
                load_before = os.getloadavg()[0]
                for _ in range(sessions):
                    await one_session(pilot, app, figures)
                gc.collect()
                after = rss_kib()
    print(f"sessions: {sessions}, query screens opened: {len(figures.painted)}")
    print(f"load average (1 min): {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(f"menu → query screen painted with data: {describe(figures.painted)}")
    print(f"  kiosk CPU time over that span:       {describe(figures.cpu)}")
    print(f"menu → pilot sees the data (as before): {describe(figures.seen)}")
    print(
        f"kiosk RSS: {before / 1024:.1f} MiB after warm-up → {after / 1024:.1f} MiB after {sessions} sessions "
        f"(growth {(after - before) / 1024:.2f} MiB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100)
    asyncio.run(main(parser.parse_args().sessions))
