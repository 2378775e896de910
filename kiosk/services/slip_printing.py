"""Print a slip and tell the citizen what happened (the slip screen of the UI issue calls this)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.printing.fonts import PrintingUnavailable, find_cjk_font
from kiosk.printing.printers import Printer
from kiosk_backend.schemas import SlipDocument

if TYPE_CHECKING:  # reportlab loads on first use (or the warm-up thread), not on the kiosk's start path
    from kiosk.printing.render import Layout

MESSAGES: dict[str, tuple[str, str]] = {
    "printed": ("打印完成，请取走您的权益单", "Printed — please take your slip"),
    "out_of_paper": (
        "打印机缺纸，权益单未打印。请到服务窗口办理或稍后再试",
        "The printer is out of paper; the slip was not printed. Please go to a service counter or try later",
    ),
    "timeout": (
        "打印超时，权益单未打印。请到服务窗口办理",
        "Printing timed out; the slip was not printed. Please go to a service counter",
    ),
    "not_ready": ("打印机暂不可用，权益单未打印", "The printer is not available; the slip was not printed"),
    "unavailable": ("本机暂不能打印权益单", "This kiosk cannot print slips at the moment"),
}
_DEFAULT_FAILURE = ("打印失败，权益单未打印。请到服务窗口办理", "Printing failed; please go to a service counter")


@dataclass(frozen=True)
class SlipPrintOutcome:
    """What the citizen is told and what the kiosk reports to the backend (``printed`` / failed + ``reason``)."""

    printed: bool
    reason: str | None
    message_zh: str
    message_en: str


def _outcome(printed: bool, reason: str | None) -> SlipPrintOutcome:
    zh, en = MESSAGES.get("printed" if printed else (reason or ""), _DEFAULT_FAILURE)
    return SlipPrintOutcome(printed, reason, zh, en)


def printing_offered(printer: Printer) -> bool:
    """Offer printing only when a CJK font is installed and the printer reports ready ("unknown" is not ready)."""
    return find_cjk_font() is not None and printer.status().ready


def print_slip(
    doc: SlipDocument, printer: Printer, *, layout: Layout = "a4", reprint: bool = False
) -> SlipPrintOutcome:
    """Render and print; a reprint in the same session keeps the serial and is marked 补打."""
    try:
        from kiosk.printing.render import render_slip

        pdf = render_slip(doc, layout, reprint=reprint)
    except PrintingUnavailable:
        return _outcome(False, "unavailable")
    result = printer.print_pdf(pdf, f"{doc.serial}{'-reprint' if reprint else ''}")
    return _outcome(result.printed, result.reason)
