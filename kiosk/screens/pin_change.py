"""密码修改: old PIN, new PIN, new PIN again — each on the keypad, shown as dots — then CHANGE PIN on the card.

The rules of a new PIN are checked before the card is asked. A forgotten or blocked PIN is a counter service, and
the screen says so. What happens after (message, back to the menu, 解挂 next, card pulled mid-change) is the app's.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from kiosk.cardreader.pin import Pin
from kiosk.i18n import tr
from kiosk.screens.pin import PinScreen
from kiosk.services.citizen import Notice, pin_from_digits
from kiosk.services.pin_change import (
    PinChangeOutcome,
    PinChanger,
    PinChangeResult,
    counter_only_notice,
    new_pin_problem,
)
from kiosk.widgets.busy import BusyIndicator
from kiosk.widgets.keypad import Keypad
from kiosk.widgets.masked_field import MaskedField

STEPS = ("old", "new", "repeat")


class PinChangeScreen(PinScreen):
    """Three PIN entries, then the change; ``on_outcome`` gets the result (``None``: the citizen went back)."""

    def __init__(
        self,
        changer: PinChanger,
        on_outcome: Callable[[PinChangeOutcome | None], None],
        required: bool = False,
    ) -> None:
        super().__init__(lambda _digits: on_outcome(None), card_hint="", tries_left=None)
        self._changer = changer
        self._on_outcome = on_outcome
        self.required = required
        self.pins: list[Pin] = []
        self.notice: Notice | None = None
        self.working = False

    def __repr__(self) -> str:
        return f"PinChangeScreen(step={self.step}, entered={len(self.pins)})"

    @property
    def step(self) -> str:
        """Which PIN is being typed: ``old``, ``new`` or ``repeat``."""
        return STEPS[min(len(self.pins), 2)]

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="pin-body"):
            yield Static(tr("pinchange.title", self.language), id="pin-title")
            if self.required:
                yield Static(tr("pinchange.required", self.language), id="pin-required")
            yield Static(tr(f"pinchange.step.{self.step}", self.language), id="pin-card")
            yield Center(MaskedField(6, id="pin-field"))
            yield Static(self._status_text(), id="pin-status")
            yield BusyIndicator(tr("pinchange.working", self.language), id="pin-busy")
            yield Center(Keypad(self.language, id="pin-keypad"))
            yield Static(tr("pinchange.rules", self.language), id="pin-rules")
            yield Static(counter_only_notice()[self.language], id="pin-counter")
            yield Static(tr("pinchange.keys", self.language), id="pin-keys")
        yield self.status_bar()

    def _status_text(self) -> str:
        return self.notice.body[self.language] if self.notice is not None else ""

    def _show_step(self) -> None:
        self.query_one("#pin-card", Static).update(tr(f"pinchange.step.{self.step}", self.language))
        self.query_one("#pin-status", Static).update(self._status_text())

    def confirm(self) -> None:
        """Take the six digits of this step; after the third, check the rules and change the PIN."""
        if self.working:
            return
        if not self.field.complete:
            self.query_one("#pin-status", Static).update(tr("pin.need_six", self.language))
            return
        pin = pin_from_digits(self.field.take())
        if pin is None:
            return
        self.pins.append(pin)
        self.notice = None
        if len(self.pins) < len(STEPS):
            self._show_step()
            return
        old, new, repeat = self.pins
        problem = new_pin_problem(old, new, repeat)
        if problem is not None:
            self.pins = [old]  # keep the old PIN, ask for the new one again
            self.notice = problem
            self._show_step()
            return
        self.working = True
        self.query_one(BusyIndicator).start()
        self._change(old, new)

    def on_keypad_digit(self, message: Keypad.Digit) -> None:
        if not self.working:
            super().on_keypad_digit(message)

    @work(thread=True, exclusive=True, group="pin-change")
    def _change(self, old: Pin, new: Pin) -> None:
        outcome = self._changer.change(old, new)
        self.app.call_from_thread(self._changed, outcome)

    def _changed(self, outcome: PinChangeOutcome) -> None:
        self.working = False
        self.pins = []
        self.journal("card.pin_change", outcome.result.value)
        if not self.shown:  # the card left meanwhile: the app decides what to show
            self._on_outcome(outcome)
            return
        self.query_one(BusyIndicator).stop()
        if outcome.result in (PinChangeResult.WRONG_OLD, PinChangeResult.FAILED):
            self.notice = outcome.notice  # try again from the old PIN
            self._show_step()
            return
        self._on_outcome(outcome)
