"""Request dependencies: a database session, the kiosk's bearer token, the citizen's session token."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.errors import ApiError
from kiosk_backend.services.citizen_sessions import SESSION_BY_HASH, Citizen, SessionProbe
from kiosk_backend.services.kiosks import kiosk_for_token
from kiosk_backend.services.notifications import PENDING_FLAG, deliver_quietly
from kiosk_backend.tokens import token_hash

CITIZEN_HEADER = "X-Citizen-Token"
KIOSK_CACHE_TTL_S = 5.0  # a replaced or retired kiosk token stops working within this time in every worker


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """One session on the process's engine; SMS notifications it queued are delivered once it is closed."""
    engine: Engine = request.app.state.engine
    db = Session(engine)
    try:
        yield db
    finally:
        queued = db.info.get(PENDING_FLAG, False)
        db.close()
        if queued:
            deliver_quietly(engine, request.app.state.sms_gateway)


def get_db(request: Request) -> Iterator[Session]:
    """The request's session (a dependency)."""
    with request_session(request) as db:
        yield db


DbSession = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class KioskIdentity:
    """The authenticated kiosk."""

    id: str


class KioskTokenCache:
    """Token → kiosk id for :data:`KIOSK_CACHE_TTL_S`, per worker process: saves a query per request.

    Only good answers are cached, so a new token works at once; a replaced or retired token keeps working for at most
    the TTL in a worker that has just seen it (each worker has its own cache; the database stays the authority).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, float]] = {}

    def get(self, token: str) -> str | None:
        with self._lock:
            entry = self._entries.get(token)
        if entry is None or entry[1] < self._clock():
            return None
        return entry[0]

    def put(self, token: str, kiosk_id: str) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (kiosk_id, self._clock() + KIOSK_CACHE_TTL_S)


class KioskBearer(HTTPBearer):
    """The kiosk's bearer token → the registered, in-service kiosk; 401 otherwise.

    A security scheme (so OpenAPI documents it) that does its own work in one dependency: FastAPI solves a plain
    ``HTTPBearer`` plus a function depending on it at ~6× the cost (docs/PERFORMANCE.md, fourth round). Async: a
    cache hit costs no thread hop.
    """

    async def __call__(self, request: Request) -> KioskIdentity:  # type: ignore[override]
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "kiosk_token_required", "a kiosk API token is required (Authorization: Bearer …)")
        cache: KioskTokenCache = request.app.state.kiosk_cache
        kiosk_id = cache.get(token)
        if kiosk_id is None:
            found = await run_in_threadpool(_lookup_kiosk, request.app.state.engine, token)
            if found is None:
                raise ApiError(401, "kiosk_token_invalid", "the kiosk API token is not valid")
            if found[1] == "retired":
                raise ApiError(401, "kiosk_retired", "this kiosk is no longer registered for service")
            kiosk_id = found[0]
            cache.put(token, kiosk_id)
        return KioskIdentity(kiosk_id)


class CitizenTokenHeader(APIKeyHeader):
    """The citizen session token header, or None (the routes give the 401): a security scheme, one cheap
    dependency."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        return request.headers.get(CITIZEN_HEADER) or None


require_kiosk = KioskBearer(
    auto_error=False, scheme_name="KioskToken", description="The kiosk's API token (`kiosk-backend kiosk add ID`)."
)
_citizen = CitizenTokenHeader(
    name=CITIZEN_HEADER, auto_error=False, scheme_name="CitizenToken", description="Citizen session token (card login)."
)


def _lookup_kiosk(engine: Engine, token: str) -> tuple[str, str] | None:
    with Session(engine) as db:
        return kiosk_for_token(db, token)


KioskAuth = Annotated[KioskIdentity, Depends(require_kiosk)]


CitizenToken = Annotated[str | None, Depends(_citizen)]


def session_probe(kiosk_id: str, token: str | None) -> SessionProbe:
    """The presented citizen token, to be checked as of now; 401 when none was presented."""
    if not token:
        raise ApiError(401, "citizen_token_required", f"a citizen session token is required ({CITIZEN_HEADER})")
    return SessionProbe(token_hash(token), kiosk_id, utcnow())


def citizen_for_token(db: Session, kiosk_id: str, token: str | None, full_scope: bool) -> Citizen:
    """The citizen of a live token opened at this kiosk (:meth:`SessionProbe.citizen` gives the 401 / 403).

    State-changing routes call this inside their idempotent action, so a replay never depends on the session's
    state after the first answer (e.g. a loss report that turned the session unlock-only).
    """
    probe = session_probe(kiosk_id, token)
    row = db.connection().execute(SESSION_BY_HASH, {"token_hash": probe.token_hash}).first()
    return probe.citizen(row, full_scope)


def require_citizen_any_scope(kiosk: KioskAuth, db: DbSession, token: CitizenToken) -> Citizen:
    """401 without a live citizen token; 403 when it was opened at another kiosk."""
    return citizen_for_token(db, kiosk.id, token, full_scope=False)


def require_citizen(kiosk: KioskAuth, db: DbSession, token: CitizenToken) -> Citizen:
    """Like :func:`require_citizen_any_scope`, and 403 for an unlock-only token (card reported lost)."""
    return citizen_for_token(db, kiosk.id, token, full_scope=True)


CitizenAuth = Annotated[Citizen, Depends(require_citizen)]
AnyScopeCitizen = Annotated[Citizen, Depends(require_citizen_any_scope)]
