"""The kiosk's two colour themes: a calm standard one and a high-contrast one (WCAG 1.4.6, 7:1 and more)."""

from __future__ import annotations

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
