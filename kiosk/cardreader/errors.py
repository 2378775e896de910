"""Typed card errors, each with a stable code and a calm citizen-facing message in Chinese and English.

No exception here ever carries PIN digits: messages are fixed texts, the only variable part is a tries-left count.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]


class CardError(Exception):
    """Base of every card problem; ``code`` is stable, ``message(language)`` is what the kiosk shows."""

    code = "card_error"
    zh = "读卡失败，请重新插卡"
    en = "The card could not be read. Please insert it again."

    def __init__(self, detail: str = "", sw: int | None = None) -> None:
        text = f"{self.code}: {detail}" if detail else self.code
        super().__init__(f"{text} (SW {sw:04X})" if sw is not None else text)
        self.detail = detail
        self.sw = sw

    def message(self, language: Language = "zh") -> str:
        """The citizen-facing text."""
        return self.zh if language == "zh" else self.en


class CardRemoved(CardError):
    """The card left the reader (or was reset) during an operation: the operation has ended."""

    code = "card_removed"
    zh = "卡片已拔出"
    en = "The card was removed."


class ReaderUnavailable(CardError):
    """No reader, the reader was unplugged, or the PC/SC service is not running."""

    code = "reader_unavailable"
    zh = "读卡器暂不可用，请联系工作人员"
    en = "The card reader is not available. Please ask a member of staff."


class NoCard(CardError):
    """The reader is empty."""

    code = "no_card"
    zh = "请插入社保卡"
    en = "Please insert your social security card."


class CardUnreadable(CardError):
    """Wrong length / P1P2 / INS / CLA, a file or record missing, or data that makes no sense (读卡失败)."""

    code = "card_unreadable"
    zh = "读卡失败，请重新插卡"
    en = "The card could not be read. Please insert it again."


class CardDataInvalid(CardUnreadable):
    """A record is malformed (truncated TLV, wrong length, bad BCD, invalid GBK …) — 卡片数据异常."""

    code = "card_data_invalid"
    zh = "卡片数据异常，请到窗口办理"
    en = "The data on this card is damaged. Please go to a service counter."


class InvalidIdentity(CardDataInvalid):
    """The 社会保障号码 or 卡号 on the card has a wrong check character: never log such a card in."""

    code = "invalid_identity"
    zh = "卡内身份信息校验失败，请到窗口办理"
    en = "The identity stored on this card failed its check. Please go to a service counter."


class SecurityStatusNotSatisfied(CardError):
    """``6982``: the file needs a verified PIN first."""

    code = "security_status"
    zh = "请先输入密码"
    en = "Please enter your PIN first."


class CardLocked(CardError):
    """``6A81`` / ``9303``: the application or the whole card is locked."""

    code = "card_locked"
    zh = "此卡已锁定，请到窗口办理"
    en = "This card is locked. Please go to a service counter."


class PinError(CardError):
    """Base of PIN problems."""

    code = "pin_error"


class WrongPin(PinError):
    """``63Cx``: wrong PIN, ``tries_left`` tries left."""

    code = "wrong_pin"

    def __init__(self, tries_left: int, sw: int | None = None) -> None:
        super().__init__(f"{tries_left} tries left", sw)
        self.tries_left = tries_left

    def message(self, language: Language = "zh") -> str:
        """密码错误，还可尝试 x 次."""
        if language == "zh":
            return f"密码错误，还可尝试 {self.tries_left} 次"
        return f"Wrong PIN. {self.tries_left} {'try' if self.tries_left == 1 else 'tries'} left."


class PinBlocked(PinError):
    """``6983`` (or no tries left): the PIN is blocked; only a counter can unblock it."""

    code = "pin_blocked"
    zh = "密码已锁定，请到窗口办理解锁"
    en = "Your PIN is blocked. Please go to a service counter to unblock it."


class PinFormatError(PinError):
    """The PIN typed is not 6 digits, or a new PIN is too weak (CARD_SPEC §4)."""

    code = "pin_format"
    zh = "密码须为 6 位数字"
    en = "The PIN must be 6 digits."


class WeakPin(PinFormatError):
    """A new PIN may not be the initial PIN, all one digit, or a run."""

    code = "pin_weak"
    zh = "新密码过于简单（不能是 123456、同一数字或连续数字），请重新设置"
    en = "The new PIN is too simple (not 123456, one repeated digit, or a run). Please choose another."
