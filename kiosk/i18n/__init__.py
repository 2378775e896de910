"""Message catalogs: Chinese first (``zh``), English second (``en``).

Screens never hold literal user-facing text; they ask :func:`tr` for a key in the current language.
"""

from __future__ import annotations

from typing import Literal

from kiosk.i18n import en, zh_CN

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

_CATALOGS: dict[Language, dict[str, str]] = {"zh": zh_CN.MESSAGES, "en": en.MESSAGES}


def tr(key: str, language: Language, **values: object) -> str:
    """The message ``key`` in ``language``, formatted with ``values``; falls back to Chinese, then the key."""
    template = _CATALOGS[language].get(key) or zh_CN.MESSAGES.get(key) or key
    return template.format(**values) if values else template


def other_language(language: Language) -> Language:
    """The language the switch button offers."""
    return "en" if language == "zh" else "zh"


def in_all_languages(key: str, **values: object) -> dict[str, str]:
    """The message ``key`` in every language (for screens that switch language while shown)."""
    return {str(language): tr(key, language, **values) for language in LANGUAGES}
