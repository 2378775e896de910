"""The embedded CJK TrueType font. Never reportlab's built-in ``STSong-Light`` CID font: it is not embedded and
digits vanish after CUPS (SLIP_SPEC §5). No CJK TTF found → printing is unavailable."""

from __future__ import annotations

import os
import threading
from pathlib import Path

FONT_NAME = "WenQuanYiMicroHei"
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
_lock = threading.Lock()
_registered: str | None = None


class PrintingUnavailable(RuntimeError):
    """Printing cannot work on this machine (e.g. no CJK font); the kiosk does not offer it."""


def find_cjk_font() -> Path | None:
    """The first WenQuanYi Micro Hei file present (``KIOSK_CJK_FONT`` overrides the search)."""
    override = os.environ.get("KIOSK_CJK_FONT")
    candidates = (Path(override),) if override else CANDIDATES
    return next((path for path in candidates if path.is_file()), None)


def register_cjk_font() -> str:
    """Register the font with reportlab once (subfontIndex 0 of the TTC) and return its name."""
    global _registered
    with _lock:
        if _registered is not None:
            return _registered
        path = find_cjk_font()
        if path is None:
            raise PrintingUnavailable("no CJK TrueType font (fonts-wqy-microhei) is installed")
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        try:
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
        except (TTFError, OSError) as exc:
            raise PrintingUnavailable(f"the CJK font {path} cannot be used: {exc}") from exc
        _registered = FONT_NAME
        return FONT_NAME
