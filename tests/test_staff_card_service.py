"""The staff card login without UI: virtual cards in the in-process reader, the fake HSM backend (the real
cryptogram check, roles and card status from the demo cards), the real lockout in a state file and the journal."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from kiosk.cardreader.emulator.card import VirtualCard, image_from_demo
from kiosk.cardreader.emulator.inprocess import VirtualReader
from kiosk.cardreader.pin import Pin
from kiosk.journal import Journal
from kiosk.services.login import LoginService, PinPrompt
from kiosk.services.staff_auth import LoginResult, PassphraseAuthenticator, StaffLockout
from kiosk.services.staff_card import StaffCardAuthenticator
from kiosk.services.state_file import StateFile
from kiosk_backend.demo_cards import DemoCards, load_demo_cards
from tests.fake_hsm import FakeHsmBackend
from tests.helpers import FakeClock

CARDS = load_demo_cards()


class Rig:
    def __init__(self, tmp: Path, clock: FakeClock, cards: DemoCards = CARDS, max_failures: int = 5) -> None:
        self.cards = cards
        self.backend = FakeHsmBackend(cards, clock)
        self.journal = Journal(tmp / "journal")
        self.state = StateFile(tmp / "state.json")
        self.lock = StaffLockout(self.state, clock, self.journal, max_failures, 300)
        login = LoginService(self.backend, clock)  # type: ignore[arg-type]
        self.auth = StaffCardAuthenticator(login, self.backend, self.lock)  # type: ignore[arg-type]
        self.prompts: list[PinPrompt] = []
        self.virtual: VirtualCard | None = None

    def attempt(self, card_id: str, *pins: str | None) -> LoginResult:
        card = self.cards.by_id(card_id)
        self.virtual = VirtualCard(image_from_demo(card, self.cards.issuer_key))
        reader = VirtualReader()
        reader.insert(self.virtual)
        transport = reader.open()
        transport.connect()
        answers = list(pins) if pins else [card.pin]

        def ask(prompt: PinPrompt) -> Pin | None:
            self.prompts.append(prompt)
            value = answers.pop(0)
            return Pin(value) if value is not None else None

        self.last = self.auth.authenticate(transport, ask)
        return self.last.result

    def kinds(self) -> list[tuple[str, str | None]]:
        return [(e.kind, e.code) for e in self.journal.entries()]


def test_staff_card_opens_and_its_backend_session_is_voided(tmp_path: Path, clock: FakeClock) -> None:
    rig = Rig(tmp_path, clock)
    assert rig.attempt("staff") is LoginResult.OK
    assert rig.last.staff_id == "card *****0070" and rig.last.method == "card"
    assert rig.backend.ended == [rig.backend.sessions[-1].token]  # no citizen session stays open
    assert rig.kinds() == [("staff.login", None)]


def test_citizen_card_is_refused_and_counted(tmp_path: Path, clock: FakeClock) -> None:
    rig = Rig(tmp_path, clock)
    assert rig.attempt("citizen") is LoginResult.NOT_STAFF
    assert (rig.last.code, rig.last.tries_left) == ("E-ST-004", 4)
    assert rig.backend.ended == [rig.backend.sessions[-1].token]
    assert rig.kinds() == [("staff.login_failed", "E-ST-004")]


def test_a_staff_card_reported_lost_is_not_a_way_in(tmp_path: Path, clock: FakeClock) -> None:
    lost_staff = [c.model_copy(update={"status": "temporary_loss"}) if c.id == "staff" else c for c in CARDS.cards]
    rig = Rig(tmp_path, clock, CARDS.model_copy(update={"cards": tuple(lost_staff)}))
    assert rig.attempt("staff") is LoginResult.NOT_STAFF
    assert list(rig.journal.entries())[-1].detail["reason"] == "reported_lost"


def test_wrong_pins_count_and_the_lock_stops_the_prompts_before_the_card_blocks(
    tmp_path: Path, clock: FakeClock
) -> None:
    rig = Rig(tmp_path, clock, max_failures=2)
    assert rig.attempt("staff", "000000", "111111", CARDS.by_id("staff").pin) is LoginResult.LOCKED
    assert len(rig.prompts) == 2  # the third prompt never came: the kiosk locked first
    assert rig.virtual is not None and rig.virtual.pin_tries_left == 1  # the card itself is not blocked
    assert rig.kinds() == [("staff.login_failed", "E-ST-002"), ("staff.login_locked", "E-ST-003")]
    prompts_before = len(rig.prompts)
    assert rig.attempt("staff") is LoginResult.LOCKED  # while locked the card is not even read
    assert len(rig.prompts) == prompts_before
    passphrase = PassphraseAuthenticator(
        PasswordHasher(time_cost=1, memory_cost=8192).hash("right passphrase"), rig.state, clock, lock=rig.lock
    )
    assert passphrase.authenticate("right passphrase").result is LoginResult.LOCKED  # one lock for both ways in
    clock.advance(301)
    assert rig.attempt("staff") is LoginResult.OK


def test_backend_down_and_blocked_pin_are_not_counted(tmp_path: Path, clock: FakeClock) -> None:
    rig = Rig(tmp_path, clock, max_failures=1)
    rig.backend.up = False
    assert rig.attempt("staff") is LoginResult.BACKEND_DOWN
    assert rig.last.code == "E-ST-005"
    assert rig.attempt("blocked") is LoginResult.CARD_FAILED
    assert rig.last.code == "pin_blocked"
    assert rig.prompts[-1].card_no == CARDS.by_id("staff").card_no  # the blocked card never asked for a PIN
    assert rig.lock.current("card") is None  # max_failures = 1, yet nothing locked
    assert rig.kinds() == [("staff.login_failed", "E-ST-005"), ("staff.login_failed", "pin_blocked")]
    assert rig.attempt("staff", None) is LoginResult.CANCELLED  # the PIN prompt cancelled: nothing to count
    assert rig.lock.current("card") is None
