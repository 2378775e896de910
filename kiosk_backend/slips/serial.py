"""查询流水号: 22 digits = region code (6) ‖ issue date YYYYMMDD (8) ‖ daily sequence (8) (SLIP_SPEC §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

SERIAL_LENGTH = 22
MAX_SEQUENCE = 99_999_999
_SERIAL = re.compile(r"^(\d{6})(\d{8})(\d{8})$")


class SerialError(ValueError):
    """A serial that does not follow the 22-digit rule."""


@dataclass(frozen=True)
class Serial:
    """The three parts of a serial."""

    region_code: str
    issue_date: date
    sequence: int

    def __str__(self) -> str:
        return f"{self.region_code}{self.issue_date:%Y%m%d}{self.sequence:08d}"


def serial_prefix(region_code: str, issue_date: date) -> str:
    """The first 14 digits every serial of this region and day starts with."""
    if not (len(region_code) == 6 and region_code.isdigit()):
        raise SerialError("region code must be 6 digits")
    return f"{region_code}{issue_date:%Y%m%d}"


def format_serial(region_code: str, issue_date: date, sequence: int) -> str:
    """The serial of the ``sequence``-th slip (1-based) of a region and day."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise SerialError("daily sequence out of range")
    return f"{serial_prefix(region_code, issue_date)}{sequence:08d}"


def next_serial(region_code: str, issue_date: date, last_serial: str | None) -> str:
    """Allocation rule: one more than the day's highest serial, or sequence 1 for the day's first slip."""
    prefix = serial_prefix(region_code, issue_date)
    if last_serial is None:
        return format_serial(region_code, issue_date, 1)
    last = parse_serial(last_serial)
    if str(last)[:14] != prefix:
        raise SerialError("last serial belongs to another region or day")
    return format_serial(region_code, issue_date, last.sequence + 1)


def normalise_serial(text: str) -> str:
    """What a person typed, without spaces and dashes."""
    return re.sub(r"[\s\-]", "", text)


def parse_serial(text: str) -> Serial:
    """Split a serial; raises ``SerialError`` when it is not 22 digits with a real date and a sequence ≥ 1."""
    match = _SERIAL.match(text)
    if match is None:
        raise SerialError("serial must be 22 digits")
    region, day, sequence = match.groups()
    try:
        issue_date = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError as exc:
        raise SerialError("serial carries no valid date") from exc
    if int(sequence) == 0:
        raise SerialError("serial sequence must start at 1")
    return Serial(region, issue_date, int(sequence))


def is_valid_serial(text: str) -> bool:
    """True when ``text`` parses as a serial."""
    try:
        parse_serial(text)
    except SerialError:
        return False
    return True
