"""What a card monitor tells the kiosk (the PC/SC monitor and the demo's in-process one alike)."""

from __future__ import annotations

from typing import Protocol


class MonitorListener(Protocol):
    """Callbacks, called on the monitor thread (keep them short; hand work to another thread)."""

    def reader_attached(self, reader: str) -> None:
        """A reader appeared."""

    def reader_detached(self, reader: str) -> None:
        """A reader went away (its card, if any, was reported removed first)."""

    def card_inserted(self, reader: str, atr: bytes) -> None:
        """A card was put into ``reader``."""

    def card_removed(self, reader: str) -> None:
        """The card left ``reader`` (or the reader / pcscd went away with it)."""

    def service_changed(self, available: bool) -> None:
        """pcscd became unreachable (``False``) or reachable again (``True``)."""
