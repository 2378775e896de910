"""An on-screen numeric keypad (touch and mouse); physical keys reach the same messages through the screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.message import Message
from textual.widgets import Button

from kiosk.i18n import Language, tr

_LAYOUT = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "delete", "0", "confirm")


class Keypad(Grid):
    """Digits 0-9, 删除 and 确认 in a 3×4 grid."""

    class Digit(Message):
        """A digit was tapped."""

        def __init__(self, digit: str) -> None:
            super().__init__()
            self.digit = digit

    class Delete(Message):
        """删除 was tapped."""

    class Confirm(Message):
        """确认 was tapped."""

    def __init__(self, language: Language, id: str | None = None) -> None:
        super().__init__(id=id, classes="keypad")
        self._language = language

    def compose(self) -> ComposeResult:
        for key in _LAYOUT:
            if key == "delete":
                yield Button(tr("keypad.delete", self._language), id="key-delete", variant="warning")
            elif key == "confirm":
                yield Button(tr("keypad.confirm", self._language), id="key-confirm", variant="success")
            else:
                yield Button(key, id=f"key-{key}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("key-")
        if key == "delete":
            self.post_message(self.Delete())
        elif key == "confirm":
            self.post_message(self.Confirm())
        elif key.isdigit():
            self.post_message(self.Digit(key))
