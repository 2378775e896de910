"""Whatever a card answers, ``SocialSecurityCard`` returns a checked result or raises a ``CardError`` — never
another exception, never a hang (hypothesis drives a scripted card)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.cardreader.card import SocialSecurityCard
from kiosk.cardreader.errors import CardError
from kiosk.cardreader.models import CardIdentification
from kiosk.cardreader.pin import Pin

STATUS_WORDS = st.one_of(
    st.sampled_from([0x9000, 0x6A82, 0x6A83, 0x6A86, 0x6982, 0x6983, 0x63C2, 0x63C0, 0x6700, 0x6D00, 0x9303]),
    st.integers(0x6100, 0x61FF),
    st.integers(0x6C00, 0x6CFF),
    st.integers(0, 0xFFFF),
)
ANSWERS = st.lists(st.tuples(st.binary(max_size=40), STATUS_WORDS), min_size=1, max_size=60)


class ScriptedCard:
    """A transport that answers from a list, then ``6A83`` forever."""

    def __init__(self, answers: list[tuple[bytes, int]]) -> None:
        self._answers = list(answers)
        self.sent = 0

    @property
    def atr(self) -> bytes:
        return bytes.fromhex("3B6D000000814E43238697640101A2B3C4")

    def connect(self) -> None:
        pass

    def disconnect(self) -> None:
        pass

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent += 1
        assert self.sent < 500, "the reader is looping"
        return self._answers.pop(0) if self._answers else (b"", 0x6A83)


@settings(max_examples=300, deadline=None)
@given(ANSWERS)
def test_any_answers_to_the_reads_end_in_a_result_or_a_card_error(answers: list[tuple[bytes, int]]) -> None:
    card = SocialSecurityCard(ScriptedCard(answers))
    try:
        card.select_ssse()
        ident = card.read_identification(full=True)
        assert isinstance(ident, CardIdentification) and len(ident.card_id) == 16
        card.read_holder(ident, full=True)
    except CardError:
        pass


@settings(max_examples=200, deadline=None)
@given(ANSWERS)
def test_any_answers_to_pin_and_authentication_end_in_a_result_or_a_card_error(
    answers: list[tuple[bytes, int]],
) -> None:
    card = SocialSecurityCard(ScriptedCard(answers))
    try:
        tries = card.pin_tries_left()
        assert tries is None or 1 <= tries <= 15
        card.verify_pin(Pin("802413"))
        assert len(card.get_challenge()) == 8
        assert len(card.internal_authenticate(bytes(16))) == 16
    except CardError as exc:
        assert "802413" not in str(exc) and "80 24 13" not in str(exc)
