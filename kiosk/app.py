"""``KioskApp``: the full-screen Textual app of a hall kiosk.

Locked down for citizens: no quit key, no command palette, no text selection. It watches the backend's health in a
worker thread and switches between the attract screen and the out-of-service screen.
"""

from __future__ import annotations

import asyncio
import signal
import time

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from kiosk.context import KioskContext
from kiosk.i18n import Language, other_language
from kiosk.screens.attract import AttractScreen
from kiosk.screens.base import KioskScreen
from kiosk.screens.out_of_service import OutOfServiceScreen
from kiosk.screens.staff.base import StaffScreen
from kiosk.screens.staff.login import StaffLoginScreen
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
        Binding("f12", "staff_login", show=False, priority=True),
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
        self._switching_to: tuple[tuple[str | None, ...], float] | None = None

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
        fleet = self.context.settings.fleet
        self.set_interval(fleet.heartbeat_interval_s, self._send_heartbeat)
        self.set_interval(fleet.journal_upload_interval_s, self._upload_journal)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)

    # ------------------------------------------------------------ staff mode
    def action_staff_login(self) -> None:
        """F12: the staff login, only between citizen sessions (on the attract or out-of-service screen)."""
        if isinstance(self.screen, AttractScreen | OutOfServiceScreen):
            self.push_screen(StaffLoginScreen())

    def in_staff_mode(self) -> bool:
        """Whether a staff screen is open (the kiosk then switches no screens by itself)."""
        return any(isinstance(screen, StaffScreen) for screen in self.screen_stack)

    def reapply_availability(self) -> None:
        """After staff mode: show what the kiosk's state calls for."""
        self._apply_availability(self.context.availability.reevaluate())

    # ------------------------------------------------------------ fleet: heartbeats and journal upload
    @work(thread=True, exclusive=True, group="heartbeat", exit_on_error=False)  # best effort, never fatal
    def _send_heartbeat(self) -> None:
        if self.context.heartbeat is None:
            return
        outcome = self.context.heartbeat.beat()
        if outcome.command_changed:
            self.call_from_thread(self.reapply_availability)

    @work(thread=True, exclusive=True, group="journal-upload", exit_on_error=False)
    def _upload_journal(self) -> None:
        if self.context.uploader is not None:
            self.context.uploader.upload_pending()

    @work(thread=True, exclusive=True, group="health")
    def _check_backend(self) -> None:
        availability = self.context.availability.check()
        self.call_from_thread(self._apply_availability, availability)

    def _switch_once(self, target: tuple[str | None, ...], screen: KioskScreen) -> None:
        """Switch to ``screen`` unless the same switch was asked for less than a second ago: the health and
        heartbeat workers may both ask within milliseconds, and a second switch tears the first down mid-mount."""
        now = time.monotonic()
        if self._switching_to is not None and self._switching_to[0] == target and now - self._switching_to[1] < 1.0:
            return
        self._switching_to = (target, now)
        self.switch_screen(screen)

    def _apply_availability(self, availability: Availability) -> None:
        """Show the screen that matches the kiosk's state (only between citizen sessions)."""
        if self._polling_fast and availability.state is not ServiceState.STARTING:
            self._polling_fast = False
            self._poll_timer.stop()
            self._poll_timer = self.set_interval(self.context.settings.backend.health_interval_s, self._check_backend)
        current = self.screen
        if self.in_staff_mode():
            if isinstance(current, KioskScreen):
                current.show_service_state(availability.state)
            return
        if availability.state is ServiceState.OUT_OF_SERVICE:
            code = availability.fault_code or ""
            shown = (current.fault_code, current.reason_text) if isinstance(current, OutOfServiceScreen) else None
            if shown != (code, availability.reason_text):
                reason_key = availability.reason_key or "error.backend_unreachable"
                self._switch_once(
                    ("oos", code, availability.reason_text),
                    OutOfServiceScreen(code, reason_key, availability.reason_text),
                )
                return
        elif isinstance(current, OutOfServiceScreen):
            self._switch_once(("attract",), AttractScreen())
            return
        if isinstance(current, KioskScreen):
            current.show_service_state(availability.state)
