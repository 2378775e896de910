""" "Are you still there?": a countdown of at least 20 s and one big 继续 button (WCAG 2.2.1)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kiosk.i18n import Language, tr


class IdleWarningScreen(ModalScreen[bool]):
    """Dismissed with ``True`` when the citizen taps 继续 (or presses Enter / any digit)."""

    CSS_PATH = "idle_warning.tcss"

    def __init__(self, language: Language, seconds_left: int) -> None:
        super().__init__()
        self._language = language
        self._seconds_left = seconds_left

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-box"):
            yield Static(tr("idle.title", self._language), id="idle-title")
            yield Static(id="idle-countdown")
            yield Button(tr("idle.continue", self._language), id="idle-continue", variant="primary")

    def on_mount(self) -> None:
        self.show_seconds(self._seconds_left)
        self.query_one("#idle-continue", Button).focus()

    def show_seconds(self, seconds_left: int) -> None:
        """Update the countdown (the app calls this every second)."""
        self._seconds_left = seconds_left
        text = tr("idle.countdown", self._language, seconds=seconds_left)
        self.query_one("#idle-countdown", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)
