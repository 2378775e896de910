"""Identifiers (check characters, masking), SM4 card crypto and the demo-cards file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_backend.cardcrypto import derive_card_key, internal_authenticate, sm4_ecb_encrypt
from kiosk_backend.demo_cards import load_demo_cards
from kiosk_backend.identifiers import (
    card_no_check_char,
    is_valid_card_no,
    is_valid_ssn,
    mask_name,
    mask_phone,
    mask_ssn,
    mask_tail,
    ssn_check_char,
)
from kiosk_backend.settings_files import ConfigError


@pytest.mark.parametrize("ssn", ["111111198101011110", "360426199101010071", "640104198003152314"])
def test_valid_ssns(ssn: str) -> None:
    assert is_valid_ssn(ssn)


@pytest.mark.parametrize("ssn", ["111111198101011111", "11111119810101111", "1111111981010111x", "ABCDEF198101011110"])
def test_invalid_ssns(ssn: str) -> None:
    assert not is_valid_ssn(ssn)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_single_digit_change_breaks_the_check(body: str) -> None:
    ssn = body + ssn_check_char(body)
    assert is_valid_ssn(ssn)
    changed = str((int(body[5]) + 1) % 10)
    assert not is_valid_ssn(body[:5] + changed + body[6:] + ssn[17])


def test_card_number_check() -> None:
    assert is_valid_card_no("X00000019")
    assert card_no_check_char("X0000001") == "9"
    assert not is_valid_card_no("X00000018")
    assert not is_valid_card_no("x00000019")


def test_masking_rules() -> None:
    assert mask_ssn("111111198101011110") == "111111********1110"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("王建国") == "王**"
    assert mask_phone("13909510001") == "139****0001"
    assert mask_tail("A64010016") == "*****0016"


def test_sm4_standard_vector() -> None:
    """GB/T 32907-2016 appendix A example 1."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    assert sm4_ecb_encrypt(key, key).hex().upper() == "681EDF34D206965E86B3E94F536E4246"


def test_card_key_depends_on_the_card() -> None:
    cards = load_demo_cards()
    keys = {derive_card_key(cards.issuer_key, card.atr) for card in cards.cards}
    assert len(keys) == len(cards.cards)
    card = cards.cards[0]
    challenge = bytes(range(16))
    key = derive_card_key(cards.issuer_key, card.atr)
    assert internal_authenticate(key, challenge) != internal_authenticate(key, bytes(16))


def test_demo_cards_file_has_every_kind_the_issues_name() -> None:
    cards = load_demo_cards()
    first = cards.cards[0]
    assert first.status == "normal" and first.role == "citizen" and not first.initial_pin and first.pin_tries_left > 0
    assert any(c.initial_pin for c in cards.cards)
    assert any(c.persona == "retiree" for c in cards.cards)
    assert any(c.status == "temporary_loss" for c in cards.cards)
    assert any(c.status == "formal_loss" for c in cards.cards)
    assert any(c.expires.year < 2026 for c in cards.cards)
    assert any(c.pin_tries_left == 0 for c in cards.cards)
    assert any(c.role == "staff" for c in cards.cards)
    assert {c.profile for c in cards.cards} == {"v2", "v3"}
    assert len({c.atr_serial for c in cards.cards}) == len(cards.cards)
    assert all(len(c.atr) == 17 for c in cards.cards)
    assert all(len(c.name.encode("gbk")) <= 30 for c in cards.cards)


def test_demo_cards_with_a_wrong_check_digit_is_refused(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "config" / "demo-cards.toml").read_text(encoding="utf-8")
    bad = tmp_path / "cards.toml"
    bad.write_text(text.replace('ssn = "640104198003152314"', 'ssn = "640104198003152315"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="check character"):
        load_demo_cards(bad)
