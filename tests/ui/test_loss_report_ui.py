"""挂失 without the card, in the pilot against the real embedded backend (its development SMS gateway's outbox is what
demo mode shows as 演示短信): the whole report, then 解挂 with the found card after the forced PIN change; wrong
code, unknown ID (same answers as a real one), invalid ID, already-lost and formally lost cards, and a backend that
never confirms."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.app import KioskApp
from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.context import KioskContext
from kiosk.screens.attract import AttractScreen
from kiosk.screens.loss_report import LossReportScreen
from kiosk.screens.menu import MenuScreen
from kiosk.screens.message import MessageScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.pin_change import PinChangeScreen
from kiosk.screens.unlock import UnlockScreen
from kiosk_backend.demo_cards import load_demo_cards
from kiosk_backend.identifiers import ssn_check_char
from tests.ui.pilot import demo_context, text, wait_for

SIZE = (100, 32)
CARDS = load_demo_cards()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskContext]:
    with demo_context(tmp_path_factory) as context:
        yield context


def typing_into(app: KioskApp, field_id: str) -> bool:
    """The step is composed and its field has the focus (keys typed now land in it)."""
    return isinstance(app.focused, Input) and app.focused.id == field_id


def loss_screen(app: KioskApp) -> LossReportScreen:
    assert isinstance(app.screen, LossReportScreen)
    return app.screen


async def identify(pilot: Pilot[None], app: KioskApp, ssn: str, name: str) -> None:
    """From the attract screen: 1 → ID number, Enter, name, Enter."""
    if not isinstance(app.screen, LossReportScreen):
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, LossReportScreen))
    await wait_for(pilot, lambda: loss_screen(app).step == "identity" and typing_into(app, "loss-ssn"))
    await pilot.press(*ssn.lower(), "enter", *name, "enter")


async def to_confirmation(pilot: Pilot[None], app: KioskApp, ssn: str, name: str, mark: int) -> None:
    """From the attract screen through the ID step and the SMS code (read from the outbox after ``mark``)."""
    context = app.context
    await wait_for(pilot, lambda: app.in_service)
    await identify(pilot, app, ssn, name)
    await wait_for(pilot, lambda: last_code(context, mark) is not None and typing_into(app, "loss-code"))
    await pilot.press(*str(last_code(context, mark)), "enter")


def last_code(context: KioskContext, mark: int) -> str | None:
    assert context.demo_sms is not None
    codes = [m for sms in context.demo_sms.since(mark) for m in re.findall(r"(?<!\d)(\d{6})(?!\d)", sms.text)]
    return codes[-1] if codes else None


async def test_report_then_unlock_with_the_found_card(demo: KioskContext) -> None:
    person = CARDS.by_id("initial-pin")
    app = KioskApp(demo)
    assert demo.demo_sms is not None
    mark = demo.demo_sms.mark()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        assert "社保卡挂失" in text(app)
        await identify(pilot, app, person.ssn, person.name)
        await wait_for(pilot, lambda: loss_screen(app).step == "code" and typing_into(app, "loss-code"))
        await wait_for(pilot, lambda: "演示短信" in text(app) and last_code(demo, mark) is not None)
        code = last_code(demo, mark)
        assert code is not None
        await pilot.press(*code, "enter")
        await wait_for(pilot, lambda: "确认后" in text(app))
        shown = text(app)
        assert "李**" in shown and person.card_no[-4:] in shown and person.card_no not in shown
        assert "15 天" in shown and "停止使用" in shown
        await pilot.press("1")
        await wait_for(pilot, lambda: "挂失成功" in text(app) and "业务编号" in text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))

        # the card is found: insert it → PIN → still the initial PIN → change first → 解挂 → menu
        assert demo.demo_slot is not None
        demo.demo_slot.insert("initial-pin")
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        await pilot.press(*person.pin, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PinChangeScreen) and "初始密码" in text(app))
        for pin in (person.pin, "395172", "395172"):
            await pilot.press(*pin, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "密码已修改" in text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen) and "解挂成功" in text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MenuScreen) and app.screen.main)
        assert app._visit is not None
        card = demo.backend.card_info(app._visit.session.token)
        assert card.status == "normal"
        assert [(e.from_status, e.to_status, e.channel) for e in card.history][-2:] == [
            ("normal", "temporary_loss", "kiosk"),
            ("temporary_loss", "normal", "kiosk"),
        ]
        demo.demo_slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))
    texts = [sms.text for sms in demo.demo_sms.since(mark)]
    assert any("挂失" in t for t in texts[1:]) and any("解挂" in t or "解除" in t for t in texts[1:])  # notices


async def test_unknown_id_wrong_code_and_invalid_id(demo: KioskContext) -> None:
    app = KioskApp(demo)
    unknown_body = "64010419990101123"
    unknown = unknown_body + ssn_check_char(unknown_body)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        bad = unknown[:-1] + ("0" if unknown[-1] != "0" else "1")
        await identify(pilot, app, bad, "张三")
        await wait_for(pilot, lambda: "社会保障号码有误" in text(app))
        assert loss_screen(app).step == "identity"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))

        await identify(pilot, app, unknown, "张三")  # not on record: the same next step as a real person
        await wait_for(pilot, lambda: loss_screen(app).step == "code" and typing_into(app, "loss-code"))
        await pilot.press(*"123456", "enter")
        await wait_for(pilot, lambda: "验证码不正确" in text(app))
        assert loss_screen(app).step == "code"
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


@pytest.mark.parametrize(("card_id", "says"), [("lost", "已临时挂失"), ("formal-loss", "已正式挂失")])
async def test_a_card_already_lost_is_not_reported_again(demo: KioskContext, card_id: str, says: str) -> None:
    person = CARDS.by_id(card_id)
    app = KioskApp(demo)
    assert demo.demo_sms is not None
    mark = demo.demo_sms.mark()
    async with app.run_test(size=SIZE) as pilot:
        await to_confirmation(pilot, app, person.ssn, person.name, mark)
        await wait_for(pilot, lambda: says in text(app))
        assert "1 确认挂失" not in text(app)
        await pilot.press("1")  # nothing to confirm
        await pilot.pause(0.3)
        assert loss_screen(app).step == "confirm" and not loss_screen(app).working
        await pilot.press("0")
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_backend_never_confirms_then_a_card_goes_in(demo: KioskContext) -> None:
    person = CARDS.by_id("expired")
    app = KioskApp(demo)
    assert demo.demo_sms is not None
    mark = demo.demo_sms.mark()
    async with app.run_test(size=SIZE) as pilot:
        await to_confirmation(pilot, app, person.ssn, person.name, mark)
        await wait_for(pilot, lambda: "1 确认挂失" in text(app))
        real = demo.backend.confirm_loss_report

        def down(_request: object, _key: str) -> object:
            raise BackendUnavailable("timeout")

        demo.backend.confirm_loss_report = down  # type: ignore[method-assign, assignment]
        try:
            await pilot.press("1")
            await wait_for(pilot, lambda: "没有办理" in text(app))
        finally:
            demo.backend.confirm_loss_report = real  # type: ignore[method-assign]
        assert "12333" in text(app) and loss_screen(app).step == "confirm"
        assert not app.screen.query(Input)  # nothing typed is kept on screen
        assert demo.demo_slot is not None
        demo.demo_slot.insert("citizen")  # a card goes in: the report screen leaves, the visit starts
        await wait_for(pilot, lambda: isinstance(app.screen, PinScreen))
        demo.demo_slot.remove()
        await wait_for(pilot, lambda: isinstance(app.screen, AttractScreen))


async def test_too_many_wrong_codes_then_the_rate_limit(demo: KioskContext) -> None:
    person = CARDS.by_id("retiree")
    app = KioskApp(demo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.in_service)
        await identify(pilot, app, person.ssn, person.name)
        await wait_for(pilot, lambda: loss_screen(app).step == "code" and typing_into(app, "loss-code"))
        for _ in range(6):  # five wrong codes are answered otp_wrong, the sixth kills the challenge
            before = loss_screen(app).notice
            await pilot.press(*"000000", "enter")
            await wait_for(pilot, lambda b=before: not loss_screen(app).working and loss_screen(app).notice is not b)
            if loss_screen(app).step == "identity":
                break
            await wait_for(pilot, lambda: typing_into(app, "loss-code"))
        await wait_for(pilot, lambda: "输错次数过多" in text(app) and loss_screen(app).step == "identity")
        for _attempt in range(4):  # starts 2‥5 of this ID in the window are answered; the 6th is refused
            await identify(pilot, app, person.ssn, person.name)
            await wait_for(pilot, lambda: loss_screen(app).step == "code" and typing_into(app, "loss-code"))
            await pilot.press("escape")
        await identify(pilot, app, person.ssn, person.name)
        await wait_for(pilot, lambda: "尝试次数过多" in text(app) and "12333" in text(app))
        assert loss_screen(app).step == "identity"
