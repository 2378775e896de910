"""A virtual card as a client of vsmartcard's ``vpcd`` driver, so a real ``pcscd`` sees it in a reader.

The vpcd protocol (vsmartcard docs, "Creating a virtual smart card"): the card connects over TCP to the driver
(default 127.0.0.1:35963); every message is a 2-byte big-endian length and a payload. A 1-byte payload is a control
code — ``00`` power off, ``01`` power on, ``02`` reset (no answer) and ``04`` get ATR (answered with the ATR); a
longer payload is a C-APDU, answered with the R-APDU. vpcd reports a card present while the connection is open:
closing it is pulling the card out.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from collections.abc import Callable

from kiosk.cardreader.emulator.card import VirtualCard

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
RETRY_S = 0.1


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``) → a tuple; ``ValueError`` when malformed."""
    host, _, port = text.rpartition(":") if ":" in text else (text, ":", str(DEFAULT_PORT))
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        # vpcd writes the length and the payload separately (Nagle): acknowledge at once, or each APDU waits for
        # the peer's 40 ms delayed-ACK timer. Linux resets TCP_QUICKACK after use, so set it before every read.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class VpcdCard:
    """Keeps ``card`` connected to vpcd while it is "inserted", reconnecting if vpcd/pcscd restarts.

    ``on_event`` receives ``"inserted"`` (connected to vpcd), ``"removed"`` (taken out on request) and
    ``"disconnected"`` (vpcd went away; a reconnection follows).
    """

    def __init__(
        self,
        card: VirtualCard,
        address: tuple[str, int] = ("127.0.0.1", DEFAULT_PORT),
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.card = card
        self.address = address
        self._on_event = on_event or (lambda _event: None)
        self._cond = threading.Condition()
        self._want_inserted = False
        self._closing = False
        self._sock: socket.socket | None = None
        self._remove_after: int | None = None
        self._thread = threading.Thread(target=self._run, name="vpcd-card", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ commands
    def insert(self, card: VirtualCard | None = None) -> None:
        """Put the card (or another one) in; it stays in until :meth:`remove`."""
        with self._cond:
            if card is not None:
                self.card = card
            self._want_inserted = True
            self._cond.notify_all()

    def remove(self) -> None:
        """Pull the card out now."""
        with self._cond:
            self._want_inserted = False
            self._remove_after = None
            self._drop_socket()
            self._cond.notify_all()

    def remove_after(self, answers: int) -> None:
        """Pull the card out right after it has answered ``answers`` more APDUs (0 = now)."""
        if answers <= 0:
            self.remove()
            return
        with self._cond:
            self._remove_after = answers

    def close(self) -> None:
        """Stop for good."""
        with self._cond:
            self._closing = True
            self._want_inserted = False
            self._drop_socket()
            self._cond.notify_all()
        self._thread.join(timeout=5)

    @property
    def connected(self) -> bool:
        """Whether vpcd currently sees the card."""
        return self._sock is not None

    # ------------------------------------------------------------------ loop
    def _drop_socket(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._want_inserted and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
            try:
                sock = socket.create_connection(self.address, timeout=1.0)
            except OSError:
                with self._cond:
                    self._cond.wait(RETRY_S)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                if not self._want_inserted:
                    sock.close()
                    continue
                self._sock = sock
                self.card.reset()
            self._on_event("inserted")
            self._serve(sock)
            with self._cond:
                requested = not self._want_inserted
                if self._sock is sock:
                    self._drop_socket()
            self._on_event("removed" if requested else "disconnected")

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    return
                payload = _recv_exact(sock, struct.unpack(">H", header)[0])
                if payload is None:
                    return
                if len(payload) == 1:
                    if payload[0] == CTRL_ATR:
                        sock.sendall(struct.pack(">H", len(self.card.atr)) + self.card.atr)
                    elif payload[0] in (CTRL_OFF, CTRL_ON, CTRL_RESET):
                        self.card.reset()
                    continue
                response = self.card.process(payload)
                sock.sendall(struct.pack(">H", len(response)) + response)
                with self._cond:
                    if self._remove_after is not None:
                        self._remove_after -= 1
                        if self._remove_after <= 0:
                            self._remove_after = None
                            self._want_inserted = False
                            return
        except OSError:
            return
