"""Housekeeping at ``serve`` start: drop expired login challenges, sessions and idempotency keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.models import CardChallengeRecord, CitizenSession, IdempotencyRecord


def purge_expired(engine: Engine, idempotency_retention_h: int) -> dict[str, int]:
    """Delete challenges and sessions expired for a day, and idempotency keys past their retention."""
    now = utcnow()
    day_ago = now - timedelta(days=1)
    counts: dict[str, int] = {}
    with Session(engine) as db, db.begin():
        for name, statement in (
            ("card_challenge", delete(CardChallengeRecord).where(CardChallengeRecord.expires_at < day_ago)),
            ("citizen_session", delete(CitizenSession).where(CitizenSession.expires_at < day_ago)),
            (
                "idempotency_key",
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.created_at < now - timedelta(hours=idempotency_retention_h)
                ),
            ),
        ):
            counts[name] = int(getattr(db.execute(statement), "rowcount", 0) or 0)
    return counts
