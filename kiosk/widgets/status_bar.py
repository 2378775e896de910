"""The bottom status bar: kiosk id, service state (words, not only colour) and the time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Static

from kiosk.clock import Clock
from kiosk.i18n import Language, tr
from kiosk.services.availability import ServiceState

_STATE_KEYS = {
    ServiceState.STARTING: "status.connecting",
    ServiceState.IN_SERVICE: "status.online",
    ServiceState.OUT_OF_SERVICE: "status.offline",
}


class StatusBar(Horizontal):
    """Shows who this kiosk is, whether it is connected, and the local time (refreshed every second)."""

    state: reactive[ServiceState] = reactive(ServiceState.STARTING)

    def __init__(self, kiosk_id: str, clock: Clock, language: Language, state: ServiceState) -> None:
        super().__init__(id="status-bar")
        self.set_reactive(StatusBar.state, state)
        self._kiosk_id = kiosk_id
        self._clock = clock
        self._language = language

    def compose(self) -> ComposeResult:
        yield Static(tr("status.kiosk", self._language, kiosk_id=self._kiosk_id), id="status-kiosk")
        yield Static(id="status-state")
        yield Static(id="status-time")

    def on_mount(self) -> None:
        self.watch_state(self.state)
        self._tick()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        for label in self.query("#status-time").results(Static):  # none while the screen is being torn down
            label.update(self._clock.now().strftime("%Y-%m-%d %H:%M:%S"))

    def watch_state(self, state: ServiceState) -> None:
        for label in self.query("#status-state").results(Static):  # none while the screen is being torn down
            self._show_state(label, state)

    def _show_state(self, label: Static, state: ServiceState) -> None:
        label.update(tr(_STATE_KEYS[state], self._language))
        label.set_class(state is ServiceState.OUT_OF_SERVICE, "-offline")
