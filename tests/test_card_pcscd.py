"""Through a real pcscd with vsmartcard-vpcd and ``kiosk card-sim``: every demo card logs in, PIN countdown,
CHANGE PIN, INTERNAL AUTHENTICATE checked by the fake HSM, the card pulled before every APDU, pcscd killed and
restarted under the monitor, and no PIN in anything written. One pcscd and one card-sim serve the whole module."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.backend_client.embedded import EmbeddedBackend
from kiosk.backend_client.http_client import HttpBackend
from kiosk.backend_client.protocol import BackendUnavailable
from kiosk.cardreader.emulator.lab import READER, CardSimProcess, PrivatePcscd
from kiosk.cardreader.errors import CardRemoved, PinBlocked
from kiosk.cardreader.monitor import ReaderMonitor
from kiosk.cardreader.pin import Pin
from kiosk.clock import SystemClock
from kiosk.services.login import LoginRefused, LoginResult, LoginService, PinPrompt
from kiosk.services.pin_change import PendingPinChecks, PinChanger, PinChangeResult
from kiosk.session import EndReason
from kiosk_backend.demo_cards import load_demo_cards
from tests.fake_hsm import FakeHsmBackend
from tests.helpers import require_tool

CARDS = load_demo_cards()
LOGIN_APDUS = {"v2": 11, "v3": 12}


@dataclass
class Recorder:
    """A MonitorListener that remembers what it heard."""

    events: list[tuple[float, str, str]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def _add(self, kind: str, reader: str) -> None:
        with self.cond:
            self.events.append((time.monotonic(), kind, reader))
            self.cond.notify_all()

    def reader_attached(self, reader: str) -> None:
        self._add("attached", reader)

    def reader_detached(self, reader: str) -> None:
        self._add("detached", reader)

    def card_inserted(self, reader: str, atr: bytes) -> None:
        self._add("inserted", reader)

    def card_removed(self, reader: str) -> None:
        self._add("removed", reader)

    def service_changed(self, available: bool) -> None:
        self._add("service-up" if available else "service-down", "")

    def wait(self, kind: str, after: float, timeout: float = 5.0) -> float:
        """Time of the first ``kind`` event on the lab reader (or the service) after ``after``."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for at, seen, reader in self.events:
                    if seen == kind and at >= after and reader in (READER, ""):
                        return at
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {kind} event within {timeout} s: {self.events[-8:]}")
                self.cond.wait(remaining)


@dataclass
class Lab:
    pcscd: PrivatePcscd
    sim: CardSimProcess
    monitor: ReaderMonitor
    events: Recorder
    backend: FakeHsmBackend
    service: LoginService
    workdir: Path

    def insert(self, card_id: str, *, fresh: bool = True) -> None:
        """Take the card out, put ``card_id`` in (freshly personalised) and wait until the monitor reports both."""
        mark = time.monotonic()
        if READER in self.monitor.readers() and self.monitor.readers()[READER]:
            self.sim.send("remove")
            self.events.wait("removed", mark)
        mark = time.monotonic()
        self.sim.send(f"{'fresh' if fresh else 'card'} {card_id}")
        self.events.wait("inserted", mark)

    def reinsert(self) -> None:
        mark = time.monotonic()
        self.sim.send("insert")
        self.events.wait("inserted", mark)

    def login(self, pins: list[str], service: LoginService | None = None) -> LoginResult:
        answers = iter(pins)

        def ask(_prompt: PinPrompt) -> Pin | None:
            return Pin(next(answers))

        transport = self.monitor.open(READER)
        transport.connect()
        return (service or self.service).login(transport, ask)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_tool("pcscd")
    workdir = tmp_path_factory.mktemp("card-lab")
    pcscd = PrivatePcscd(workdir)
    pcscd.start()
    events = Recorder()
    monitor = ReaderMonitor(events)
    monitor.start()
    sim = CardSimProcess("citizen", pcscd.port, output=workdir / "card-sim.out")
    backend = FakeHsmBackend(CARDS, SystemClock())
    try:
        events.wait("inserted", 0, timeout=15)
        yield Lab(pcscd, sim, monitor, events, backend, LoginService(backend, SystemClock()), workdir)
    finally:
        monitor.stop()
        sim.stop()
        pcscd.stop()


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_every_demo_card_through_pcscd(lab: Lab, debug_logs: pytest.LogCaptureFixture) -> None:
    for demo in CARDS.cards:
        lab.insert(demo.id)
        if demo.id == "blocked":
            with pytest.raises(PinBlocked):
                lab.login([])
            continue
        if demo.id == "formal-loss":
            with pytest.raises(LoginRefused):
                lab.login([demo.pin])
            continue
        result = lab.login([demo.pin])
        session = result.session
        assert session.active and session.holder is not None and session.holder.ssn == demo.ssn
        assert session.restricted == (demo.status == "temporary_loss")
        assert session.must_change_pin == demo.initial_pin
        assert session.card_expired == (demo.id == "expired")
        assert result.card.apdu_count == LOGIN_APDUS[demo.profile]
        result.card.transport.disconnect()
    # INTERNAL AUTHENTICATE was checked by the fake HSM for every card that logged in.
    assert {s.ssn for s in lab.backend.sessions} >= {
        c.ssn for c in CARDS.cards if c.id not in ("blocked", "formal-loss")
    }
    _assert_no_pin(lab, debug_logs.text)


