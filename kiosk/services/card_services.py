"""Card services that change state — 挂失 without the card and 解挂 — online only, never lost, never doubled.

Each state-changing request gets one Idempotency-Key, created before the first send and reused on every retry, so a
timeout followed by a retry takes effect once. If the backend cannot confirm after the retries, the citizen is told
plainly that nothing was done and how else to report (12333); nothing is queued behind their back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk.services.citizen import Notice, Texts
from kiosk.session import CitizenSession
from kiosk_backend.identifiers import is_valid_ssn
from kiosk_backend.schemas import (
    CardServiceResult,
    LossReportChallenge,
    LossReportConfirm,
    LossReportResult,
    LossReportStart,
    LossReportTicket,
    LossReportVerify,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_DELAYS_S: tuple[float, ...] = (0.5, 1.5, 3.0)  # then the citizen is told nothing was done
_CHALLENGE_SPENT = frozenset({"otp_expired", "otp_used", "otp_attempts_exceeded", "challenge_unknown"})
NAME_MAX = 30

_OTHER_WAYS: Texts = {
    "zh": "请拨打 12333 电话挂失，或到社保经办窗口办理。",
    "en": "Please call 12333 to report the loss, or go to a service counter.",
}


def _notice(code: str, zh: str, en: str, title: Texts | None = None) -> Notice:
    return Notice(title or {"zh": "未能办理", "en": "Not done"}, {"zh": zh, "en": en}, code)


# What the citizen is told for each stable backend code (anything else: the generic text with the code).
_REJECTIONS: dict[str, tuple[str, str]] = {
    "rate_limited": (
        "尝试次数过多，请稍后再试。急需挂失请拨打 12333。",
        "Too many attempts. Please try again later; to report a loss now, call 12333.",
    ),
    "otp_wrong": (
        "验证码不正确，请核对短信后重新输入。",
        "The code is not right. Please check the SMS and type it again.",
    ),
    "otp_expired": ("验证码已过期，请重新获取。", "The code has expired. Please ask for a new one."),
    "otp_used": ("此验证码已使用过，请重新获取。", "This code was already used. Please ask for a new one."),
    "otp_attempts_exceeded": ("验证码输错次数过多，请重新办理。", "Too many wrong codes. Please start again."),
    "ticket_expired": ("确认超时，请重新办理。", "The confirmation timed out. Please start again."),
    "ticket_used": ("此次确认已使用，请重新办理。", "This confirmation was already used. Please start again."),
    "ticket_unknown": ("确认已失效，请重新办理。", "The confirmation is no longer valid. Please start again."),
    "challenge_unknown": ("验证已失效，请重新办理。", "The verification is no longer valid. Please start again."),
    "card_not_normal": ("此卡已挂失，无需重复办理。", "This card is already reported lost; nothing more to do."),
    "formal_loss_counter_only": (
        "此卡已正式挂失，不能在自助终端解挂，请携带身份证到社保经办窗口办理。",
        "This card was formally reported lost. It cannot be unlocked here: please go to a counter with your ID card.",
    ),
    "card_not_lost": ("此卡未挂失，可以正常使用。", "This card is not reported lost; it can be used normally."),
    "card_status_conflict": (
        "此卡当前状态不能办理此业务，请到窗口办理。",
        "The card's status does not allow this here. Please go to a counter.",
    ),
}


def rejection_notice(error: BackendRejected) -> Notice:
    """A refusal by the backend, worded for the citizen, with the backend's code for staff."""
    zh, en = _REJECTIONS.get(
        error.code,
        ("系统未能办理此业务，请到窗口办理。", "The records system could not do this. Please go to a counter."),
    )
    return _notice(error.code, zh, en)


def formal_loss_notice() -> Notice:
    """A formal loss report is handled at a counter only."""
    return _notice("formal_loss_counter_only", *_REJECTIONS["formal_loss_counter_only"])


def not_done_notice(what: Texts) -> Notice:
    """The backend could not confirm: nothing was done (said plainly), and the other ways to do it."""
    return Notice(
        {"zh": "未能办理", "en": "Not done"},
        {
            "zh": f"系统没有确认，本次{what['zh']}没有办理。{_OTHER_WAYS['zh']}如稍后收到办理成功的短信，以短信为准。",
            "en": f"The records system did not confirm: the {what['en']} was not done. {_OTHER_WAYS['en']} "
            "If you later get an SMS saying it was done, the SMS is right.",
        },
        "E-BK-010",
    )


