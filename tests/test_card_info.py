"""``kiosk card-info``'s reading, against in-process virtual cards: masked output, v3 PIN rule, blocked card."""

from __future__ import annotations

import json

import pytest

from kiosk.cardreader.emulator.card import VirtualCard, image_from_demo
from kiosk.cardreader.emulator.inprocess import VirtualReader
from kiosk.cardreader.errors import NoCard, ReaderUnavailable, WrongPin
from kiosk.cardreader.pin import Pin
from kiosk.cardreader.transport import CardTransport
from kiosk.services.card_info import first_reader_with_card, read_card_info
from kiosk_backend.demo_cards import load_demo_cards

CARDS = load_demo_cards()


def transport_for(card_id: str) -> CardTransport:
    reader = VirtualReader()
    reader.insert(VirtualCard(image_from_demo(CARDS.by_id(card_id), CARDS.issuer_key)))
    transport = reader.open()
    transport.connect()
    return transport


def test_v2_card_shows_the_holder_masked_without_a_pin() -> None:
    asked: list[bool] = []
    info = read_card_info(transport_for("retiree"), lambda: asked.append(True) or None)
    assert asked == []
    assert info["holder"] == {"ssn": "640302********1519", "name": "马**", "sex": "1", "ethnic": "03"}
    assert info["card"]["card_no"] == "*****0033" and info["card"]["version"] == "2.00"
    assert info["pin"] == {"tries_left": 6, "blocked": False}
    text = json.dumps(info, ensure_ascii=False)
    assert "马福海" not in text and "640302195809091519" not in text and "A64030033" not in text


def test_v3_card_needs_the_pin_for_the_holder() -> None:
    assert read_card_info(transport_for("citizen"), lambda: None)["holder"] is None
    info = read_card_info(transport_for("citizen"), lambda: Pin("802413"))
    assert info["holder"]["name"] == "王**"
    with pytest.raises(WrongPin):
        read_card_info(transport_for("citizen"), lambda: Pin("000000"))


def test_blocked_card_is_not_asked_for_a_pin() -> None:
    info = read_card_info(transport_for("blocked"), lambda: pytest.fail("asked for a PIN"))
    assert info["pin"]["blocked"] and info["holder"] is None


def test_first_reader_with_a_card() -> None:
    empty, full = VirtualReader(), VirtualReader()
    full.insert(VirtualCard(image_from_demo(CARDS.cards[0], CARDS.issuer_key)))
    readers = {"a": empty, "b": full}
    transport = first_reader_with_card(["a", "b"], lambda name: readers[name].open())
    assert transport.atr == CARDS.cards[0].atr
    with pytest.raises(NoCard):
        first_reader_with_card(["a"], lambda name: readers[name].open())
    with pytest.raises(ReaderUnavailable):
        first_reader_with_card([], lambda name: readers[name].open())
