"""PC/SC transport on pyscard's low-level ``smartcard.scard`` API."""

from __future__ import annotations

import threading
import time

from smartcard import scard

from kiosk.cardreader.errors import CardError, CardRemoved, CardUnreadable, NoCard, ReaderUnavailable

SERVICE_GONE = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_E_NO_READERS_AVAILABLE,
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_READER_UNAVAILABLE,
        scard.SCARD_E_INVALID_HANDLE,
    }
)
# SCardStatus state bits (pcsc-lite values; pyscard does not export them).
STATUS_PRESENT = 0x0004
CARD_GONE = frozenset({scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD})
REMOVAL_CHECK_S = 2.0  # after a failed exchange, how long to wait for pcscd to notice a pulled card


def _hex(hresult: int) -> str:
    return f"{hresult & 0xFFFFFFFF:08X}"


def error_for(hresult: int, during: str) -> CardError:
    """A PC/SC error code → a typed card error."""
    text = f"{during}: {scard.SCardGetErrorMessage(hresult)} ({_hex(hresult)})"
    if hresult in SERVICE_GONE:
        return ReaderUnavailable(text)
    if hresult in CARD_GONE:
        return NoCard(text) if during == "connect" else CardRemoved(text)
    return CardUnreadable(text)


def list_readers() -> list[str]:
    """Reader names known to pcscd now; raises ReaderUnavailable when the service is down."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise error_for(hresult, "establish context")
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            raise error_for(hresult, "list readers")
        return list(readers)
    finally:
        scard.SCardReleaseContext(context)


class PcscTransport:
    """``CardTransport`` to the card in one PC/SC reader (T=0 or T=1, shared mode).

    ``removed`` is set by the :class:`~kiosk.cardreader.monitor.ReaderMonitor` when it sees this card leave: the
    next ``transmit`` then raises :class:`CardRemoved` without waiting for the reader.
    """

    def __init__(self, reader: str, removed: threading.Event | None = None, atr: bytes = b"") -> None:
        self.reader = reader
        self.removed = removed or threading.Event()
        self._context: int | None = None
        self._card: int | None = None
        self._protocol = 0
        self._atr = atr  # known from the monitor's event: saves an SCardStatus round trip

    @property
    def atr(self) -> bytes:
        """ATR of the connected card."""
        return self._atr

    def connect(self) -> None:
        """Establish a context and connect to the card."""
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise error_for(hresult, "establish context")
        self._context = context
        hresult, card, protocol = scard.SCardConnect(
            context, self.reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if hresult != scard.SCARD_S_SUCCESS:
            self.disconnect()
            raise error_for(hresult, "connect")
        self._card, self._protocol = card, protocol
        if self._atr:
            return
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(card)
        if hresult != scard.SCARD_S_SUCCESS:
            self.disconnect()
            raise error_for(hresult, "connect")
        self._atr = bytes(atr)

    def disconnect(self) -> None:
        """Leave the card as it is and release the context (never raises)."""
        if self._card is not None:
            scard.SCardDisconnect(self._card, scard.SCARD_LEAVE_CARD)
            self._card = None
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
            self._context = None

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """One exchange. A card pulled out (or reset) → CardRemoved; pcscd or the reader gone → ReaderUnavailable."""
        if self._card is None or self.removed.is_set():
            raise CardRemoved("the card left the reader")
        hresult, response = scard.SCardTransmit(self._card, self._protocol, list(apdu))
        if hresult != scard.SCARD_S_SUCCESS:
            error = error_for(hresult, "transmit")
            if isinstance(error, CardUnreadable) and self._card_gone():
                error = CardRemoved(f"transmit: card gone ({_hex(hresult)})")
            raise error
        if len(response) < 2:  # vpcd answers an empty response when the card vanished mid-exchange
            if self._card_gone():
                raise CardRemoved("transmit: card gone (empty response)")
            raise CardUnreadable("transmit: response without a status word")
        data = bytes(response[:-2])
        return data, (response[-2] << 8) | response[-1]

    def _card_gone(self) -> bool:
        """After a communication error: has the card left? (pcscd polls some readers, so allow it a moment.)"""
        deadline = time.monotonic() + REMOVAL_CHECK_S
        while True:
            if self.removed.is_set() or self._card is None:
                return True
            hresult, _reader, state, _protocol, _atr = scard.SCardStatus(self._card)
            if hresult != scard.SCARD_S_SUCCESS or not state & STATUS_PRESENT:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
