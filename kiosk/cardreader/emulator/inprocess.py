"""In-process virtual reader: a slot the demo and fast tests insert virtual cards into, and its ``CardTransport``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.cardreader.errors import CardRemoved, NoCard
from kiosk.cardreader.events import MonitorListener

if TYPE_CHECKING:  # the card emulator (and its crypto) is loaded with the first card, not with the reader
    from kiosk.cardreader.emulator.card import VirtualCard

SlotListener = Callable[["VirtualCard | None"], None]


class VirtualReader:
    """One reader slot. ``insert``/``remove`` behave like a hand: a connection opened before a removal stays dead."""

    name = "Kiosk virtual reader 00 00"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._card: VirtualCard | None = None
        self._generation = 0
        self._remove_after: int | None = None
        self._pull_during_next: bool | None = None
        self._listeners: list[SlotListener] = []

    @property
    def card(self) -> VirtualCard | None:
        """The card in the slot."""
        return self._card

    def subscribe(self, listener: SlotListener) -> None:
        """Call ``listener(card)`` on insertion and ``listener(None)`` on removal."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: SlotListener) -> None:
        """Stop calling ``listener`` (idempotent)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def insert(self, card: VirtualCard) -> None:
        """Put ``card`` in (removing any other first)."""
        with self._lock:
            self._card = card
            self._generation += 1
            card.reset()
        for listener in self._listeners:
            listener(card)

    def remove(self) -> None:
        """Take the card out (idempotent)."""
        with self._lock:
            if self._card is None:
                return
            self._card = None
            self._generation += 1
            self._remove_after = None
            self._pull_during_next = None
        for listener in self._listeners:
            listener(None)

    def pull_during_next(self, processed: bool) -> None:
        """Fault injection: the card is pulled while the next APDU is on its way — after the card processed it
        (``processed``: the change is made, the answer is lost) or before — and the sender sees CardRemoved."""
        with self._lock:
            self._pull_during_next = processed

    def remove_after(self, answers: int) -> None:
        """Fault injection: the card is pulled once it has answered ``answers`` more APDUs."""
        with self._lock:
            self._remove_after = answers
        if answers == 0:
            self.remove()

    def open(self) -> InProcessTransport:
        """A transport to the current card."""
        return InProcessTransport(self)

    def _attach(self) -> tuple[VirtualCard, int]:
        with self._lock:
            if self._card is None:
                raise NoCard("the reader is empty")
            return self._card, self._generation

    def _transmit(self, generation: int, apdu: bytes) -> bytes:
        with self._lock:
            card = self._card
            if card is None or generation != self._generation:
                raise CardRemoved("the card left the reader")
            pull_during, self._pull_during_next = self._pull_during_next, None
            if pull_during is None:
                response = card.process(apdu)
                pull = False
                if self._remove_after is not None:
                    self._remove_after -= 1
                    pull = self._remove_after <= 0
            elif pull_during:
                card.process(apdu)  # done on the card; the answer never arrives
        if pull_during is not None:
            self.remove()
            raise CardRemoved("the card left the reader during the command")
        if pull:
            self.remove()
        return response


class InProcessTransport:
    """``CardTransport`` to the card in a :class:`VirtualReader`."""

    def __init__(self, reader: VirtualReader) -> None:
        self._reader = reader
        self._card: VirtualCard | None = None
        self._generation = -1

    @property
    def atr(self) -> bytes:
        """The ATR of the connected card."""
        if self._card is None:
            raise NoCard("not connected")
        return self._card.atr

    def connect(self) -> None:
        """Attach to the card now in the slot (a fresh card session)."""
        self._card, self._generation = self._reader._attach()

    def disconnect(self) -> None:
        """Forget the card."""
        self._card = None
        self._generation = -1

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send to the card; ``CardRemoved`` if it left since ``connect``."""
        if self._card is None:
            raise CardRemoved("not connected")
        response = self._reader._transmit(self._generation, apdu)
        return response[:-2], (response[-2] << 8) | response[-1]


class InProcessMonitor:
    """The in-process counterpart of :class:`~kiosk.cardreader.monitor.ReaderMonitor` for demo mode: the same
    listener callbacks and ``open(reader)``, driven by :meth:`VirtualReader.insert` / :meth:`VirtualReader.remove`."""

    def __init__(self, reader: VirtualReader, listener: MonitorListener) -> None:
        self.reader = reader
        self._listener = listener
        reader.subscribe(self._on_slot)

    def start(self) -> None:
        """Announce the service and the reader (and a card already in it)."""
        self._listener.service_changed(True)
        self._listener.reader_attached(self.reader.name)
        if self.reader.card is not None:
            self._on_slot(self.reader.card)

    def stop(self) -> None:
        """Stop listening to the slot (nothing runs in the background)."""
        self.reader.unsubscribe(self._on_slot)

    def readers(self) -> dict[str, bool]:
        """Reader name → card present."""
        return {self.reader.name: self.reader.card is not None}

    def open(self, reader: str) -> InProcessTransport:
        """A transport to the card in the virtual reader."""
        if reader != self.reader.name:
            raise NoCard(f"no reader {reader!r}")
        return self.reader.open()

    def _on_slot(self, card: VirtualCard | None) -> None:
        if card is None:
            self._listener.card_removed(self.reader.name)
        else:
            self._listener.card_inserted(self.reader.name, card.atr)
