"""Menu → query screen latency with the embedded backend, and the kiosk's memory over many simulated sessions.

Drives the real app in Textual's pilot with demo mode's embedded backend and virtual reader: each session inserts
the demo citizen card, types the PIN, opens every query of one sub-menu, and removes the card.
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


async def one_session(pilot: Pilot[None], app: KioskApp, latencies: list[float]) -> None:
    slot = app.context.demo_slot
    assert slot is not None
    slot.insert("citizen")
    await until(pilot, lambda: isinstance(app.screen, PinScreen))
    await pilot.press(*PIN, "enter")
    await until(pilot, lambda: isinstance(app.screen, MenuScreen))
    await pilot.press("2")  # 参保与缴费
    await until(pilot, lambda: isinstance(app.screen, MenuScreen) and not app.screen.main)
    for digit in "1234":
        started = time.perf_counter()
        await pilot.press(digit)
        await until(pilot, lambda: isinstance(app.screen, QueryScreen) and app.screen.view is not None)
        latencies.append(time.perf_counter() - started)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MenuScreen))
    slot.remove()
    await until(pilot, lambda: isinstance(app.screen, AttractScreen))


async def main(sessions: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["HOME"] = home
        with kiosk_context(KioskSettings(), demo=True) as context:
            app = KioskApp(context)
            async with app.run_test(size=(100, 32)) as pilot:
                await until(pilot, lambda: app.in_service, 60)
                latencies: list[float] = []
                for _ in range(5):  # warm-up: imports, caches, first queries
                    await one_session(pilot, app, latencies)
                gc.collect()
                before = rss_kib()
                latencies.clear()
                for _ in range(sessions):
                    await one_session(pilot, app, latencies)
                gc.collect()
                after = rss_kib()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"sessions: {sessions}, query screens opened: {len(latencies)}")
    print(
        f"menu → query screen with data: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    print(
        f"kiosk RSS: {before / 1024:.1f} MiB after warm-up → {after / 1024:.1f} MiB after {sessions} sessions "
        f"(growth {(after - before) / 1024:.2f} MiB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100)
    asyncio.run(main(parser.parse_args().sessions))
