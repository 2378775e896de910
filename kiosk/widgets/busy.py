"""Progress for long operations: nothing for the first 300 ms, then a spinner with words.

The spinner (Textual's ``LoadingIndicator``, which repaints 16 times a second for as long as it is mounted) is mounted
only while shown: hidden, it would keep every screen that has one repainting.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import LoadingIndicator, Static

SHOW_AFTER_S = 0.3


class BusyIndicator(Horizontal):
    """Call :meth:`start` when work begins and :meth:`stop` when it ends."""

    def __init__(self, text: str, id: str | None = None) -> None:
        super().__init__(id=id, classes="busy")
        self._text = text
        self._timer: Timer | None = None
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static(self._text, classes="busy-text")

    def start(self) -> None:
        """Show after 300 ms unless stopped before."""
        self.stop()
        self._timer = self.set_timer(SHOW_AFTER_S, self._show)

    def stop(self) -> None:
        """Hide (and cancel a pending show)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False
        self.query(LoadingIndicator).remove()

    def _show(self) -> None:
        self.display = True
        if not self.query(LoadingIndicator):
            self.mount(LoadingIndicator(), before=0)
