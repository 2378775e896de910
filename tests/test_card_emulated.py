"""``SocialSecurityCard`` against the in-process virtual card: every demo card, both profiles, PIN rules, crypto,
T=0 behaviour and the tolerance rules of CARD_SPEC §7 (quirky cards)."""

from __future__ import annotations

import pytest

from kiosk.cardreader.card import SocialSecurityCard
from kiosk.cardreader.emulator.card import Quirks, VirtualCard, card_identifier, image_from_demo
from kiosk.cardreader.emulator.inprocess import VirtualReader
from kiosk.cardreader.errors import CardRemoved, PinBlocked, SecurityStatusNotSatisfied, WeakPin, WrongPin
from kiosk.cardreader.pin import Pin
from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate
from kiosk_backend.demo_cards import DemoCard, load_demo_cards

CARDS = load_demo_cards()


def open_card(card_id: str, quirks: Quirks | None = None) -> tuple[SocialSecurityCard, VirtualCard, VirtualReader]:
    virtual = VirtualCard(image_from_demo(CARDS.by_id(card_id), CARDS.issuer_key), quirks)
    reader = VirtualReader()
    reader.insert(virtual)
    transport = reader.open()
    transport.connect()
    return SocialSecurityCard(transport), virtual, reader


@pytest.mark.parametrize("demo", CARDS.cards, ids=lambda c: c.id)
def test_every_demo_card_reads_back_what_it_was_personalised_with(demo: DemoCard) -> None:
    card, _, _ = open_card(demo.id)
    card.select_ssse()
    ident = card.read_identification(full=True)
    assert ident.card_no == demo.card_no
    assert ident.expires == demo.expires
    assert ident.is_v3 == (demo.profile == "v3")
    assert ident.serial == demo.atr[-4:]
    key = derive_card_key(CARDS.issuer_key, demo.atr)
    assert ident.card_id == card_identifier(demo.region, demo.atr[-4:], key)
    if demo.pin_tries_left == 0:
        with pytest.raises(PinBlocked):
            card.pin_tries_left()
        return
    if demo.profile == "v3":
        with pytest.raises(SecurityStatusNotSatisfied):
            card.read_holder(ident)
    assert card.pin_tries_left() == demo.pin_tries_left
    card.verify_pin(Pin(demo.pin))
    holder = card.read_holder(ident, full=True)
    assert (holder.ssn, holder.name, holder.sex) == (demo.ssn, demo.name, demo.sex)
    assert holder.birth_date == demo.birth_date
    challenge = bytes(range(16))
    assert card.internal_authenticate(challenge) == internal_authenticate(key, challenge)


def test_v2_holder_is_free_to_read() -> None:
    card, _, _ = open_card("initial-pin")
    card.select_ssse()
    assert card.read_holder(card.read_identification()).name == "李秀英"


def test_wrong_pin_counts_down_to_blocked_and_blocked_refuses_the_right_pin() -> None:
    card, virtual, _ = open_card("citizen")
    card.select_ssse()
    with pytest.raises(WrongPin) as first:
        card.verify_pin(Pin("000001"))
    assert first.value.tries_left == 2 and first.value.message("zh") == "密码错误，还可尝试 2 次"
    card.verify_pin(Pin("802413"))  # a right PIN resets the counter
    assert card.pin_tries_left() is None  # verified
    for left in (2, 1):
        with pytest.raises(WrongPin) as caught:
            card.verify_pin(Pin("000001"))
        assert caught.value.tries_left == left
    with pytest.raises(PinBlocked):
        card.verify_pin(Pin("000001"))
    for attempt in (lambda: card.verify_pin(Pin("802413")), card.pin_tries_left):
        with pytest.raises(PinBlocked) as blocked:
            attempt()
        assert blocked.value.message("zh") == "密码已锁定，请到窗口办理解锁"
    with pytest.raises(PinBlocked):
        card.change_pin(Pin("802413"), Pin("135790"))
    assert virtual.pin_is("802413")


def test_change_pin() -> None:
    card, virtual, _ = open_card("initial-pin")
    card.select_ssse()
    with pytest.raises(WeakPin):
        card.change_pin(Pin("123456"), Pin("111111"))
    with pytest.raises(WrongPin):
        card.change_pin(Pin("654320"), Pin("135790"))
    card.change_pin(Pin("123456"), Pin("135790"))
    assert virtual.pin_is("135790") and virtual.pin_tries_left == 3
    card.verify_pin(Pin("135790"))


def test_get_challenge_is_random() -> None:
    card, _, _ = open_card("citizen")
    card.select_ssse()
    assert card.get_challenge() != card.get_challenge()


def test_login_reads_cost_the_fewest_apdus() -> None:
    card, _, _ = open_card("citizen")
    card.select_ssse()  # 1 (61xx FCI left unread)
    ident = card.read_identification()  # 4 tags, answered directly (Le=00)
    card.pin_tries_left()  # 1
    card.verify_pin(Pin("802413"))  # 1
    card.read_holder(ident)  # 08, 09, 4E
    card.internal_authenticate(bytes(16))  # 61 10 + GET RESPONSE
    assert card.apdu_count == 1 + 4 + 1 + 1 + 3 + 2


@pytest.mark.parametrize(
    "quirks",
    [Quirks(no_read_by_tag=True), Quirks(needs_mf_first=True), Quirks(le_zero_6c=True), Quirks(True, True, True)],
    ids=["by-record", "mf-first", "6Cxx", "all"],
)
def test_quirky_cards_are_read_through_the_fallbacks(quirks: Quirks) -> None:
    card, _, _ = open_card("retiree", quirks)
    card.select_ssse()
    ident = card.read_identification(full=True)
    card.verify_pin(Pin("369258"))
    holder = card.read_holder(ident, full=True)
    assert (ident.card_no, holder.name, holder.ethnic, holder.birthplace) == ("A64030033", "马福海", "03", "640302")


def test_quirky_v3_card_by_record_finds_the_name_extension_third() -> None:
    card, _, _ = open_card("staff", Quirks(no_read_by_tag=True))
    card.select_ssse()
    ident = card.read_identification()
    card.verify_pin(Pin("285714"))
    assert card.read_holder(ident, full=True).name == "赵敏"


def test_a_pulled_card_ends_the_operation_and_a_reinserted_one_needs_a_new_connection() -> None:
    card, virtual, reader = open_card("citizen")
    card.select_ssse()
    reader.remove()
    with pytest.raises(CardRemoved) as caught:
        card.read_identification()
    assert caught.value.message("en") == "The card was removed."
    reader.insert(virtual)
    with pytest.raises(CardRemoved):
        card.read_identification()
