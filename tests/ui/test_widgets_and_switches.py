"""Pilot tests of the shared UI parts: language / contrast / large-text switches, keypad and masked field, digit
choices, the idle warning, and progress shown only after 300 ms."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from kiosk.app import KioskApp
from kiosk.config import BackendSection, KioskSettings, UiSection
from kiosk.context import KioskContext
from kiosk.screens.idle_warning import IdleWarningScreen
from kiosk.themes import HIGH_CONTRAST, STANDARD
from kiosk.widgets.busy import BusyIndicator
from kiosk.widgets.choice_list import ChoiceList
from kiosk.widgets.keypad import Keypad
from kiosk.widgets.masked_field import MaskedField
from tests.helpers import FakeBackend, FakeClock

SIZE = (100, 32)


def kiosk_app(clock: FakeClock, **ui: object) -> KioskApp:
    settings = KioskSettings(backend=BackendSection(startup_grace_s=0), ui=UiSection(**ui))
    return KioskApp(KioskContext.create(settings, clock, FakeBackend()))


def text(app: App[None], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_language_switch_by_key_and_by_tap(clock: FakeClock) -> None:
    app = kiosk_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        assert text(app, "#insert-hint") == "请将社会保障卡芯片朝上插入读卡器"
        await pilot.press("f6")
        await pilot.pause(0.1)
        assert app.language == "en"
        assert text(app, "#insert-hint") == "Insert the card chip side up into the reader"
        assert text(app, "#status-kiosk") == "Kiosk NX-YC-0001"
        await pilot.click("#switch-language")
        await pilot.pause(0.1)
        assert app.language == "zh"
        assert text(app, "#status-kiosk") == "终端 NX-YC-0001"


async def test_contrast_and_large_text_switches(clock: FakeClock) -> None:
    app = kiosk_app(clock)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == STANDARD.name
        await pilot.press("f7")
        assert app.theme == HIGH_CONTRAST.name
        await pilot.click("#switch-contrast")
        assert app.theme == STANDARD.name
        await pilot.press("f8")
        assert app.has_class("-large-text")


async def test_configured_defaults_apply_at_start(clock: FakeClock) -> None:
    app = kiosk_app(clock, language="en", theme="high-contrast", large_text=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        assert app.theme == HIGH_CONTRAST.name and app.has_class("-large-text")
        assert text(app, "#insert-hint").startswith("Insert the card")


class PinHarness(App[None]):
    """A bare screen with a keypad and a masked field, wired the way input screens wire them."""

    def compose(self) -> ComposeResult:
        yield MaskedField(6, id="field")
        yield Keypad("zh", id="pad")
        yield ChoiceList([("basic", "个人基本信息"), ("enrolment", "个人参保信息")], id="choices")

    def on_mount(self) -> None:
        self.confirmed: list[str] = []
        self.chosen: list[str] = []

    def on_keypad_digit(self, message: Keypad.Digit) -> None:
        self.query_one(MaskedField).add(message.digit)

    def on_keypad_delete(self, _message: Keypad.Delete) -> None:
        self.query_one(MaskedField).delete()

    def on_keypad_confirm(self, _message: Keypad.Confirm) -> None:
        self.confirmed.append(self.query_one(MaskedField).take())

    def on_choice_list_chosen(self, message: ChoiceList.Chosen) -> None:
        self.chosen.append(message.value)


async def test_keypad_fills_a_masked_field_that_never_shows_digits() -> None:
    app = PinHarness()
    async with app.run_test(size=(100, 40)) as pilot:
        for key in ("1", "3", "5", "7", "delete", "9"):
            await pilot.click(f"#key-{key}")
        field = app.query_one(MaskedField)
        assert str(field.render()) == "● ● ● ● ○ ○"
        assert "1" not in str(field.render()) and "1359" not in repr(field)
        for key in ("2", "4", "6"):  # the seventh digit is ignored
            await pilot.click(f"#key-{key}")
        await pilot.click("#key-confirm")
        assert app.confirmed == ["135924"]
        assert str(field.render()) == "○ ○ ○ ○ ○ ○"


async def test_choice_by_digit_and_by_tap() -> None:
    app = PinHarness()
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one("#choice-basic").focus()
        await pilot.press("2")
        await pilot.click("#choice-basic")
        await pilot.press("7")  # no seventh choice: nothing happens
        await pilot.pause()
        assert app.chosen == ["enrolment", "basic"]
        label = str(app.query_one("#choice-enrolment").render())
        assert "2" in label and "个人参保信息" in label


async def test_idle_warning_counts_down_and_continue_dismisses(clock: FakeClock) -> None:
    app = kiosk_app(clock)
    results: list[bool | None] = []
    async with app.run_test(size=SIZE) as pilot:
        warning = IdleWarningScreen("zh", 20)
        app.push_screen(warning, results.append)
        await pilot.pause()
        assert "20 秒后" in text(app, "#idle-countdown")
        warning.show_seconds(7)
        assert "7 秒后" in text(app, "#idle-countdown")
        await pilot.press("enter")  # the big 继续 button has the focus
        await pilot.pause()
        assert results == [True]


class BusyHarness(App[None]):
    def compose(self) -> ComposeResult:
        yield BusyIndicator("正在查询", id="busy")


async def test_progress_appears_only_after_300_ms() -> None:
    app = BusyHarness()
    async with app.run_test() as pilot:
        busy = app.query_one(BusyIndicator)
        busy.start()
        await pilot.pause(0.1)
        assert not busy.display
        await pilot.pause(0.35)
        assert busy.display
        busy.stop()
        assert not busy.display
        busy.start()
        busy.stop()  # a quick operation never flashes a spinner
        await pilot.pause(0.4)
        assert not busy.display
