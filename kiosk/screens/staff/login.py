"""维护模式登录 (F12 on the attract or 服务暂停 screen): insert the staff card (the app runs the card + PIN login and
comes back here with the outcome when it fails), or type the local maintenance passphrase. Both share one lockout."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.i18n import Language, tr
from kiosk.screens.staff.base import StaffScreen
from kiosk.services.staff_auth import LoginResult, StaffLogin


class StaffLoginScreen(StaffScreen):
    """Waits for a staff card or the passphrase; the passphrase check (argon2) runs in a worker thread.

    ``outcome``: a failed staff card login to report (the app shows this screen again after one).
    """

    def __init__(self, outcome: StaffLogin | None = None) -> None:
        super().__init__()
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(classes="staff-body"):
            yield Static(tr("staff.login_title", self.language), classes="staff-title", id="staff-login-title")
            if self.context.staff_card is not None:
                yield Static(tr("staff.login_card", self.language), id="staff-login-card")
            yield Static(tr("staff.login_prompt", self.language), id="staff-login-prompt")
            yield Input(password=True, id="staff-passphrase", max_length=128)
            yield Static("", classes="staff-message", id="staff-login-message")
            yield Static(tr("staff.login_keys", self.language), classes="staff-hint")
        yield self.status_bar()

    async def recompose(self) -> None:
        """After a language switch: the field keeps the focus, a lock is shown again."""
        await super().recompose()
        self.on_mount()

    def on_mount(self) -> None:
        auth = self.context.staff_auth
        locked = auth.lockout() if auth is not None else None
        if locked is not None:
            self._show(locked)
        elif self.outcome is not None:
            self._show(self.outcome)
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        secret = event.value
        event.input.value = ""
        if secret:
            self._check(secret)

    @work(thread=True, exclusive=True, group="staff-login")
    def _check(self, secret: str) -> None:
        auth = self.context.staff_auth
        if auth is None:
            return
        login = auth.authenticate(secret)
        self.app.call_from_thread(self._after, login)

    def _after(self, login: StaffLogin) -> None:
        if login.result is LoginResult.OK:
            from kiosk.screens.staff.menu import StaffMenuScreen

            self.staff.begin(login.staff_id, login.method)
            self.app.switch_screen(StaffMenuScreen())
            return
        self._show(login)

    def _show(self, login: StaffLogin) -> None:
        self.query_one("#staff-login-message", Static).update(login_message(login, self.language))


def login_message(login: StaffLogin, language: Language) -> str:
    """What the login screen says after an attempt that did not open staff mode."""
    result = login.result
    if result is LoginResult.LOCKED:
        return tr("staff.login_locked", language, minutes=max(1, (login.locked_for_s + 59) // 60))
    if result is LoginResult.WRONG:
        return tr("staff.login_wrong", language, tries=login.tries_left)
    if result is LoginResult.NOT_STAFF:
        return tr("staff.login_not_staff", language, tries=login.tries_left)
    if result is LoginResult.BACKEND_DOWN:
        return tr("staff.login_backend_down", language)
    if result is LoginResult.CARD_FAILED:
        return tr("staff.login_card_failed", language, code=login.code)
    if result is LoginResult.NOT_CONFIGURED:
        return tr("staff.login_not_configured", language)
    return ""
