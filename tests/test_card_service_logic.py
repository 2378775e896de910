"""Card services without the UI: one Idempotency-Key per state change across retries, the plain "nothing was done"
when the backend never confirms, the local ID check, the new-PIN rules, and the PIN check after a card was pulled
during CHANGE PIN (against in-process virtual cards and the fake HSM backend)."""

from __future__ import annotations

import pytest

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
from kiosk.cardreader.card import SocialSecurityCard
from kiosk.cardreader.emulator.card import VirtualCard, image_from_demo
from kiosk.cardreader.emulator.inprocess import VirtualReader
from kiosk.cardreader.pin import Pin
from kiosk.services.card_services import LossReport, identity_problem, send_with_one_key
from kiosk.services.login import LoginResult, LoginService, PinPrompt
from kiosk.services.pin_change import PendingPinChecks, PinChanger, PinChangeResult, new_pin_problem
from kiosk_backend.demo_cards import load_demo_cards
from tests.fake_hsm import FakeHsmBackend
from tests.helpers import FakeClock

CARDS = load_demo_cards()
VALID_SSN = CARDS.by_id("citizen").ssn


def test_one_key_is_reused_on_every_retry_then_the_last_error_is_raised() -> None:
    keys: list[str] = []
    sleeps: list[float] = []

    def call(key: str) -> str:
        keys.append(key)
        if len(keys) < 3:
            raise BackendUnavailable("timeout")
        return "done"

    assert send_with_one_key(call, sleeps.append) == "done"
    assert len(keys) == 3 and len(set(keys)) == 1 and len(keys[0]) == 32
    keys.clear()

    def never(key: str) -> str:
        keys.append(key)
        raise BackendUnavailable("down")

    with pytest.raises(BackendUnavailable):
        send_with_one_key(never, sleeps.append)
    assert len(keys) == 4 and len(set(keys)) == 1


def test_a_rejection_is_not_retried() -> None:
    calls = []

    def refused(key: str) -> str:
        calls.append(key)
        raise BackendRejected(409, "card_not_normal", "already lost")

    with pytest.raises(BackendRejected):
        send_with_one_key(refused, lambda _s: None)
    assert len(calls) == 1


def test_identity_is_checked_before_anything_is_sent() -> None:
    assert identity_problem(VALID_SSN, "王建国") is None
    wrong_check = VALID_SSN[:-1] + ("0" if VALID_SSN[-1] != "0" else "1")
    problem = identity_problem(wrong_check, "王建国")
    assert problem is not None and problem.code == "ssn_invalid"
    missing = identity_problem(VALID_SSN, "  ")
    assert missing is not None and missing.code == "name_missing"