def test_every_demo_card_through_pcscd_against_the_real_backend(lab: Lab, tmp_path: Path) -> None:
    """The same cards through the same pcscd, with INTERNAL AUTHENTICATE checked by the records backend itself
    (a real `kiosk-backend serve` process with the demo people and the test issuer key)."""
    with EmbeddedBackend(tmp_path / "records.sqlite3", tmp_path / "backend.log") as embedded:
        backend = HttpBackend(embedded.url, token=embedded.kiosk_token, timeout_s=10)
        try:
            _wait_healthy(backend)
            service = LoginService(backend, SystemClock())
            for demo in CARDS.cards:
                lab.insert(demo.id)
                if demo.id == "blocked":
                    with pytest.raises(PinBlocked):
                        lab.login([], service)
                    continue
                result = lab.login([demo.pin], service)
                session = result.session
                assert session.active and session.holder is not None and session.holder.ssn == demo.ssn
                assert session.restricted == (demo.status in ("temporary_loss", "formal_loss"))
                assert session.card_session is not None and session.card_session.role == demo.role
                result.card.transport.disconnect()
        finally:
            backend.close()


def _wait_healthy(backend: HttpBackend, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            backend.health()
            return
        except BackendUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_wrong_pin_countdown_to_blocked_and_change_pin_through_pcscd(
    lab: Lab, debug_logs: pytest.LogCaptureFixture
) -> None:
    lab.insert("initial-pin")
    result = lab.login(["123456"])
    assert result.session.must_change_pin
    result.card.change_pin(Pin("123456"), Pin("135790"))
    result.session.pin_changed()
    result.session.require_state_change()
    result.card.transport.disconnect()
    lab.insert("initial-pin", fresh=False)  # same card, taken out and put back: it keeps the new PIN
    assert not lab.login(["135790"]).session.must_change_pin

    lab.insert("staff")
    seen: list[int | None] = []

    def wrong(prompt: PinPrompt) -> Pin:
        seen.append(prompt.tries_left)
        return Pin("000000")

    transport = lab.monitor.open(READER)
    transport.connect()
    with pytest.raises(PinBlocked):
        lab.service.login(transport, wrong)
    assert seen == [3, 2, 1]
    transport.disconnect()
    lab.insert("staff", fresh=False)
    with pytest.raises(PinBlocked):
        lab.login([])  # blocked: stopped before any PIN prompt
    _assert_no_pin(lab, debug_logs.text)


def test_card_pulled_before_every_apdu_of_the_login_through_pcscd(lab: Lab) -> None:
    lab.insert("citizen")
    for position in range(LOGIN_APDUS["v3"]):
        transport = lab.monitor.open(READER)
        transport.connect()
        lab.sim.drain()
        lab.sim.send(f"remove-after {position}")
        lab.sim.expect("armed")
        started = time.monotonic()
        with pytest.raises(CardRemoved):
            lab.service.login(transport, lambda _p: Pin("802413"))
        assert time.monotonic() - started < 3.0, f"position {position} took too long"
        transport.disconnect()
        lab.reinsert()
    lab.sim.drain()
    lab.sim.send("status")
    assert lab.sim.expect("status") == "status citizen inserted tries=3"  # no try was spent, the PIN is intact
    assert lab.login(["802413"]).session.active


def test_pcscd_killed_and_restarted_while_waiting(lab: Lab) -> None:
    lab.insert("retiree")
    mark = time.monotonic()
    lab.pcscd.kill()
    lab.events.wait("removed", mark)
    lab.events.wait("service-down", mark)
    restarted = time.monotonic()
    lab.pcscd.start()
    back = lab.events.wait("inserted", restarted, timeout=5.0)
    assert back - restarted < 5.0
    assert lab.monitor.alive
    assert lab.login(["369258"]).session.active


def _assert_no_pin(lab: Lab, logs: str) -> None:
    written = "\n".join(
        [logs, "".join(lab.sim.transcript), lab.pcscd.log_path.read_text(errors="replace")]
        + [repr(r) for r in lab.backend.requests]
    )
    assert "** ** **" in logs  # the VERIFY trace was there, masked
    for demo in CARDS.cards:
        for form in (demo.pin, f"{demo.pin[:2]} {demo.pin[2:4]} {demo.pin[4:]}"):
            assert form not in written, f"PIN of {demo.id} leaked"


def test_kiosk_card_info_through_pcscd(lab: Lab) -> None:
    import json
    import subprocess
    import sys

    lab.insert("citizen")

    def card_info(stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "card-info"],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=30,
            start_new_session=True,  # no controlling terminal: getpass reads the PIN from stdin
        )

    done = card_info("802413\n")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["reader"] == READER and info["holder"]["ssn"] == "640104********2314"
    assert info["holder"]["name"] == "王**" and "802413" not in done.stdout + done.stderr
    done = card_info("\n")
    assert done.returncode == 0 and json.loads(done.stdout)["holder"] is None
    done = card_info("000000\n")
    assert done.returncode == 1 and "密码错误，还可尝试 2 次" in done.stderr