def send_with_one_key(call: Callable[[str], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``call(key)`` with one Idempotency-Key made now; retry with the same key while the backend is
    unreachable. Raises the last :class:`BackendUnavailable` once the retries are spent."""
    key = uuid.uuid4().hex
    for delay in RETRY_DELAYS_S:
        try:
            return call(key)
        except BackendUnavailable as exc:
            log.info("state change not confirmed (%s); retrying with the same key in %.1f s", exc, delay)
            sleep(delay)
    return call(key)


def identity_problem(ssn: str, name: str) -> Notice | None:
    """Checks the kiosk can make before sending: an 18-character ID with a right check character, and a name."""
    if not is_valid_ssn(ssn):
        return _notice(
            "ssn_invalid",
            "社会保障号码有误，请核对后重新输入（18 位，最后一位可能是 X）。",
            "The social security number is not valid. Please check it (18 characters, the last may be X).",
        )
    if not name.strip() or len(name.strip()) > NAME_MAX:
        return _notice("name_missing", "请输入姓名。", "Please type the name.")
    return None


@dataclass
class LossReport:
    """挂失 without the card: ID number + name → SMS code → confirmation → 临时挂失. One per attempt; wiped after."""

    backend: Backend
    sleep: Callable[[float], None] = time.sleep
    challenge: LossReportChallenge | None = None
    ticket: LossReportTicket | None = None
    result: LossReportResult | None = None

    def start(self, ssn: str, name: str) -> Notice | None:
        """Ask for the SMS code (the backend answers the same for an unknown ID as for a wrong name)."""
        problem = identity_problem(ssn.upper(), name)
        if problem is not None:
            return problem
        try:
            self.challenge = self.backend.start_loss_report(LossReportStart(ssn=ssn.upper(), name=name.strip()))
        except BackendRejected as exc:
            return rejection_notice(exc)
        except BackendUnavailable:
            return _unreachable()
        self.ticket = None
        return None

    def verify(self, code: str) -> Notice | None:
        """Check the SMS code; on success :attr:`ticket` says which card and what will happen."""
        if self.challenge is None:
            return _notice("challenge_unknown", *_REJECTIONS["challenge_unknown"])
        if not code.isdigit() or len(code) != self.challenge.code_length:
            return _notice(
                "otp_format",
                f"请输入短信中的 {self.challenge.code_length} 位验证码。",
                f"Please type the {self.challenge.code_length}-digit code from the SMS.",
            )
        try:
            self.ticket = self.backend.verify_loss_report(self.challenge.challenge_id, LossReportVerify(code=code))
        except BackendRejected as exc:
            if exc.code in _CHALLENGE_SPENT:
                self.challenge = None  # this code can no longer work: the citizen starts again
            return rejection_notice(exc)
        except BackendUnavailable:
            return _unreachable()
        return None

    def confirm(self, reason: str = "lost") -> Notice | None:
        """临时挂失 (online only; one key for every retry). On success :attr:`result` holds the reference."""
        ticket = self.ticket
        if ticket is None:
            return _notice("ticket_missing", *_REJECTIONS["ticket_expired"])
        request = LossReportConfirm(ticket=ticket.ticket, reason="stolen" if reason == "stolen" else "lost")
        try:
            self.result = send_with_one_key(lambda key: self.backend.confirm_loss_report(request, key), self.sleep)
        except BackendRejected as exc:
            return rejection_notice(exc)
        except BackendUnavailable:
            return not_done_notice({"zh": "挂失", "en": "loss report"})
        return None


def unlock_card(
    backend: Backend, session: CitizenSession, sleep: Callable[[float], None] = time.sleep
) -> Notice | None:
    """解挂 with the found card in the reader: online only, one key for every retry; the session becomes full."""
    session.require_unlock()
    try:
        result: CardServiceResult = send_with_one_key(lambda key: backend.unlock_card(session.token, key), sleep)
    except BackendRejected as exc:
        return rejection_notice(exc)
    except BackendUnavailable:
        return not_done_notice({"zh": "解挂", "en": "unlock"})
    session.scope_changed(result.session_scope)
    return None


def _unreachable() -> Notice:
    return _notice(
        "E-BK-003",
        f"暂时无法连接社保业务系统，请稍后再试。{_OTHER_WAYS['zh']}",
        f"The records system cannot be reached now. Please try again later. {_OTHER_WAYS['en']}",
    )
