"""The citizen's visit end to end in the pilot, against the real embedded backend (seeded demo people) and the
demo mode's virtual reader: card → PIN → menu → every query → exit / card removal / idle timeout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from kiosk.app import MENU, KioskApp
from kiosk.config import KioskSettings
from kiosk.context import KioskContext
from kiosk.runtime import kiosk_context
from kiosk.screens.attract import AttractScreen
from kiosk.screens.idle_warning import IdleWarningScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.message import MessageScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.query import QueryScreen
from kiosk_backend.demo_cards import load_demo_cards
from tests.helpers import FakeClock
from tests.ui.pilot import wait_for

SIZE = (100, 32)
CARDS = load_demo_cards()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KioskContext, FakeClock]]:
    """One embedded backend for the module; a fake clock so idle timeouts can be driven."""
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    clock = FakeClock()
    with kiosk_context(KioskSettings(data_dir=Path(home) / "data"), demo=True, clock=clock) as context:
        yield context, clock
    mp.undo()


@pytest.fixture(autouse=True)
def empty_slot(demo: tuple[KioskContext, FakeClock]) -> Iterator[None]:
    """The module shares one reader: a test that fails with the card in must not start the next one with it."""
    yield
    slot = demo[0].demo_slot
    if slot is not None:
        slot.remove()


async def online(pilot: Pilot[None], app: KioskApp) -> None:
    await wait_for(pilot, lambda: app.in_service, 30)


async def type_pin(pilot: Pilot[None], pin: str) -> None:
    await pilot.press(*pin, "enter")


def screen_text(app: KioskApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def login(pilot: Pilot[None], app: KioskApp, card_id: str) -> None:
    assert app.context.demo_slot is not None
    app.context.demo_slot.insert(card_id)
    await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
    await type_pin(pilot, CARDS.by_id(card_id).pin)
    await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen | MessageScreen) and app._visit is not None)
    await wait_for(pilot, lambda: screen_text(app) != "")  # composed


async def test_visit_with_every_query_then_card_removal(demo: tuple[KioskContext, FakeClock]) -> None:
    context, _clock = demo
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        await login(pilot, app, "citizen")
        assert isinstance(app.screen, MenuScreen)
        text = screen_text(app)
        assert "王**，您好" in text and "王建国" not in text
        for number, (_key, _label, queries) in enumerate(MENU, start=1):
            await pilot.press(str(number))
            await pilot.pause(0.1)
            for query_number, query in enumerate(queries, start=1):
                if len(queries) > 1:
                    assert isinstance(app.screen, MenuScreen)
                    await pilot.press(str(query_number))
                await wait_for(pilot, lambda: isinstance(app.screen, QueryScreen))
                screen = app.screen
                assert isinstance(screen, QueryScreen) and screen.spec.key == query
                await wait_for(pilot, lambda screen=screen: screen.view is not None)
                error = str(screen.query_one("#query-error", Static).render())
                assert error == "", f"{query}: {error}"
                shown = screen_text(app) + "\n".join(
                    " ".join(str(c) for c in row) for row in _rows(screen.query_one(DataTable))
                )
                assert "640104198003152314" not in shown and "王建国" not in shown, query
                if query == "basic":
                    assert "640104********2314" in shown and "王**" in shown
                await pilot.press("escape")
                await pilot.pause(0.05)
            if len(queries) > 1:
                await pilot.press("escape")
                await pilot.pause(0.05)
            assert isinstance(app.screen, MenuScreen) and app.screen.main
        assert context.demo_slot is not None
        context.demo_slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        assert app._visit is None
        assert len(app.screen_stack) == 2  # nothing of the visit is left underneath


def _rows(table: DataTable[object]) -> list[list[object]]:
    return [table.get_row_at(i) for i in range(table.row_count)]


async def test_payments_show_twenty_years_with_totals_and_paging(demo: tuple[KioskContext, FakeClock]) -> None:
    context, _clock = demo
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        await login(pilot, app, "citizen")
        await pilot.press("2", "2")  # 参保与缴费 → 个人缴费明细
        await wait_for(pilot, lambda: isinstance(app.screen, QueryScreen) and app.screen.view is not None)
        await pilot.press("4")  # 全部
        await wait_for(pilot, lambda: isinstance(app.screen, QueryScreen) and app.screen.request.period == "all")
        screen = app.screen
        assert isinstance(screen, QueryScreen)
        await wait_for(pilot, lambda: screen.view is not None and screen.request.period == "all")
        table = screen.query_one(DataTable)
        assert table.row_count == 13  # 12 months + the totals row
        assert str(table.get_row("totals")[0]).startswith("合计")
        assert "第 1/" in str(screen.query_one("#query-footer", Static).render())
        await pilot.press("9")
        await wait_for(pilot, lambda: screen.view is not None and screen.request.page == 2)
        await pilot.press("0")  # no effect on a query screen
        await pilot.press("escape", "escape", "0")  # back to the main menu, then 退出
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and app._visit is None)
        assert "请取走您的社保卡" in screen_text(app)
        assert context.demo_slot is not None
        context.demo_slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_wrong_pin_counts_down_and_blocked_card_is_refused(demo: tuple[KioskContext, FakeClock]) -> None:
    context, _clock = demo
    slot = context.demo_slot
    assert slot is not None
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        slot.insert("retiree")  # six tries
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        assert "还可尝试 6 次" in screen_text(app)
        await type_pin(pilot, "000000")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen) and "还可尝试 5 次" in screen_text(app))
        assert "密码错误" in screen_text(app)
        await type_pin(pilot, CARDS.by_id("retiree").pin)  # the right PIN resets the counter
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen))
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))

        slot.insert("blocked")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "密码已锁定" in screen_text(app))
        assert not any(isinstance(s, PinScreen) for s in app.screen_stack)  # never asked for a PIN
        assert "pin_blocked" in screen_text(app)
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_card_pulled_at_the_pin_prompt_and_esc_cancels(demo: tuple[KioskContext, FakeClock]) -> None:
    context, _clock = demo
    slot = context.demo_slot
    assert slot is not None
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        slot.insert("citizen")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await pilot.press("1", "2")
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        slot.insert("citizen")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "已取消" in screen_text(app))
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_reported_lost_expired_and_initial_pin_cards(demo: tuple[KioskContext, FakeClock]) -> None:
    context, _clock = demo
    slot = context.demo_slot
    assert slot is not None
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        await login(pilot, app, "expired")
        assert "已过有效期" in screen_text(app)  # the reminder, over the menu
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen))
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))

        await login(pilot, app, "initial-pin")
        assert "初始密码" in screen_text(app)
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))

        slot.insert("lost")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await type_pin(pilot, CARDS.by_id("lost").pin)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "UnlockScreen" and "已临时挂失" in screen_text(app))
        assert app._visit is not None and app._visit.session.restricted  # only 解挂 (tests/ui/test_card_services_ui)
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_idle_warning_then_timeout_and_continue(demo: tuple[KioskContext, FakeClock]) -> None:
    context, clock = demo
    slot = context.demo_slot
    assert slot is not None
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        await login(pilot, app, "citizen")
        clock.advance(61)
        await wait_for(pilot, lambda: isinstance(app.screen, IdleWarningScreen) and "秒后" in screen_text(app))
        await pilot.press("enter")  # 继续
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen))
        clock.advance(61)
        await wait_for(pilot, lambda: isinstance(app.screen, IdleWarningScreen))
        clock.advance(21)
        await wait_for(pilot, lambda: app._visit is None and isinstance(app.screen, MessageScreen))
        await wait_for(pilot, lambda: screen_text(app) != "")  # composed
        assert "因长时间未操作" in screen_text(app)
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_backend_down_mid_session_shows_a_calm_error(demo: tuple[KioskContext, FakeClock]) -> None:
    context, _clock = demo
    slot = context.demo_slot
    assert slot is not None
    app = KioskApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        await login(pilot, app, "citizen")
        real = context.backend.enrolments

        def down(_token: str) -> object:
            from kiosk.backend_client.protocol import BackendUnavailable

            raise BackendUnavailable("connection refused")

        context.backend.enrolments = down  # type: ignore[method-assign, assignment]
        try:
            await pilot.press("2", "1")
            await wait_for(pilot, lambda: isinstance(app.screen, QueryScreen))
            screen = app.screen
            await wait_for(pilot, lambda: "E-BK-002" in str(screen.query_one("#query-error", Static).render()))
            assert "暂时无法查询" in str(screen.query_one("#query-error", Static).render())
        finally:
            context.backend.enrolments = real  # type: ignore[method-assign]
        slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
        assert app._visit is None


async def test_card_removed_while_a_query_is_loading(demo: tuple[KioskContext, FakeClock]) -> None:
    """The card leaves mid-query: the visit ends at once; the answer arriving later lands nowhere."""
    import threading

    context, _clock = demo
    slot = context.demo_slot
    assert slot is not None
    app = KioskApp(context)
    release = threading.Event()
    real = context.backend.enrolments

    def slow(token: str) -> object:
        release.wait(10)
        return real(token)

    async with app.run_test(size=SIZE) as pilot:
        await online(pilot, app)
        await login(pilot, app, "citizen")
        context.backend.enrolments = slow  # type: ignore[method-assign, assignment]
        try:
            await pilot.press("2", "1")
            await wait_for(pilot, lambda: isinstance(app.screen, QueryScreen))
            await pilot.pause(0.5)
            assert app.screen.query_one("#query-busy").display  # still loading, progress shown
            slot.remove()
            await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen) and app._visit is None)
            release.set()
            await pilot.pause(0.5)
            assert isinstance(app.screen, AttractScreen)
            assert "王" not in screen_text(app).replace("王**", "")  # nothing of the visit came back
        finally:
            release.set()
            context.backend.enrolments = real  # type: ignore[method-assign]
