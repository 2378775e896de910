"""``KioskApp``: the full-screen Textual app of a hall kiosk.

Locked down for citizens: no quit key, no command palette, no text selection. It watches the backend's health in a
worker thread and switches between the attract screen and the out-of-service screen.
"""

from __future__ import annotations

import asyncio
import signal

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from kiosk.context import KioskContext
from kiosk.i18n import Language, other_language
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import KioskScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.services.availability import Availability, ServiceState
from kiosk.themes import THEMES, theme_name

STARTUP_POLL_S = 0.25


class KioskApp(App[None], inherit_bindings=False):
    """The kiosk. No bindings are inherited from ``App``: ctrl+q, ctrl+c and ctrl+p do nothing."""

    CSS_PATH = "app.tcss"
    TITLE = "社保自助终端"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    BINDINGS = [  # noqa: RUF012 - Textual's declared type
        Binding("f6", "toggle_language", show=False, priority=True),
        Binding("f7", "toggle_contrast", show=False, priority=True),
        Binding("f8", "toggle_large_text", show=False, priority=True),
    ]

    language: reactive[Language] = reactive("zh", init=False)
    high_contrast: reactive[bool] = reactive(False, init=False)
    large_text: reactive[bool] = reactive(False, init=False)

    def __init__(self, context: KioskContext) -> None:
        super().__init__()
        self.context = context
        for theme in THEMES:
            self.register_theme(theme)
        ui = context.settings.ui
        self.set_reactive(KioskApp.language, ui.language)
        self.set_reactive(KioskApp.high_contrast, ui.theme == "high-contrast")
        self.set_reactive(KioskApp.large_text, ui.large_text)
        self.theme = theme_name(self.high_contrast)
        self._polling_fast = True

    # ------------------------------------------------------------ accessibility switches (every screen)
    def action_toggle_language(self) -> None:
        self.language = other_language(self.language)

    def action_toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def action_toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def watch_language(self) -> None:
        self.screen.refresh(recompose=True)

    def watch_high_contrast(self, high_contrast: bool) -> None:
        self.theme = theme_name(high_contrast)

    def watch_large_text(self, large_text: bool) -> None:
        self.set_class(large_text, "-large-text")

    def on_mount(self) -> None:
        self.set_class(self.large_text, "-large-text")
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
