"""Pilot tests: the attract screen, the out-of-service screen, recovery, and the citizen lock-down."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Static

from kiosk.app import KioskApp
from kiosk.config import BackendSection, KioskSettings
from kiosk.context import KioskContext
from kiosk.runtime import kiosk_context
from kiosk.screens.attract import AttractScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from tests.helpers import FakeBackend, FakeClock

SIZE = (100, 32)


def make_app(backend: FakeBackend, clock: FakeClock, **backend_settings: float) -> KioskApp:
    section = BackendSection(**{"health_interval_s": 0.05, "startup_grace_s": 0, **backend_settings})
    settings = KioskSettings(kiosk_id="NX-YC-0007", backend=section)
    return KioskApp(KioskContext.create(settings, clock, backend))


def text_of(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def until(pilot: object, condition: object) -> None:
    """Poll (up to 10 s): health checks come back from a worker thread, later on a loaded machine."""
    for _ in range(200):
        try:
            if callable(condition) and condition():
                return
        except LookupError:
            pass
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("condition not reached")


def online(app: KioskApp) -> bool:
    return isinstance(app.screen, AttractScreen) and text_of(app, "#status-state") == "服务正常"


async def test_attract_screen_shows_prompt_kiosk_id_and_time(clock: FakeClock) -> None:
    app = make_app(FakeBackend(up=True), clock)
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: isinstance(app.screen, AttractScreen) and text_of(app, "#status-state") == "服务正常"
        )
        assert text_of(app, "#insert-zh") == "请插入社保卡"
        assert text_of(app, "#insert-en") == "Please insert your social security card"
        assert text_of(app, "#status-kiosk") == "终端 NX-YC-0007"
        assert text_of(app, "#status-time") == "2026-11-22 09:30:00"
        assert text_of(app, "#status-state") == "服务正常"
        clock.advance(61)
        await until(pilot, lambda: text_of(app, "#status-time") == "2026-11-22 09:31:01")


async def test_backend_down_shows_out_of_service_then_recovers(clock: FakeClock) -> None:
    backend = FakeBackend(up=False)
    app = make_app(backend, clock, failures_before_out_of_service=1)
    async with app.run_test(size=SIZE) as pilot:
        # the body's Vertical mounts its children after the status bar has: wait for its last line, then check all
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, OutOfServiceScreen)
                and text_of(app, "#status-state") != ""
                and text_of(app, "#oos-code") != ""
            ),
        )
        assert text_of(app, "#oos-title") == "服务暂停"
        assert "无法连接社保业务系统" in text_of(app, "#oos-reason")
        assert text_of(app, "#oos-code") == "故障代码 E-BK-001"
        assert text_of(app, "#status-state") == "服务中断"  # in words, not only colour
        backend.up = True
        await until(
            pilot, lambda: isinstance(app.screen, AttractScreen) and text_of(app, "#status-state") == "服务正常"
        )


async def test_one_failed_check_does_not_flap_to_out_of_service(clock: FakeClock) -> None:
    backend = FakeBackend(up=True)
    app = make_app(backend, clock, failures_before_out_of_service=100)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        backend.up = False
        await pilot.pause(0.3)
        assert isinstance(app.screen, AttractScreen)


async def test_starting_kiosk_waits_for_backend_within_grace(clock: FakeClock) -> None:
    app = make_app(FakeBackend(up=False), clock, startup_grace_s=30)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, AttractScreen) and text_of(app, "#status-state") == "连接中")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AttractScreen)
        clock.advance(31)
        await until(pilot, lambda: isinstance(app.screen, OutOfServiceScreen))


async def test_no_key_leaves_the_app_or_opens_a_palette(clock: FakeClock) -> None:
    app = make_app(FakeBackend(up=True), clock)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+p", "ctrl+z", "escape", "ctrl+backslash", "f1", "tab", "enter"):
            await pilot.press(key)
        await pilot.pause(0.1)
        assert app.is_running
        assert isinstance(app.screen, AttractScreen)
        assert len(app.screen_stack) == 2  # default screen + attract: nothing opened on top
    assert not app.ENABLE_COMMAND_PALETTE and not app.ALLOW_SELECT


def embedded_children() -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().split(")")[-1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if ppid == os.getpid() and b"kiosk_backend" in cmdline:
            children.append(int(entry.name))
    return children


async def test_demo_app_with_embedded_backend_starts_and_stops_cleanly(isolated_home: Path) -> None:
    settings = KioskSettings()
    with kiosk_context(settings, demo=True) as context:
        assert len(embedded_children()) == 1
        app = KioskApp(context)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(200):
                await pilot.pause(0.1)
                if text_of(app, "#status-state") == "服务正常":
                    break
            assert text_of(app, "#status-state") == "服务正常"
    assert embedded_children() == []
    assert (isolated_home / ".local/share/shebao-kiosk/demo-backend.sqlite3").exists()


async def test_a_health_answer_arriving_during_shutdown_is_dropped(clock: FakeClock) -> None:
    """A health check still in flight when the app closes lands on an empty screen stack: no crash (seen once in
    CI as a failed worker at the end of a staff-mode test)."""
    from kiosk.services.availability import Availability, ServiceState

    app = make_app(FakeBackend(up=True), clock)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: online(app))
    assert not app.screen_stack
    app._apply_availability(Availability(ServiceState.OUT_OF_SERVICE, fault_code="E-BK-001"))
