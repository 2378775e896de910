"""社保卡挂失 without the card, from the attract screen: ID number + name → SMS code → confirmation → 临时挂失.

Step by step, one screen: ``identity`` (社会保障号码 and 姓名, Tab between them), ``code`` (the SMS code on the
keypad; in demo mode the SMS appears as 演示短信), ``confirm`` (the masked card and what will happen: 1 确认挂失 /
0 取消), ``done`` (the reference number). Esc goes back one step; nothing typed is kept after leaving.
"""

from __future__ import annotations

from typing import Literal

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from kiosk.i18n import tr
from kiosk.screens.base import CardlessScreen
from kiosk.services.card_services import LossReport
from kiosk.services.citizen import Notice
from kiosk.services.demo_sms import DemoSms
from kiosk.widgets.busy import BusyIndicator
from kiosk.widgets.keypad import Keypad

Step = Literal["identity", "code", "confirm", "done"]
SMS_POLL_S = 0.5


class LossReportScreen(CardlessScreen):
    """The card-less loss report; :attr:`step` and :attr:`notice` say where the citizen is and what went wrong."""

    CSS_PATH = "loss_report.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.step: Step = "identity"
        self.notice: Notice | None = None
        self.working = False
        self._flow: LossReport | None = None
        self._sms_mark = 0
        self._sms_timer: Timer | None = None

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="loss-body"):
            yield Static(tr("loss.title", self.language), id="loss-title")
            yield Static(tr(f"loss.step.{self.step}", self.language), id="loss-step")
            if self.step == "identity":
                yield Static(tr("loss.ssn", self.language), classes="loss-label")
                yield Input(id="loss-ssn", max_length=18, restrict=r"[0-9Xx]*", compact=True)
                yield Static(tr("loss.name", self.language), classes="loss-label")
                yield Input(id="loss-name", max_length=30, compact=True)
                yield Static(tr("loss.identity_hint", self.language), id="loss-hint")
            elif self.step == "code":
                yield Static(tr("loss.code_sent", self.language), id="loss-hint")
                yield Input(id="loss-code", max_length=8, restrict=r"[0-9]*", compact=True)
            else:
                yield Static(self._summary(), id="loss-summary")
            yield BusyIndicator(tr("busy.loading", self.language), id="loss-busy")
            yield Static(self._notice_text(), id="loss-notice")
            yield Static(tr(self._keys_key(), self.language), id="loss-keys")
            if self.step == "code" and self.context.demo_sms is not None:
                yield Static("", id="loss-demo-sms")
            if self.step in ("identity", "code"):
                yield Center(Keypad(self.language, id="loss-keypad"))
        yield self.status_bar()

    def on_mount(self) -> None:
        self._flow = LossReport(self.context.backend)
        if self.context.demo_sms is not None:
            self._sms_mark = self.context.demo_sms.mark()
            self._sms_timer = self.set_interval(SMS_POLL_S, self._show_demo_sms)
        self._focus_first()

    def _focus_first(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    @property
    def _started(self) -> bool:
        return self._flow is not None and self._flow.challenge is not None

    def _summary(self) -> str:
        assert self._flow is not None
        lang = self.language
        ticket, result = self._flow.ticket, self._flow.result
        if self.step == "done" and result is not None:
            return tr(
                "loss.done",
                lang,
                card=result.masked_card_no,
                reference=result.reference,
                until=result.loss_expires_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            )
        if ticket is None:
            return ""
        head = tr("loss.card_line", lang, name=ticket.masked_name, card=ticket.masked_card_no)
        if ticket.card_status == "normal":
            return f"{head}\n\n{tr('loss.what_happens', lang, days=ticket.temporary_loss_days)}"
        if ticket.card_status == "temporary_loss":
            expires = ticket.loss_expires_at
            until = tr("loss.until", lang, date=expires.astimezone().strftime("%Y-%m-%d")) if expires else ""
            return f"{head}\n\n{tr('loss.already_temporary', lang, until=until)}"
        return f"{head}\n\n{tr('loss.already_formal', lang)}"

    def _keys_key(self) -> str:
        ticket = self._flow.ticket if self._flow is not None else None
        if self.step == "confirm" and ticket is not None and ticket.card_status != "normal":
            return "loss.keys.nothing_to_do"
        return f"loss.keys.{self.step}"

    def _notice_text(self) -> str:
        if self.notice is None:
            return ""
        code = f"  ({tr('error.code', self.language, code=self.notice.code)})" if self.notice.code else ""
        return self.notice.body[self.language] + code

    def _go(self, step: Step, notice: Notice | None = None) -> None:
        self.step, self.notice = step, notice
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_first)

    def _say(self, notice: Notice | None) -> None:
        self.notice = notice
        self.query_one("#loss-notice", Static).update(self._notice_text())

    # ------------------------------------------------------------ demo SMS
    def _show_demo_sms(self) -> None:
        if self.context.demo_sms is not None and self.query("#loss-demo-sms"):
            self._read_demo_sms()

    @work(thread=True, exclusive=True, group="demo-sms")
    def _read_demo_sms(self) -> None:
        """The outbox is a file: read it off the UI thread."""
        inbox = self.context.demo_sms
        if inbox is not None:
            messages = inbox.since(self._sms_mark)
            self.app.call_from_thread(self._put_demo_sms, messages)

    def _put_demo_sms(self, messages: list[DemoSms]) -> None:
        shown = self.query("#loss-demo-sms")
        if not self.shown or not shown:
            return
        lines = [tr("loss.demo_sms", self.language)]
        lines += [f"{m.to_masked}：{m.text}" for m in messages[-3:]]
        shown.first(Static).update("\n".join(lines) if messages else "")

    # ------------------------------------------------------------ input
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.touch()
        if self.working:
            return
        if event.input.id == "loss-ssn":
            self.query_one("#loss-name", Input).focus()
        elif event.input.id == "loss-name":
            ssn, name = self.query_one("#loss-ssn", Input).value, event.value
            self._run("start", ssn, name)
        elif event.input.id == "loss-code":
            code, event.input.value = event.value, ""
            self._run("verify", code)

    def on_keypad_digit(self, message: Keypad.Digit) -> None:
        message.stop()
        field = self.focused if isinstance(self.focused, Input) else self.query(Input).first()
        field.insert_text_at_cursor(message.digit)

    def on_keypad_delete(self, message: Keypad.Delete) -> None:
        message.stop()
        field = self.focused if isinstance(self.focused, Input) else self.query(Input).first()
        field.value = field.value[:-1]

    def on_keypad_confirm(self, message: Keypad.Confirm) -> None:
        message.stop()
        field = self.focused if isinstance(self.focused, Input) else self.query(Input).first()
        self.post_message(Input.Submitted(field, field.value))

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            self._back()
        elif self.step == "confirm" and not self.working and event.key in ("1", "0"):
            event.stop()
            if event.key == "1" and self._flow is not None and self._flow.ticket is not None:
                if self._flow.ticket.card_status == "normal":
                    self._run("confirm")
            else:
                self.leave()
        elif self.step == "done" and event.key in ("enter", "0", "space"):
            event.stop()
            self.leave()

    def _back(self) -> None:
        if self.working:
            return
        if self.step == "code":
            self._go("identity")
        elif self.step == "confirm" and self._flow is not None:
            self._flow.ticket = None
            self._go("identity")
        else:
            self.leave()

    # ------------------------------------------------------------ talking to the backend (off the UI thread)
    def _run(self, action: Literal["start", "verify", "confirm"], *values: str) -> None:
        self.working = True
        self._say(None)
        self.query_one(BusyIndicator).start()
        self._call(action, values)

    @work(thread=True, exclusive=True, group="loss-report")
    def _call(self, action: Literal["start", "verify", "confirm"], values: tuple[str, ...]) -> None:
        flow = self._flow
        assert flow is not None
        if action == "start":
            notice = flow.start(values[0], values[1])
        elif action == "verify":
            notice = flow.verify(values[0])
        else:
            notice = flow.confirm()
        self.app.call_from_thread(self._answered, action, notice)

    def _answered(self, action: Literal["start", "verify", "confirm"], notice: Notice | None) -> None:
        self.working = False
        self.journal(f"loss_report.{action}", notice.code if notice is not None else "ok")
        if not self.shown:  # left meanwhile (a card was inserted, or the idle time ran out)
            return
        self.query_one(BusyIndicator).stop()
        if notice is not None:
            spent = (action == "confirm" and notice.code != "E-BK-010") or (action == "verify" and not self._started)
            if spent:
                self._go("identity", notice)  # the code or the ticket can no longer work: start again
            else:
                self._say(notice)
            return
        following: dict[str, Step] = {"start": "code", "verify": "confirm", "confirm": "done"}
        self._go(following[action])
