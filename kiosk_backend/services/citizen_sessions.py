"""Citizen session tokens: which session is live, and the answer (401 / 403) when it is not.

The busiest queries check the token in the same statement as their data: they select the session by its hash
with :data:`LIVE_FULL_SESSION` in the WHERE clause (no data is read for a session that is not live) and return the
session's :data:`SESSION_COLUMNS` first; only when no row comes back is the session looked up alone, for the
precise answer of :meth:`SessionProbe.citizen`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select

from kiosk_backend.clock import aware
from kiosk_backend.errors import ApiError
from kiosk_backend.models import CitizenSession

SESSION_COLUMNS = (
    CitizenSession.person_id,
    CitizenSession.card_pk,
    CitizenSession.kiosk_id,
    CitizenSession.scope,
    CitizenSession.role,
    CitizenSession.expires_at,
    CitizenSession.ended_at,
)
SESSION_BY_HASH = select(*SESSION_COLUMNS).where(CitizenSession.token_hash == bindparam("token_hash"))
LIVE_FULL_SESSION = and_(  # parameters: kiosk_id, now (see SessionProbe.params)
    CitizenSession.kiosk_id == bindparam("kiosk_id"),
    CitizenSession.scope == "full",
    CitizenSession.ended_at.is_(None),
    CitizenSession.expires_at > bindparam("now"),
)


@dataclass(frozen=True)
class Citizen:
    """The person a citizen token is scoped to, at the kiosk that opened it."""

    person_id: int
    card_pk: int
    kiosk_id: str
    scope: str
    role: str
    token_hash: str


@dataclass(frozen=True)
class SessionProbe:
    """A presented token (its hash) at a kiosk, checked against the session row as of ``now``."""

    token_hash: str
    kiosk_id: str
    now: datetime

    def params(self) -> dict[str, Any]:
        """Parameters of :data:`SESSION_BY_HASH` and :data:`LIVE_FULL_SESSION`."""
        return {"token_hash": self.token_hash, "kiosk_id": self.kiosk_id, "now": self.now}

    def citizen(self, row: Sequence[Any] | None, full_scope: bool) -> Citizen:
        """The citizen of the session row (its :data:`SESSION_COLUMNS` first), or the 401 / 403 answer.

        401 without a live session, 403 when it was opened at another kiosk or (``full_scope``) when it is
        unlock-only.
        """
        if row is None:
            raise ApiError(401, "citizen_token_invalid", "the citizen session token is not valid")
        person_id, card_pk, kiosk_id, scope, role, expires_at, ended_at = row[: len(SESSION_COLUMNS)]
        if ended_at is not None or aware(expires_at) <= self.now:
            raise ApiError(401, "citizen_session_expired", "the citizen session has ended; insert the card again")
        if kiosk_id != self.kiosk_id:
            raise ApiError(403, "citizen_session_other_kiosk", "this citizen session belongs to another kiosk")
        if full_scope and scope != "full":
            raise ApiError(403, "card_reported_lost", "the card is reported lost: only 解挂 (unlock) is possible")
        return Citizen(person_id, card_pk, kiosk_id, scope, role, self.token_hash)
