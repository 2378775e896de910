"""The staff menu: one digit per page; 0 leaves staff mode (journaled)."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from kiosk.i18n import tr
from kiosk.screens.staff import pages
from kiosk.screens.staff.base import StaffScreen
from kiosk.widgets.choice_list import ChoiceList

ENTRIES: list[tuple[str, str, Callable[[], StaffScreen]]] = [
    ("1", "staff.menu.devices", pages.device_status_page),
    ("2", "staff.menu.self_tests", pages.self_tests_page),
    ("3", "staff.menu.journal", pages.journal_page),
    ("4", "staff.menu.counters", pages.counters_page),
    ("5", "staff.menu.service", pages.service_page),
    ("6", "staff.menu.config", pages.config_page),
    ("7", "staff.menu.export", pages.export_page),
]


class StaffMenuScreen(StaffScreen):
    """维护模式 main menu."""

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(classes="staff-body"):
            yield Static(tr("staff.menu.title", self.language), classes="staff-title", id="staff-menu-title")
            choices = [(key, tr(label, self.language)) for key, label, _ in ENTRIES]
            yield Center(ChoiceList(choices, id="staff-choices"))
            yield Static(tr("staff.menu.keys", self.language), classes="staff-hint")
        yield self.status_bar()

    def on_choice_list_chosen(self, message: ChoiceList.Chosen) -> None:
        message.stop()
        self._open(message.value)

    def _open(self, key: str) -> None:
        for entry_key, _, factory in ENTRIES:
            if entry_key == key:
                self.app.push_screen(factory())

    def on_key(self, event: events.Key) -> None:
        if event.key in ("0", "escape"):
            event.stop()
            event.prevent_default()  # not StaffScreen.on_key's Esc as well
            self.leave()
        elif event.key.isdigit() and self.query_one(ChoiceList).choose_digit(event.key):
            event.stop()

    def leave(self) -> None:
        """End staff mode and return to what citizens see."""
        self.staff.end()
        self.app.pop_screen()
        reapply = getattr(self.app, "reapply_availability", None)
        if callable(reapply):
            reapply()
