"""权益单校验 from the attract screen, no card needed: type the serial, then the check code (Enter after each), or scan
the slip's QR with a keyboard-wedge scanner (its text arrives as typed characters ending in Enter) → 真实有效 /
已过期 / 已撤销 / 无效 with the content. Esc (or two minutes without a key) returns to the attract screen."""

from __future__ import annotations

from typing import Literal

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.i18n import tr
from kiosk.screens.base import CardlessScreen
from kiosk.services.slip_check import CheckAnswer, SlipChecker, looks_like_qr
from kiosk.widgets.busy import BusyIndicator

MAX_INPUT = 2000  # a slip QR text is about 500 characters
Step = Literal["serial", "code", "checking", "answer"]


class SlipCheckScreen(CardlessScreen):
    """Serial + check code typed, or a QR scanned; ``answer`` holds the last verdict."""

    CSS_PATH = "slip_check.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.step: Step = "serial"
        self.serial = ""
        self.answer: CheckAnswer | None = None
        self._checker: SlipChecker | None = None

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="check-body"):
            yield Static(tr("check.title", self.language), id="check-title")
            yield Static(self._prompt(), id="check-prompt")
            yield Input(id="check-input", max_length=MAX_INPUT)
            yield BusyIndicator(tr("busy.loading", self.language), id="check-busy")
            yield Static(self._answer_text(), id="check-answer")
            yield Static(tr("check.keys", self.language), id="check-keys")
        yield self.status_bar()

    def on_mount(self) -> None:
        self._checker = SlipChecker(self.context.backend)
        self.query_one(Input).focus()
        self.touch()

    def _prompt(self) -> str:
        key = "check.prompt.code" if self.step == "code" else "check.prompt.serial"
        text = tr(key, self.language)
        return f"{text}\n{tr('check.serial_is', self.language, serial=self.serial)}" if self.step == "code" else text

    def _answer_text(self) -> str:
        if self.answer is None:
            return ""
        lines = [self.answer.text(self.language)]
        lines += [f"{tr(label, self.language)}：{value}" for label, value in self.answer.lines]
        return "\n".join(lines)

    def _refresh_texts(self) -> None:
        self.query_one("#check-prompt", Static).update(self._prompt())
        answer = self.query_one("#check-answer", Static)
        answer.update(self._answer_text())
        answer.set_class(self.answer is not None and self.answer.genuine, "-genuine")
        answer.set_class(self.answer is not None and not self.answer.genuine, "-refused")

    # ------------------------------------------------------------ input
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        self.touch()
        if self.step == "checking" or not text:
            return
        if looks_like_qr(text):
            self._start_check("qr", text, "")
        elif self.step == "code":
            self._start_check("code", self.serial, text)
        else:
            self.serial, self.answer, self.step = text, None, "code"
            self._refresh_texts()

    def _start_check(self, door: Literal["code", "qr"], first: str, second: str) -> None:
        self.step = "checking"
        self.query_one(BusyIndicator).start()
        self._check(door, first, second)

    @work(thread=True, exclusive=True, group="slip-check")
    def _check(self, door: Literal["code", "qr"], first: str, second: str) -> None:
        assert self._checker is not None
        answer = self._checker.by_qr(first) if door == "qr" else self._checker.by_code(first, second)
        self.app.call_from_thread(self._show, answer)

    def _show(self, answer: CheckAnswer) -> None:
        self.query_one(BusyIndicator).stop()
        self.answer, self.step, self.serial = answer, "serial", ""
        self._refresh_texts()

    def on_key(self, event: events.Key) -> None:
        self.touch()
        if event.key == "escape":
            event.stop()
            self.leave()
