"""PIN entry: six digits on the on-screen keypad or the metal keypad, shown as dots, with the tries left."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen
from kiosk.widgets.keypad import Keypad
from kiosk.widgets.masked_field import MaskedField


class PinScreen(KioskScreen):
    """Calls ``on_done(digits)`` once with six digits, or ``on_done(None)`` when the citizen cancels (Esc)."""

    CSS_PATH = "pin.tcss"

    def __init__(
        self,
        on_done: Callable[[str | None], None],
        card_hint: str,
        tries_left: int | None,
        wrong_message: str | None = None,
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._card_hint = card_hint
        self._tries_left = tries_left
        self._wrong_message = wrong_message
        self._answered = False

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="pin-body"):
            yield Static(tr("pin.title", self.language), id="pin-title")
            yield Static(tr("pin.card", self.language, card=self._card_hint), id="pin-card")
            yield Center(MaskedField(6, id="pin-field"))
            yield Static(self._status_text(), id="pin-status")
            yield Center(Keypad(self.language, id="pin-keypad"))
            yield Static(tr("pin.keys", self.language), id="pin-keys")
        yield self.status_bar()

    def _status_text(self) -> str:
        if self._wrong_message:
            return self._wrong_message
        if self._tries_left is not None:
            return tr("pin.tries_left", self.language, tries=self._tries_left)
        return ""

    @property
    def field(self) -> MaskedField:
        """The PIN field."""
        return self.query_one(MaskedField)

    def _finish(self, digits: str | None) -> None:
        if not self._answered:
            self._answered = True
            self._on_done(digits)

    def confirm(self) -> None:
        """Hand over six digits (ignored until all six are in)."""
        if self.field.complete:
            self._finish(self.field.take())
        else:
            self.query_one("#pin-status", Static).update(tr("pin.need_six", self.language))

    def on_keypad_digit(self, message: Keypad.Digit) -> None:
        self.field.add(message.digit)

    def on_keypad_delete(self, _message: Keypad.Delete) -> None:
        self.field.delete()

    def on_keypad_confirm(self, _message: Keypad.Confirm) -> None:
        self.confirm()

    def on_key(self, event: events.Key) -> None:
        if event.key.isdigit() and len(event.key) == 1:
            self.field.add(event.key)
        elif event.key == "backspace":
            self.field.delete()
        elif event.key == "enter":
            self.confirm()
        elif event.key == "escape":
            self.field.clear()
            self._finish(None)
        else:
            return
        event.stop()
        event.prevent_default()
