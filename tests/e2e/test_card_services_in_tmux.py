"""End to end in a real terminal: 挂失 without the card (ID number, name typed in Chinese, the code from the 演示短信
panel), then the found card (F2) → PIN → 解挂 → menu → 修改密码 and back, then the card removed (F3)."""

from __future__ import annotations

import re
import time

from kiosk_backend.demo_cards import load_demo_cards
from tests.e2e.test_demo_in_tmux import demo_terminal  # noqa: F401 - the fixture
from tests.e2e.tmux import TmuxTerminal

CITIZEN = load_demo_cards().by_id("citizen")  # F2 inserts the demo cards in file order: the citizen first


def sms_code(screen: str) -> str | None:
    """The last six-digit code in the 演示短信 panel, if it shows one."""
    if "演示短信" not in screen:
        return None
    codes = re.findall(r"(?<!\d)(\d{6})(?!\d)", screen.split("演示短信", 1)[1])
    return codes[-1] if codes else None


def test_loss_report_then_unlock_and_pin_change(demo_terminal: tuple[TmuxTerminal, object]) -> None:  # noqa: F811
    terminal, _home = demo_terminal
    terminal.wait_for(lambda s: "请插入社保卡" in s and "服务正常" in s, 30)
    terminal.send("1")
    terminal.wait_for(lambda s: "核验身份" in s)
    terminal.send("-l", CITIZEN.ssn)
    terminal.wait_for(lambda s: CITIZEN.ssn in s)
    terminal.send("Enter")
    time.sleep(0.3)
    terminal.send("-l", CITIZEN.name)
    terminal.wait_for(lambda s: CITIZEN.name in s)
    terminal.send("Enter")
    code = sms_code(terminal.wait_for(lambda s: sms_code(s) is not None))
    assert code is not None
    terminal.send(*code)
    terminal.send("Enter")
    screen = terminal.wait_for(lambda s: "1 确认挂失" in s and "王**" in s)
    assert CITIZEN.ssn not in screen and CITIZEN.name not in screen and CITIZEN.card_no not in screen
    terminal.send("1")
    screen = terminal.wait_for(lambda s: "挂失成功" in s and "业务编号" in s)
    terminal.send("Enter")
    terminal.wait_for(lambda s: "请插入社保卡" in s)

    terminal.send("F2")  # the card is found
    terminal.wait_for(lambda s: "请输入社保卡密码" in s)
    terminal.send(*CITIZEN.pin)
    terminal.send("Enter")
    terminal.wait_for(lambda s: "社保卡解挂" in s and "1 确认解挂" in s)
    terminal.send("1")
    terminal.wait_for(lambda s: "解挂成功" in s)
    terminal.send("Enter")
    terminal.wait_for(lambda s: "请选择服务" in s and "修改密码" in s)

    terminal.send("9")
    terminal.wait_for(lambda s: "请输入原密码" in s)
    for pin in (CITIZEN.pin, "395172", "395172"):
        terminal.send(*pin)
        terminal.send("Enter")
    screen = terminal.wait_for(lambda s: "密码已修改" in s)
    assert "395172" not in screen and CITIZEN.pin not in screen
    terminal.send("Enter")
    terminal.wait_for(lambda s: "请选择服务" in s)
    terminal.send("F3")
    terminal.wait_for(lambda s: "请插入社保卡" in s)
