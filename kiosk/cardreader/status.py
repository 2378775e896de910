"""Status words of CARD_SPEC §4 → typed errors."""

from __future__ import annotations

from kiosk.cardreader.errors import (
    CardDataInvalid,
    CardError,
    CardLocked,
    CardUnreadable,
    PinBlocked,
    SecurityStatusNotSatisfied,
    WrongPin,
)

SW_OK = 0x9000
SW_PIN_BLOCKED = 0x6983
SW_SECURITY = 0x6982
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_WRONG_P1P2 = 0x6A86
SW_WRONG_LENGTH = 0x6700


def error_for(sw: int, what: str) -> CardError:
    """The typed error for a non-success status word answered to ``what``."""
    if sw & 0xFFF0 == 0x63C0:
        tries = sw & 0x0F
        return PinBlocked(what, sw) if tries == 0 else WrongPin(tries, sw)
    if sw == SW_PIN_BLOCKED:
        return PinBlocked(what, sw)
    if sw == SW_SECURITY:
        return SecurityStatusNotSatisfied(what, sw)
    if sw in (0x6A81, 0x9303):
        return CardLocked(what, sw)
    if sw in (SW_FILE_NOT_FOUND, SW_RECORD_NOT_FOUND):
        return CardDataInvalid(f"{what}: not found on the card", sw)
    return CardUnreadable(what, sw)


def check(sw: int, what: str) -> None:
    """Raise the typed error unless ``sw`` is ``9000``."""
    if sw != SW_OK:
        raise error_for(sw, what)
