"""``Idempotency-Key`` for every state-changing request.

The key is scoped to the kiosk. The first request runs its action and, in the **same transaction**, stores the
answer under ``(kiosk, key)`` (a unique constraint). A replay with the same body gets the stored answer (header
``Idempotent-Replayed: true``); the same key with another body gets 422 ``idempotency_key_reused``. Two concurrent
duplicates both run, but only one transaction can commit the key: the loser rolls back its effect and answers with
the winner's stored answer — the request takes effect once, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Row, bindparam, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kiosk_backend.api.deps import KioskAuth
from kiosk_backend.clock import utcnow
from kiosk_backend.errors import ApiError, error_body_json
from kiosk_backend.fastdb import FastDb, Query, UniqueViolation, insert_query
from kiosk_backend.models import IdempotencyRecord
from kiosk_backend.services.outcomes import Outcome

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class IdempotentRequest:
    """The key, the kiosk it belongs to and the hash of what was asked."""

    kiosk_id: str
    key: str
    request_hash: str


async def idempotency_key(
    request: Request,
    kiosk: KioskAuth,
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", description="8–64 characters [A-Za-z0-9._:-]; one per logical request."),
    ] = None,
) -> IdempotentRequest:
    """400 without a well-formed key; hashes method, path and raw body."""
    if key is None:
        raise ApiError(400, "idempotency_key_required", "state-changing requests need an Idempotency-Key header")
    if not KEY_PATTERN.match(key):
        raise ApiError(400, "idempotency_key_invalid", "Idempotency-Key: 8–64 characters of A-Z a-z 0-9 . _ : -")
    body = await request.body()
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
    return IdempotentRequest(kiosk.id, key, digest)


Idempotent = Annotated[IdempotentRequest, Depends(idempotency_key)]


# Built once (building a statement costs more than running it); Core, no ORM unit of work.
_LOOKUP = select(IdempotencyRecord.request_hash, IdempotencyRecord.status_code, IdempotencyRecord.response_body).where(
    IdempotencyRecord.kiosk_id == bindparam("kiosk_id"), IdempotencyRecord.key == bindparam("key")
)
_INSERT = insert(IdempotencyRecord)
_RECORD_COLUMNS = ("kiosk_id", "key", "request_hash", "status_code", "response_body", "created_at")
_LOOKUP_FAST = Query(_LOOKUP)
_INSERT_FAST = insert_query(IdempotencyRecord, _RECORD_COLUMNS)


def _stored(db: Session, idem: IdempotentRequest) -> Row[str, int, str] | None:
    return db.connection().execute(_LOOKUP, {"kiosk_id": idem.kiosk_id, "key": idem.key}).first()


def _replay(record: Sequence[Any], idem: IdempotentRequest) -> Response:
    """The stored answer (request hash, status, body) for a replay; 422 when the key came with another request."""
    request_hash, status_code, response_body = record
    if request_hash != idem.request_hash:
        raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
    return Response(
        content=response_body,
        status_code=int(status_code),
        media_type="application/json",
        headers={REPLAY_HEADER: "true"},
    )


def run_idempotent(db: Session, idem: IdempotentRequest, action: Callable[[], BaseModel]) -> Response:
    """Run ``action`` once per key; its database changes and the stored answer commit together.

    ``ApiError`` raised by the action is an answer too (stored and replayed), and what the action flushed before
    raising it is kept (e.g. a burnt login challenge). Any other exception rolls everything back.
    """
    existing = _stored(db, idem)
    if existing is not None:
        return _replay(existing, idem)
    answer: BaseModel | ApiError
    try:
        answer = action()
    except ApiError as exc:
        answer = exc
    except BaseException:
        db.rollback()
        raise
    status, body = _status_and_body(answer)
    try:
        db.connection().execute(
            _INSERT,
            {
                "kiosk_id": idem.kiosk_id,
                "key": idem.key,
                "request_hash": idem.request_hash,
                "status_code": status,
                "response_body": body,
                "created_at": utcnow(),
            },
        )
        db.commit()
    except (IntegrityError, OperationalError):
        db.rollback()  # a concurrent duplicate committed first: our effect is undone, answer with theirs
        return _winner_replayed(_wait_for_winner(db, idem), idem)
    return _first_answer(status, body)


def _wait_for_winner(db: Session, idem: IdempotentRequest, timeout_s: float = 5.0) -> Row[str, int, str] | None:
    deadline = time.monotonic() + timeout_s
    while True:
        record = _stored(db, idem)
        if record is not None or time.monotonic() > deadline:
            return record
        db.rollback()
        time.sleep(0.05)


async def run_idempotent_fast(
    db: FastDb, idem: IdempotentRequest, action: Callable[[], Awaitable[Outcome]]
) -> Response:
    """:func:`run_idempotent` for the login, on :mod:`kiosk_backend.fastdb`: same table, same answers.

    The action reads, then returns its :class:`Outcome`; its inserts and the stored answer are written atomically
    (one statement on PostgreSQL). The key is not looked up first: a replay's write conflicts with the stored key,
    is undone whole, and the stored answer is returned — so the action must write nothing itself (the login does not).
    """
    try:
        outcome = await action()
    except ApiError as exc:  # an answer too, stored like any other
        outcome = Outcome(exc)
    key = {"kiosk_id": idem.kiosk_id, "key": idem.key}
    try:
        while True:
            status, body = _status_and_body(outcome.answer)
            record = {**key, "request_hash": idem.request_hash, "status_code": status, "response_body": body}
            if await db.write((*outcome.writes, (_INSERT_FAST, {**record, "created_at": utcnow()})), outcome.guard):
                break
            if outcome.otherwise is None:
                raise RuntimeError("an outcome with a guard needs an alternative")
            outcome = await outcome.otherwise()
    except UniqueViolation:  # stored before (a replay) or by a concurrent duplicate: ours is undone, answer with theirs
        return _winner_replayed(await _wait_for_winner_fast(db, key), idem)
    return _first_answer(status, body)


def _status_and_body(answer: BaseModel | ApiError) -> tuple[int, str]:
    """What is stored for an answer: 200 and the model's JSON, or the error's status and body."""
    if isinstance(answer, ApiError):
        return answer.status, error_body_json(answer.code, answer.message)
    return 200, answer.model_dump_json()


def _first_answer(status: int, body: str) -> Response:
    """The answer of the request that took effect (an error answer is raised, as the error handlers expect)."""
    if status != 200:
        raise ApiError(status, *_code_message(body))
    return Response(content=body, status_code=status, media_type="application/json")


def _winner_replayed(stored: Sequence[Any] | None, idem: IdempotentRequest) -> Response:
    """The stored answer of the concurrent duplicate that committed first; 409 if it did not commit in time."""
    if stored is None:
        raise ApiError(409, "idempotency_conflict", "a request with this key is in progress; retry")
    return _replay(stored, idem)


async def _wait_for_winner_fast(db: FastDb, key: dict[str, str], timeout_s: float = 5.0) -> Sequence[Any] | None:
    """:func:`_wait_for_winner` on :mod:`kiosk_backend.fastdb`: the stored answer once its transaction commits."""
    deadline = time.monotonic() + timeout_s
    while (stored := await db.first(_LOOKUP_FAST, key)) is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return stored


def _code_message(body: str) -> tuple[str, str]:
    from kiosk_backend.schemas import ErrorBody

    error = ErrorBody.model_validate_json(body).error
    return error.code, error.message
