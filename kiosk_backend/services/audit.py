"""The audit log: who did what from which kiosk (never a PIN; ID numbers only masked)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.models import AuditEntry


def audit(
    db: Session, action: str, outcome: str, kiosk_id: str | None, person_id: int | None, detail: str = ""
) -> None:
    """Add an entry to the caller's transaction."""
    db.add(
        AuditEntry(
            at=utcnow(), kiosk_id=kiosk_id, person_id=person_id, action=action, outcome=outcome, detail=detail[:200]
        )
    )
