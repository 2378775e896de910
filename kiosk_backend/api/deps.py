"""Request dependencies: a database session, the kiosk's bearer token, the citizen's session token."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk_backend.clock import aware, utcnow
from kiosk_backend.errors import ApiError
from kiosk_backend.models import CitizenSession
from kiosk_backend.services.kiosks import kiosk_for_token
from kiosk_backend.tokens import token_hash

CITIZEN_HEADER = "X-Citizen-Token"
_KIOSK_CACHE_TTL_S = 30.0

_bearer = HTTPBearer(auto_error=False, description="The kiosk's API token (`kiosk-backend kiosk add ID`).")
_citizen = APIKeyHeader(name=CITIZEN_HEADER, auto_error=False, description="Citizen session token (card login).")


def get_db(request: Request) -> Iterator[Session]:
    """One session per request on the process's engine."""
    engine: Engine = request.app.state.engine
    with Session(engine) as db:
        yield db


DbSession = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class KioskIdentity:
    """The authenticated kiosk."""

    id: str


class KioskTokenCache:
    """Token hash → kiosk id for a few seconds: saves a query per request (revocation takes ≤ 30 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, float]] = {}

    def get(self, token: str) -> str | None:
        with self._lock:
            entry = self._entries.get(token)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, token: str, kiosk_id: str) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (kiosk_id, time.monotonic() + _KIOSK_CACHE_TTL_S)


def require_kiosk(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> KioskIdentity:
    """401 unless a registered, in-service kiosk's token is presented."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ApiError(401, "kiosk_token_required", "a kiosk API token is required (Authorization: Bearer …)")
    token = credentials.credentials
    cache: KioskTokenCache = request.app.state.kiosk_cache
    kiosk_id = cache.get(token)
    if kiosk_id is None:
        with Session(request.app.state.engine) as db:
            found = kiosk_for_token(db, token)
        if found is None:
            raise ApiError(401, "kiosk_token_invalid", "the kiosk API token is not valid")
        if found[1] == "retired":
            raise ApiError(401, "kiosk_retired", "this kiosk is no longer registered for service")
        kiosk_id = found[0]
        cache.put(token, kiosk_id)
    return KioskIdentity(kiosk_id)


KioskAuth = Annotated[KioskIdentity, Depends(require_kiosk)]


@dataclass(frozen=True)
class Citizen:
    """The person a citizen token is scoped to, at the kiosk that opened it."""

    person_id: int
    card_pk: int
    kiosk_id: str
    scope: str
    role: str
    token_hash: str


def require_citizen_any_scope(
    kiosk: KioskAuth, db: DbSession, token: Annotated[str | None, Depends(_citizen)]
) -> Citizen:
    """401 without a live citizen token; 403 when it was opened at another kiosk."""
    if not token:
        raise ApiError(401, "citizen_token_required", f"a citizen session token is required ({CITIZEN_HEADER})")
    hashed = token_hash(token)
    row = db.execute(select(CitizenSession).where(CitizenSession.token_hash == hashed)).scalar_one_or_none()
    if row is None:
        raise ApiError(401, "citizen_token_invalid", "the citizen session token is not valid")
    if row.ended_at is not None or aware(row.expires_at) <= utcnow():
        raise ApiError(401, "citizen_session_expired", "the citizen session has ended; insert the card again")
    if row.kiosk_id != kiosk.id:
        raise ApiError(403, "citizen_session_other_kiosk", "this citizen session belongs to another kiosk")
    return Citizen(row.person_id, row.card_pk, row.kiosk_id, row.scope, row.role, hashed)


def require_citizen(citizen: Annotated[Citizen, Depends(require_citizen_any_scope)]) -> Citizen:
    """Like :func:`require_citizen_any_scope`, and 403 for an unlock-only token (card reported lost)."""
    if citizen.scope != "full":
        raise ApiError(403, "card_reported_lost", "the card is reported lost: only 解挂 (unlock) is possible")
    return citizen


CitizenAuth = Annotated[Citizen, Depends(require_citizen)]
AnyScopeCitizen = Annotated[Citizen, Depends(require_citizen_any_scope)]
