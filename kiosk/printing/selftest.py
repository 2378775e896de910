"""The printer self-test page (staff mode → 自检 → 3): kiosk id, time and a line of CJK text and digits, in the same
embedded font as the slips, so staff see at once whether characters and digits come out."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Literal

from kiosk.printing.fonts import register_cjk_font


class SelfTestFailed(RuntimeError):
    """The test page did not come out (the reason is the message)."""


def render_test_page(kiosk_id: str, printed_at: datetime, layout: Literal["a4", "receipt80"] = "a4") -> bytes:
    """One small page as PDF bytes (raises PrintingUnavailable without the CJK font)."""
    font = register_cjk_font()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    width, height = A4 if layout == "a4" else (80 * mm, 50 * mm)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle("kiosk printer test page")
    lines = [
        "打印测试页 / Printer test page",
        f"终端 Kiosk {kiosk_id}",
        f"时间 {printed_at:%Y-%m-%d %H:%M:%S}",
        "社保自助终端 0123456789",
    ]
    y = height - 12 * mm
    for number, line in enumerate(lines):
        canvas.setFont(font, 12 if number == 0 else 10)
        canvas.drawString(6 * mm, y, line)
        y -= 7 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
