"""Identifiers of CARD_SPEC.md §6 and REFERENCE.md: check characters and masking (one source for kiosk and backend)."""

from __future__ import annotations

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"
_CARD_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Compound surnames (复姓) keep two characters when a name is masked.
_COMPOUND_SURNAMES_TEXT = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 百里 "
    "呼延 赫连 澹台 公冶 宗政 濮阳 太叔 申屠 钟离 闾丘 东郭 拓跋 万俟"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAMES_TEXT.split(" "))


def ssn_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a 社会保障号码."""
    return _RIC_CHECK[sum(int(c) * w for c, w in zip(body17, _RIC_WEIGHTS, strict=True)) % 11]


def is_valid_ssn(ssn: str) -> bool:
    """18 characters, 17 digits and the right check character (upper-case X)."""
    return len(ssn) == 18 and ssn[:17].isdigit() and ssn[17] == ssn_check_char(ssn[:17])


def card_no_check_char(body8: str) -> str:
    """Check character of a 卡号 body (digits or A–Z worth 0–35)."""
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body8]
    r = 11 - sum(v * w for v, w in zip(values, _CARD_WEIGHTS, strict=True)) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def is_valid_card_no(card_no: str) -> bool:
    """9 characters: 8 of 0-9/A-Z and the right check character."""
    body = card_no[:8]
    return (
        len(card_no) == 9
        and all(c.isdigit() or "A" <= c <= "Z" for c in body)
        and card_no[8] == card_no_check_char(body)
    )


def mask_ssn(ssn: str) -> str:
    """First 6 and last 4 kept: ``111111********1110``."""
    return ssn[:6] + "*" * (len(ssn) - 10) + ssn[-4:] if len(ssn) > 10 else "*" * len(ssn)


def mask_name(name: str) -> str:
    """Surname kept, one ``*`` per other character: ``张*``, ``欧阳**``."""
    surname_len = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:surname_len] + "*" * (len(name) - surname_len)


def mask_phone(phone: str) -> str:
    """First 3 and last 4 kept: ``139****0001``."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "*" * len(phone)


def mask_tail(number: str) -> str:
    """Card and bank numbers: only the last 4 kept."""
    return "*" * max(len(number) - 4, 0) + number[-4:]
