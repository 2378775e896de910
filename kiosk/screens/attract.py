"""The attract screen: 请插入社保卡 / please insert your card, with the kiosk id and the time."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Static

from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen
from kiosk.screens.loss_report import LossReportScreen
from kiosk.screens.slip_check import SlipCheckScreen

CARD_PICTURE = """\
┌──────────────────────────┐
│ 社会保障卡            ━━ │
│ SOCIAL SECURITY CARD     │
│                          │
│   ▼ 芯片朝上插入 ▼       │
└──────────────────────────┘"""


LOSS_REPORT_KEY = "1"
VERIFY_SLIP_KEY = "2"


class AttractScreen(KioskScreen):
    """Waits for a card; shown whenever no citizen session is active and the kiosk is in service."""

    CSS_PATH = "attract.tcss"

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="attract-body"):
            yield Static(tr("app.title", "zh"), id="attract-title")
            yield Static(tr("app.title", "en"), id="attract-title-en")
            yield Center(Static(CARD_PICTURE, id="card-picture"))
            yield Static(tr("attract.insert_card", "zh"), id="insert-zh")
            yield Static(tr("attract.insert_card", "en"), id="insert-en")
            yield Static(tr("attract.insert_hint", self.language), id="insert-hint")
            yield Static(tr("attract.loss_report", self.language), id="attract-loss")
            yield Static(tr("attract.verify_slip", self.language), id="attract-verify")
            if self.context.demo_slot is not None:
                yield Static(self._demo_listing(), id="demo-cards")
        yield self.status_bar()

    def _demo_listing(self) -> str:
        """Demo mode only: which key inserts a card, and each demo card's PIN."""
        assert self.context.demo_slot is not None
        cards = [tr("demo.card", self.language, id=i, name=n, pin=p) for i, n, p in self.context.demo_slot.listing()]
        rows = ["    ".join(cards[i : i + 2]) for i in range(0, len(cards), 2)]
        return "\n".join([tr("demo.title", self.language), *rows])

    def on_key(self, event: events.Key) -> None:
        if event.key == VERIFY_SLIP_KEY:
            event.stop()
            self.open_slip_check()
        elif event.key == LOSS_REPORT_KEY:
            event.stop()
            self.open_loss_report()

    def on_click(self, event: events.Click) -> None:
        widget_id = event.widget.id if event.widget is not None else None
        if widget_id == "attract-verify":
            event.stop()
            self.open_slip_check()
        elif widget_id == "attract-loss":
            event.stop()
            self.open_loss_report()

    def open_loss_report(self) -> None:
        """社保卡挂失 — the card is lost, so no card is needed (only while the kiosk is in service)."""
        if self.kiosk.in_service:
            self.app.push_screen(LossReportScreen())

    def open_slip_check(self) -> None:
        """权益单校验 — for anyone, without a card."""
        self.app.push_screen(SlipCheckScreen())
