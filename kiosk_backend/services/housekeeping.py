"""Housekeeping at ``serve`` start: drop expired challenges, sessions, rate counters and idempotency keys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.models import CardChallengeRecord, CitizenSession, IdempotencyRecord, LossReportRecord, RateCounter


def purge_expired(engine: Engine, idempotency_retention_h: int) -> dict[str, int]:
    """Delete challenges, sessions and rate counters a day old, and idempotency keys past their retention."""
    now = utcnow()
    day_ago = now - timedelta(days=1)
    counts: dict[str, int] = {}
    with Session(engine) as db, db.begin():
        for name, statement in (
            ("card_challenge", delete(CardChallengeRecord).where(CardChallengeRecord.expires_at < day_ago)),
            ("citizen_session", delete(CitizenSession).where(CitizenSession.expires_at < day_ago)),
            (  # unconfirmed card-less loss reports (a confirmed one keeps its reference)
                "loss_report",
                delete(LossReportRecord).where(
                    LossReportRecord.expires_at < day_ago, LossReportRecord.confirmed_at.is_(None)
                ),
            ),
            ("rate_counter", delete(RateCounter).where(RateCounter.window < int(day_ago.timestamp()))),
            (
                "idempotency_key",
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.created_at < now - timedelta(hours=idempotency_retention_h)
                ),
            ),
        ):
            counts[name] = int(getattr(db.execute(statement), "rowcount", 0) or 0)
    return counts
