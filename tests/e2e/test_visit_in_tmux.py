"""End to end in a real terminal: a demo card (F2), its PIN, every query from the menu, then the card removed (F3)."""

from __future__ import annotations

import time

from tests.e2e.test_demo_in_tmux import demo_terminal  # noqa: F401 - the fixture
from tests.e2e.tmux import TmuxTerminal

QUERIES = [  # menu digit, sub-menu digit (or None), a word of the title, a word of the data
    ("1", "1", "个人基本信息", "640104********2314"),
    ("1", "2", "社会保障卡信息", "*****0016"),
    ("2", "1", "个人参保信息", "企业职工基本养老保险"),
    ("2", "2", "个人缴费明细", "合计"),
    ("2", "3", "补缴记录", "费款所属期"),
    ("2", "4", "转移接续进度", "险种"),
    ("3", "1", "医保个人账户余额及明细", "当前余额"),
    ("3", "2", "就医信息", "医疗机构"),
    ("3", "3", "门诊统筹 / 大病签约", "病种"),
    ("4", "1", "养老保险个人账户", "年末余额"),
    ("4", "2", "养老金测算", "预计月养老金"),
    ("5", "1", "定期待遇审批及构成", "待遇项目"),
    ("5", "2", "定期待遇发放", "发放日期"),
    ("5", "3", "一次性待遇发放", "待遇项目"),
    ("6", None, "工伤认定及伤残护理", "认定书编号"),
    ("7", None, "办件进度", "办件编号"),
]


def test_card_pin_every_query_and_removal(demo_terminal: tuple[TmuxTerminal, object]) -> None:  # noqa: F811
    terminal, _home = demo_terminal
    terminal.wait_for(lambda s: "请插入社保卡" in s and "服务正常" in s, 30)
    terminal.send("F2")
    terminal.wait_for(lambda s: "请输入社保卡密码" in s)
    terminal.send(*"802413")
    screen = terminal.wait_for(lambda s: "● ● ● ● ● ●" in s)
    assert "802413" not in screen
    terminal.send("Enter")
    screen = terminal.wait_for(lambda s: "请选择服务" in s)
    assert "王**，您好" in screen and "王建国" not in screen
    for menu, sub, title, data in QUERIES:
        terminal.send(menu)
        if sub is not None:
            terminal.wait_for(lambda s: "Esc 返回上一级" in s)
            terminal.send(sub)
        screen = terminal.wait_for(lambda s, title=title, data=data: title in s and data in s)
        assert "640104198003152314" not in screen and "王建国" not in screen
        terminal.send("Escape")
        if sub is not None:
            terminal.wait_for(lambda s: "Esc 返回上一级" in s)
            terminal.send("Escape")
        terminal.wait_for(lambda s: "请选择服务" in s and "退出并取卡" in s)
    terminal.send("F3")
    terminal.wait_for(lambda s: "请插入社保卡" in s)
    time.sleep(0.3)
    assert "您好" not in terminal.screen() and "请选择服务" not in terminal.screen()
