"""What a query screen shows, as plain data: the services build these from the backend's answers, screens draw them.

Keeping the shape here (no Textual) lets every query share one screen and keeps business rules out of screens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Column:
    """A table column: its catalog label key and alignment (money and counts align right)."""

    label_key: str
    align: Align = "left"
    width: int | None = None  # cells; long text (names of employers, institutions) is cut to fit the screen


@dataclass(frozen=True)
class TableView:
    """Rows of already formatted, already masked text, an optional totals row, and paging."""

    title_key: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[str, ...] | None = None
    page: int = 1
    pages: int = 1
    note_key: str | None = None


@dataclass(frozen=True)
class FieldsView:
    """Label/value pairs (e.g. 个人基本信息); values already formatted and masked."""

    title_key: str
    fields: tuple[tuple[str, str], ...]
    note_key: str | None = None


QueryView = TableView | FieldsView


@dataclass(frozen=True)
class PeriodOption:
    """A choice of period on a query screen (e.g. 近一年 = the last 12 months)."""

    key: str
    label_key: str


@dataclass(frozen=True)
class QueryRequest:
    """What the screen asks for: a period (if the query has periods) and a page."""

    period: str | None = None
    page: int = 1


@dataclass(frozen=True)
class QuerySpec:
    """One query the menu offers: its title, its loader (blocking: runs in a worker thread) and its periods."""

    key: str
    title_key: str
    load: Callable[[QueryRequest], QueryView]
    periods: tuple[PeriodOption, ...] = field(default_factory=tuple)


def yuan(fen: int) -> str:
    """Money in fen as yuan with thousands separators: ``123456`` → ``1,234.56``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def period_text(yyyymm: int) -> str:
    """``202411`` → ``2024-11``."""
    return f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"
