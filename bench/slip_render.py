"""Slip rendering speed: warm render time per slip type and layout, the first slip after start, and the floor.

The floor is a bare reportlab page with the same tables (Paragraph cells, wordWrap='CJK') and the same embedded
font, without header, QR code or page-numbering canvas. Targets (issue #6): ≤ 60 ms median warm for a one-page A4
slip, ≤ 1.3× the floor, first slip ≤ 300 ms after start.

Usage: .venv/bin/python bench/slip_render.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FIRST_SLIP = """
import time
started = time.perf_counter()
from kiosk.printing.render import render_slip, warm_up
imported = time.perf_counter()
if WARM:
    warm_up()
warmed = time.perf_counter()
pdf = render_slip(DOC)
done = time.perf_counter()
print(f"{imported - started:.4f} {done - started:.4f} {done - warmed:.4f}")
"""


def first_slip_after_start(warm: bool) -> tuple[float, float, float]:
    """A fresh interpreter (the document is prepared first, as if it had just arrived from the backend): seconds for
    the imports, for imports + font + first slip, and for the first slip alone after ``warm_up()`` (when ``warm``)."""
    prepare = (
        "from kiosk_backend.services.slip_samples import sample_document\n"
        f"DOC = sample_document('QYJLD')\nWARM = {warm}\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", prepare + FIRST_SLIP], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def floor_pdf(doc: object) -> bytes:
    """The floor: a bare A4 page with the slip's two tables in the same font, nothing else."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from kiosk.printing.fonts import register_cjk_font
    from kiosk.printing.render import TABLE_STYLE

    font = register_cjk_font()
    cell = ParagraphStyle("c", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    width = A4[0] - 30 * mm
    summary = [["险种", "参保状态", "起始年月", "截至年月", "缴费月数"]] + [
        [r.insurance_name, r.status_name, str(r.from_period), str(r.to_period), str(r.months)]
        for r in doc.summary_rows  # type: ignore[attr-defined]
    ]
    details = [doc.detail_columns] + [[str(c) for c in row] for row in doc.detail_rows]  # type: ignore[attr-defined]
    story = []
    for rows in (summary, details):
        widths = [width / len(rows[0])] * len(rows[0])
        table = Table([[Paragraph(c, cell) for c in row] for row in rows], colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle(TABLE_STYLE))
        story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


CLOCK = time.perf_counter  # --cpu: time.process_time (this process's CPU time; steadier on a busy machine)


def _nothing() -> None:
    return None


def interleaved(actions: list[Callable[[], object]], runs: int, before: list[Callable[[], object]]) -> list[float]:
    """Median wall time (ms) of each action, measured in turns (a, b, c, a, b, c, …) so that load from other
    processes on this shared machine hits them alike."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for index, action in enumerate(actions):
            before[index]()
            started = CLOCK()
            action()
            times[index].append(CLOCK() - started)
    return [statistics.median(t) * 1000 for t in times]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cpu", action="store_true", help="measure CPU time of this process instead of wall time")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    print(f"clock: {'CPU time (process_time)' if args.cpu else 'wall time (perf_counter)'}")

    cold = [first_slip_after_start(False) for _ in range(3)]
    imports, first = statistics.median(f[0] for f in cold), statistics.median(f[1] for f in cold)
    print(f"first slip after start, cold (QYJLD A4): {first * 1000:.0f} ms (of which imports {imports * 1000:.0f} ms)")
    after_warm_up = statistics.median(first_slip_after_start(True)[2] for _ in range(3))
    print(f"first slip after start, after warm_up() at start: {after_warm_up * 1000:.0f} ms")

    import qrcode
    import qrcode.constants

    from kiosk.printing.qr import encode_qr, qr_matrix
    from kiosk.printing.render import render_slip
    from kiosk_backend.services.slip_samples import sample_document

    text = sample_document("QYJLD").qr_text

    def library() -> object:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(text, optimize=0)
        code.make()
        return code.get_matrix()

    lib_ms, ours_ms = interleaved([library, lambda: qr_matrix(text)], args.runs, [_nothing, _nothing])
    print(f"QR encode ({len(text)} chars, ECC M): qrcode library {lib_ms:.1f} ms, kiosk.printing.qr {ours_ms:.1f} ms")
    print("warm medians; 'prepared' = QR encoded ahead (prepare_slip, while the preview is shown)")
    head = ("slip", "layout", "pages", "floor", "prepared", "ratio", "+QR encode", "ratio")
    print("{:6} {:10} {:>5} {:>8} {:>9} {:>6} {:>11} {:>6}".format(*head))
    for kind in ("CBZM", "QYJLD", "JFMX"):
        doc = sample_document(kind)  # type: ignore[arg-type]
        for layout in ("a4", "receipt80"):
            pdf = render_slip(doc, layout)  # type: ignore[arg-type]  # warm-up
            floor_pdf(doc)
            pages = pdf.count(b"/Type /Page\n")
            floor, prepared, full = interleaved(
                [
                    lambda doc=doc: floor_pdf(doc),
                    lambda doc=doc, layout=layout: render_slip(doc, layout),
                    lambda doc=doc, layout=layout: render_slip(doc, layout),
                ],
                args.runs,
                [_nothing, _nothing, encode_qr.cache_clear],
            )
            if layout == "a4":
                print(
                    f"{kind:6} {layout:10} {pages:>5} {floor:>6.1f}ms {prepared:>7.1f}ms {prepared / floor:>6.2f}"
                    f" {full:>9.1f}ms {full / floor:>6.2f}"
                )
            else:
                print(f"{kind:6} {layout:10} {pages:>5} {'':>8} {prepared:>7.1f}ms {'':>6} {full:>9.1f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