class ConfirmNeverAnswers:
    """A backend whose confirm times out every time (the kiosk must say nothing was done, not queue it)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def confirm_loss_report(self, _request: object, idempotency_key: str) -> object:
        self.keys.append(idempotency_key)
        raise BackendUnavailable("timeout")


def test_loss_report_not_confirmed_says_nothing_was_done_and_how_else() -> None:
    from datetime import UTC, datetime

    from kiosk_backend.schemas import LossReportTicket

    backend = ConfirmNeverAnswers()
    flow = LossReport(backend, sleep=lambda _s: None)  # type: ignore[arg-type]
    flow.ticket = LossReportTicket(
        ticket="a" * 32,
        ticket_expires_at=datetime.now(UTC),
        masked_name="王**",
        masked_card_no="****1234",
        card_status="normal",
        loss_expires_at=None,
        temporary_loss_days=15,
    )
    notice = flow.confirm()
    assert notice is not None and notice.code == "E-BK-010"
    assert "没有办理" in notice.body["zh"] and "12333" in notice.body["zh"]
    assert "not done" in notice.body["en"]
    assert len(backend.keys) == 4 and len(set(backend.keys)) == 1
    assert flow.result is None


@pytest.mark.parametrize(
    ("new", "repeat", "code"),
    [
        ("123456", "123456", "pin_weak"),
        ("777777", "777777", "pin_weak"),
        ("456789", "456789", "pin_weak"),
        ("987654", "987654", "pin_weak"),
        ("802413", "802413", "pin_same"),
        ("395172", "395173", "pin_mismatch"),
    ],
)
def test_new_pin_rules(new: str, repeat: str, code: str) -> None:
    problem = new_pin_problem(Pin("802413"), Pin(new), Pin(repeat))
    assert problem is not None and problem.code == code
    assert new == "123456" or new not in str(problem)  # the PIN is not quoted back (123456 is in the rule's text)


def test_a_good_new_pin_passes() -> None:
    assert new_pin_problem(Pin("802413"), Pin("395172"), Pin("395172")) is None


def _logged_in(
    card_id: str, clock: FakeClock, checks: PendingPinChecks
) -> tuple[VirtualReader, VirtualCard, LoginResult]:
    virtual = VirtualCard(image_from_demo(CARDS.by_id(card_id), CARDS.issuer_key))
    reader = VirtualReader()
    reader.insert(virtual)
    transport = reader.open()
    transport.connect()
    service = LoginService(FakeHsmBackend(CARDS, clock), clock, pin_check=checks)
    result = service.login(transport, lambda _p: Pin(CARDS.by_id(card_id).pin))
    return reader, virtual, result


@pytest.mark.parametrize("processed", [True, False])
def test_card_pulled_during_change_pin_keeps_one_pin_and_the_kiosk_finds_out_which(processed: bool) -> None:
    clock = FakeClock()
    checks = PendingPinChecks(clock)
    old, new = CARDS.by_id("citizen").pin, "395172"
    reader, virtual, result = _logged_in("citizen", clock, checks)
    changer = PinChanger(result.card, result.session, checks)
    reader.pull_during_next(processed=processed)
    outcome = changer.change(Pin(old), Pin(new))
    assert outcome.result is PinChangeResult.UNCERTAIN
    assert virtual.pin_is(new) is processed and virtual.pin_is(old) is not processed
    assert "Pin(" not in repr(checks) and old not in repr(checks)

    reader.insert(virtual)  # the card comes back: the login resolves before asking for the PIN
    prompts: list[PinPrompt] = []
    service = LoginService(FakeHsmBackend(CARDS, clock), clock, pin_check=checks)
    transport = reader.open()
    transport.connect()

    def ask(prompt: PinPrompt) -> Pin:
        prompts.append(prompt)
        return Pin(new if processed else old)

    service.login(transport, ask)
    assert prompts[0].note is not None
    assert prompts[0].note["code"] == ("new_pin_valid" if processed else "old_pin_valid")
    assert virtual.pin_tries_left == CARDS.by_id("citizen").pin_try_limit  # the check cost no try
    assert not checks.has(CARDS.by_id("citizen").card_no)  # asked once, then forgotten


def test_a_pending_check_is_forgotten_after_its_time() -> None:
    clock = FakeClock()
    checks = PendingPinChecks(clock, keep_s=60)
    checks.remember("X1234567", Pin("802413"), Pin("395172"))
    assert checks.has("X1234567")
    clock.advance(61)
    assert not checks.has("X1234567")
    checks.forget_expired()
    assert "0 pending" in repr(checks)


def test_successful_change_ends_the_initial_pin_gate() -> None:
    clock = FakeClock()
    checks = PendingPinChecks(clock)
    _reader, virtual, result = _logged_in("initial-pin", clock, checks)
    session = result.session
    assert session.must_change_pin
    outcome = PinChanger(result.card, session, checks).change(Pin("123456"), Pin("395172"))
    assert outcome.result is PinChangeResult.CHANGED and not session.must_change_pin
    assert virtual.pin_is("395172")
    assert isinstance(result.card, SocialSecurityCard)
