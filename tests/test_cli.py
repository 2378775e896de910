"""The CLI surface of ARCHITECTURE.md §4: every command answers --help; unbuilt ones say so and exit 2."""

from __future__ import annotations

import pytest

from kiosk import cli as kiosk_cli
from kiosk_backend import cli as backend_cli

KIOSK_COMMANDS = [
    ["run"],
    ["card-sim"],
    ["verify-slip"],
    ["card-info"],
    ["doctor"],
    ["journal", "verify"],
]
BACKEND_COMMANDS = [["serve"], ["migrate"], ["seed"], ["kiosk", "add"], ["keys", "init"]]


@pytest.mark.parametrize("command", KIOSK_COMMANDS, ids=" ".join)
def test_kiosk_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        kiosk_cli.main([*command, "--help"])
    assert exited.value.code == 0
    assert "--config" in capsys.readouterr().out


@pytest.mark.parametrize("command", BACKEND_COMMANDS, ids=" ".join)
def test_backend_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        backend_cli.main([*command, "--help"])
    assert exited.value.code == 0
    assert "--config" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "issue"),
    [
        (["card-sim", "--card", "citizen"], 4),
        (["card-info"], 4),
        (["verify-slip", "slip.pdf"], 6),
    ],
)
def test_kiosk_unbuilt_commands_say_so(argv: list[str], issue: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert kiosk_cli.main(argv) == 2
    assert f"not built yet (issue #{issue})" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "issue"),
    [(["keys", "init"], 6)],
)
def test_backend_unbuilt_commands_say_so(argv: list[str], issue: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert backend_cli.main(argv) == 2
    assert f"not built yet (issue #{issue})" in capsys.readouterr().err


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as exited:
        kiosk_cli.main(["no-such-command"])
    assert exited.value.code == 2
