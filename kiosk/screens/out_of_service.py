"""The out-of-service screen (服务暂停): calm words, what to do instead, and a fault code for staff."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen


class OutOfServiceScreen(KioskScreen):
    """Shown instead of the attract screen while the kiosk cannot serve (e.g. backend unreachable)."""

    CSS_PATH = "out_of_service.tcss"

    def __init__(self, fault_code: str, reason_key: str, reason_text: str | None = None) -> None:
        super().__init__()
        self.fault_code = fault_code
        self.reason_key = reason_key
        self.reason_text = reason_text  # staff's or operators' own words, shown as given

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="oos-body"):
            yield Static(tr("oos.title", "zh"), id="oos-title")
            yield Static(tr("oos.title", "en"), id="oos-title-en")
            reason = self.reason_text or tr(self.reason_key, "zh") + " / " + tr(self.reason_key, "en")
            yield Static(reason, id="oos-reason")
            yield Static(tr("oos.body", "zh"), id="oos-body-zh")
            yield Static(tr("oos.body", "en"), id="oos-body-en")
            yield Static(tr("oos.hotline", self.language), id="oos-hotline")
            yield Static(tr("oos.code", self.language, code=self.fault_code), id="oos-code")
        yield self.status_bar()
