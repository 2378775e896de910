"""Gather a person's records into the rows of a slip (SLIP_SPEC §1.2): the summary lines that go into the QR and the
detail table that is printed and digested. Money is printed in yuan from fen; nothing here touches the keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk_backend.errors import ApiError
from kiosk_backend.models import Contribution, Employer, Enrolment
from kiosk_backend.schemas import SlipIssueRequest, SlipKind, SlipSummaryRow

MAX_JFMX_MONTHS = 60

INSURANCE_NAMES = {
    "110": "企业职工基本养老保险",
    "120": "机关事业单位养老保险",
    "170": "城乡居民基本养老保险",
    "210": "失业保险",
    "310": "职工基本医疗保险",
    "390": "城乡居民基本医疗保险",
    "410": "工伤保险",
    "510": "生育保险",
}
STATUS_NAMES = {1: "参保缴费", 2: "暂停缴费", 3: "终止参保"}
KIND_NAMES = {"normal": "正常", "flexible": "灵活就业", "resident": "城乡居民", "supplementary": "补缴"}

# Which contribution columns show that a month counts for an insurance (unit, personal).
_COLUMNS: dict[str, tuple[str, str | None]] = {
    "110": ("pension_unit", "pension_personal"),
    "120": ("pension_unit", "pension_personal"),
    "170": ("pension_unit", "pension_personal"),
    "310": ("medical_unit", "medical_personal"),
    "390": ("medical_unit", "medical_personal"),
    "210": ("unemployment_unit", "unemployment_personal"),
    "410": ("injury_unit", None),
    "510": ("maternity_unit", None),
}


@dataclass(frozen=True)
class SlipRows:
    """What ``issue_slip`` needs besides the holder and the keys."""

    kind: SlipKind
    summary_rows: list[SlipSummaryRow]
    detail_columns: list[str]
    detail_rows: list[list[str | int]]
    period: str | None


def yuan(fen: int) -> str:
    """Fen as printed yuan: ``445764`` → ``"4457.64"`` (negative amounts keep their sign)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _ym(period: int) -> str:
    return f"{period // 100}-{period % 100:02d}"


def _valid_period(value: int) -> bool:
    return 1 <= value % 100 <= 12


def _months_between(first: int, last: int) -> int:
    return (last // 100 - first // 100) * 12 + (last % 100 - first % 100) + 1


def requested_range(request: SlipIssueRequest, today: date) -> tuple[int | None, int | None, str | None]:
    """The months a slip covers (``None`` = the whole history) and its printed period; 422 on a bad period."""
    current = today.year * 100 + today.month
    if request.kind == "CBZM":
        return None, None, None
    if request.kind == "QYJLD":
        year = request.year if request.year is not None else today.year - 1
        if year > today.year:
            raise ApiError(422, "invalid_period", "the year is in the future")
        return year * 100 + 1, year * 100 + 12, str(year)
    first, last = request.from_period, request.to_period
    if first is None or last is None:
        raise ApiError(422, "invalid_period", "缴费明细 needs from_period and to_period (YYYYMM)")
    if not (_valid_period(first) and _valid_period(last)) or first > last:
        raise ApiError(422, "invalid_period", "the period must be YYYYMM with the start not after the end")
    if last > current:
        raise ApiError(422, "invalid_period", "the period ends in the future")
    if _months_between(first, last) > MAX_JFMX_MONTHS:
        raise ApiError(422, "period_too_long", f"缴费明细 covers at most {MAX_JFMX_MONTHS} months per slip")
    return first, last, f"{_ym(first)}至{_ym(last)}"


def gather(db: Session, person_id: int, request: SlipIssueRequest, today: date) -> SlipRows:
    """The summary and detail rows of the requested slip for one person."""
    first, last, period = requested_range(request, today)
    current = today.year * 100 + today.month
    enrolments = db.execute(
        select(Enrolment, Employer.name)
        .outerjoin(Employer, Employer.id == Enrolment.employer_id)
        .where(Enrolment.person_id == person_id)
        .order_by(Enrolment.insurance, Enrolment.start_period)
    ).all()
    where = [Contribution.person_id == person_id]
    if first is not None and last is not None:
        where += [Contribution.period >= first, Contribution.period <= last]
    contributions = db.execute(
        select(Contribution, Employer.name)
        .outerjoin(Employer, Employer.id == Contribution.employer_id)
        .where(*where)
        .order_by(Contribution.period, Contribution.kind)
    ).all()
    summary: list[SlipSummaryRow] = []
    for enrolment, _employer in enrolments:
        start = enrolment.start_period if first is None else max(first, enrolment.start_period)
        end = min(enrolment.end_period or current, current if last is None else last)
        if start > end:
            continue  # not enrolled in this insurance during the period
        unit, personal = _COLUMNS.get(enrolment.insurance, ("base", None))
        months = len(
            {
                c.period
                for c, _name in contributions
                if start <= c.period <= end
                and (getattr(c, unit) > 0 or (personal is not None and getattr(c, personal) > 0))
            }
        )
        status = int(enrolment.status) if enrolment.status in ("1", "2", "3") else 3
        summary.append(
            SlipSummaryRow(
                insurance_code=enrolment.insurance,
                insurance_name=INSURANCE_NAMES.get(enrolment.insurance, enrolment.insurance),
                status_code=status,
                status_name=STATUS_NAMES[status],
                from_period=start,
                to_period=end,
                months=months,
            )
        )
    if request.kind == "CBZM":
        columns = ["险种", "参保单位", "参保状态", "参保年月", "截止年月"]
        rows: list[list[str | int]] = [
            [
                INSURANCE_NAMES.get(e.insurance, e.insurance),
                name or "—",
                STATUS_NAMES.get(int(e.status) if e.status.isdigit() else 3, "终止参保"),
                _ym(e.start_period),
                _ym(e.end_period) if e.end_period is not None else "至今",
            ]
            for e, name in enrolments
        ]
        return SlipRows("CBZM", summary, columns, rows, None)
    if request.kind == "QYJLD":
        columns = ["年月", "缴费基数", "养老个人缴费", "医疗个人缴费", "失业个人缴费", "缴费单位"]
        rows = [
            [
                _ym(c.period),
                yuan(c.base),
                yuan(c.pension_personal),
                yuan(c.medical_personal),
                yuan(c.unemployment_personal),
                name or KIND_NAMES.get(c.kind, c.kind),
            ]
            for c, name in contributions
        ]
        return SlipRows("QYJLD", summary, columns, rows, period)
    columns = ["缴费年月", "类型", "缴费基数", "单位缴费", "个人缴费", "缴费日期"]
    rows = []
    for c, _name in contributions:
        unit_total = c.pension_unit + c.medical_unit + c.unemployment_unit + c.injury_unit + c.maternity_unit
        personal_total = c.pension_personal + c.medical_personal + c.unemployment_personal
        kind = KIND_NAMES.get(c.kind, c.kind)
        rows.append([_ym(c.period), kind, yuan(c.base), yuan(unit_total), yuan(personal_total), c.paid_on.isoformat()])
    return SlipRows("JFMX", summary, columns, rows, period)
