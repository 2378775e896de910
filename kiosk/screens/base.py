"""Common base of the kiosk's screens: typed access to the app's context and the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen
from textual.timer import Timer

from kiosk.context import KioskContext
from kiosk.i18n import Language
from kiosk.services.availability import ServiceState
from kiosk.widgets.status_bar import StatusBar
from kiosk.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from kiosk.app import KioskApp


class KioskScreen(Screen[None]):
    """A full screen of the kiosk; subclasses compose their body and a :class:`StatusBar`."""

    _shown_language: Language | None = None  # the language of the last resume (None: never resumed yet)

    @property
    def kiosk(self) -> KioskApp:
        """The running kiosk app."""
        from kiosk.app import KioskApp

        assert isinstance(self.app, KioskApp)
        return self.app

    @property
    def context(self) -> KioskContext:
        """Settings, clock and services."""
        return self.kiosk.context

    @property
    def language(self) -> Language:
        """The language currently shown."""
        return self.kiosk.language

    def top_bar(self) -> TopBar:
        """The title and accessibility switches for this screen."""
        return TopBar(self.language)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """A screen coming back after the language changed shows the new language.

        The first resume of a screen pushed over another follows its mount at once, when every style was just
        applied: Textual would apply them all a second time (~a quarter of the work of opening a menu or query
        screen), so that pass is skipped (this handler runs before ``Screen``'s). The first screen of the app keeps it:
        it was mounted while the app's theme and size were still being set.
        """
        if self._shown_language is None:
            if len(self.app.screen_stack) > 2:
                event.refresh_styles = False
        elif self._shown_language != self.language:
            self.refresh(recompose=True)
        self._shown_language = self.language

    def status_bar(self) -> StatusBar:
        """A status bar for this screen."""
        state = self.context.availability.current.state
        return StatusBar(self.context.settings.kiosk_id, self.context.clock, self.language, state)

    def show_service_state(self, state: ServiceState) -> None:
        """Reflect the kiosk's service state in this screen's status bar."""
        for bar in self.query(StatusBar):
            bar.state = state

    @property
    def shown(self) -> bool:
        """Whether this screen is still on the stack (a worker's answer may arrive after it was closed)."""
        return self in self.app.screen_stack

    def journal(self, kind: str, code: str | None = None, detail: dict[str, str] | None = None) -> None:
        """Queue a journal entry (masked data only; never a PIN or a one-time code)."""
        if self.context.journal_writer is not None:
            self.context.journal_writer.record(kind, code, detail or {})


class CardlessScreen(KioskScreen):
    """A service for anyone, without a card (挂失, 权益单校验): it returns to the attract screen after
    :attr:`IDLE_S` without a key or a tap, on Esc at its first step, and when a card is inserted — keeping nothing."""

    IDLE_S = 120.0

    _idle: Timer | None = None

    def on_mount(self) -> None:
        self.touch()

    def on_key(self, _event: events.Key) -> None:
        self.touch()

    def on_click(self, _event: events.Click) -> None:
        self.touch()

    def touch(self) -> None:
        """Restart the idle countdown."""
        if self._idle is not None:
            self._idle.stop()
        self._idle = self.set_timer(self.IDLE_S, self.leave)

    def leave(self) -> None:
        """Back to the attract screen (nothing typed is kept)."""
        if self._idle is not None:
            self._idle.stop()
        if self.app.screen is self:
            self.app.pop_screen()
