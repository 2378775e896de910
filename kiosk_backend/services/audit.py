"""The audit log: who did what from which kiosk (never a PIN; ID numbers only masked)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.fastdb import Insert, insert_query
from kiosk_backend.models import AuditEntry

_INSERT = insert(AuditEntry)  # built once; a Core insert skips the ORM unit of work
_COLUMNS = ("at", "kiosk_id", "person_id", "action", "outcome", "detail")
_INSERT_FAST = insert_query(AuditEntry, _COLUMNS)


def audit(
    db: Session, action: str, outcome: str, kiosk_id: str | None, person_id: int | None, detail: str = ""
) -> None:
    """Add an entry to the caller's transaction (written at once, committed or rolled back with it)."""
    db.connection().execute(
        _INSERT,
        {
            "at": utcnow(),
            "kiosk_id": kiosk_id,
            "person_id": person_id,
            "action": action,
            "outcome": outcome,
            "detail": detail[:200],
        },
    )


def audit_insert(action: str, outcome: str, kiosk_id: str | None, person_id: int | None, detail: str = "") -> Insert:
    """:func:`audit` as an insert for :meth:`kiosk_backend.fastdb.FastDb.write` (the card login)."""
    entry = {"action": action, "outcome": outcome, "detail": detail[:200]}
    return _INSERT_FAST, {"at": utcnow(), "kiosk_id": kiosk_id, "person_id": person_id, **entry}
