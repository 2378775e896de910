"""The slip QR code: ECC level M, one alphanumeric segment (``optimize=0``), drawn as vector rectangles."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.exceptions
import qrcode.LUT
import qrcode.util
from reportlab.platypus import Flowable

QUIET_ZONE = 4
MIN_MODULE = 0.5 * 72 / 25.4  # 0.5 mm in points (SLIP_SPEC §3)
_LONG_RUN = re.compile(r"0{5,}|1{5,}")
_flips_by_version: dict[int, tuple[list[list[int]], list[list[int]]]] = {}


_ALPHA_INDEX = {char: index for index, char in enumerate(qrcode.util.ALPHA_NUM)}
_EXP, _LOG = qrcode.base.EXP_TABLE, qrcode.base.LOG_TABLE
_generator_cache: dict[int, list[list[int]]] = {}
_placement_cache: dict[int, tuple[list[tuple[int, int]], list[bool]]] = {}


def _alnum_bits(data: bytes) -> str:
    """The data bits of one alphanumeric segment: pairs in 11 bits, a trailing single in 6."""
    values = [_ALPHA_INDEX[c] for c in data]
    pairs = [format(values[i] * 45 + values[i + 1], "011b") for i in range(0, len(values) - 1, 2)]
    if len(values) % 2:
        pairs.append(format(values[-1], "06b"))
    return "".join(pairs)


def _generator_rows(count: int) -> list[list[int]]:
    """For every factor 0–255: the generator polynomial of ``count`` EC codewords multiplied by it (cached)."""
    rows = _generator_cache.get(count)
    if rows is None:
        logs = [_LOG[c] for c in qrcode.LUT.rsPoly_LUT[count][1:]]
        rows = [[0] * count] + [[_EXP[(g + _LOG[f]) % 255] for g in logs] for f in range(1, 256)]
        _generator_cache[count] = rows
    return rows


def _ec_codewords(data: list[int], count: int) -> list[int]:
    """Reed–Solomon remainder of ``data`` by the generator of ``count`` codewords (LFSR over GF(256) tables)."""
    rows = _generator_rows(count)
    remainder = [0] * count
    for byte in data:
        row = rows[byte ^ remainder[0]]
        remainder = [a ^ b for a, b in zip(remainder[1:], row, strict=False)] + [row[-1]]
    return remainder


def _alnum_codewords(data_list: list[qrcode.util.QRData], version: int, ecc: int) -> list[int]:
    """``qrcode.util.create_data`` for alphanumeric segments, with string bit-packing and table RS arithmetic."""
    bits = "".join(
        format(d.mode, "04b") + format(len(d), f"0{qrcode.util.length_in_bits(d.mode, version)}b") + _alnum_bits(d.data)
        for d in data_list
    )
    blocks = qrcode.base.rs_blocks(version, ecc)
    limit = sum(block.data_count * 8 for block in blocks)
    bits += "0" * min(limit - len(bits), 4)
    bits += "0" * (-len(bits) % 8)
    codewords = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]
    codewords += [qrcode.util.PAD0 if i % 2 == 0 else qrcode.util.PAD1 for i in range(limit // 8 - len(codewords))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = codewords[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_ec_codewords(chunk, block.total_count - block.data_count))
    interleaved = [b[i] for i in range(max(map(len, data_blocks))) for b in data_blocks if i < len(b)]
    return interleaved + [b[i] for i in range(max(map(len, ec_blocks))) for b in ec_blocks if i < len(b)]


def _row_int(row: list[bool | None]) -> int:
    return int("".join("1" if module else "0" for module in row), 2)


def _transpose(rows: list[int], count: int) -> list[int]:
    """Columns as integers (bit order as for rows)."""
    texts = [format(row, f"0{count}b") for row in rows]
    return [int("".join(column), 2) for column in zip(*texts, strict=True)]


def _penalty(rows: list[int], columns: list[int], count: int) -> int:
    """ISO 18004 mask penalty, computed exactly as ``qrcode.util.lost_point`` does, on rows and columns held as
    integers."""
    width = f"0{count}b"
    lines = "2".join([format(line, width) for line in rows + columns])  # "2" ends a line: no run crosses it
    runs = _LONG_RUN.findall(lines)
    points = sum(map(len, runs)) - 2 * len(runs)
    inner = (1 << (count - 1)) - 1
    for upper, lower in itertools.pairwise(rows):
        same = ~(upper ^ lower)
        points += 3 * (same & (same >> 1) & ~(upper ^ (upper >> 1)) & inner).bit_count()
    # neither pattern can overlap itself or the other, so plain (non-overlapping) counting is exact
    points += 40 * (lines.count("10111010000") + lines.count("00001011101"))
    dark = sum(row.bit_count() for row in rows)
    return points + int(abs(float(dark) / (count**2) * 100 - 50) / 5) * 10


class _FastMaskQRCode(qrcode.QRCode):  # type: ignore[misc]  # qrcode is untyped
    """``qrcode.QRCode`` choosing the same mask as the library (test-mode matrices, the same penalty), but scoring
    the eight masks with integer and regex operations instead of Python loops over every module (~25 ms → ~3 ms)."""

    modules: list[list[bool | None]]
    modules_count: int
    version: int
    _version: int | None

    def make(self, fit: bool = True) -> None:
        """Like the library's ``make`` without a fixed mask, but the final matrix is the chosen test-mode matrix
        with the format and version information written in (no second pass over the data)."""
        alnum = all(d.mode == qrcode.util.MODE_ALPHA_NUM for d in self.data_list)
        if fit or self._version is None:
            self._fit(alnum)
        if alnum:
            self.data_cache = _alnum_codewords(self.data_list, self.version, self.error_correction)
        self.makeImpl(True, 0)
        count = self.modules_count
        base = [_row_int(row) for row in self.modules]
        base_columns = _transpose(base, count)
        flips, flip_columns = self._flips()
        best_score, best_rows, best_mask = -1, base, 0
        for mask in range(8):
            rows = [row ^ flip for row, flip in zip(base, flips[mask], strict=True)]
            columns = [col ^ flip for col, flip in zip(base_columns, flip_columns[mask], strict=True)]
            score = _penalty(rows, columns, count)
            if best_score < 0 or score < best_score:
                best_score, best_rows, best_mask = score, rows, mask
        self.modules = [[c == "1" for c in format(row, f"0{count}b")] for row in best_rows]
        self.setup_type_info(False, best_mask)
        if self.version >= 7:
            self.setup_type_number(False)
        self.mask_pattern_chosen = best_mask

    def map_data(self, data: list[int], mask_pattern: int) -> None:
        """The library's zig-zag placement, with the module order and mask cached per version and mask."""
        key = self.version * 8 + mask_pattern
        cached = _placement_cache.get(key)
        if cached is None:
            positions = self._zigzag()
            mask = qrcode.util.mask_func(mask_pattern)
            cached = (positions, [bool(mask(r, c)) for r, c in positions])
            _placement_cache[key] = cached
        positions, masked = cached
        bits = "".join(format(byte, "08b") for byte in data).ljust(len(positions), "0")
        modules = self.modules
        for (r, c), bit, flip in zip(positions, bits, masked, strict=False):
            modules[r][c] = (bit == "1") != flip

    def _zigzag(self) -> list[tuple[int, int]]:
        """Data module positions in placement order (the empty cells, two columns at a time, up and down)."""
        positions: list[tuple[int, int]] = []
        count, row, step = self.modules_count, self.modules_count - 1, -1
        for col in range(count - 1, 0, -2):
            col = col - 1 if col <= 6 else col
            while 0 <= row < count:
                positions.extend((row, c) for c in (col, col - 1) if self.modules[row][c] is None)
                row += step
            row -= step
            step = -step
        return positions

    def _fit(self, alnum: bool) -> None:
        """The smallest version that holds the data (the library's rule; bit count computed, not written out)."""
        if not alnum:
            self.best_fit(start=self._version)
            return
        start = self._version or 1  # not .version: that property runs the slow best_fit
        while True:
            sizes = qrcode.util.mode_sizes_for_version(start)
            needed = sum(4 + sizes[d.mode] + 11 * (len(d) // 2) + 6 * (len(d) % 2) for d in self.data_list)
            version = bisect.bisect_left(qrcode.util.BIT_LIMIT_TABLE[self.error_correction], needed, start)
            if version == 41:
                raise qrcode.exceptions.DataOverflowError()
            if qrcode.util.mode_sizes_for_version(version) is sizes:
                self.version = version
                return
            start = version

    def _flips(self) -> tuple[list[list[int]], list[list[int]]]:
        """Per mask, per row and per column: the data modules where the mask differs from mask 0 (cached per
        version)."""
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
        cached = (flips, [_transpose(rows, count) for rows in flips])
        _flips_by_version[self.version] = cached
        self.makeImpl(True, 0)
        return cached


@dataclass(frozen=True)
class QrCode:
    """An encoded QR code: its size in modules (quiet zone included), version, and dark runs as PDF path text."""

    modules: int
    version: int
    path: str  # "col row length 1 re" per horizontal dark run, in module units, origin bottom-left


def qr_matrix(text: str) -> tuple[list[list[bool]], int]:
    """The module matrix (with the quiet zone) and the QR version."""
    code = _FastMaskQRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    version: int = code.version
    return matrix, version


@functools.lru_cache(maxsize=16)
def encode_qr(text: str) -> QrCode:
    """Encode once per slip (a reprint or the preview step reuses it)."""
    matrix, version = qr_matrix(text)
    count = len(matrix)
    path = " ".join(f"{col} {count - row - 1} {length} 1 re" for row, col, length in dark_runs(matrix))
    return QrCode(count, version, path)


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
    """A ``size``-point square QR drawn as vectors: one filled path, one rectangle per dark run, in module units."""

    def __init__(self, text: str, size: float, min_module: float = MIN_MODULE) -> None:
        super().__init__()
        self.code = encode_qr(text)
        self.size = max(size, self.code.modules * min_module)  # grows rather than print modules under 0.5 mm
        self.width = self.height = self.size

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas: Any = self.canv
        module = self.size / self.code.modules
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        canvas.scale(module, module)
        canvas.addLiteral(self.code.path + " f")
        canvas.restoreState()
