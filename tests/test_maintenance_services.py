"""Maintenance services without UI: per-function rules, fault actions, passphrase login and lockout, the hash CLI."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from kiosk.cli import main
from kiosk.journal import Journal
from kiosk.services.counters import PAPER_SINCE_REFILL, SESSIONS, SLIPS, Counters
from kiosk.services.devices import CARD_READER, PRINTER, DeviceRegistry, FaultAction, action_for
from kiosk.services.functions import offered_functions
from kiosk.services.service_control import ServiceControl
from kiosk.services.staff_auth import LoginResult, PassphraseAuthenticator
from kiosk.services.state_file import StateFile
from kiosk_backend.schemas import DeviceStatus
from tests.helpers import FakeClock


def status(device: str, media: str = "unknown", paper: str = "unknown") -> DeviceStatus:
    return DeviceStatus(device=device, media=media, paper=paper)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reader", "printer", "card", "printing", "blocking"),
    [
        (status("online"), status("online", paper="full"), True, True, None),
        (status("online"), status("online", paper="low"), True, True, None),  # low paper still prints
        (status("online"), status("online", paper="out"), True, False, None),
        (status("online"), status("online", media="jammed"), True, False, None),
        (status("online"), status("no_device"), True, False, None),
        (status("online"), status("offline"), True, False, None),
        (status("unknown"), status("unknown"), True, True, None),  # not built yet: blocks nothing
        (status("no_device"), status("online"), False, False, "E-CR-001"),
        (status("hardware_error"), status("online"), False, False, "E-CR-001"),
        (status("offline"), status("online"), False, False, "E-CR-001"),
    ],
)
def test_each_function_follows_its_device(
    reader: DeviceStatus, printer: DeviceStatus, card: bool, printing: bool, blocking: str | None
) -> None:
    functions = offered_functions({CARD_READER: reader, PRINTER: printer})
    assert (functions.card_services, functions.printing, functions.blocking_fault) == (card, printing, blocking)
    assert functions.queries == card  # queries need the card login, not the printer
    assert functions.allows("query") == card and functions.allows("query", "printing") == (card and printing)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (status("online", paper="full"), None),
        (status("online", paper="out"), FaultAction.CLEAR_BY_STAFF),
        (status("online", media="jammed"), FaultAction.CLEAR_BY_STAFF),
        (status("offline"), FaultAction.RESET),
        (status("hardware_error"), FaultAction.CALL_MAINTENANCE),
        (status("no_device"), FaultAction.CALL_MAINTENANCE),
        (status("unknown"), None),
    ],
)
def test_every_fault_has_its_xfs_action(state: DeviceStatus, action: FaultAction | None) -> None:
    assert action_for(state) is action


def test_a_probe_that_raises_reports_hardware_error() -> None:
    class Broken:
        def status(self) -> DeviceStatus:
            raise OSError("usb gone")

    registry = DeviceRegistry({PRINTER: Broken()})
    assert registry.read()[PRINTER] == DeviceStatus(device="hardware_error", fault="E-DV-001")


def test_passphrase_lockout_counts_persists_and_expires(tmp_path: Path, clock: FakeClock) -> None:
    digest = PasswordHasher(time_cost=1, memory_cost=8192).hash("correct horse")
    journal = Journal(tmp_path / "journal")

    def auth() -> PassphraseAuthenticator:
        return PassphraseAuthenticator(digest, StateFile(tmp_path / "state.json"), clock, journal, 3, 120)

    first = auth()
    assert first.authenticate("nope").tries_left == 2
    assert first.authenticate("nope").tries_left == 1
    assert first.authenticate("nope").result is LoginResult.LOCKED
    assert auth().authenticate("correct horse").result is LoginResult.LOCKED  # a new process still sees the lock
    clock.advance(119)
    assert auth().lockout() is not None
    clock.advance(2)
    assert auth().authenticate("correct horse").result is LoginResult.OK
    assert auth().authenticate("nope").tries_left == 2  # success reset the count
    stored = (tmp_path / "journal" / "journal.sqlite3").read_bytes() + (tmp_path / "state.json").read_bytes()
    assert b"correct horse" not in stored and b"nope" not in stored
    journal.close()


def test_no_configured_hash_means_no_passphrase_login(clock: FakeClock) -> None:
    login = PassphraseAuthenticator("", StateFile(None), clock).authenticate("anything")
    assert login.result is LoginResult.NOT_CONFIGURED


def test_staff_passphrase_command_prints_a_hash_that_verifies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-passphrase\n"))
    assert main(["staff-passphrase", "--stdin"]) == 0
    digest = capsys.readouterr().out.strip()
    assert digest.startswith("$argon2id$") and PasswordHasher().verify(digest, "a-long-passphrase")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["staff-passphrase", "--stdin"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_demo_mode_passphrase_is_the_documented_one() -> None:
    from kiosk.runtime import DEMO_STAFF_PASSPHRASE_HASH

    assert PasswordHasher().verify(DEMO_STAFF_PASSPHRASE_HASH, "demo-staff")


def test_out_of_service_reasons_are_trimmed_and_id_numbers_masked(tmp_path: Path, clock: FakeClock) -> None:
    journal = Journal(tmp_path / "journal")
    control = ServiceControl(StateFile(None), clock, journal)
    control.set_local("  为 11010519491231002X 办理  ")
    assert control.local_reason == "为 110105********002X 办理"
    assert control.set_remote("x" * 100) and control.remote_reason == "x" * 80
    assert not control.set_remote("x" * 90)  # the same command again changes nothing
    assert [e.detail["reason"] for e in journal.entries()] == ["为 110105********002X 办理", "x" * 80]
    journal.close()


def test_counters_from_several_threads_lose_nothing(tmp_path: Path, clock: FakeClock) -> None:
    counters = Counters(StateFile(tmp_path / "state.json"), clock)

    def work(name: str) -> None:
        for _ in range(40):
            counters.count(name)

    threads = [threading.Thread(target=work, args=(name,)) for name in (SESSIONS, SLIPS) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counters(StateFile(tmp_path / "state.json"), clock).values() == {
        SESSIONS: 120,
        SLIPS: 120,
        PAPER_SINCE_REFILL: 120,
    }
