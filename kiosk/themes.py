"""The kiosk's two colour themes: a calm standard one and a high-contrast one (WCAG 1.4.6, 7:1 and more)."""

from __future__ import annotations

from textual.cache import LRUCache
from textual.css.stylesheet import Stylesheet
from textual.theme import Theme

STANDARD = Theme(
    name="kiosk-standard",
    primary="#4FA3E0",
    secondary="#2E6DA4",
    accent="#F0B400",
    warning="#F0B400",
    error="#FF6B6B",
    success="#5CCB7A",
    foreground="#E8EEF4",
    background="#0F1A24",
    surface="#16242F",
    panel="#1D3A52",
    dark=True,
)

HIGH_CONTRAST = Theme(
    name="kiosk-high-contrast",
    primary="#FFFF00",
    secondary="#FFFFFF",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF8080",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#000000",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
)

THEMES = (STANDARD, HIGH_CONTRAST)


def theme_name(high_contrast: bool) -> str:
    """The registered name of the theme to show."""
    return HIGH_CONTRAST.name if high_contrast else STANDARD.name


class CachedStylesheet(Stylesheet):
    """Textual's stylesheet without repeated parsing.

    Textual re-parses every source from scratch, without its parse cache, on each theme refresh and on the first
    push of each screen that brings a CSS file (~20–40 ms each on the kiosk's machine, on the path to the first paint
    and to every first-time screen). Here a re-parse goes through the cache, which Textual clears itself whenever the
    variables change, and setting identical variables keeps it. (textual is pinned; this relies on 8.x internals.)
    """

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._parse_cache = LRUCache(256)  # Textual's 64 is fewer than the kiosk's sources: a full parse would miss all

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)

    def reparse(self) -> None:
        self.parse()
