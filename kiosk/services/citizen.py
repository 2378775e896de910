"""One citizen's visit as the UI sees it: login outcomes worded for the screen, the visit's services, its end."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk.cardreader.errors import CardError, PinFormatError
from kiosk.cardreader.pin import Pin
from kiosk.clock import Clock
from kiosk.config import KioskSettings
from kiosk.services.activity import ActivityTracker
from kiosk.services.login import LoginCancelled, LoginRefused, LoginResult
from kiosk.services.pension_estimate import PensionRules
from kiosk.services.queries import QueryCatalog
from kiosk.services.views import QuerySpec
from kiosk.session import CitizenSession, EndReason

log = logging.getLogger(__name__)

Texts = dict[str, str]  # language → text


@dataclass(frozen=True)
class Notice:
    """What a calm message screen shows: a title, what to do next, and a code for staff."""

    title: Texts
    body: Texts
    code: str


_REFUSALS: dict[str, Texts] = {
    "card_cancelled": {
        "zh": "此卡已正式挂失或注销，不能在自助终端使用。请到窗口办理补换卡。",
        "en": "This card was formally reported lost or cancelled. Please go to a counter to replace it.",
    },
}
_REFUSED_DEFAULT: Texts = {
    "zh": "系统未能确认此卡，请到人工窗口办理。",
    "en": "The card could not be confirmed. Please go to a service counter.",
}


def failure_notice(error: BaseException) -> Notice:
    """The screen for a login that did not succeed (card error, refusal, backend down, cancel)."""
    if isinstance(error, CardError):
        body = {"zh": error.message("zh"), "en": error.message("en")}
        return Notice({"zh": "无法登录", "en": "Cannot log in"}, body, error.code)
    if isinstance(error, LoginRefused):
        return Notice(
            {"zh": "无法登录", "en": "Cannot log in"}, _REFUSALS.get(error.code, _REFUSED_DEFAULT), error.code
        )
    if isinstance(error, BackendUnavailable):
        body = {
            "zh": "暂时无法连接社保业务系统，请稍后再试或到窗口办理。",
            "en": "The records system cannot be reached. Please try again later or go to a counter.",
        }
        return Notice({"zh": "暂时无法登录", "en": "Cannot log in now"}, body, "E-BK-003")
    if isinstance(error, LoginCancelled):
        body = {"zh": "您已取消登录。", "en": "You cancelled the login."}
        return Notice({"zh": "已取消", "en": "Cancelled"}, body, error.code)
    log.error("unexpected login failure: %s", type(error).__name__)
    body = {"zh": "登录未成功，请重新插卡或到窗口办理。", "en": "The login failed. Please insert the card again."}
    return Notice({"zh": "无法登录", "en": "Cannot log in"}, body, "E-KS-001")


def pin_from_digits(digits: str) -> Pin | None:
    """The typed digits as a :class:`Pin` (``None`` if not six digits: the screen only confirms six)."""
    try:
        return Pin(digits)
    except PinFormatError:
        return None


class Visit:
    """A logged-in citizen: the session, the card, the time limits and the query catalog."""

    def __init__(
        self,
        login: LoginResult,
        backend: Backend,
        clock: Clock,
        settings: KioskSettings,
        tr: Callable[[str], str],
        pension_rules: PensionRules | None = None,
    ) -> None:
        self.session: CitizenSession = login.session
        self.card = login.card
        self._backend = backend
        limits = settings.session
        self.activity = ActivityTracker(clock, limits.idle_timeout_s, limits.idle_warning_s, limits.hard_limit_s)
        catalog = QueryCatalog(backend, lambda: self.session.token, clock, tr, pension_rules)
        self.queries: dict[str, QuerySpec] = catalog.specs()

    def end(self, reason: EndReason) -> str | None:
        """End and wipe the session; returns the token to void at the backend (call :func:`void_token` off the UI)."""
        token = self.session.card_session.token if self.session.card_session is not None else None
        self.session.end(reason)
        self.queries = {}
        return token


def void_token(backend: Backend, token: str) -> None:
    """Tell the backend the session is over (best effort: the token expires by itself anyway)."""
    try:
        backend.end_session(token)
    except (BackendUnavailable, BackendRejected) as exc:
        log.info("could not void the session token: %s", type(exc).__name__)
