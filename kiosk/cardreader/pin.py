"""``Pin``: a PIN value that never shows its digits in ``str``, ``repr``, f-strings or logs."""

from __future__ import annotations

import itertools

from kiosk.cardreader.errors import PinFormatError, WeakPin

PIN_LENGTH = 6
INITIAL_PIN_DIGITS = "123456"


class Pin:
    """Six digits held privately; the only way out is :meth:`to_bcd` (for the card) and :meth:`matches`."""

    __slots__ = ("__digits",)

    def __init__(self, digits: str) -> None:
        if len(digits) != PIN_LENGTH or not digits.isascii() or not digits.isdigit():
            raise PinFormatError("the PIN must be 6 ASCII digits")  # the digits themselves are never quoted
        self.__digits = digits

    def __repr__(self) -> str:
        return "Pin(******)"

    __str__ = __repr__

    def __format__(self, _spec: str) -> str:
        return "******"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pin) and other.__digits == self.__digits

    def __hash__(self) -> int:
        return hash(("Pin", self.__digits))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a PIN is not serialisable")

    def to_bcd(self) -> bytes:
        """CARD_SPEC §3: packed BCD, odd length padded with ``F`` (``"123456"`` → ``12 34 56``)."""
        digits = self.__digits + ("F" if len(self.__digits) % 2 else "")
        return bytes.fromhex(digits)

    @property
    def is_initial(self) -> bool:
        """Whether this is the initial PIN ``123456``."""
        return self.__digits == INITIAL_PIN_DIGITS

    def check_strength(self) -> None:
        """Raise :class:`WeakPin` for a PIN the kiosk refuses as a *new* PIN (CARD_SPEC §4)."""
        d = self.__digits
        steps = {int(b) - int(a) for a, b in itertools.pairwise(d)}
        if d == INITIAL_PIN_DIGITS or len(set(d)) == 1 or steps in ({1}, {-1}):
            raise WeakPin("weak new PIN")
