"""Record codec and EF05/EF06 parsing: the CARD_SPEC §8 test vector, padding rules and malformed data (hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.cardreader.apdu import change_pin, describe_apdu, verify
from kiosk.cardreader.codec import decode_bcd, decode_date, decode_text, encode_tlv, parse_tlv
from kiosk.cardreader.errors import CardDataInvalid, InvalidIdentity, PinFormatError, WeakPin
from kiosk.cardreader.models import parse_ef05, parse_ef06
from kiosk.cardreader.pin import Pin

VECTOR_EF05 = {
    0x01: encode_tlv(0x01, bytes.fromhex("639900D15600000500BF7C7A48FB4966")),
    0x03: encode_tlv(0x03, b"1.00"),
    0x05: encode_tlv(0x05, bytes.fromhex("20101001")),
    0x06: encode_tlv(0x06, bytes.fromhex("20201001")),
    0x07: encode_tlv(0x07, b"X00000019"),
}
VECTOR_EF06 = {
    0x08: encode_tlv(0x08, b"111111198101011110"),
    0x09: encode_tlv(0x09, bytes.fromhex("D5C5C8FD").ljust(30, b"\x00")),
    0x4E: encode_tlv(0x4E, bytes(20)),
    0x0A: encode_tlv(0x0A, b"1"),
    0x0D: encode_tlv(0x0D, bytes.fromhex("19810101")),
}


def test_the_national_test_vector_parses() -> None:
    ident = parse_ef05(VECTOR_EF05)
    assert ident.region == "639900"
    assert ident.serial == bytes.fromhex("00BF7C7A")
    assert (ident.version, ident.card_no) == ("1.00", "X00000019")
    assert (ident.issued, ident.expires) == (date(2010, 10, 1), date(2020, 10, 1))
    assert ident.is_expired(date(2026, 1, 1)) and not ident.is_v3
    holder = parse_ef06(VECTOR_EF06)
    assert (holder.ssn, holder.name, holder.sex, holder.birth_date) == (
        "111111198101011110",
        "张三",
        "1",
        date(1981, 1, 1),
    )
    assert "张三" not in repr(holder) and "111111198101011110" not in repr(holder)
    assert "X00000019" not in repr(ident)


def test_name_extension_is_joined_and_gb18030_is_accepted() -> None:
    records = dict(VECTOR_EF06)
    records[0x09] = encode_tlv(0x09, "欧阳".encode("gb18030").ljust(30, b"\x00"))
    records[0x4E] = encode_tlv(0x4E, "䶮".encode("gb18030").ljust(20, b"\x00"))  # outside GBK, inside GB18030
    assert parse_ef06(records).name == "欧阳䶮"


def test_bcd_padding_and_dates() -> None:
    assert decode_bcd(bytes.fromhex("640100FF"), "x") == "640100"
    assert decode_bcd(bytes.fromhex("12345F"), "x") == "12345"
    for bad in ("1A", "F1", "12F3"):
        with pytest.raises(CardDataInvalid):
            decode_bcd(bytes.fromhex(bad), "x")
    with pytest.raises(CardDataInvalid, match="not a valid date"):
        decode_date(bytes.fromhex("20211301"), "x")


def test_wrong_id_check_digit_is_refused_with_a_clear_error() -> None:
    records = dict(VECTOR_EF06)
    records[0x08] = encode_tlv(0x08, b"111111198101011111")
    with pytest.raises(InvalidIdentity) as caught:
        parse_ef06(records)
    assert caught.value.code == "invalid_identity"
    assert "校验" in caught.value.message("zh") and "check" in caught.value.message("en")


def test_pin_never_shows_its_digits() -> None:
    pin = Pin("802413")
    assert "802413" not in f"{pin} {pin!r} {pin!s} {[pin]}"
    assert pin.to_bcd() == bytes.fromhex("802413")
    assert "80 24 13" not in describe_apdu(verify(pin).to_bytes())
    assert describe_apdu(verify(pin).to_bytes()) == "00 20 00 00 03 ** ** **"
    assert "80 24 13" not in repr(change_pin(pin, Pin("135790")))
    with pytest.raises(PinFormatError) as caught:
        Pin("80241x")
    assert "80241" not in str(caught.value)
    for weak in ("123456", "654321", "000000", "345678"):
        with pytest.raises(WeakPin):
            Pin(weak).check_strength()
    Pin("135790").check_strength()


# ------------------------------------------------------------------ malformed records (hypothesis)
@given(st.binary(max_size=40), st.integers(0, 255))
def test_any_tlv_either_parses_exactly_or_is_refused(record: bytes, tag: int) -> None:
    try:
        value = parse_tlv(record, tag)
    except CardDataInvalid:
        return
    assert record == bytes((tag, len(value))) + value


@given(st.integers(1, 17))
def test_truncated_ef05_records_are_refused(cut: int) -> None:
    records = dict(VECTOR_EF05)
    records[0x01] = records[0x01][:-cut]
    with pytest.raises(CardDataInvalid):
        parse_ef05(records)


@given(st.sampled_from([0x01, 0x05, 0x06]), st.integers(1, 6))
def test_wrong_lengths_are_refused(tag: int, extra: int) -> None:
    records = dict(VECTOR_EF05)
    value = parse_tlv(records[tag], tag)
    records[tag] = encode_tlv(tag, value + bytes(extra))
    with pytest.raises(CardDataInvalid):
        parse_ef05(records)


@given(st.binary(min_size=4, max_size=4).filter(lambda b: not b.hex().rstrip("f").isdigit()))
def test_bad_bcd_dates_are_refused(raw: bytes) -> None:
    records = dict(VECTOR_EF05)
    records[0x06] = encode_tlv(0x06, raw)
    with pytest.raises(CardDataInvalid):
        parse_ef05(records)


def _invalid_gb18030(raw: bytes) -> bool:
    try:
        raw.rstrip(b"\x00\xff ").decode("gb18030")
    except UnicodeDecodeError:
        return True
    return False


@given(st.binary(min_size=1, max_size=30).filter(_invalid_gb18030))
def test_invalid_gbk_names_are_refused(raw: bytes) -> None:
    records = dict(VECTOR_EF06)
    records[0x09] = encode_tlv(0x09, raw)
    with pytest.raises(CardDataInvalid, match="GBK"):
        parse_ef06(records)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_ids_with_a_wrong_check_character_never_parse(body: str, check: str) -> None:
    from kiosk_backend.identifiers import ssn_check_char

    records = dict(VECTOR_EF06)
    records[0x08] = encode_tlv(0x08, (body + check).encode())
    if check == ssn_check_char(body):
        assert parse_ef06(records).ssn == body + check
    else:
        with pytest.raises(InvalidIdentity):
            parse_ef06(records)


def test_text_padding_rules() -> None:
    assert decode_text(b"2.00", "v", 4) == "2.00"
    assert decode_text("张三".encode("gbk") + b"\x00" * 26, "n", 30) == "张三"
    assert decode_text(bytes(20), "ext", 20) == ""
    with pytest.raises(CardDataInvalid):
        decode_text(b"ab\x01c", "n", 30)
