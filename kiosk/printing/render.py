"""Render a ``SlipDocument`` to PDF: A4 portrait, or an 80 mm receipt for thermal printers (SLIP_SPEC §5)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.printing.fonts import PrintingUnavailable, register_cjk_font
from kiosk.printing.qr import QrFlowable, encode_qr
from kiosk_backend.schemas import SlipDocument

Layout = Literal["a4", "receipt80"]
BEIJING = timezone(timedelta(hours=8))
REPRINT_MARK = "补打"
QR_SIZE = 37 * mm  # version 12 (65 modules + 2×4 quiet) at ≥ 0.5 mm per module; a bigger code grows
RECEIPT_WIDTH = 80 * mm
FRAME_PADDING = 6  # points: reportlab's default Frame padding on each side
SUMMARY_HEAD = ["险种", "参保状态", "起始年月", "截至年月", "缴费月数"]


def _time(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _ym(period: int) -> str:
    return f"{period // 100:04d}-{period % 100:02d}"


class _Styles:
    """Paragraph styles for one layout; the CJK font wraps anywhere (``wordWrap='CJK'``)."""

    def __init__(self, font: str, scale: float) -> None:
        def style(name: str, size: float, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font, fontSize=size * scale, leading=size * scale * 1.3, wordWrap="CJK", **extra
            )

        self.office = style("office", 11, alignment=1)
        self.title = style("title", 18, alignment=1, spaceAfter=2 * mm)
        self.body = style("body", 9.5)
        self.code = style("code", 10.5)
        self.cell = style("cell", 8.5)
        self.head = style("head", 8.5, textColor=colors.black)
        self.section = style("section", 10.5, spaceBefore=3 * mm, spaceAfter=1.5 * mm)
        self.mark = style("mark", 14, textColor=colors.red, alignment=2)
        self.font = font
        self.pad = 6.0 if scale >= 1 else 2.5  # cell padding left and right (narrow on the receipt)


TABLE_STYLE: list[tuple[Any, ...]] = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
]


def _table(rows: list[list[str]], styles: _Styles, widths: list[float] | None) -> Table:
    data = [[Paragraph(_esc(c), styles.head if r == 0 else styles.cell) for c in row] for r, row in enumerate(rows)]
    table = Table(data, colWidths=widths, repeatRows=1)
    padding = [("LEFTPADDING", (0, 0), (-1, -1), styles.pad), ("RIGHTPADDING", (0, 0), (-1, -1), styles.pad)]
    table.setStyle(TableStyle([*TABLE_STYLE, *padding, ("FONTNAME", (0, 0), (-1, -1), styles.font)]))
    return table


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _TextLines(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Short lines drawn as plain text, without line breaking: header fields of a fixed, known length. (A CJK
    Paragraph measures every character to find break points; these lines never need one.)"""

    def __init__(self, lines: list[str], style: ParagraphStyle) -> None:
        super().__init__()
        self.lines, self.style = lines, style
        self.spaceBefore, self.spaceAfter = style.spaceBefore, style.spaceAfter

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, len(self.lines) * self.style.leading

    def draw(self) -> None:
        canvas: Any = self.canv
        style = self.style
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        top = len(self.lines) * style.leading
        for index, line in enumerate(self.lines):
            y = top - index * style.leading - style.fontSize
            if style.alignment == 1:
                canvas.drawCentredString(self.width / 2, y, line)
            elif style.alignment == 2:
                canvas.drawRightString(self.width, y, line)
            else:
                canvas.drawString(0, y, line)


def _text(lines: list[str], style: ParagraphStyle, width: float) -> Flowable:
    """Plain lines when they fit the width, otherwise a wrapping CJK Paragraph."""
    if all(stringWidth(line, style.fontName, style.fontSize) <= width for line in lines):
        return _TextLines(lines, style)
    return Paragraph("<br/>".join(_esc(line) for line in lines), style)


def _holder_lines(doc: SlipDocument, styles: _Styles, width: float) -> Flowable:
    lines = [
        f"参保人姓名：{doc.holder_name}",
        f"社会保障号码：{doc.masked_id}",
        f"签发时间：{_time(doc.issued_at)}",
        f"有效期至：{_time(doc.valid_until)}",
    ]
    if doc.period:
        lines.append(f"期间：{doc.period}")
    lines.append(f"终端编号：{doc.kiosk_id}")
    return _text(lines, styles.body, width)


def _code_lines(doc: SlipDocument, styles: _Styles, width: float) -> Flowable:
    # serial and check code each on their own line (SLIP_SPEC §5)
    return _text(["查询流水号：", doc.serial, "校验码：", doc.check_code], styles.code, width)


def _story(doc: SlipDocument, layout: Layout, reprint: bool, styles: _Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = []
    if reprint:
        story.append(_text([f"【{REPRINT_MARK}】"], styles.mark, width))
    story.append(_text([doc.issuing_office], styles.office, width))
    title = doc.title + (f"（{REPRINT_MARK}）" if reprint else "")
    story.append(_text([title], styles.title, width))
    qr = QrFlowable(doc.qr_text, QR_SIZE)
    if layout == "a4":
        holder_width = width - qr.size - 62 * mm
        header = Table(
            [[_holder_lines(doc, styles, holder_width), _code_lines(doc, styles, 60 * mm), qr]],
            colWidths=[holder_width, 60 * mm, qr.size + 2 * mm],
        )
        header.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ]
            )
        )
        story.append(header)
    else:
        story.append(_holder_lines(doc, styles, width))
        story.append(_code_lines(doc, styles, width))
        qr_row = Table([[qr]], colWidths=[width])
        qr_row.setStyle(
            TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("FONTNAME", (0, 0), (-1, -1), styles.font)])
        )
        story.append(qr_row)
    story.append(_TextLines(["一、参保情况"], styles.section))
    summary = [SUMMARY_HEAD] + [
        [r.insurance_name, r.status_name, _ym(r.from_period), _ym(r.to_period), str(r.months)] for r in doc.summary_rows
    ]
    story.append(_table(summary, styles, _widths(width, [3, 1.4, 1.3, 1.3, 1.1])))
    if doc.detail_rows:
        story.append(_TextLines(["二、明细"], styles.section))
        details = [doc.detail_columns] + [[str(cell) for cell in row] for row in doc.detail_rows]
        story.append(_table(details, styles, _fit_widths(details, styles, width)))
    if layout == "receipt80":  # the A4 footer carries the hint on every page
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(_esc(doc.verify_hint), styles.body))
    return story


