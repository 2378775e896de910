"""UTC time for the backend; SQLite hands back naive datetimes, so everything read is normalised here."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """``value`` as aware UTC (naive values from SQLite are UTC by construction)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
