"""Fixed-window rate counters in the database, so a limit holds across all ``serve`` workers.

``(scope, key, window)`` is incremented by one atomic upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``) on
SQLite and PostgreSQL alike; the count it returns decides. Keys are HMACs of what is counted (never a plain ID
number or phone number). A fixed window lets a burst of up to twice the limit straddle a window boundary.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kiosk_backend.models import RateCounter


def window_of(now: datetime, window_s: int) -> int:
    """The start (unix seconds) of the fixed window ``now`` falls in."""
    return int(now.timestamp()) // window_s * window_s


def count(db: Session, scope: str, key: str, now: datetime, window_s: int) -> int:
    """Add one to the counter of ``key`` in the current window (in the caller's transaction); the new count."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    new = insert(RateCounter).values(scope=scope, key=key, window=window_of(now, window_s), count=1)
    upsert = new.on_conflict_do_update(
        index_elements=[RateCounter.scope, RateCounter.key, RateCounter.window],
        set_={"count": RateCounter.count + 1},
    ).returning(RateCounter.count)
    return int(db.execute(upsert).scalar_one())


def purge(db: Session, now: datetime, keep_s: int) -> int:
    """Drop counters of windows that started more than ``keep_s`` ago (keep ``keep_s`` ≥ the window length)."""
    result = db.execute(delete(RateCounter).where(RateCounter.window < int(now.timestamp()) - keep_s))
    return int(getattr(result, "rowcount", 0) or 0)
