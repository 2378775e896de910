"""``CardTransport``: how ``SocialSecurityCard`` reaches a card (PC/SC, in-process virtual card, tests)."""

from __future__ import annotations

from typing import Protocol


class CardTransport(Protocol):
    """A connection to one card in one reader.

    ``transmit`` raises :class:`~kiosk.cardreader.errors.CardRemoved` once the card has left the reader (even if a
    card was put back: that is a new card session), and :class:`~kiosk.cardreader.errors.ReaderUnavailable` when
    the reader or the PC/SC service went away.
    """

    @property
    def atr(self) -> bytes:
        """Answer to reset of the connected card."""
        ...

    def connect(self) -> None:
        """Power the card and open the connection; raises NoCard / ReaderUnavailable."""
        ...

    def disconnect(self) -> None:
        """Close the connection (idempotent, never raises)."""
        ...

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send a C-APDU; return the response data and the status word."""
        ...
