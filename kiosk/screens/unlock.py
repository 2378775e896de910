"""解挂: the found card is in the reader and its PIN verified; the backend says it is temporarily reported lost.
1 确认解挂 makes it active again (online only; the citizen sees plainly if nothing was done); 0 ends the visit."""

from __future__ import annotations

from collections.abc import Callable

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.backend_client.protocol import BackendRejected, BackendUnavailable
from kiosk.i18n import tr
from kiosk.screens.base import KioskScreen
from kiosk.services.card_services import formal_loss_notice, unlock_card
from kiosk.services.citizen import Notice
from kiosk.session import CitizenSession
from kiosk.widgets.busy import BusyIndicator
from kiosk_backend.schemas import CardInfo


class UnlockScreen(KioskScreen):
    """Shows the loss report's end date; ``on_unlocked`` runs once the backend confirmed, ``on_exit`` on 0."""

    CSS_PATH = "card_service.tcss"

    def __init__(self, session: CitizenSession, on_unlocked: Callable[[], None], on_exit: Callable[[], None]) -> None:
        super().__init__()
        self._session = session
        self._on_unlocked = on_unlocked
        self._on_exit = on_exit
        self.until = "—"
        self.notice: Notice | None = None
        self.working = False
        self.counter_only = False

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(id="service-body"):
            yield Static(tr("unlock.title", self.language), id="service-title")
            yield Static(tr("unlock.body", self.language, until=self.until), id="service-text")
            yield BusyIndicator(tr("busy.loading", self.language), id="service-busy")
            yield Static(self._notice_text(), id="service-notice")
            yield Static(self._keys_text(), id="service-keys")
        yield self.status_bar()

    def on_mount(self) -> None:
        self._load_card()

    def _notice_text(self) -> str:
        if self.notice is None:
            return ""
        return f"{self.notice.body[self.language]}  ({tr('error.code', self.language, code=self.notice.code)})"

    @work(thread=True, exclusive=True, group="unlock")
    def _load_card(self) -> None:
        try:
            card = self.context.backend.card_info(self._session.token)
        except (BackendUnavailable, BackendRejected):
            return  # the date is a courtesy: the unlock itself says what the backend thinks
        self.app.call_from_thread(self._card_loaded, card)

    def _card_loaded(self, card: CardInfo) -> None:
        if card.loss_expires_at is not None:
            self.until = card.loss_expires_at.astimezone().strftime("%Y-%m-%d")
        if card.status == "formal_loss":  # a counter service: say so, offer only 0 退出
            self.counter_only = True
            self.notice = formal_loss_notice()
        if not self.shown:
            return
        self.query_one("#service-text", Static).update(tr("unlock.body", self.language, until=self.until))
        self.query_one("#service-notice", Static).update(self._notice_text())
        self.query_one("#service-keys", Static).update(self._keys_text())

    def _keys_text(self) -> str:
        return tr("unlock.keys_counter" if self.counter_only else "unlock.keys", self.language)

    def on_key(self, event: events.Key) -> None:
        if self.working or event.key not in ("1", "0", "escape"):
            return
        event.stop()
        if event.key == "1" and not self.counter_only:
            self.working = True
            self.notice = None
            self.query_one("#service-notice", Static).update("")
            self.query_one(BusyIndicator).start()
            self._unlock()
        elif event.key != "1":
            self._on_exit()

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self) -> None:
        notice = unlock_card(self.context.backend, self._session)
        self.app.call_from_thread(self._answered, notice)

    def _answered(self, notice: Notice | None) -> None:
        self.working = False
        self.journal("card.unlock", notice.code if notice is not None else "ok")
        if not self.shown:  # the card left meanwhile; the visit has ended
            return
        self.query_one(BusyIndicator).stop()
        if notice is None:
            self._on_unlocked()
            return
        self.notice = notice
        self.query_one("#service-notice", Static).update(self._notice_text())
