"""A list of choices, each with a digit beside it: the digit (metal keypad) or a tap selects it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button


class ChoiceList(Vertical):
    """Up to nine choices shown as ``1 个人参保信息`` …; posts :class:`ChoiceList.Chosen`."""

    class Chosen(Message):
        """A choice was made."""

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(self, choices: list[tuple[str, str]], id: str | None = None) -> None:
        if len(choices) > 9:
            raise ValueError("a choice screen shows at most nine choices (one digit each)")
        classes = "choice-list -three-columns" if len(choices) > 6 else "choice-list"  # a long menu fits 80×24
        super().__init__(id=id, classes=classes)
        self._choices = choices

    def compose(self) -> ComposeResult:
        for number, (value, label) in enumerate(self._choices, start=1):
            yield Button(f"{number}  {label}", id=f"choice-{value}", classes="choice")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen((event.button.id or "").removeprefix("choice-")))

    def choose_digit(self, key: str) -> bool:
        """Select the choice numbered ``key``; returns whether it was one."""
        if key.isdigit() and 1 <= int(key) <= len(self._choices):
            self.post_message(self.Chosen(self._choices[int(key) - 1][0]))
            return True
        return False

    def on_key(self, event: events.Key) -> None:
        if self.choose_digit(event.key):
            event.stop()
