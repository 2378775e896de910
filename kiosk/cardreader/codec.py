"""Record codec of CARD_SPEC §2: one TLV per record, packed BCD (*cn*), GBK text (*an*), padding rules of §7."""

from __future__ import annotations

from datetime import date

from kiosk.cardreader.errors import CardDataInvalid


def parse_tlv(record: bytes, tag: int) -> bytes:
    """The value of a one-TLV record; the tag must be ``tag`` and the length byte must match exactly."""
    if len(record) < 2:
        raise CardDataInvalid(f"record {tag:02X} is truncated ({len(record)} bytes)")
    if record[0] != tag:
        raise CardDataInvalid(f"expected tag {tag:02X}, found {record[0]:02X}")
    length = record[1]
    if len(record) - 2 != length:
        raise CardDataInvalid(f"record {tag:02X} says {length} bytes but holds {len(record) - 2}")
    return record[2:]


def encode_tlv(tag: int, value: bytes) -> bytes:
    """Tag ‖ length ‖ value (values up to 255 bytes)."""
    if len(value) > 0xFF:
        raise ValueError("a record value is at most 255 bytes")
    return bytes((tag, len(value))) + value


def expect_length(value: bytes, size: int, what: str) -> bytes:
    """Reject a value of the wrong size."""
    if len(value) != size:
        raise CardDataInvalid(f"{what} is {len(value)} bytes, expected {size}")
    return value


def decode_bcd(value: bytes, what: str) -> str:
    """Packed BCD right-padded with ``F`` nibbles → the digits; any other nibble is an error."""
    nibbles = value.hex().upper()
    digits = nibbles.rstrip("F")
    if not digits.isdigit():
        raise CardDataInvalid(f"{what} is not packed BCD")
    return digits


def encode_bcd(digits: str, size: int) -> bytes:
    """Digits → packed BCD of ``size`` bytes, right-padded with ``F``."""
    if not digits.isdigit() or len(digits) > size * 2:
        raise ValueError(f"cannot encode {digits!r} in {size} BCD bytes")
    return bytes.fromhex(digits.ljust(size * 2, "F"))


def decode_date(value: bytes, what: str) -> date:
    """4 BCD bytes ``YYYYMMDD`` → a date."""
    digits = decode_bcd(expect_length(value, 4, what), what)
    if len(digits) != 8:
        raise CardDataInvalid(f"{what} is not a full date")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise CardDataInvalid(f"{what} is not a valid date") from None


def encode_date(day: date) -> bytes:
    """A date → 4 BCD bytes."""
    return encode_bcd(day.strftime("%Y%m%d"), 4)


def strip_padding(value: bytes) -> bytes:
    """Right padding of *an* fields: ``00`` (and the ``FF`` / space some issuers use)."""
    return value.rstrip(b"\x00\xff ")


def decode_text(value: bytes, what: str, max_size: int) -> str:
    """*an* text: GB18030 (a superset of GBK), padding stripped; control characters or invalid bytes are errors."""
    if len(value) > max_size:
        raise CardDataInvalid(f"{what} is {len(value)} bytes, at most {max_size}")
    raw = strip_padding(value)
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise CardDataInvalid(f"{what} is not valid GBK/GB18030 text") from None
    if any(not ch.isprintable() for ch in text):
        raise CardDataInvalid(f"{what} contains control characters")
    return text


def encode_text(text: str, size: int) -> bytes:
    """Text → GBK, right-padded with ``00`` to ``size`` bytes."""
    raw = text.encode("gbk")
    if len(raw) > size:
        raise ValueError(f"{text!r} does not fit in {size} bytes")
    return raw.ljust(size, b"\x00")
