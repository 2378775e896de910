"""Card services with the card, in the pilot against the real embedded backend and the demo reader: 密码修改 (rules,
wrong old PIN, card pulled during CHANGE PIN before/after the card made the change), the initial-PIN gate and 解挂."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from kiosk.app import KioskApp
from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.context import KioskContext
from kiosk.screens.attract import AttractScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.message import MessageScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.pin_change import PinChangeScreen
from kiosk.screens.unlock import UnlockScreen
from kiosk.services.citizen import Notice
from kiosk.services.pin_change import PinChangeOutcome, PinChangeResult
from kiosk_backend.demo_cards import load_demo_cards
from tests.ui.pilot import demo_context, text, wait_for

SIZE = (100, 32)
CARDS = load_demo_cards()
NEW_PIN = "395172"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskContext]:
    with demo_context(tmp_path_factory) as context:
        yield context


async def insert_and_type_pin(pilot: Pilot[None], app: KioskApp, card_id: str, pin: str) -> None:
    assert app.context.demo_slot is not None
    app.context.demo_slot.insert(card_id)
    await wait_for(pilot, lambda: isinstance(app.screen, PinScreen) and not isinstance(app.screen, PinChangeScreen))
    await pilot.press(*pin, "enter")


async def to_menu(pilot: Pilot[None], app: KioskApp) -> None:
    await wait_for(pilot, lambda: app._visit is not None and isinstance(app.screen, MenuScreen | MessageScreen))
    if isinstance(app.screen, MessageScreen):  # reminders
        await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app.screen.main)


async def type_pins(pilot: Pilot[None], *pins: str) -> None:
    for pin in pins:
        await pilot.press(*pin, "enter")
        await pilot.pause(0.05)


def card_pin_is(context: KioskContext, card_id: str, pin: str) -> bool:
    slot = context.demo_slot
    assert slot is not None
    index = [card.id for card in slot.cards.cards].index(card_id)
    return slot._virtual[index].pin_is(pin)


async def remove_card(pilot: Pilot[None], app: KioskApp) -> None:
    assert app.context.demo_slot is not None
    app.context.demo_slot.remove()
    await wait_for(pilot, lambda: app._visit is None and app._reader is None)


async def test_pin_change_rules_wrong_old_pin_then_success(demo: KioskContext) -> None:
    app = KioskApp(demo)
    old = CARDS.by_id("citizen").pin
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await insert_and_type_pin(pilot, app, "citizen", old)
        await to_menu(pilot, app)
        await pilot.press("9")
        await wait_for(pilot, lambda: isinstance(app.screen, PinChangeScreen))
        screen = app.screen
        assert isinstance(screen, PinChangeScreen)
        assert "忘记密码或密码已锁定" in text(app)  # reset/unblock is a counter service, and the screen says so
        await type_pins(pilot, old, "111111", "111111")
        await wait_for(pilot, lambda: "过于简单" in text(app))
        assert screen.step == "new"  # the old PIN is kept, the new one asked again
        await type_pins(pilot, "654321", "654321")
        await wait_for(pilot, lambda: "过于简单" in text(app) and screen.step == "new")
        await type_pins(pilot, NEW_PIN, "395173")
        await wait_for(pilot, lambda: "不一致" in text(app))
        await pilot.press("escape")  # back to the menu
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen))
        await pilot.press("9")
        await wait_for(pilot, lambda: isinstance(app.screen, PinChangeScreen))
        await type_pins(pilot, "000000", NEW_PIN, NEW_PIN)
        await wait_for(pilot, lambda: "原密码不正确" in text(app) and "还可尝试 2 次" in text(app))
        assert card_pin_is(demo, "citizen", old)
        await type_pins(pilot, old, NEW_PIN, NEW_PIN)
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "密码已修改" in text(app))
        assert card_pin_is(demo, "citizen", NEW_PIN)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app.screen.main)
        await remove_card(pilot, app)
        # the new PIN logs in; then put the old one back for the other tests
        await insert_and_type_pin(pilot, app, "citizen", NEW_PIN)
        await to_menu(pilot, app)
        await pilot.press("9")
        await wait_for(pilot, lambda: isinstance(app.screen, PinChangeScreen))
        await type_pins(pilot, NEW_PIN, old, old)
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "密码已修改" in text(app))
        await remove_card(pilot, app)
    journal = demo.journal
    assert journal is not None
    for _ in range(100):  # the journal writer thread appends in the background
        codes = [e.code for e in journal.entries() if e.kind == "card.pin_change"]
        if codes[-3:] == ["wrong_old", "changed", "changed"]:
            break
        time.sleep(0.05)
    assert codes[-3:] == ["wrong_old", "changed", "changed"]
    dump = "\n".join(str(e) for e in journal.entries())
    assert NEW_PIN not in dump and old not in dump  # PINs never reach the journal


@pytest.mark.parametrize(("processed", "valid_now"), [(True, "new"), (False, "old")])
async def test_card_pulled_during_change_pin_tells_which_pin_to_use(
    demo: KioskContext, processed: bool, valid_now: str
) -> None:
    app = KioskApp(demo)
    slot = demo.demo_slot
    assert slot is not None
    old = CARDS.by_id("retiree").pin
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await insert_and_type_pin(pilot, app, "retiree", old)
        await to_menu(pilot, app)
        await pilot.press("9")
        await wait_for(pilot, lambda: isinstance(app.screen, PinChangeScreen))
        await type_pins(pilot, old, NEW_PIN)
        slot.reader.pull_during_next(processed=processed)  # the next APDU is the CHANGE PIN
        await type_pins(pilot, NEW_PIN)
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "修改密码时被取出" in text(app))
        assert app._visit is None
        # exactly one valid PIN on the card
        assert card_pin_is(demo, "retiree", NEW_PIN) is processed
        assert card_pin_is(demo, "retiree", old) is not processed
        slot.insert("retiree")  # the same card back: the kiosk checks which PIN is valid before asking
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        expected = "新密码已生效" if valid_now == "new" else "原密码仍有效"
        await wait_for(pilot, lambda: expected in text(app))
        await pilot.press(*(NEW_PIN if valid_now == "new" else old), "enter")
        await to_menu(pilot, app)
        if valid_now == "new":  # put the demo card's PIN back
            await pilot.press("9")
            await wait_for(pilot, lambda: isinstance(app.screen, PinChangeScreen))
            await type_pins(pilot, NEW_PIN, old, old)
            await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "密码已修改" in text(app))
        await remove_card(pilot, app)
    assert card_pin_is(demo, "retiree", old)
    slot_tries = slot._virtual[[c.id for c in slot.cards.cards].index("retiree")].pin_tries_left
    assert slot_tries == CARDS.by_id("retiree").pin_try_limit  # the check cost the citizen no try


async def test_lost_card_unlock_with_backend_down_then_up(demo: KioskContext) -> None:
    app = KioskApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await insert_and_type_pin(pilot, app, "lost", CARDS.by_id("lost").pin)
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert "已临时挂失" in text(app)
        real = demo.backend.unlock_card
        keys: list[str | None] = []

        def down(token: str, idempotency_key: str | None = None) -> object:
            keys.append(idempotency_key)
            raise BackendUnavailable("timeout")

        demo.backend.unlock_card = down  # type: ignore[method-assign, assignment]
        try:
            await pilot.press("1")
            await wait_for(pilot, lambda: "没有办理" in text(app) and "12333" in text(app))
        finally:
            demo.backend.unlock_card = real  # type: ignore[method-assign]
        assert len(keys) == 3 and len(set(keys)) == 1 and keys[0]  # one key, reused on every retry
        assert isinstance(app.screen, UnlockScreen)
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "解挂成功" in text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app.screen.main)
        assert app._visit is not None and not app._visit.session.restricted
        card = demo.backend.card_info(app._visit.session.token)
        assert card.status == "normal"
        assert [(e.from_status, e.to_status) for e in card.history][-1:] == [("temporary_loss", "normal")]
        await remove_card(pilot, app)
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_formal_loss_is_sent_to_a_counter(demo: KioskContext) -> None:
    app = KioskApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await insert_and_type_pin(pilot, app, "formal-loss", CARDS.by_id("formal-loss").pin)
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen) and "不能在自助终端解挂" in text(app))
        assert "1 确认解挂" not in text(app) and "0 退出并取卡" in text(app)
        await pilot.press("1")  # not offered: nothing happens
        await pilot.pause(0.2)
        assert isinstance(app.screen, UnlockScreen) and not app.screen.working
        await pilot.press("0")
        await wait_for(pilot, lambda: app._visit is None and "请取走您的社保卡" in text(app))
        await remove_card(pilot, app)


async def test_interrupted_change_reported_before_the_removal_event_stays_on_screen(demo: KioskContext) -> None:
    """With pcscd the removal event may arrive after the failed CHANGE PIN: the message must not be replaced."""
    app = KioskApp(demo)
    slot = demo.demo_slot
    assert slot is not None
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await insert_and_type_pin(pilot, app, "citizen", CARDS.by_id("citizen").pin)
        await to_menu(pilot, app)
        notice = Notice({"zh": "卡片在修改密码时被取出", "en": "pulled"}, {"zh": "请重新插入此卡", "en": "again"}, "x")
        app._pin_change_outcome(None, PinChangeOutcome(PinChangeResult.UNCERTAIN, notice))
        await wait_for(pilot, lambda: "修改密码时被取出" in text(app))
        assert app._visit is None
        slot.remove()  # the removal event comes in afterwards
        await wait_for(pilot, lambda: app._reader is None)
        await pilot.pause(0.2)
        assert isinstance(app.screen, MessageScreen) and "修改密码时被取出" in text(app)
        slot.insert("citizen")  # and the same card is taken in from this screen
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await remove_card(pilot, app)