def test_a_failing_listener_does_not_kill_the_monitor(lab: Lab) -> None:
    class Faulty(Recorder):
        def card_inserted(self, reader: str, atr: bytes) -> None:
            super().card_inserted(reader, atr)
            raise RuntimeError("listener bug")

    faulty = Faulty()
    monitor = ReaderMonitor(faulty)
    monitor.start()
    try:
        faulty.wait("inserted", 0)
        mark = time.monotonic()
        lab.sim.send("remove")
        lab.events.wait("removed", mark)
        lab.reinsert()
        faulty.wait("inserted", mark)  # the exception was logged; the monitor went on reporting
        assert monitor.alive
    finally:
        monitor.stop()
    assert not monitor.alive


def test_card_pulled_just_before_change_pin_through_pcscd_keeps_the_old_pin(lab: Lab) -> None:
    lab.insert("initial-pin")
    transport = lab.monitor.open(READER)
    transport.connect()
    lab.sim.drain()
    lab.sim.send(f"remove-after {LOGIN_APDUS['v2']}")  # the whole login, then pulled before CHANGE PIN
    lab.sim.expect("armed")
    result = lab.service.login(transport, lambda _p: Pin("123456"))
    with pytest.raises(CardRemoved):
        result.card.change_pin(Pin("123456"), Pin("135790"))
    result.session.end(EndReason.CARD_REMOVED)
    transport.disconnect()
    lab.reinsert()
    session = lab.login(["123456"]).session  # the old PIN still opens the card, with every try left
    assert session.active and session.must_change_pin


def test_pin_change_interrupted_through_pcscd_then_the_kiosk_says_which_pin(lab: Lab) -> None:
    """The kiosk's PIN change (PinChanger) loses the card before CHANGE PIN; when the card comes back through pcscd
    the login checks which PIN the card accepts before asking, and says so — at no cost in tries."""
    checks = PendingPinChecks(SystemClock())
    service = LoginService(lab.backend, SystemClock(), pin_check=checks)
    lab.insert("initial-pin")
    transport = lab.monitor.open(READER)
    transport.connect()
    lab.sim.drain()
    lab.sim.send(f"remove-after {LOGIN_APDUS['v2']}")
    lab.sim.expect("armed")
    result = service.login(transport, lambda _p: Pin("123456"))
    outcome = PinChanger(result.card, result.session, checks).change(Pin("123456"), Pin("135790"))
    assert outcome.result is PinChangeResult.UNCERTAIN and outcome.notice.code == "pin_change_interrupted"
    result.session.end(EndReason.CARD_REMOVED)
    transport.disconnect()
    lab.reinsert()
    prompts: list[PinPrompt] = []

    def ask(prompt: PinPrompt) -> Pin:
        prompts.append(prompt)
        return Pin("123456")

    transport = lab.monitor.open(READER)
    transport.connect()
    session = service.login(transport, ask).session
    assert prompts[0].note is not None and prompts[0].note["code"] == "old_pin_valid"
    assert prompts[0].tries_left is None  # the check's right VERIFY left the card verified, no try spent
    assert session.active and session.must_change_pin
