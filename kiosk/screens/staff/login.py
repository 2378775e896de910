"""维护模式登录: the local maintenance passphrase (F12 on the attract or 服务暂停 screen), with lockout."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.i18n import tr
from kiosk.screens.staff.base import StaffScreen
from kiosk.services.staff_auth import LoginResult, StaffLogin


class StaffLoginScreen(StaffScreen):
    """Asks for the passphrase; the check (argon2) runs in a worker thread."""

    def compose(self) -> ComposeResult:
        yield self.top_bar()
        with Vertical(classes="staff-body"):
            yield Static(tr("staff.login_title", self.language), classes="staff-title", id="staff-login-title")
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
        if login.result is LoginResult.LOCKED:
            minutes = max(1, (login.locked_for_s + 59) // 60)
            text = tr("staff.login_locked", self.language, minutes=minutes)
        elif login.result is LoginResult.WRONG:
            text = tr("staff.login_wrong", self.language, tries=login.tries_left)
        else:
            text = tr("staff.login_not_configured", self.language)
        self.query_one("#staff-login-message", Static).update(text)
