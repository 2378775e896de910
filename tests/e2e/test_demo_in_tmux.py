"""End to end in a real terminal: `kiosk run --demo` shows the attract screen and cannot be quit by a citizen."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxTerminal
from tests.helpers import REPO, require_tool

pytestmark = pytest.mark.e2e


def processes_with_home(home: Path) -> list[int]:
    """Processes whose environment carries this test's private HOME (the kiosk and its embedded backend)."""
    marker = f"HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def demo_terminal(tmp_path: Path) -> Iterator[tuple[TmuxTerminal, Path]]:
    tmux = require_tool("tmux")
    home = tmp_path / "home"
    home.mkdir()
    kiosk = Path(sys.executable).parent / "kiosk"
    env = {"HOME": home, "LANG": "C.UTF-8", "TERM": "xterm-256color", "PATH": os.environ["PATH"]}
    terminal = TmuxTerminal(tmux, f"{kiosk} run --demo --config {REPO / 'config' / 'kiosk.toml'}", env)
    try:
        yield terminal, home
    finally:
        terminal.close()
        for pid in processes_with_home(home):
            os.kill(pid, signal.SIGKILL)


def test_demo_shows_attract_screen_and_ignores_quit_keys(demo_terminal: tuple[TmuxTerminal, Path]) -> None:
    terminal, home = demo_terminal
    screen = terminal.wait_for(lambda s: "请插入社保卡" in s and "服务正常" in s)
    assert "Please insert your social security card" in screen
    assert "终端 NX-YC-0001" in screen
    assert time.strftime("%Y-%m-%d") in screen

    for keys in (["C-q"], ["C-c"], ["C-p"], ["C-z"], ["C-\\"], ["Escape"], ["q"]):
        terminal.send(*keys)
        time.sleep(0.3)
    assert terminal.alive()
    screen = terminal.screen()
    assert "请插入社保卡" in screen
    assert "$" not in screen.splitlines()[-1]  # no shell prompt came back
    assert len(processes_with_home(home)) >= 2  # kiosk and its embedded backend are both still there


def test_sigterm_stops_kiosk_and_backend_cleanly(demo_terminal: tuple[TmuxTerminal, Path]) -> None:
    terminal, home = demo_terminal
    terminal.wait_for(lambda s: "服务正常" in s)
    kiosk_pid = terminal.pane_pid()
    os.kill(kiosk_pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while processes_with_home(home):
        assert time.monotonic() < deadline, f"left behind: {processes_with_home(home)}"
        time.sleep(0.1)