def _fit_widths(rows: list[list[str]], styles: _Styles, total: float) -> list[float]:
    """Column widths: each column's widest data cell; when they do not fit, columns that can wrap (CJK text) give way
    and number-like columns keep their width, so amounts and dates never break."""
    size, pad = styles.cell.fontSize, 2 * styles.pad + 1
    head, body = rows[0], rows[1:] or [rows[0]]
    natural = [max(stringWidth(row[i], styles.font, size) for row in body) + pad for i in range(len(head))]
    natural = [max(width, stringWidth(head[i][:2], styles.font, size) + pad) for i, width in enumerate(natural)]
    if sum(natural) <= total:
        return _widths(total, natural)
    wraps = [any(ord(c) > 0x2E7F for row in body for c in row[i]) for i in range(len(head))]
    fixed = sum(w for w, can_wrap in zip(natural, wraps, strict=True) if not can_wrap)
    flexible = sum(w for w, can_wrap in zip(natural, wraps, strict=True) if can_wrap)
    if flexible == 0 or fixed >= total * 0.85:
        return _widths(total, natural)
    scale = (total - fixed) / flexible
    return [w * scale if can_wrap else w for w, can_wrap in zip(natural, wraps, strict=True)]


def _widths(total: float, weights: list[float]) -> list[float]:
    unit = total / sum(weights)
    return [w * unit for w in weights]


_TOTAL_FORM = "slipPageTotal"


def _page_canvas(font: str) -> type[Canvas]:
    """A canvas in the slip font (no stray, unembedded Helvetica) that fills in 共 N 页 when it is saved: every
    footer refers to one form, defined at the end with the page count (no second pass over the pages)."""

    class PageTotalCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.update(initialFontName=font, initialFontSize=9)
            super().__init__(*args, **kwargs)
            self.footer_size = 7.5

        def save(self) -> None:
            self.beginForm(_TOTAL_FORM)
            self.setFont(font, self.footer_size)
            self.drawString(0, 0, f"共 {self.getPageNumber() - 1} 页")
            self.endForm()
            super().save()

    return PageTotalCanvas


def _footer(font: str, hint: str, layout: Layout) -> Any:
    """The page callback: verification hint (A4) and 第 n 页 共 N 页."""
    size = 7.5 if layout == "a4" else 6.5

    def draw(canvas: Any, _doc: Any) -> None:
        width = canvas._pagesize[0]
        y = 8 * mm if layout == "a4" else 3 * mm
        canvas.saveState()
        canvas.footer_size = size
        canvas.setFont(font, size)
        canvas.setFillColor(colors.black)
        canvas.drawRightString(width / 2 - 2, y, f"第 {canvas.getPageNumber()} 页")
        canvas.translate(width / 2 + 2, y)
        canvas.doForm(_TOTAL_FORM)
        canvas.restoreState()
        if layout == "a4":
            canvas.setFont(font, size)
            canvas.drawCentredString(width / 2, 12 * mm, hint)

    return draw


def warm_up() -> bool:
    """Register the font and build one small table off the citizen's path (call from a worker thread at start);
    returns False when printing is unavailable (no CJK font)."""
    try:
        font = register_cjk_font()
    except PrintingUnavailable:
        return False
    styles = _Styles(font, 1.0)
    _table([["险种", "年月"], ["养老", "2025-01"]], styles, None).wrap(200, 200)
    return True


def prepare_slip(doc: SlipDocument) -> None:
    """Do the slow parts ahead (font registration, QR encoding) while the citizen looks at the preview."""
    register_cjk_font()
    encode_qr(doc.qr_text)


def render_slip(doc: SlipDocument, layout: Layout = "a4", *, reprint: bool = False) -> bytes:
    """The slip as PDF bytes. Raises ``PrintingUnavailable`` when no CJK font is installed."""
    font = register_cjk_font()
    buffer = io.BytesIO()
    if layout == "a4":
        margin = 15 * mm
        width = A4[0] - 2 * margin - 2 * FRAME_PADDING
        styles = _Styles(font, 1.0)
        story = _story(doc, layout, reprint, styles, width)
        template = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=20 * mm
        )
    else:
        margin = 4 * mm
        width = RECEIPT_WIDTH - 2 * margin - 2 * FRAME_PADDING
        styles = _Styles(font, 0.8)
        story = _story(doc, layout, reprint, styles, width)
        height = sum(flow.wrap(width, 10_000)[1] + flow.getSpaceBefore() + flow.getSpaceAfter() for flow in story)
        template = SimpleDocTemplate(
            buffer,
            pagesize=(RECEIPT_WIDTH, height + 2 * margin + 2 * FRAME_PADDING + 12 * mm),  # one long page
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin,
            bottomMargin=margin + 4 * mm,
        )
    template.title = f"{doc.title} {doc.serial}"
    template.author = doc.issuing_office
    footer = _footer(font, doc.verify_hint, layout)
    template.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=_page_canvas(font))
    return buffer.getvalue()
