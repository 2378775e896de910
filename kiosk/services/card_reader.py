"""Where cards come from: a real PC/SC reader (supervised monitor) or demo mode's virtual reader (F2 / F3).

The app gives a listener; callbacks arrive on the monitor's thread (or the caller's thread for the virtual reader).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kiosk.cardreader.emulator.inprocess import InProcessMonitor, VirtualReader
from kiosk.cardreader.events import MonitorListener
from kiosk.cardreader.transport import CardTransport
from kiosk_backend.demo_cards import DemoCard, DemoCards
from kiosk_backend.identifiers import mask_name
from kiosk_backend.schemas import DeviceStatus

if TYPE_CHECKING:
    from kiosk.cardreader.emulator.card import VirtualCard

READER_SERVICE_DOWN = "E-CR-002"  # pcscd not running
NO_READER = "E-CR-003"  # no reader attached


class CardMonitor(Protocol):
    """What the app needs of a monitor."""

    def start(self) -> None:
        """Begin reporting events."""
        ...

    def stop(self) -> None:
        """Stop reporting events."""
        ...

    def open(self, reader: str) -> CardTransport:
        """A transport to the card now in ``reader``."""
        ...


MonitorFactory = Callable[[MonitorListener], CardMonitor]


def pcsc_monitor(listener: MonitorListener) -> CardMonitor:
    """The real PC/SC reader(s), supervised (survives pcscd restarts)."""
    from kiosk.cardreader.monitor import ReaderMonitor  # pyscard: imported when the kiosk starts its monitor

    return ReaderMonitor(listener)


@dataclass
class DemoCardSlot:
    """Demo mode's hand at the virtual reader: insert the demo cards in file order, remove the card."""

    cards: DemoCards
    reader: VirtualReader = field(default_factory=VirtualReader)
    _virtual: list[VirtualCard] = field(default_factory=list)  # made on the first insertion (card crypto)
    _next: int = 0

    def _virtual_cards(self) -> list[VirtualCard]:
        if not self._virtual:
            from kiosk.cardreader.emulator.card import virtual_cards

            self._virtual = virtual_cards(self.cards)
        return self._virtual

    def monitor(self, listener: MonitorListener) -> CardMonitor:
        """The in-process monitor of this slot."""
        return InProcessMonitor(self.reader, listener)

    def insert_next(self) -> DemoCard:
        """Put the next demo card in (after the last, start again)."""
        virtual = self._virtual_cards()
        index = self._next % len(virtual)
        self._next += 1
        self.reader.insert(virtual[index])
        return self.cards.cards[index]

    def insert(self, card_id: str) -> DemoCard:
        """Put the demo card called ``card_id`` in."""
        for index, card in enumerate(self.cards.cards):
            if card.id == card_id:
                self.reader.insert(self._virtual_cards()[index])
                return card
        raise KeyError(card_id)

    def remove(self) -> None:
        """Take the card out."""
        self.reader.remove()

    def listing(self) -> list[tuple[str, str, str]]:
        """(id, masked name, PIN) of every demo card, for the attract screen in demo mode only."""
        return [(card.id, mask_name(card.name), card.pin) for card in self.cards.cards]


class CardReaderState:
    """The card reader as a device (XFS style), kept up to date from the monitor's events; a ``DeviceProbe``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._service = True
        self._readers: set[str] = set()
        self._cards: set[str] = set()
        self._seen_service = False

    def service_changed(self, available: bool) -> None:
        """pcscd came or went."""
        with self._lock:
            self._service = available
            self._seen_service = True
            if not available:
                self._readers.clear()
                self._cards.clear()

    def reader(self, name: str, attached: bool) -> None:
        """A reader appeared or went away."""
        with self._lock:
            (self._readers.add if attached else self._readers.discard)(name)
            if not attached:
                self._cards.discard(name)

    def card(self, reader: str, present: bool) -> None:
        """A card went in or out."""
        with self._lock:
            (self._cards.add if present else self._cards.discard)(reader)

    def status(self) -> DeviceStatus:
        """offline (no PC/SC service), no_device (no reader), or online with the card as media."""
        with self._lock:
            if not self._seen_service:
                return DeviceStatus(device="unknown")
            if not self._service:
                return DeviceStatus(device="offline", fault=READER_SERVICE_DOWN)
            if not self._readers:
                return DeviceStatus(device="no_device", fault=NO_READER)
            return DeviceStatus(device="online", media="present" if self._cards else "not_present")
