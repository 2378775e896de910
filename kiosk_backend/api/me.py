"""Personal queries under ``/v1/me`` (kiosk token + citizen token): the person is the token's, never a parameter."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from kiosk_backend.api.deps import CitizenToken, KioskAuth, KioskIdentity, citizen_for_token, session_probe
from kiosk_backend.errors import ApiError
from kiosk_backend.fastdb import FastDb
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
from kiosk_backend.services.citizen_sessions import Citizen, SessionProbe

router = APIRouter(prefix="/me", tags=["personal queries"])

PeriodQuery = Annotated[int | None, Query(ge=190001, le=299912, description="YYYYMM")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
YearQuery = Annotated[int | None, Query(ge=1900, le=2999)]


# The two busiest GETs take their query string as one model: FastAPI validates it in one pass instead of solving
# each parameter on its own (docs/PERFORMANCE.md, fourth round); OpenAPI still lists each parameter.
class ContributionFilters(BaseModel):
    """Query of ``GET /me/contributions``."""

    from_period: int | None = Field(None, ge=190001, le=299912, description="YYYYMM")
    to_period: int | None = Field(None, ge=190001, le=299912, description="YYYYMM")
    kind: Literal["normal", "flexible", "resident", "supplementary"] | None = None
    limit: int = Field(120, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class MedicalAccountFilters(BaseModel):
    """Query of ``GET /me/medical-account``."""

    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def _query(
    request: Request,
    kiosk: KioskIdentity,
    token: str | None,
    run: Callable[[Session, Citizen], BaseModel],
    full_scope: bool = True,
    validate: Callable[[], None] | None = None,
) -> Response:
    """Check the citizen token and run one query in one session and one worker thread; the answer is serialised
    once by pydantic (no second validation and encoding pass by FastAPI)."""
    with Session(request.app.state.read_engine) as db:
        citizen = citizen_for_token(db, kiosk.id, token, full_scope=full_scope)  # 401/403 before any 422
        if validate is not None:
            validate()
        answer = run(db, citizen)
    return Response(content=answer.model_dump_json(), media_type="application/json")


def _probe(request: Request, kiosk: KioskIdentity, token: str | None) -> tuple[FastDb, SessionProbe]:
    """The busiest queries (enrolments, contributions, medical account) run async on :mod:`kiosk_backend.fastdb`,
    check the token in their first statement and build the JSON from the rows (tests check it against the response
    model on both databases)."""
    return request.app.state.fastdb, session_probe(kiosk.id, token)


def _periods(from_period: int | None, to_period: int | None) -> None:
    for value in (from_period, to_period):
        if value is not None and not 1 <= value % 100 <= 12:
            raise ApiError(422, "invalid_period", f"{value} is not a YYYYMM period")
    if from_period is not None and to_period is not None and from_period > to_period:
        raise ApiError(422, "invalid_period", "the start period is after the end period")


def _dates(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ApiError(422, "invalid_period", "the start date is after the end date")


# Starlette matches routes in order (each miss costs): the three busiest come first.
@router.get("/enrolments", response_model=Enrolments)
async def enrolments(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """个人参保信息查询."""
    db, probe = _probe(request, kiosk, token)
    return Response(await queries.enrolments(db, probe), media_type="application/json")


@router.get("/contributions", response_model=ContributionPage)
async def contributions(
    kiosk: KioskAuth, token: CitizenToken, request: Request, query: Annotated[ContributionFilters, Query()]
) -> Response:
    """个人缴费信息查询 (补缴 with ``kind=supplementary``), newest month first."""
    db, probe = _probe(request, kiosk, token)
    periods = query.from_period, query.to_period
    validate = functools.partial(_periods, *periods)
    answer = await queries.contributions(db, probe, validate, *periods, query.kind, query.limit, query.offset)
    return Response(answer, media_type="application/json")


@router.get("/medical-account", response_model=MedicalAccountPage)
async def medical_account(
    kiosk: KioskAuth, token: CitizenToken, request: Request, query: Annotated[MedicalAccountFilters, Query()]
) -> Response:
    """职工医疗保险个人账户余额 + 明细查询."""
    db, probe = _probe(request, kiosk, token)
    dates = query.date_from, query.date_to
    validate = functools.partial(_dates, *dates)
    answer = await queries.medical_account(db, probe, validate, *dates, query.limit, query.offset)
    return Response(answer, media_type="application/json")


@router.get("", response_model=PersonInfo)
def me(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """个人基本信息查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.person_info(db, citizen.person_id))


@router.get("/card", response_model=CardInfo)
def card(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """社会保障持卡信息 / 发卡信息查询 (the card used to log in; also for an unlock-only session, for 解挂)."""
    return _query(request, kiosk, token, lambda db, citizen: queries.card_info(db, citizen.card_pk), full_scope=False)


@router.get("/pension-account", response_model=PensionAccount)
def pension_account(
    kiosk: KioskAuth, token: CitizenToken, request: Request, from_year: YearQuery = None, to_year: YearQuery = None
) -> Response:
    """养老保险个人账户查询, year by year."""
    return _query(
        request, kiosk, token, lambda db, citizen: queries.pension_account(db, citizen.person_id, from_year, to_year)
    )


@router.get("/benefits", response_model=Benefits)
def benefits(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """个人社会保险定期待遇审批 + 构成信息查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.benefits(db, citizen.person_id))


@router.get("/benefits/{benefit_id}/payments", response_model=BenefitPaymentPage)
def benefit_payments(
    kiosk: KioskAuth,
    token: CitizenToken,
    request: Request,
    benefit_id: Annotated[int, Path(ge=1, le=2**62)],
    from_period: PeriodQuery = None,
    to_period: PeriodQuery = None,
    limit: Limit = 120,
    offset: Offset = 0,
) -> Response:
    """个人社会保险定期待遇发放信息查询."""
    return _query(
        request,
        kiosk,
        token,
        lambda db, citizen: queries.benefit_payments(
            db, citizen.person_id, benefit_id, from_period, to_period, limit, offset
        ),
        validate=lambda: _periods(from_period, to_period),
    )


@router.get("/one-time-benefits", response_model=OneTimeBenefits)
def one_time_benefits(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """个人社会保险一次性待遇发放信息查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.one_time_benefits(db, citizen.person_id))


@router.get("/cases", response_model=Cases)
def cases(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """办件进度查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.cases(db, citizen.person_id))


@router.get("/medical-visits", response_model=MedicalVisitPage)
def medical_visits(
    kiosk: KioskAuth,
    token: CitizenToken,
    request: Request,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """就医信息查询."""
    return _query(
        request,
        kiosk,
        token,
        lambda db, citizen: queries.medical_visits(db, citizen.person_id, date_from, date_to, limit, offset),
        validate=lambda: _dates(date_from, date_to),
    )


@router.get("/medical-contracts", response_model=MedicalContracts)
def medical_contracts(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """医疗保险门诊统筹签约 + 门诊大病签约信息查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.medical_contracts(db, citizen.person_id))


@router.get("/work-injuries", response_model=Injuries)
def work_injuries(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """工伤认定信息 + 伤残、护理信息查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.injuries(db, citizen.person_id))


@router.get("/transfers", response_model=Transfers)
def transfers(kiosk: KioskAuth, token: CitizenToken, request: Request) -> Response:
    """社保转移进度 / 审核结果查询."""
    return _query(request, kiosk, token, lambda db, citizen: queries.transfers(db, citizen.person_id))
