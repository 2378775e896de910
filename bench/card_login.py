"""Card login through a real pcscd (vpcd + ``kiosk card-sim``): insertion → authenticated session, against the floor.

For each run the card is pulled and put back; we time
  * ``kiosk``: insertion → monitor event → SCardConnect → the login use case (EF05, PIN status, VERIFY, EF06,
    challenge from the fake HSM backend, INTERNAL AUTHENTICATE, session) — the real code path;
  * ``floor``: insertion → monitor event → SCardConnect → the very same C-APDUs sent by a bare
    ``smartcard.scard.SCardTransmit`` loop (no parsing, no backend).
"Insertion" is the moment card-sim reports its connection to vpcd. Both include pcscd's card detection (vpcd is
polled), so the post-detection slice is printed too. Also prints the APDU count against what CARD_SPEC needs.

Usage: .venv/bin/python bench/card_login.py [--runs N] [--card ID]   (needs pcscd and vsmartcard-vpcd; no other
pcscd may be running)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from smartcard import scard  # noqa: E402

from kiosk.cardreader.emulator.lab import READER, CardSimProcess, PrivatePcscd  # noqa: E402
from kiosk.cardreader.monitor import ReaderMonitor  # noqa: E402
from kiosk.cardreader.pin import Pin  # noqa: E402
from kiosk.clock import SystemClock  # noqa: E402
from kiosk.services.login import LoginService  # noqa: E402
from kiosk_backend.demo_cards import load_demo_cards  # noqa: E402
from tests.fake_hsm import FakeHsmBackend  # noqa: E402

SPEC_APDUS = {"v2": 11, "v3": 12}


class Events:
    """Monitor listener: the time of the latest insertion / removal."""

    def __init__(self) -> None:
        self.inserted = threading.Event()
        self.removed = threading.Event()
        self.inserted_at = 0.0

    def reader_attached(self, reader: str) -> None: ...
    def reader_detached(self, reader: str) -> None: ...
    def service_changed(self, available: bool) -> None: ...

    def card_inserted(self, reader: str, atr: bytes) -> None:
        if reader == READER:
            self.inserted_at = time.perf_counter()
            self.inserted.set()

    def card_removed(self, reader: str) -> None:
        if reader == READER:
            self.removed.set()


class TimedBackend(FakeHsmBackend):
    """The fake HSM, timing its own calls (a real backend is a network round trip the floor does not make)."""

    spent = 0.0

    def card_challenge(self, request):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return super().card_challenge(request)
        finally:
            self.spent += time.perf_counter() - started

    def open_card_session(self, request):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return super().open_card_session(request)
        finally:
            self.spent += time.perf_counter() - started


class RecordingTransport:
    """Wraps a transport and keeps the C-APDUs (to replay them in the floor loop)."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.apdus: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self.inner.atr  # type: ignore[attr-defined,no-any-return]

    def connect(self) -> None:
        self.inner.connect()  # type: ignore[attr-defined]

    def disconnect(self) -> None:
        self.inner.disconnect()  # type: ignore[attr-defined]

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.apdus.append(apdu)
        return self.inner.transmit(apdu)  # type: ignore[attr-defined,no-any-return]


def cycle(sim: CardSimProcess, events: Events) -> float:
    """Pull the card, put it back; return the insertion time (card-sim's report)."""
    events.removed.clear()
    sim.send("remove")
    events.removed.wait(5)
    events.inserted.clear()
    sim.drain()
    sim.send("insert")
    sim.expect("inserted")
    inserted = time.perf_counter()
    if not events.inserted.wait(5):
        raise RuntimeError("the monitor did not see the card")
    return inserted


def floor_once(apdus: list[bytes]) -> None:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hresult, card, protocol = scard.SCardConnect(
        context, READER, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    assert hresult == scard.SCARD_S_SUCCESS
    for apdu in apdus:
        hresult, _response = scard.SCardTransmit(card, protocol, list(apdu))
        assert hresult == scard.SCARD_S_SUCCESS
    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(context)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--card", default="citizen")
    args = parser.parse_args()
    cards = load_demo_cards()
    demo = cards.by_id(args.card)
    backend = TimedBackend(cards, SystemClock())
    service = LoginService(backend, SystemClock())
    with tempfile.TemporaryDirectory() as workdir:
        pcscd = PrivatePcscd(Path(workdir))
        pcscd.start()
        events = Events()
        monitor = ReaderMonitor(events)
        monitor.start()
        sim = CardSimProcess(args.card, pcscd.port)
        try:
            events.inserted.wait(15)
            ours: list[tuple[float, float, float]] = []
            floor: list[tuple[float, float]] = []
            apdus: list[bytes] = []
            count = 0
            for run in range(args.runs + 1):  # run 0 warms up both paths
                inserted = cycle(sim, events)
                backend.spent = 0.0
                transport = RecordingTransport(monitor.open(READER))
                transport.connect()
                result = service.login(transport, lambda _prompt: Pin(demo.pin))
                done = time.perf_counter()
                assert result.session.active
                count, apdus = result.card.apdu_count, transport.apdus
                transport.disconnect()
                if run:
                    ours.append((done - inserted, done - events.inserted_at, backend.spent))
                inserted = cycle(sim, events)
                floor_once(apdus)
                done = time.perf_counter()
                if run:
                    floor.append((done - inserted, done - events.inserted_at))
        finally:
            monitor.stop()
            sim.stop()
            pcscd.stop()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:8.2f} ms   worst {max(values) * 1000:8.2f} ms"

    print(f"card {args.card} (profile {demo.profile}), {args.runs} runs")
    print(f"APDUs per login: {count} (CARD_SPEC login sequence: {SPEC_APDUS[demo.profile]})")
    for label, index in (("insertion → session", 0), ("monitor event → session", 1)):
        k = [r[index] for r in ours]
        f = [r[index] for r in floor]
        print(f"{label}:")
        print(f"  kiosk  {ms(k)}")
        print(f"  floor  {ms(f)}")
        print(f"  ratio (medians) {statistics.median(k) / statistics.median(f):.3f}")
    without = [r[1] - r[2] for r in ours]
    print(f"  kiosk without the fake backend's own time  {ms(without)}")
    print(f"  ratio (medians) {statistics.median(without) / statistics.median([r[1] for r in floor]):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
