"""Common base of staff screens: access to the staff services; Esc goes back one screen."""

from __future__ import annotations

from textual import events

from kiosk.screens.base import KioskScreen
from kiosk.services.staff import StaffService


class StaffScreen(KioskScreen):
    """While any staff screen is open the kiosk is in staff mode: no automatic screen switching."""

    CSS_PATH = "staff.tcss"

    @property
    def staff(self) -> StaffService:
        """The staff services of this kiosk."""
        service = self.context.staff
        assert service is not None, "staff services are wired by KioskContext.create"
        return service

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self.app.pop_screen()
