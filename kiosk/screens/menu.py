"""A choice screen: up to nine entries with digits beside them, and 0 / 退出 to end the session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Static

from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen
from kiosk.widgets.choice_list import ChoiceList


@dataclass(frozen=True)
class MenuEntry:
    """One choice: its key, its catalog label, and what choosing it does."""

    key: str
    label_key: str
    open: Callable[[], None]


class MenuScreen(KioskScreen):
    """The service menu and its sub-menus. Esc goes back one screen (not past the main menu)."""

    CSS_PATH = "menu.tcss"

    def __init__(
        self,
        title_key: str,
        entries: list[MenuEntry],
        on_exit: Callable[[], None],
        main: bool,
        greeting: str = "",
    ) -> None:
        super().__init__()
        self.greeting = greeting
        self.title_key = title_key
        self.entries = {entry.key: entry for entry in entries}
        self.on_exit = on_exit
        self.main = main

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="menu-body"):
            if self.greeting:
                yield Static(tr("menu.welcome", self.language, name=self.greeting), id="menu-greeting")
            yield Static(tr(self.title_key, self.language), id="menu-title")
            choices = [(key, tr(entry.label_key, self.language)) for key, entry in self.entries.items()]
            yield Center(ChoiceList(choices, id="menu-choices"))
            yield Center(Button("0  " + tr("menu.exit", self.language), id="menu-exit", variant="error"))
            hint = "menu.keys_main" if self.main else "menu.keys"
            yield Static(tr(hint, self.language), id="menu-keys")
        yield self.status_bar()

    def on_choice_list_chosen(self, message: ChoiceList.Chosen) -> None:
        message.stop()
        self.entries[message.value].open()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "menu-exit":
            event.stop()
            self.on_exit()

    def on_key(self, event: events.Key) -> None:
        if event.key == "0":
            event.stop()
            self.on_exit()
        elif event.key == "escape" and not self.main:
            event.stop()
            self.app.pop_screen()
        elif event.key.isdigit() and self.query_one(ChoiceList).choose_digit(event.key):
            event.stop()
