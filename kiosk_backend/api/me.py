"""Personal queries under ``/v1/me`` (kiosk token + citizen token): the person is the token's, never a parameter."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from kiosk_backend.api.deps import CitizenAuth, DbSession
from kiosk_backend.errors import ApiError
from kiosk_backend.schemas import (
    BenefitPaymentPage,
    Benefits,
    CardInfo,
    Cases,
    ContributionPage,
    Enrolments,
    Injuries,
    MedicalAccountPage,
    MedicalContracts,
    MedicalVisitPage,
    OneTimeBenefits,
    PensionAccount,
    PersonInfo,
    Transfers,
)
from kiosk_backend.services import queries

router = APIRouter(prefix="/me", tags=["personal queries"])

PeriodQuery = Annotated[int | None, Query(ge=190001, le=299912, description="YYYYMM")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
YearQuery = Annotated[int | None, Query(ge=1900, le=2999)]


def _periods(from_period: int | None, to_period: int | None) -> None:
    for value in (from_period, to_period):
        if value is not None and not 1 <= value % 100 <= 12:
            raise ApiError(422, "invalid_period", f"{value} is not a YYYYMM period")
    if from_period is not None and to_period is not None and from_period > to_period:
        raise ApiError(422, "invalid_period", "the start period is after the end period")


def _dates(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ApiError(422, "invalid_period", "the start date is after the end date")


@router.get("", response_model=PersonInfo)
def me(citizen: CitizenAuth, db: DbSession) -> PersonInfo:
    """个人基本信息查询."""
    return queries.person_info(db, citizen.person_id)


@router.get("/enrolments", response_model=Enrolments)
def enrolments(citizen: CitizenAuth, db: DbSession) -> Enrolments:
    """个人参保信息查询."""
    return queries.enrolments(db, citizen.person_id)


@router.get("/contributions", response_model=ContributionPage)
def contributions(
    citizen: CitizenAuth,
    db: DbSession,
    from_period: PeriodQuery = None,
    to_period: PeriodQuery = None,
    kind: Literal["normal", "flexible", "resident", "supplementary"] | None = None,
    limit: Limit = 120,
    offset: Offset = 0,
) -> ContributionPage:
    """个人缴费信息查询 (补缴 with ``kind=supplementary``), newest month first."""
    _periods(from_period, to_period)
    return queries.contributions(db, citizen.person_id, from_period, to_period, kind, limit, offset)


@router.get("/card", response_model=CardInfo)
def card(citizen: CitizenAuth, db: DbSession) -> CardInfo:
    """社会保障持卡信息 / 发卡信息查询 (the card used to log in)."""
    return queries.card_info(db, citizen.card_pk)


@router.get("/medical-account", response_model=MedicalAccountPage)
def medical_account(
    citizen: CitizenAuth,
    db: DbSession,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MedicalAccountPage:
    """职工医疗保险个人账户余额 + 明细查询."""
    _dates(date_from, date_to)
    return queries.medical_account(db, citizen.person_id, date_from, date_to, limit, offset)


@router.get("/pension-account", response_model=PensionAccount)
def pension_account(
    citizen: CitizenAuth, db: DbSession, from_year: YearQuery = None, to_year: YearQuery = None
) -> PensionAccount:
    """养老保险个人账户查询, year by year."""
    return queries.pension_account(db, citizen.person_id, from_year, to_year)


@router.get("/benefits", response_model=Benefits)
def benefits(citizen: CitizenAuth, db: DbSession) -> Benefits:
    """个人社会保险定期待遇审批 + 构成信息查询."""
    return queries.benefits(db, citizen.person_id)


@router.get("/benefits/{benefit_id}/payments", response_model=BenefitPaymentPage)
def benefit_payments(
    citizen: CitizenAuth,
    db: DbSession,
    benefit_id: Annotated[int, Path(ge=1, le=2**62)],
    from_period: PeriodQuery = None,
    to_period: PeriodQuery = None,
    limit: Limit = 120,
    offset: Offset = 0,
) -> BenefitPaymentPage:
    """个人社会保险定期待遇发放信息查询."""
    _periods(from_period, to_period)
    return queries.benefit_payments(db, citizen.person_id, benefit_id, from_period, to_period, limit, offset)


@router.get("/one-time-benefits", response_model=OneTimeBenefits)
def one_time_benefits(citizen: CitizenAuth, db: DbSession) -> OneTimeBenefits:
    """个人社会保险一次性待遇发放信息查询."""
    return queries.one_time_benefits(db, citizen.person_id)


@router.get("/cases", response_model=Cases)
def cases(citizen: CitizenAuth, db: DbSession) -> Cases:
    """办件进度查询."""
    return queries.cases(db, citizen.person_id)


@router.get("/medical-visits", response_model=MedicalVisitPage)
def medical_visits(
    citizen: CitizenAuth,
    db: DbSession,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MedicalVisitPage:
    """就医信息查询."""
    _dates(date_from, date_to)
    return queries.medical_visits(db, citizen.person_id, date_from, date_to, limit, offset)


@router.get("/medical-contracts", response_model=MedicalContracts)
def medical_contracts(citizen: CitizenAuth, db: DbSession) -> MedicalContracts:
    """医疗保险门诊统筹签约 + 门诊大病签约信息查询."""
    return queries.medical_contracts(db, citizen.person_id)


@router.get("/work-injuries", response_model=Injuries)
def work_injuries(citizen: CitizenAuth, db: DbSession) -> Injuries:
    """工伤认定信息 + 伤残、护理信息查询."""
    return queries.injuries(db, citizen.person_id)


@router.get("/transfers", response_model=Transfers)
def transfers(citizen: CitizenAuth, db: DbSession) -> Transfers:
    """社保转移进度 / 审核结果查询."""
    return queries.transfers(db, citizen.person_id)
