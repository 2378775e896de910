"""The top bar on every screen: title and the three accessibility switches (language, contrast, text size)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from kiosk.i18n import Language, other_language, tr


class TopBar(Horizontal):
    """Touch-sized switches; F6 / F7 / F8 do the same from a keyboard."""

    def __init__(self, language: Language) -> None:
        super().__init__(id="top-bar")
        self._language = language

    def compose(self) -> ComposeResult:
        yield Static(tr("app.title", self._language), id="top-title")
        buttons = (
            Button(tr("switch.language", other_language(self._language)), id="switch-language", compact=True),
            Button(tr("switch.contrast", self._language), id="switch-contrast", compact=True),
            Button(tr("switch.large_text", self._language), id="switch-large-text", compact=True),
        )
        for button in buttons:
            button.can_focus = False  # touch targets: Enter on the metal keypad must never flip them
            yield button

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "switch-language": "toggle_language",
            "switch-contrast": "toggle_contrast",
            "switch-large-text": "toggle_large_text",
        }
        if event.button.id in actions:
            event.stop()
            await self.app.run_action(actions[event.button.id])
