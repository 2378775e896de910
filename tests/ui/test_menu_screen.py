"""Choice screens: a digit or a tap opens an entry, Esc goes back from a sub-menu only, 0 and 退出 end."""

from __future__ import annotations

from kiosk.app import KioskApp
from kiosk.config import BackendSection, KioskSettings
from kiosk.context import KioskContext
from kiosk.screens.menu import MenuEntry, MenuScreen
from tests.helpers import FakeBackend, FakeClock

SIZE = (100, 32)


async def test_digits_taps_back_and_exit(clock: FakeClock) -> None:
    settings = KioskSettings(backend=BackendSection(startup_grace_s=0))
    app = KioskApp(KioskContext.create(settings, clock, FakeBackend()))
    opened: list[str] = []
    exits: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        sub = MenuScreen("menu.title", [MenuEntry("pay", "menu.payments", lambda: opened.append("pay"))],
                         lambda: exits.append(True), main=False)  # fmt: skip
        entries = [
            MenuEntry("basic", "menu.basic", lambda: opened.append("basic")),
            MenuEntry("more", "menu.more", lambda: app.push_screen(sub)),
        ]
        main = MenuScreen("menu.title", entries, lambda: exits.append(True), main=True)
        await app.push_screen(main)
        await pilot.press("1")
        await pilot.click("#choice-basic")
        await pilot.press("5")  # nothing numbered 5
        assert opened == ["basic", "basic"]
        await pilot.press("2")
        await pilot.pause()
        assert app.screen is sub
        await pilot.press("1")
        assert opened[-1] == "pay"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main
        await pilot.press("escape")  # the main menu does not go back past itself
        await pilot.pause()
        assert app.screen is main
        await pilot.press("0")
        await pilot.click("#menu-exit")
        assert exits == [True, True]
