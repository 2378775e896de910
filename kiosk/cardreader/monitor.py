"""A supervised PC/SC monitor (not pyscard's CardMonitor, which dies silently when pcscd restarts).

One thread waits in ``SCardGetStatusChange`` on every reader plus the ``\\\\?PnP?\\Notification`` pseudo-reader and
reports, through a :class:`MonitorListener`: reader attached/detached, card inserted/removed, and the PC/SC service
lost/back. When pcscd goes away (``SCARD_E_NO_SERVICE`` and friends) every reader and card is reported gone, and the
context is re-established every ``retry_s`` until pcscd answers again; any other failure inside the loop is logged
and the loop starts over, so the thread never dies while the kiosk runs. A listener that raises is logged and
ignored.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from smartcard import scard

from kiosk.cardreader.events import MonitorListener
from kiosk.cardreader.pcsc import SERVICE_GONE, PcscTransport

log = logging.getLogger(__name__)

PNP = "\\\\?PnP?\\Notification"


@dataclass
class _Slot:
    state: int = scard.SCARD_STATE_UNAWARE
    atr: bytes = b""
    removed: threading.Event | None = None  # set when the card in it leaves
    present: bool = False
    counter: int = -1  # pcsc-lite's insert/remove event counter (high word of the state)


class ReaderMonitor:
    """Start with :meth:`start`, stop with :meth:`stop`; :meth:`open` gives a transport bound to the current card."""

    def __init__(self, listener: MonitorListener, *, poll_ms: int = 500, retry_s: float = 0.2) -> None:
        self._listener = listener
        self._poll_ms = poll_ms
        self._retry_s = retry_s
        self._lock = threading.Lock()
        self._slots: dict[str, _Slot] = {}
        self._context: int | None = None
        self._stop = threading.Event()
        self._service_up: bool | None = None
        self._thread = threading.Thread(target=self._supervise, name="card-monitor", daemon=True)
        self.restarts = 0  # contexts re-established after a loss

    # ------------------------------------------------------------------ public
    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (within one poll interval)."""
        self._stop.set()
        context = self._context
        if context is not None:
            scard.SCardCancel(context)
        self._thread.join(timeout=5)

    @property
    def alive(self) -> bool:
        """Whether the thread runs."""
        return self._thread.is_alive()

    def readers(self) -> dict[str, bool]:
        """Reader name → card present."""
        with self._lock:
            return {name: slot.present for name, slot in self._slots.items()}

    def open(self, reader: str) -> PcscTransport:
        """A transport to the card now in ``reader``, failing with CardRemoved once the monitor sees it leave."""
        with self._lock:
            slot = self._slots.get(reader)
            removed = slot.removed if slot is not None and slot.removed is not None else threading.Event()
            if slot is None or not slot.present:
                removed.set()
            atr = slot.atr if slot is not None else b""
        return PcscTransport(reader, removed, atr)

    # ------------------------------------------------------------------ loop
    def _notify(self, callback: str, *args: object) -> None:
        """Call the listener; its exceptions are logged, never allowed to stop or reset the monitor."""
        try:
            getattr(self._listener, callback)(*args)
        except Exception:
            log.exception("card monitor listener %s failed", callback)

    def _supervise(self) -> None:
        while not self._stop.is_set():
            try:
                self._run()
            except Exception:  # the monitor must outlive any surprise
                log.exception("card monitor loop failed; starting over")
                self._lose_service()
                self._stop.wait(self._retry_s)
        self._release()

    def _release(self) -> None:
        context, self._context = self._context, None
        if context is not None:
            scard.SCardReleaseContext(context)

    def _establish(self) -> bool:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            self._set_service(False)
            return False
        self._context = context
        if self._service_up is False:
            self.restarts += 1
        self._set_service(True)
        return True

    def _set_service(self, up: bool) -> None:
        if self._service_up != up:
            self._service_up = up
            log.info("PC/SC service %s", "available" if up else "unavailable")
            self._notify("service_changed", up)

    def _lose_service(self) -> None:
        self._release()
        for reader in list(self._slots):
            self._detach(reader)
        self._set_service(False)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._context is None and not self._establish():
                self._stop.wait(self._retry_s)
                continue
            assert self._context is not None
            if not self._sync_readers():
                continue
            names = list(self._slots)
            states = [(name, self._slots[name].state) for name in names]
            states.append((PNP, self._pnp_state(len(names))))
            hresult, new_states = scard.SCardGetStatusChange(self._context, self._poll_ms, states)
            if hresult in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                continue
            if hresult in SERVICE_GONE or hresult != scard.SCARD_S_SUCCESS:
                if hresult == scard.SCARD_E_UNKNOWN_READER:
                    continue  # a reader vanished between listing and waiting: list again
                log.warning("SCardGetStatusChange: %s", scard.SCardGetErrorMessage(hresult))
                self._lose_service()
                continue
            for name, event_state, atr in new_states:
                if name != PNP and name in self._slots:
                    self._apply(name, event_state, bytes(atr))

    @staticmethod
    def _pnp_state(reader_count: int) -> int:
        # pcsc-lite reports the number of readers in the high word of the PnP state.
        return (reader_count << 16) & 0xFFFF0000

    def _sync_readers(self) -> bool:
        assert self._context is not None
        hresult, listed = scard.SCardListReaders(self._context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            listed = []
        elif hresult != scard.SCARD_S_SUCCESS:
            log.warning("SCardListReaders: %s", scard.SCardGetErrorMessage(hresult))
            self._lose_service()
            return False
        for gone in set(self._slots) - set(listed):
            self._detach(gone)
        for name in listed:
            if name not in self._slots:
                with self._lock:
                    self._slots[name] = _Slot()
                self._notify("reader_attached", name)
        return True

    def _detach(self, reader: str) -> None:
        slot = self._slots.get(reader)
        if slot is None:
            return
        if slot.present:
            self._card_left(reader, slot)
        with self._lock:
            del self._slots[reader]
        self._notify("reader_detached", reader)

    def _card_left(self, reader: str, slot: _Slot) -> None:
        with self._lock:
            slot.present = False
            if slot.removed is not None:
                slot.removed.set()
            slot.removed = None
            slot.atr = b""
        self._notify("card_removed", reader)

    def _apply(self, reader: str, event_state: int, atr: bytes) -> None:
        slot = self._slots[reader]
        changed = event_state & scard.SCARD_STATE_CHANGED
        slot.state = event_state & ~scard.SCARD_STATE_CHANGED
        present = bool(event_state & scard.SCARD_STATE_PRESENT) and not event_state & scard.SCARD_STATE_MUTE
        if not changed and present == slot.present:
            return
        # A card pulled and put back between two polls shows up as a new event count while still present.
        counter = (event_state >> 16) & 0xFFFF
        swapped = present and slot.present and (counter != slot.counter or atr != slot.atr)
        slot.counter = counter
        if slot.present and (not present or swapped):
            self._card_left(reader, slot)
        if present and not slot.present:
            with self._lock:
                slot.present, slot.atr, slot.removed = True, atr, threading.Event()
            self._notify("card_inserted", reader, atr)
