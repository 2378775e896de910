"""The login use case and the session state machine, against in-process virtual cards and the fake HSM backend:
every demo card, wrong PIN, cancel, replayed/expired challenges, and the card pulled before every APDU."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from kiosk.cardreader.emulator.card import VirtualCard, image_from_demo
from kiosk.cardreader.emulator.inprocess import VirtualReader
from kiosk.cardreader.errors import CardRemoved, PinBlocked
from kiosk.cardreader.pin import Pin
from kiosk.services.login import LoginCancelled, LoginRefused, LoginResult, LoginService, PinPrompt
from kiosk.session import EndReason, SessionError, SessionState
from kiosk_backend.demo_cards import load_demo_cards
from tests.fake_hsm import FakeHsmBackend
from tests.helpers import FakeClock

CARDS = load_demo_cards()
LOGIN_APDUS = {"v2": 11, "v3": 12}  # SELECT, EF05 ×4, PIN status, VERIFY, EF06 ×2 (+4E on v3), INT AUTH ×2


class Pins:
    """An ``ask_pin`` that answers from a list and records the prompts."""

    def __init__(self, *pins: str | None) -> None:
        self._pins = list(pins)
        self.prompts: list[PinPrompt] = []

    def __call__(self, prompt: PinPrompt) -> Pin | None:
        self.prompts.append(prompt)
        value = self._pins.pop(0)
        return Pin(value) if value is not None else None


@pytest.fixture
def backend(clock: FakeClock) -> FakeHsmBackend:
    return FakeHsmBackend(CARDS, clock)


@pytest.fixture
def service(backend: FakeHsmBackend, clock: FakeClock) -> LoginService:
    return LoginService(backend, clock, hard_limit_s=600)


def insert(card_id: str) -> tuple[VirtualReader, VirtualCard]:
    virtual = VirtualCard(image_from_demo(CARDS.by_id(card_id), CARDS.issuer_key))
    reader = VirtualReader()
    reader.insert(virtual)
    return reader, virtual


def login(service: LoginService, reader: VirtualReader, ask: Pins) -> LoginResult:
    transport = reader.open()
    transport.connect()
    return service.login(transport, ask)


@pytest.mark.parametrize("card_id", ["citizen", "retiree", "staff"])
def test_ordinary_logins(service: LoginService, card_id: str) -> None:
    demo = CARDS.by_id(card_id)
    reader, _ = insert(card_id)
    ask = Pins(demo.pin)
    result = login(service, reader, ask)
    session = result.session
    assert session.state is SessionState.AUTHENTICATED and session.active
    assert session.holder is not None and session.holder.name == demo.name
    assert session.card_session is not None and session.card_session.role == demo.role
    assert not session.restricted and not session.must_change_pin and session.reminders == []
    assert ask.prompts == [PinPrompt(demo.pin_tries_left, card_no=demo.card_no)]
    assert result.card.apdu_count == LOGIN_APDUS[demo.profile]
    session.require_state_change()


def test_initial_pin_flags_the_session(service: LoginService) -> None:
    reader, _ = insert("initial-pin")
    session = login(service, reader, Pins("123456")).session
    assert session.must_change_pin
    session.require_queries()
    with pytest.raises(SessionError) as caught:
        session.require_state_change()
    assert caught.value.code == "pin_change_required"
    session.pin_changed()
    session.require_state_change()


def test_lost_card_gets_an_unlock_only_session(service: LoginService) -> None:
    reader, _ = insert("lost")
    session = login(service, reader, Pins("570913")).session
    assert session.restricted and [r.code for r in session.reminders] == ["reported_lost"]
    session.require_unlock()
    with pytest.raises(SessionError, match="card_reported_lost"):
        session.require_queries()


def test_expired_card_logs_in_with_a_reminder(service: LoginService) -> None:
    reader, _ = insert("expired")
    session = login(service, reader, Pins("918273")).session
    assert session.card_expired and [r.code for r in session.reminders] == ["card_expired"]
    session.require_queries()


def test_blocked_pin_stops_before_asking(service: LoginService) -> None:
    reader, _ = insert("blocked")
    ask = Pins()
    with pytest.raises(PinBlocked) as caught:
        login(service, reader, ask)
    assert ask.prompts == []
    assert caught.value.message("zh") == "密码已锁定，请到窗口办理解锁"


def test_formally_lost_card_is_refused(service: LoginService) -> None:
    reader, _ = insert("formal-loss")
    with pytest.raises(LoginRefused) as caught:
        login(service, reader, Pins("741852"))
    assert caught.value.code == "card_cancelled"


def test_wrong_pin_then_right_pin_and_countdown_to_blocked(service: LoginService) -> None:
    reader, virtual = insert("citizen")
    ask = Pins("111111", "802413")
    login(service, reader, ask)
    assert [p.tries_left for p in ask.prompts] == [3, 2]
    assert ask.prompts[1].wrong is not None and ask.prompts[1].wrong.message("zh") == "密码错误，还可尝试 2 次"
    assert virtual.pin_tries_left == 3
    reader.insert(virtual)
    ask = Pins("111111", "222222", "333333")
    with pytest.raises(PinBlocked):
        login(service, reader, ask)
    assert [p.tries_left for p in ask.prompts] == [3, 2, 1]
    reader.insert(virtual)
    with pytest.raises(PinBlocked):
        login(service, reader, Pins())


def test_cancel_at_the_pin_prompt(service: LoginService) -> None:
    reader, virtual = insert("citizen")
    with pytest.raises(LoginCancelled):
        login(service, reader, Pins(None))
    assert virtual.pin_tries_left == 3


def test_a_wrong_cryptogram_a_replay_and_a_stale_challenge_are_refused(
    backend: FakeHsmBackend, clock: FakeClock, service: LoginService
) -> None:
    from kiosk.cardreader.card import SocialSecurityCard
    from kiosk_backend.schemas import CardChallengeRequest, CardSessionRequest

    demo = CARDS.by_id("citizen")
    reader, _ = insert("citizen")
    transport = reader.open()
    transport.connect()
    card = SocialSecurityCard(transport)
    card.select_ssse()
    ident = card.read_identification()
    request = CardChallengeRequest(card_id=ident.card_id.hex().upper(), atr=card.atr.hex().upper())

    def attempt(challenge_id: str, cryptogram: bytes) -> None:
        backend.open_card_session(
            CardSessionRequest(
                challenge_id=challenge_id, cryptogram=cryptogram.hex().upper(), ssn=demo.ssn, card_no=demo.card_no
            )
        )

    from kiosk.backend_client.protocol import BackendRejected

    challenge = backend.card_challenge(request)
    with pytest.raises(BackendRejected, match="card_not_genuine"):
        attempt(challenge.challenge_id, bytes(16))
    challenge = backend.card_challenge(request)
    good = card.internal_authenticate(bytes.fromhex(challenge.challenge))
    attempt(challenge.challenge_id, good)
    with pytest.raises(BackendRejected, match="challenge_unknown"):
        attempt(challenge.challenge_id, good)
    challenge = backend.card_challenge(request)
    good = card.internal_authenticate(bytes.fromhex(challenge.challenge))
    clock.advance(61)
    with pytest.raises(BackendRejected, match="challenge_expired"):
        attempt(challenge.challenge_id, good)


def test_session_ends_on_hard_limit_token_expiry_and_removal(service: LoginService, clock: FakeClock) -> None:
    reader, virtual = insert("citizen")
    session = login(service, reader, Pins("802413")).session
    clock.advance(599)
    assert session.active
    clock.advance(2)
    assert not session.active and session.end_reason is EndReason.HARD_LIMIT
    assert session.holder is None and session.card_session is None and session.identification is None
    with pytest.raises(SessionError, match="session_ended"):
        session.require_queries()
    reader.insert(virtual)
    session = LoginService(service._backend, clock, hard_limit_s=3600).login(_connected(reader), Pins("802413")).session
    clock.advance(15 * 60)
    assert not session.active and session.end_reason is EndReason.TOKEN_EXPIRED
    reader.insert(virtual)
    session = login(service, reader, Pins("802413")).session
    session.end(EndReason.CARD_REMOVED)
    session.end(EndReason.LOGOUT)
    assert session.end_reason is EndReason.CARD_REMOVED and "王" not in repr(session)


def _connected(reader: VirtualReader) -> object:
    transport = reader.open()
    transport.connect()
    return transport


@pytest.mark.parametrize("card_id", ["citizen", "initial-pin"])
def test_card_pulled_before_every_apdu_of_the_login(service: LoginService, card_id: str) -> None:
    demo = CARDS.by_id(card_id)
    reader, virtual = insert(card_id)
    for position in range(LOGIN_APDUS[demo.profile]):
        reader.insert(virtual)
        transport = reader.open()
        transport.connect()
        reader.remove_after(position)
        with pytest.raises(CardRemoved) as caught:
            service.login(transport, Pins(demo.pin))
        assert caught.value.message("zh") == "卡片已拔出"
        assert virtual.pin_is(demo.pin) and virtual.pin_tries_left == demo.pin_tries_left
    reader.insert(virtual)
    assert login(service, reader, Pins(demo.pin)).session.active


def test_card_pulled_before_every_apdu_of_login_and_pin_change_never_half_changes(service: LoginService) -> None:
    reader, virtual = insert("initial-pin")
    steps = LOGIN_APDUS["v2"] + 1  # the login, then CHANGE PIN
    for position in range(steps + 1):
        virtual.image.pin_bcd = bytes.fromhex("123456")
        reader.insert(virtual)
        transport = reader.open()
        transport.connect()
        if position < steps:
            reader.remove_after(position)
        try:
            result = service.login(transport, Pins("123456"))
            result.card.change_pin(Pin("123456"), Pin("135790"))
        except CardRemoved:
            assert position < steps
            assert virtual.pin_is("123456")  # pulled before CHANGE PIN reached the card: unchanged
        else:
            assert position == steps and virtual.pin_is("135790")
        assert virtual.pin_tries_left == 3


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_the_pin_appears_nowhere(
    service: LoginService, backend: FakeHsmBackend, debug_logs: pytest.LogCaptureFixture
) -> None:
    reader, virtual = insert("initial-pin")
    secret, new = "123456", "975318"
    errors: list[str] = []
    try:
        login(service, reader, Pins("864209", secret))
        reader.insert(virtual)
        result = login(service, reader, Pins(secret))
        result.card.change_pin(Pin(secret), Pin(new))
        reader.insert(virtual)
        login(service, reader, Pins("864209", "864209", "864209"))
    except PinBlocked as exc:
        errors += [str(exc), repr(exc), exc.message("zh"), exc.message("en")]
    assert errors, "the last login should end blocked"
    written = "\n".join([debug_logs.text, *errors, *(repr(r) for r in backend.requests)])
    assert "> 00 20 00 00 03 ** ** **" in written  # the trace is there, masked
    for pin in (secret, new, "864209"):
        for form in (pin, f"{pin[:2]} {pin[2:4]} {pin[4:]}", f"{pin[:2]}{pin[2:4]}"):
            assert form not in written, form


def test_demo_mode_in_process_monitor_drives_a_login(service: LoginService) -> None:
    from kiosk.cardreader.emulator.card import virtual_cards
    from kiosk.cardreader.emulator.inprocess import InProcessMonitor

    heard: list[tuple[str, ...]] = []

    class Listener:
        def reader_attached(self, reader: str) -> None:
            heard.append(("attached", reader))

        def reader_detached(self, reader: str) -> None:
            heard.append(("detached", reader))

        def card_inserted(self, reader: str, atr: bytes) -> None:
            heard.append(("inserted", atr.hex()))

        def card_removed(self, reader: str) -> None:
            heard.append(("removed", reader))

        def service_changed(self, available: bool) -> None:
            heard.append(("service", str(available)))

    reader = VirtualReader()
    monitor = InProcessMonitor(reader, Listener())
    monitor.start()
    first = virtual_cards(CARDS)[0]  # F2 inserts the cards in file order
    reader.insert(first)
    assert monitor.readers() == {reader.name: True}
    transport = monitor.open(reader.name)
    transport.connect()
    assert service.login(transport, Pins(CARDS.cards[0].pin)).session.active
    reader.remove()
    assert heard == [
        ("service", "True"),
        ("attached", reader.name),
        ("inserted", first.atr.hex()),
        ("removed", reader.name),
    ]
