"""A fixed-length digit field shown as dots: the value is never rendered, logged or put in a repr."""

from __future__ import annotations

from textual.widgets import Static


class MaskedField(Static):
    """Holds up to ``length`` digits and shows ``● ● ● ○ ○ ○``."""

    def __init__(self, length: int = 6, id: str | None = None) -> None:
        super().__init__(id=id, classes="masked-field")
        self.length = length
        self._digits: list[str] = []

    def on_mount(self) -> None:
        self._show()

    @property
    def filled(self) -> int:
        """How many digits are in."""
        return len(self._digits)

    @property
    def complete(self) -> bool:
        """Whether all digits are in."""
        return len(self._digits) == self.length

    def add(self, digit: str) -> None:
        """Append a digit (ignored when full)."""
        if digit.isdigit() and len(digit) == 1 and not self.complete:
            self._digits.append(digit)
            self._show()

    def delete(self) -> None:
        """Remove the last digit."""
        if self._digits:
            self._digits.pop()
            self._show()

    def take(self) -> str:
        """Hand the value over once and clear the field."""
        value = "".join(self._digits)
        self.clear()
        return value

    def clear(self) -> None:
        """Forget the digits."""
        self._digits.clear()
        self._show()

    def __repr__(self) -> str:
        return f"MaskedField(filled={self.filled}/{self.length})"

    def _show(self) -> None:
        self.update(" ".join("●" if i < len(self._digits) else "○" for i in range(self.length)))
