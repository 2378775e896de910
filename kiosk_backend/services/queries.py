"""The personal queries of the Ningxia service guide, for one person (the citizen token decides who)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Result, and_, bindparam, func, select
from sqlalchemy.orm import Session

from kiosk_backend.clock import aware
from kiosk_backend.errors import ApiError
from kiosk_backend.fastdb import FastDb, Query
from kiosk_backend.identifiers import mask_tail
from kiosk_backend.models import (
    Benefit,
    BenefitComponent,
    BenefitPayment,
    Card,
    CardStatusChange,
    Case,
    CaseStep,
    CitizenSession,
    Contribution,
    DisabilityAssessment,
    Employer,
    Enrolment,
    InjuryDetermination,
    MedicalAccount,
    MedicalAccountTxn,
    MedicalContract,
    MedicalVisit,
    OneTimeBenefit,
    PensionAccountYear,
    Person,
    Staff,
    Transfer,
)
from kiosk_backend.schemas import (
    BenefitComponentItem,
    BenefitItem,
    BenefitPaymentItem,
    BenefitPaymentPage,
    Benefits,
    CardInfo,
    CardStatusEvent,
    CaseItem,
    Cases,
    CaseStepItem,
    DisabilityAssessmentItem,
    Injuries,
    InjuryItem,
    MedicalContractItem,
    MedicalContracts,
    MedicalVisitItem,
    MedicalVisitPage,
    OneTimeBenefitItem,
    OneTimeBenefits,
    PensionAccount,
    PensionAccountYearItem,
    PersonInfo,
    TransferItem,
    Transfers,
)
from kiosk_backend.services.citizen_sessions import LIVE_FULL_SESSION, SESSION_BY_HASH, SessionProbe

MONEY_COLUMNS = (
    "pension_personal",
    "pension_unit",
    "medical_personal",
    "medical_unit",
    "unemployment_personal",
    "unemployment_unit",
    "injury_unit",
    "maternity_unit",
)


CONTRIBUTION_COLUMNS = ("period", "kind", "base", *MONEY_COLUMNS, "paid_on")


def _dicts(result: Result[*tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows as plain dicts: pydantic validates a dict far faster than a ``RowMapping`` (a generic Mapping)."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _dt(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


def person_info(db: Session, person_id: int) -> PersonInfo:
    """个人基本信息."""
    person = db.get(Person, person_id)
    if person is None:
        raise ApiError(404, "person_unknown", "no such person")
    staff = db.get(Staff, person_id)
    return PersonInfo(
        ssn=person.ssn,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        ethnic=person.ethnic,
        household_region=person.household_region,
        household_type=person.household_type,
        phone=person.phone,
        address=person.address,
        work_start=person.work_start,
        role="staff" if staff is not None and staff.active else "citizen",
    )


_ENROLMENTS = Query(  # the person's insurances, read only when the token's session is live: one statement
    select(
        CitizenSession.person_id,
        Enrolment.insurance,
        Enrolment.status,
        Enrolment.start_period,
        Enrolment.end_period,
        Employer.name.label("employer_name"),
        Enrolment.region,
    )
    .select_from(CitizenSession)
    .outerjoin(Enrolment, Enrolment.person_id == CitizenSession.person_id)
    .outerjoin(Employer, Employer.id == Enrolment.employer_id)
    .where(CitizenSession.token_hash == bindparam("token_hash"), LIVE_FULL_SESSION)
    .order_by(Enrolment.insurance, Enrolment.start_period)
)
_ENROLMENT_KEYS = ("insurance", "status", "start_period", "end_period", "employer_name", "region")
_SESSION_BY_HASH = Query(SESSION_BY_HASH)

# The three busiest queries (enrolments, contributions, medical account) read the person's rows in one statement
# that also checks the token: the session is selected by its hash with LIVE_FULL_SESSION in the WHERE clause and
# outer-joined to the data, so a live session always yields a row (with NULL data when there is none) and a session
# that is not live yields nothing. The first column is the session's person. Pages fetch one row more than asked:
# when that row is absent the page holds the whole range, and its totals are summed here instead of by a second
# statement.


async def _live_person(db: FastDb, probe: SessionProbe, rows: Sequence[Sequence[Any]]) -> int:
    """The person of a live session (``rows`` came from a statement that checked it); without rows, the session
    is looked up alone — the precise 401 / 403, or an offset past the end."""
    if rows:
        return int(rows[0][0])
    row = await db.first(_SESSION_BY_HASH, {"token_hash": probe.token_hash})
    return probe.citizen(row, full_scope=True).person_id


async def enrolments(db: FastDb, probe: SessionProbe) -> bytes:
    """个人参保信息 (JSON of :class:`Enrolments`); the token is checked in the same statement."""
    rows = await db.all(_ENROLMENTS, probe.params())
    await _live_person(db, probe, rows)
    return to_json({"items": [dict(zip(_ENROLMENT_KEYS, row[1:], strict=True)) for row in rows if row[1] is not None]})


@functools.cache
def _contribution_statements(has_from: bool, has_to: bool, has_kind: bool) -> tuple[Query, Query]:
    """(page with the token check, sums) for one combination of filters, built once (building a statement costs
    more than running it). The sums run only when the page does not hold the whole range."""
    filters: list[Any] = []
    if has_from:
        filters.append(Contribution.period >= bindparam("from_period"))
    if has_to:
        filters.append(Contribution.period <= bindparam("to_period"))
    if has_kind:
        filters.append(Contribution.kind == bindparam("kind"))
    page = (  # plain columns, no ORM objects: a page is up to 500 rows
        select(
            CitizenSession.person_id,
            *(getattr(Contribution, name) for name in CONTRIBUTION_COLUMNS),
            Employer.name.label("employer_name"),
        )
        .select_from(CitizenSession)
        .outerjoin(Contribution, and_(Contribution.person_id == CitizenSession.person_id, *filters))
        .outerjoin(Employer, Employer.id == Contribution.employer_id)
        .where(CitizenSession.token_hash == bindparam("token_hash"), LIVE_FULL_SESSION)
        .order_by(Contribution.period.desc(), Contribution.kind)
        .limit(bindparam("limit_plus_one"))
        .offset(bindparam("offset"))
    )
    sums = select(func.count(), *(func.coalesce(func.sum(getattr(Contribution, c)), 0) for c in MONEY_COLUMNS)).where(
        Contribution.person_id == bindparam("person_id"), *filters
    )
    return Query(page), Query(sums)


_CONTRIBUTION_KEYS = (*CONTRIBUTION_COLUMNS, "employer_name")
_FIRST_MONEY = CONTRIBUTION_COLUMNS.index(MONEY_COLUMNS[0])


async def contributions(
    db: FastDb,
    probe: SessionProbe,
    validate: Callable[[], None],
    from_period: int | None,
    to_period: int | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> bytes:
    """个人缴费信息 (JSON of :class:`ContributionPage`): months in ``[from_period, to_period]``, newest first, with
    totals over the whole range. ``validate`` runs once the token is checked (401 / 403 come before 422)."""
    page_query, sums_query = _contribution_statements(from_period is not None, to_period is not None, kind is not None)
    params = {
        **probe.params(),
        "from_period": from_period,
        "to_period": to_period,
        "kind": kind,
        "limit_plus_one": limit + 1,
        "offset": offset,
    }
    rows = await db.all(page_query, params)
    person_id = await _live_person(db, probe, rows)
    validate()
    months = [row[1:] for row in rows if row[1] is not None]
    if offset == 0 and len(months) <= limit:  # the whole range is here
        count = len(months)
        columns = list(zip(*months, strict=True)) if months else [()] * len(_CONTRIBUTION_KEYS)
        money = [sum(columns[_FIRST_MONEY + i]) for i in range(len(MONEY_COLUMNS))]
    else:
        sums = await db.first(sums_query, {**params, "person_id": person_id})
        assert sums is not None  # an aggregate always answers one row
        count, money = sums[0], [int(value) for value in sums[1:]]
    return to_json(
        {
            # the statement selects exactly these columns; a strict zip costs ~25 % more on a 240-month page
            "items": [dict(zip(_CONTRIBUTION_KEYS, month, strict=False)) for month in months[:limit]],
            "total": count,
            "limit": limit,
            "offset": offset,
            "totals": {"months": count, **dict(zip(MONEY_COLUMNS, money, strict=True))},
        }
    )


def card_info(db: Session, card_pk: int) -> CardInfo:
    """社会保障持卡 / 发卡信息, with the status history."""
    card = db.get(Card, card_pk)
    if card is None:
        raise ApiError(404, "card_unknown", "this card is not on record")
    history = db.execute(
        select(CardStatusChange).where(CardStatusChange.card_pk == card_pk).order_by(CardStatusChange.changed_at)
    ).scalars()
    return CardInfo(
        card_no=card.card_no,
        region=card.region,
        issued_on=card.issued_on,
        expires_on=card.expires_on,
        bank=card.bank,
        bank_account_masked=mask_tail(card.bank_account),
        status=card.status,
        loss_expires_at=_dt(card.loss_expires_at),
        history=[
            CardStatusEvent(
                from_status=h.from_status,
                to_status=h.to_status,
                changed_at=aware(h.changed_at),
                channel=h.channel,
            )
            for h in history
        ],
    )


@functools.cache
def _medical_statements(has_from: bool, has_to: bool) -> tuple[Query, Query]:
    """(page with the token check and the balance, balance + count) of the account for one combination of
    filters, built once. The second runs only when the page does not hold every transaction in range."""
    filters: list[Any] = []
    if has_from:
        filters.append(MedicalAccountTxn.occurred_at >= bindparam("date_from"))
    if has_to:
        filters.append(MedicalAccountTxn.occurred_at < bindparam("date_to"))
    page = (
        select(
            CitizenSession.person_id,
            MedicalAccount.balance,
            MedicalAccount.updated_at,
            MedicalAccountTxn.occurred_at,
            MedicalAccountTxn.kind,
            MedicalAccountTxn.amount,
            MedicalAccountTxn.balance_after,
            MedicalAccountTxn.description,
        )
        .select_from(CitizenSession)
        .outerjoin(MedicalAccount, MedicalAccount.person_id == CitizenSession.person_id)
        .outerjoin(MedicalAccountTxn, and_(MedicalAccountTxn.person_id == CitizenSession.person_id, *filters))
        .where(CitizenSession.token_hash == bindparam("token_hash"), LIVE_FULL_SESSION)
        .order_by(MedicalAccountTxn.occurred_at.desc())
        .limit(bindparam("limit_plus_one"))
        .offset(bindparam("offset"))
    )
    person = MedicalAccount.person_id == bindparam("person_id")
    head = select(  # three scalar subqueries: an answer even without an account row
        select(MedicalAccount.balance).where(person).scalar_subquery(),
        select(MedicalAccount.updated_at).where(person).scalar_subquery(),
        select(func.count())
        .select_from(MedicalAccountTxn)
        .where(MedicalAccountTxn.person_id == bindparam("person_id"), *filters)
        .scalar_subquery(),
    )
    return Query(page), Query(head)


async def medical_account(
    db: FastDb,
    probe: SessionProbe,
    validate: Callable[[], None],
    date_from: date | None,
    date_to: date | None,
    limit: int,
    offset: int,
) -> bytes:
    """职工医疗保险个人账户 (JSON of :class:`MedicalAccountPage`): balance and a page of transactions, newest first.
    ``validate`` runs once the token is checked (401 / 403 come before 422)."""
    page_query, head_query = _medical_statements(date_from is not None, date_to is not None)
    params = {
        **probe.params(),
        "date_from": None if date_from is None else datetime.combine(date_from, time.min, tzinfo=UTC),
        "date_to": None if date_to is None else datetime.combine(date_to, time.max, tzinfo=UTC),
        "limit_plus_one": limit + 1,
        "offset": offset,
    }
    rows = await db.all(page_query, params)
    person_id = await _live_person(db, probe, rows)
    validate()
    items = [row[3:] for row in rows if row[3] is not None]
    if rows and offset == 0 and len(items) <= limit:  # every transaction in range is here
        balance, updated_at, total = rows[0][1], rows[0][2], len(items)
    else:
        head = await db.first(head_query, {**params, "person_id": person_id})
        assert head is not None  # scalar subqueries always answer one row
        balance, updated_at, total = head
    return to_json(
        {
            "balance": balance if balance is not None else 0,
            "updated_at": _dt(updated_at),
            "items": [
                {"occurred_at": aware(at), "kind": kind, "amount": amount, "balance_after": after, "description": text}
                for at, kind, amount, after, text in items[:limit]
            ],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


def pension_account(db: Session, person_id: int, from_year: int | None, to_year: int | None) -> PensionAccount:
    """养老保险个人账户, year by year."""
    where: list[Any] = [PensionAccountYear.person_id == person_id]
    if from_year is not None:
        where.append(PensionAccountYear.year >= from_year)
    if to_year is not None:
        where.append(PensionAccountYear.year <= to_year)
    rows = list(db.execute(select(PensionAccountYear).where(*where).order_by(PensionAccountYear.year)).scalars())
    latest = db.execute(
        select(PensionAccountYear.closing)
        .where(PensionAccountYear.person_id == person_id)
        .order_by(PensionAccountYear.year.desc())
        .limit(1)
    ).scalar_one_or_none()
    return PensionAccount(
        balance=latest or 0,
        items=[
            PensionAccountYearItem(
                year=r.year,
                insurance=r.insurance,
                months=r.months,
                opening=r.opening,
                credits=r.credits,
                interest=r.interest,
                closing=r.closing,
                rate_bp=r.rate_bp,
            )
            for r in rows
        ],
    )


def benefits(db: Session, person_id: int) -> Benefits:
    """定期待遇审批 + 构成."""
    rows = list(
        db.execute(select(Benefit).where(Benefit.person_id == person_id).order_by(Benefit.approved_on)).scalars()
    )
    components: dict[int, list[BenefitComponentItem]] = {r.id: [] for r in rows}
    if rows:
        for c in db.execute(select(BenefitComponent).where(BenefitComponent.benefit_id.in_(components))).scalars():
            components[c.benefit_id].append(BenefitComponentItem(item=c.item, amount=c.amount))
    return Benefits(
        items=[
            BenefitItem(
                id=b.id,
                kind=b.kind,
                insurance=b.insurance,
                approval_no=b.approval_no,
                approved_on=b.approved_on,
                start_period=b.start_period,
                end_period=b.end_period,
                monthly_amount=b.monthly_amount,
                status=b.status,
                components=components[b.id],
            )
            for b in rows
        ]
    )


def benefit_payments(
    db: Session,
    person_id: int,
    benefit_id: int,
    from_period: int | None,
    to_period: int | None,
    limit: int,
    offset: int,
) -> BenefitPaymentPage:
    """定期待遇发放 of one of the person's benefits (404 for anyone else's)."""
    owner = db.execute(select(Benefit.person_id).where(Benefit.id == benefit_id)).scalar_one_or_none()
    if owner != person_id:
        raise ApiError(404, "benefit_unknown", "no such benefit for this person")
    where: list[Any] = [BenefitPayment.benefit_id == benefit_id]
    if from_period is not None:
        where.append(BenefitPayment.period >= from_period)
    if to_period is not None:
        where.append(BenefitPayment.period <= to_period)
    count, amount = db.execute(
        select(func.count(), func.coalesce(func.sum(BenefitPayment.amount), 0)).where(*where)
    ).one()
    rows = db.execute(
        select(BenefitPayment).where(*where).order_by(BenefitPayment.period.desc()).limit(limit).offset(offset)
    ).scalars()
    return BenefitPaymentPage(
        benefit_id=benefit_id,
        items=[
            BenefitPaymentItem(
                period=p.period, amount=p.amount, paid_on=p.paid_on, bank_account_tail=p.bank_account_tail
            )
            for p in rows
        ],
        total=count,
        limit=limit,
        offset=offset,
        total_amount=int(amount),
    )


def one_time_benefits(db: Session, person_id: int) -> OneTimeBenefits:
    """一次性待遇发放."""
    rows = db.execute(
        select(OneTimeBenefit).where(OneTimeBenefit.person_id == person_id).order_by(OneTimeBenefit.approved_on)
    ).scalars()
    return OneTimeBenefits(
        items=[
            OneTimeBenefitItem(
                kind=o.kind,
                insurance=o.insurance,
                amount=o.amount,
                approved_on=o.approved_on,
                paid_on=o.paid_on,
                status=o.status,
            )
            for o in rows
        ]
    )


def cases(db: Session, person_id: int) -> Cases:
    """办件进度."""
    rows = list(
        db.execute(select(Case).where(Case.person_id == person_id).order_by(Case.submitted_at.desc())).scalars()
    )
    steps: dict[int, list[CaseStepItem]] = {c.id: [] for c in rows}
    if rows:
        for s in db.execute(select(CaseStep).where(CaseStep.case_id.in_(steps)).order_by(CaseStep.seq)).scalars():
            steps[s.case_id].append(
                CaseStepItem(seq=s.seq, step=s.step, done_at=_dt(s.done_at), office=s.office, result=s.result)
            )
    return Cases(
        items=[
            CaseItem(
                case_no=c.case_no,
                service=c.service,
                channel=c.channel,
                submitted_at=aware(c.submitted_at),
                status=c.status,
                steps=steps[c.id],
            )
            for c in rows
        ]
    )


def medical_visits(
    db: Session, person_id: int, date_from: date | None, date_to: date | None, limit: int, offset: int
) -> MedicalVisitPage:
    """就医信息, newest first."""
    where: list[Any] = [MedicalVisit.person_id == person_id]
    if date_from is not None:
        where.append(MedicalVisit.visit_date >= date_from)
    if date_to is not None:
        where.append(MedicalVisit.visit_date <= date_to)
    total = db.execute(select(func.count()).select_from(MedicalVisit).where(*where)).scalar_one()
    rows = db.execute(
        select(MedicalVisit).where(*where).order_by(MedicalVisit.visit_date.desc()).limit(limit).offset(offset)
    ).scalars()
    return MedicalVisitPage(
        items=[
            MedicalVisitItem(
                visit_date=v.visit_date,
                kind=v.kind,
                institution=v.institution,
                diagnosis=v.diagnosis,
                total=v.total,
                fund_paid=v.fund_paid,
                account_paid=v.account_paid,
                self_paid=v.self_paid,
            )
            for v in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


def medical_contracts(db: Session, person_id: int) -> MedicalContracts:
    """门诊统筹签约 and 门诊大病签约."""
    rows = db.execute(
        select(MedicalContract).where(MedicalContract.person_id == person_id).order_by(MedicalContract.start_date)
    ).scalars()
    return MedicalContracts(
        items=[
            MedicalContractItem(
                kind=m.kind,
                institution=m.institution,
                disease=m.disease,
                start_date=m.start_date,
                end_date=m.end_date,
                status=m.status,
            )
            for m in rows
        ]
    )


def injuries(db: Session, person_id: int) -> Injuries:
    """工伤认定 with 伤残、护理 assessments."""
    rows = db.execute(
        select(InjuryDetermination, Employer.name)
        .outerjoin(Employer, Employer.id == InjuryDetermination.employer_id)
        .where(InjuryDetermination.person_id == person_id)
        .order_by(InjuryDetermination.accident_date)
    ).all()
    assessments: dict[int, list[DisabilityAssessmentItem]] = {d.id: [] for d, _ in rows}
    if rows:
        for a in db.execute(
            select(DisabilityAssessment)
            .where(DisabilityAssessment.determination_id.in_(assessments))
            .order_by(DisabilityAssessment.assessed_on)
        ).scalars():
            assessments[a.determination_id].append(
                DisabilityAssessmentItem(
                    conclusion_no=a.conclusion_no,
                    assessed_on=a.assessed_on,
                    disability_grade=a.disability_grade,
                    care_grade=a.care_grade,
                )
            )
    return Injuries(
        items=[
            InjuryItem(
                decision_no=d.decision_no,
                employer_name=name,
                accident_date=d.accident_date,
                determined_on=d.determined_on,
                result=d.result,
                description=d.description,
                assessments=assessments[d.id],
            )
            for d, name in rows
        ]
    )


def transfers(db: Session, person_id: int) -> Transfers:
    """转移接续 and its progress."""
    rows = db.execute(select(Transfer).where(Transfer.person_id == person_id).order_by(Transfer.applied_on)).scalars()
    return Transfers(
        items=[
            TransferItem(
                insurance=t.insurance,
                from_region=t.from_region,
                to_region=t.to_region,
                from_period=t.from_period,
                to_period=t.to_period,
                months=t.months,
                fund_amount=t.fund_amount,
                status=t.status,
                applied_on=t.applied_on,
                completed_on=t.completed_on,
            )
            for t in rows
        ]
    )
