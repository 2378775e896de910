"""The slip QR code: ECC level M, one alphanumeric segment (``optimize=0``), drawn as vector rectangles."""

from __future__ import annotations

import itertools
import re
from typing import Any

import qrcode
import qrcode.constants
import qrcode.util
from reportlab.platypus import Flowable

QUIET_ZONE = 4
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")
_LONG_RUN = re.compile(r"0{5,}|1{5,}")
_flips_by_version: dict[int, list[list[int]]] = {}


def _row_int(row: list[bool | None]) -> int:
    return int("".join("1" if module else "0" for module in row), 2)


def _penalty(rows: list[int], count: int) -> int:
    """ISO 18004 mask penalty, computed exactly as ``qrcode.util.lost_point`` does, on rows held as integers."""
    texts = [format(row, f"0{count}b") for row in rows]
    columns = ["".join(column) for column in zip(*texts, strict=True)]
    lines = texts + columns
    points = sum(len(run) - 2 for line in lines for run in _LONG_RUN.findall(line))
    inner = (1 << (count - 1)) - 1
    for upper, lower in itertools.pairwise(rows):
        same = ~(upper ^ lower)
        points += 3 * (same & (same >> 1) & ~(upper ^ (upper >> 1)) & inner).bit_count()
    points += 40 * sum(len(_FINDER_LIKE.findall(line)) for line in lines)
    dark = sum(row.bit_count() for row in rows)
    return points + int(abs(float(dark) / (count**2) * 100 - 50) / 5) * 10


class _FastMaskQRCode(qrcode.QRCode):  # type: ignore[misc]  # qrcode is untyped
    """``qrcode.QRCode`` choosing the same mask as the library (test-mode matrices, the same penalty), but scoring
    the eight masks with integer and regex operations instead of Python loops over every module (~25 ms → ~3 ms)."""

    modules: list[list[bool | None]]
    modules_count: int
    version: int

    def make(self, fit: bool = True) -> None:
        """Like the library's ``make`` without a fixed mask, but the final matrix is the chosen test-mode matrix
        with the format and version information written in (no second pass over the data)."""
        if fit or self.version is None:
            self.best_fit(start=self.version)
        self.makeImpl(True, 0)
        base = [_row_int(row) for row in self.modules]
        flips = self._flips()
        count = self.modules_count
        best_score, best_rows, best_mask = -1, base, 0
        for mask in range(8):
            rows = [row ^ flip for row, flip in zip(base, flips[mask], strict=True)]
            score = _penalty(rows, count)
            if best_score < 0 or score < best_score:
                best_score, best_rows, best_mask = score, rows, mask
        self.modules = [[c == "1" for c in format(row, f"0{count}b")] for row in best_rows]
        self.setup_type_info(False, best_mask)
        if self.version >= 7:
            self.setup_type_number(False)
        self.mask_pattern_chosen = best_mask

    def _flips(self) -> list[list[int]]:
        """Per mask, per row: the data modules where the mask differs from mask 0 (cached per version)."""
        cached = _flips_by_version.get(self.version)
        if cached is not None:
            return cached
        count = self.modules_count
        self.modules = [list(row) for row in qrcode.main.precomputed_qr_blanks[self.version]]
        self.setup_type_info(True, 0)
        if self.version >= 7:
            self.setup_type_number(True)
        data = [[module is None for module in row] for row in self.modules]
        functions = [qrcode.util.mask_func(mask) for mask in range(8)]
        flips = [
            [
                _row_int([data[r][c] and (functions[mask](r, c) != functions[0](r, c)) for c in range(count)])
                for r in range(count)
            ]
            for mask in range(8)
        ]
        _flips_by_version[self.version] = flips
        self.makeImpl(True, 0)
        return flips


def qr_matrix(text: str) -> tuple[list[list[bool]], int]:
    """The module matrix (with the quiet zone) and the QR version."""
    code = _FastMaskQRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    version: int = code.version
    return matrix, version


def dark_runs(matrix: list[list[bool]]) -> list[tuple[int, int, int]]:
    """``(row, first column, length)`` of every horizontal run of dark modules."""
    runs = []
    for row_index, row in enumerate(matrix):
        col, count = 0, len(row)
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                runs.append((row_index, start, col - start))
            else:
                col += 1
    return runs


class QrFlowable(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A ``size``-point square QR drawn as one filled vector path (one rectangle per dark run)."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        matrix, self.version = qr_matrix(text)
        self.modules = len(matrix)
        self.runs = dark_runs(matrix)
        self.size = size
        self.width = self.height = size

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas: Any = self.canv
        module = self.size / self.modules
        path = canvas.beginPath()
        for row, col, length in self.runs:
            path.rect(col * module, self.size - (row + 1) * module, length * module, module)
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
