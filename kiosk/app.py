"""``KioskApp``: the full-screen Textual app of a hall kiosk.

Locked down for citizens: no quit key, no command palette, no text selection. It watches the backend's health in a
worker thread and switches between the attract screen and the out-of-service screen.
"""

from __future__ import annotations

import asyncio
import signal

from textual import work
from textual.app import App
from textual.reactive import reactive

from kiosk.context import KioskContext
from kiosk.i18n import Language
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import KioskScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.services.availability import Availability, ServiceState

STARTUP_POLL_S = 0.25


class KioskApp(App[None], inherit_bindings=False):
    """The kiosk. No bindings are inherited from ``App``: ctrl+q, ctrl+c and ctrl+p do nothing."""

    CSS_PATH = "app.tcss"
    TITLE = "社保自助终端"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    BINDINGS = []  # noqa: RUF012 - Textual's declared type; nothing to bind in citizen mode yet

    language: reactive[Language] = reactive("zh")

    def __init__(self, context: KioskContext) -> None:
        super().__init__()
        self.context = context
        self.language = context.settings.ui.language
        self._polling_fast = True

    def on_mount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, self.exit)
        self.push_screen(AttractScreen())
        self._check_backend()
        self._poll_timer = self.set_interval(STARTUP_POLL_S, self._check_backend)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)

    @work(thread=True, exclusive=True, group="health")
    def _check_backend(self) -> None:
        availability = self.context.availability.check()
        self.call_from_thread(self._apply_availability, availability)

    def _apply_availability(self, availability: Availability) -> None:
        """Show the screen that matches the kiosk's state (only between citizen sessions)."""
        if self._polling_fast and availability.state is not ServiceState.STARTING:
            self._polling_fast = False
            self._poll_timer.stop()
            self._poll_timer = self.set_interval(self.context.settings.backend.health_interval_s, self._check_backend)
        current = self.screen
        if availability.state is ServiceState.OUT_OF_SERVICE:
            if not isinstance(current, OutOfServiceScreen):
                self.switch_screen(OutOfServiceScreen(availability.fault_code or "", "error.backend_unreachable"))
                return
        elif isinstance(current, OutOfServiceScreen):
            self.switch_screen(AttractScreen())
            return
        if isinstance(current, KioskScreen):
            current.show_service_state(availability.state)
