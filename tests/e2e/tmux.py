"""A real terminal for end-to-end tests: tmux runs a program, send-keys types, capture-pane reads the screen."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable


class TmuxTerminal:
    """One detached tmux session of a given size running one command."""

    def __init__(self, tmux: str, command: str, env: dict[str, str], width: int = 100, height: int = 32) -> None:
        self._tmux = tmux
        self._socket = f"kiosk-e2e-{uuid.uuid4().hex[:8]}"
        self.session = "kiosk"
        exports = " ".join(f"{name}={value!s}" for name, value in env.items())
        self._run(
            "new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height),
            f"env {exports} {command}",
        )  # fmt: skip

    def _run(self, *args: str) -> str:
        result = subprocess.run(
            [self._tmux, "-u", "-L", self._socket, *args], capture_output=True, text=True, timeout=30, check=True
        )
        return result.stdout

    def screen(self) -> str:
        """The visible screen as text."""
        return self._run("capture-pane", "-p", "-t", self.session)

    def send(self, *keys: str) -> None:
        """Type keys (tmux key names such as ``C-q``)."""
        self._run("send-keys", "-t", self.session, *keys)

    def pane_pid(self) -> int:
        """Process id of the program in the pane."""
        return int(self._run("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def alive(self) -> bool:
        """Whether the pane's program is still running."""
        return self._run("display-message", "-p", "-t", self.session, "#{pane_dead}").strip() == "0"

    def wait_for(self, predicate: Callable[[str], bool], timeout_s: float = 20.0) -> str:
        """Poll the screen until ``predicate`` holds; fail with the last screen otherwise."""
        deadline = time.monotonic() + timeout_s
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"screen did not reach the expected state in {timeout_s} s:\n{screen}")

    def close(self) -> None:
        """Kill the session (and the tmux server of this test)."""
        subprocess.run([self._tmux, "-L", self._socket, "kill-server"], capture_output=True, timeout=30)
