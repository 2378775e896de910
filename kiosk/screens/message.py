"""A calm full-screen message: what happened, what to do next, and a code for staff (errors, "take your card")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen


class MessageScreen(KioskScreen):
    """Title, body and next step from the catalogs; an optional fault code. Any key or tap returns (when allowed)."""

    CSS_PATH = "message.tcss"

    def __init__(self, title_key: str, body_key: str, code: str | None = None, **values: object) -> None:
        super().__init__()
        self.title_key = title_key
        self.body_key = body_key
        self.code = code
        self.values = values

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="message-body"):
            yield Static(tr(self.title_key, self.language, **self.values), id="message-title")
            yield Static(tr(self.body_key, self.language, **self.values), id="message-text")
            if self.code:
                yield Static(tr("error.code", self.language, code=self.code), id="message-code")
        yield self.status_bar()
