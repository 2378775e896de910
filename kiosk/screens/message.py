"""A calm full-screen message: what happened, what to do next, and a code for staff (errors, "take your card")."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import in_all_languages, tr
from kiosk.screens.base import KioskScreen
from kiosk.widgets.busy import BusyIndicator

Texts = dict[str, str]  # language → text


class MessageScreen(KioskScreen):
    """Title and body in both languages (the current one first); optional code, progress and "any key" action."""

    CSS_PATH = "message.tcss"

    def __init__(
        self,
        title: Texts,
        body: Texts,
        code: str | None = None,
        busy: bool = False,
        on_any_key: Callable[[], None] | None = None,
        name: str | None = None,
        accepts_card: bool = False,
    ) -> None:
        super().__init__(name=name)
        self.accepts_card = accepts_card  # a card inserted while this shows starts a visit (like the attract screen)
        self.title_texts = title
        self.body_texts = body
        self.code = code
        self.busy = busy
        self.on_any_key = on_any_key

    @classmethod
    def from_keys(cls, title_key: str, body_key: str, code: str | None = None, **options: object) -> MessageScreen:
        """A message whose texts come from the catalogs."""
        return cls(in_all_languages(title_key), in_all_languages(body_key), code, **options)  # type: ignore[arg-type]

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="message-body"):
            yield Static(self.title_texts[self.language], id="message-title")
            yield Static(self.body_texts[self.language], id="message-text")
            if self.busy:
                yield BusyIndicator(tr("busy.loading", self.language), id="message-busy")
            if self.code:
                yield Static(tr("error.code", self.language, code=self.code), id="message-code")
        yield self.status_bar()

    def on_mount(self) -> None:
        if self.busy:
            self.query_one(BusyIndicator).start()

    def on_key(self, event: events.Key) -> None:
        if self.on_any_key is None:
            return
        if event.key in ("enter", "escape", "space") or event.key.isdigit():
            event.stop()
            self.on_any_key()

    def on_click(self, _event: events.Click) -> None:
        if self.on_any_key is not None:
            self.on_any_key()
