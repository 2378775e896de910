"""The busiest queries run on the driver (kiosk_backend/fastdb.py) and build their JSON from rows: their answers
must validate against the declared response models and equal what the ORM reads from the same database, and their
in-statement token check must answer like the separate one — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, func, literal, select, update
from sqlalchemy.orm import Session

from kiosk_backend.db import make_engine
from kiosk_backend.fastdb import Query, UniqueViolation, ValueRefused, insert_query, make_fastdb
from kiosk_backend.models import (
    Card,
    CitizenSession,
    Contribution,
    Employer,
    Enrolment,
    IdempotencyRecord,
    MedicalAccount,
    MedicalAccountTxn,
)
from kiosk_backend.schemas import ContributionPage, Enrolments, MedicalAccountPage
from kiosk_backend.services.queries import MONEY_COLUMNS
from tests.backend.conftest import Backend, citizen, idem, login
from tests.backend.pg import PostgresServer

PEOPLE = ("citizen", "retiree", "staff", "initial-pin", "blocked")
CONTRIBUTION_FILTERS: list[dict[str, Any]] = [
    {"limit": 240},
    {"limit": 500},
    {"from_period": 201001, "to_period": 201512, "limit": 30, "offset": 10},
    {"kind": "supplementary"},
    {"kind": "normal", "from_period": 200001, "limit": 5},
    {"to_period": 190012},  # nothing in range: empty page, zero totals
    {"offset": 100_000},  # past the end: an empty page, the totals of the whole range
]
MEDICAL_FILTERS: list[dict[str, Any]] = [
    {},
    {"limit": 500},
    {"date_from": "2020-01-01", "date_to": "2023-06-30", "limit": 3, "offset": 1},
    {"date_to": "1990-01-01"},
    {"offset": 10_000},
]


def _session(api: TestClient, person: str) -> tuple[dict[str, str], int]:
    answer = login(api, person)
    return citizen(answer["token"]), _person_of(api, str(answer["token"]))


def _person_of(api: TestClient, token: str) -> int:
    from kiosk_backend.tokens import token_hash

    engine = api.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as db:
        return int(
            db.scalars(select(CitizenSession.person_id).where(CitizenSession.token_hash == token_hash(token))).one()
        )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@pytest.mark.parametrize("person", PEOPLE)
def test_enrolments_match_the_orm(api: TestClient, backend: Backend, person: str) -> None:
    headers, person_id = _session(api, person)
    answer = api.get("/v1/me/enrolments", headers=headers)
    assert answer.status_code == 200, answer.text
    got = Enrolments.model_validate_json(answer.content)
    with Session(backend.engine) as db:
        rows = db.execute(
            select(Enrolment, Employer.name)
            .outerjoin(Employer, Employer.id == Enrolment.employer_id)
            .where(Enrolment.person_id == person_id)
            .order_by(Enrolment.insurance, Enrolment.start_period)
        ).all()
    expected = [(e.insurance, e.status, e.start_period, e.end_period, name, e.region) for e, name in rows]
    assert [
        (i.insurance, i.status, i.start_period, i.end_period, i.employer_name, i.region) for i in got.items
    ] == expected
    assert expected, "every demo person is enrolled somewhere"


@pytest.mark.parametrize("person", PEOPLE)
def test_contribution_pages_match_the_orm(api: TestClient, backend: Backend, person: str) -> None:
    headers, person_id = _session(api, person)
    for params in CONTRIBUTION_FILTERS:
        answer = api.get("/v1/me/contributions", params=params, headers=headers)
        assert answer.status_code == 200, (params, answer.text)
        got = ContributionPage.model_validate_json(answer.content)
        where = [Contribution.person_id == person_id]
        if "from_period" in params:
            where.append(Contribution.period >= params["from_period"])
        if "to_period" in params:
            where.append(Contribution.period <= params["to_period"])
        if "kind" in params:
            where.append(Contribution.kind == params["kind"])
        limit, offset = params.get("limit", 120), params.get("offset", 0)
        with Session(backend.engine) as db:
            everything = db.execute(
                select(Contribution, Employer.name)
                .outerjoin(Employer, Employer.id == Contribution.employer_id)
                .where(*where)
                .order_by(Contribution.period.desc(), Contribution.kind)
            ).all()
        page = everything[offset : offset + limit]
        assert [(m.period, m.kind, m.base, m.pension_personal, m.paid_on, m.employer_name) for m in got.items] == [
            (c.period, c.kind, c.base, c.pension_personal, c.paid_on, name) for c, name in page
        ], params
        assert all(isinstance(m.paid_on, date) for m in got.items)
        assert (got.total, got.limit, got.offset) == (len(everything), limit, offset)
        assert got.totals.months == len(everything)
        for column in MONEY_COLUMNS:
            assert getattr(got.totals, column) == sum(getattr(c, column) for c, _ in everything), (params, column)


@pytest.mark.parametrize("person", PEOPLE)
def test_medical_account_matches_the_orm(api: TestClient, backend: Backend, person: str) -> None:
    headers, person_id = _session(api, person)
    for params in MEDICAL_FILTERS:
        answer = api.get("/v1/me/medical-account", params=params, headers=headers)
        assert answer.status_code == 200, (params, answer.text)
        got = MedicalAccountPage.model_validate_json(answer.content)
        where = [MedicalAccountTxn.person_id == person_id]
        if "date_from" in params:
            where.append(MedicalAccountTxn.occurred_at >= datetime.fromisoformat(params["date_from"]))
        if "date_to" in params:
            where.append(MedicalAccountTxn.occurred_at < datetime.fromisoformat(params["date_to"] + "T23:59:59.999999"))
        limit, offset = params.get("limit", 50), params.get("offset", 0)
        with Session(backend.engine) as db:
            account = db.get(MedicalAccount, person_id)
            total = db.scalar(select(func.count()).select_from(MedicalAccountTxn).where(*where))
            page = db.scalars(
                select(MedicalAccountTxn)
                .where(*where)
                .order_by(MedicalAccountTxn.occurred_at.desc())
                .limit(limit)
                .offset(offset)
            ).all()
        assert got.balance == (account.balance if account else 0)
        assert got.updated_at == (_utc(account.updated_at) if account else None)
        assert (got.total, got.limit, got.offset) == (total, limit, offset)
        assert [(t.occurred_at, t.kind, t.amount, t.balance_after, t.description) for t in got.items] == [
            (_utc(t.occurred_at), t.kind, t.amount, t.balance_after, t.description) for t in page
        ], params
        assert all(t.occurred_at.tzinfo is not None for t in got.items)


FAST_ROUTES = ["/v1/me/enrolments", "/v1/me/contributions", "/v1/me/medical-account"]


@pytest.mark.parametrize("path", FAST_ROUTES)
def test_the_in_statement_token_check_answers_like_the_separate_one(
    api: TestClient, backend: Backend, path: str
) -> None:
    assert api.get(path).json()["error"]["code"] == "citizen_token_required"
    assert api.get(path, headers=citizen("not-a-token")).json()["error"]["code"] == "citizen_token_invalid"
    token = str(login(api, "citizen")["token"])
    other_kiosk = {"Authorization": f"Bearer {backend.tokens['NX-K2']}", **citizen(token)}
    answer = api.get(path, headers=other_kiosk)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "citizen_session_other_kiosk")
    bad_filter = (
        {"from_period": 201513} if "contributions" in path else {"date_from": "2020-02-01", "date_to": "2020-01-01"}
    )
    if path != "/v1/me/enrolments":  # 401 / 403 come before 422, and a good token then gets the 422
        assert api.get(path, params=bad_filter, headers=other_kiosk).status_code == 403
        assert api.get(path, params=bad_filter, headers=citizen(token)).status_code == 422
    assert api.post("/v1/me/session/end", headers={**citizen(token), **idem()}).status_code == 200
    answer = api.get(path, headers=citizen(token))
    assert (answer.status_code, answer.json()["error"]["code"]) == (401, "citizen_session_expired")
    lost = str(login(api, "lost")["token"])  # a card reported lost logs in for 解挂 only
    answer = api.get(path, headers=citizen(lost))
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "card_reported_lost")


async def test_fastdb_translates_driver_errors_and_writes_atomically(backend: Backend) -> None:
    """Both drivers' refusals become the same two exceptions (422 invalid_value / a conflict); a write whose insert
    conflicts leaves nothing behind, and a guarded write happens only when its guard takes effect."""
    db = make_fastdb(backend.engine, pool_size=2)
    try:
        with pytest.raises(ValueRefused):
            await db.all(Query(select(Card.id).where(Card.id == bindparam("card_pk"))), {"card_pk": 2**70})
        key = f"fastdb-{uuid.uuid4().hex}"
        record = {
            "kiosk_id": "NX-K1",
            "key": key,
            "request_hash": "h",
            "status_code": 200,
            "response_body": "{}",
            "created_at": datetime.now(UTC),
        }
        stored = insert_query(IdempotencyRecord, tuple(record))
        count = Query(
            select(func.count()).select_from(IdempotencyRecord).where(IdempotencyRecord.key == bindparam("key"))
        )
        await db.all(stored, record)
        with pytest.raises(UniqueViolation):
            await db.write([(stored, {**record, "key": key + "-2"}), (stored, record)])
        assert await db.first(count, {"key": key}) == (1,)
        assert await db.first(count, {"key": key + "-2"}) == (0,)  # undone with the conflicting insert

        guard = Query(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == bindparam("g_key"), IdempotencyRecord.status_code == 200)
            .values(status_code=201)
            .returning(IdempotencyRecord.key)
        )
        assert await db.write([(stored, {**record, "key": key + "-3"})], (guard, {"g_key": key})) is True
        assert await db.write([(stored, {**record, "key": key + "-4"})], (guard, {"g_key": key})) is False
        assert [await db.first(count, {"key": key + suffix}) for suffix in ("-3", "-4")] == [(1,), (0,)]
        with pytest.raises(UniqueViolation):  # the guard's change is undone with the conflicting insert
            await db.write([(stored, record)], (guard, {"g_key": key + "-3"}))
        status = Query(select(IdempotencyRecord.status_code).where(IdempotencyRecord.key == bindparam("key")))
        assert await db.first(status, {"key": key + "-3"}) == (200,)
        assert await db.write([(stored, {**record, "key": key + "-5"}), (stored, {**record, "key": key + "-6"})])
        assert [await db.first(count, {"key": key + suffix}) for suffix in ("-5", "-6")] == [(1,), (1,)]
    finally:
        await db.close()


async def test_concurrent_first_requests_of_a_worker_open_one_pool(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight requests arriving together on a fresh worker: pools may be opened in parallel, one is kept."""
    import asyncpg

    opened: list[asyncpg.Pool] = []
    real_create_pool = asyncpg.create_pool

    async def counting(*args: Any, **kwargs: Any) -> asyncpg.Pool:
        pool = await real_create_pool(*args, **kwargs)
        opened.append(pool)
        return pool

    monkeypatch.setattr(asyncpg, "create_pool", counting)
    engine = make_engine(postgres.create_database(f"pool_{uuid.uuid4().hex[:8]}"))
    db = make_fastdb(engine, pool_size=2)
    one = Query(select(literal(1)))
    try:
        assert await asyncio.gather(*(db.all(one, {}) for _ in range(8))) == [[(1,)]] * 8
        assert opened, "the pool was opened"
        assert [pool.is_closing() for pool in opened].count(False) == 1
    finally:
        await db.close()
        engine.dispose()


def test_a_serving_process_freezes_its_objects_out_of_the_gc(tmp_path: Path) -> None:
    """`kiosk-backend serve` builds its app with serving_app: the objects built so far leave the cyclic GC."""
    script = (
        "import gc; from kiosk_backend.app import serving_app; from kiosk_backend.config import load_backend_settings;"
        " before = gc.get_freeze_count(); serving_app(load_backend_settings(None));"
        " print(before, gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "HOME": str(tmp_path)}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    before, after = (int(n) for n in done.stdout.split())
    assert before == 0 and after > 50_000
