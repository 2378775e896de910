"""The card status state machine (normal ⇄ temporary_loss → formal_loss → cancelled), with history.

Self-service channels may report a temporary loss (临时挂失) and cancel it (解挂) while it is temporary; a formal
loss and cancellation happen at a counter. A temporary loss lapses after ``temporary_loss_days`` (REFERENCE.md).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from kiosk_backend.clock import aware, utcnow
from kiosk_backend.errors import ApiError
from kiosk_backend.models import Card, CardStatusChange
from kiosk_backend.services.notifications import queue_status_sms

# (from, to, channel) transitions allowed; "system" is the lapse of a temporary loss.
TRANSITIONS: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("normal", "temporary_loss", "kiosk"),
        ("normal", "temporary_loss", "counter"),
        ("temporary_loss", "normal", "kiosk"),
        ("temporary_loss", "normal", "counter"),
        ("temporary_loss", "normal", "system"),
        ("normal", "formal_loss", "counter"),
        ("temporary_loss", "formal_loss", "counter"),
        ("formal_loss", "cancelled", "counter"),
        ("normal", "cancelled", "counter"),
    }
)


def change_status(
    db: Session,
    card: Card,
    to_status: str,
    channel: str,
    kiosk_id: str | None,
    reason: str,
    now: datetime,
    loss_expires_at: datetime | None = None,
    conflict_code: str = "card_status_conflict",
) -> CardStatusChange:
    """Apply one allowed transition, record it and queue the citizen's SMS; 409 ``conflict_code`` otherwise.

    The status is compared and set in one ``UPDATE … WHERE status = <seen>``: of two concurrent requests (threads
    or workers, SQLite or PostgreSQL) only one changes the card; the other gets the 409.
    """
    from_status = card.status
    if (from_status, to_status, channel) not in TRANSITIONS:
        raise ApiError(409, conflict_code, f"a card in status {from_status} cannot become {to_status} here")
    changed = db.execute(
        update(Card)
        .where(Card.id == card.id, Card.status == from_status)
        .values(status=to_status, status_changed_at=now, loss_expires_at=loss_expires_at),
        execution_options={"synchronize_session": False},
    )
    if getattr(changed, "rowcount", 0) != 1:
        db.refresh(card)
        raise ApiError(409, conflict_code, f"the card's status changed meanwhile (now {card.status})")
    change = CardStatusChange(
        card_pk=card.id,
        from_status=from_status,
        to_status=to_status,
        changed_at=now,
        channel=channel,
        kiosk_id=kiosk_id,
        reason=reason,
    )
    db.add(change)
    db.flush()
    db.refresh(card)
    queue_status_sms(db, card.person_id, card.card_no, change, loss_expires_at)
    return change


def loss_lapsed(status: str, loss_expires_at: datetime | None, now: datetime) -> bool:
    """Whether a temporary loss has run out (the card is then normal again)."""
    return status == "temporary_loss" and loss_expires_at is not None and aware(loss_expires_at) <= now


def effective_status(db: Session, card: Card, now: datetime | None = None) -> str:
    """The status now: a lapsed temporary loss is turned back to normal (recorded as a system change)."""
    now = now or utcnow()
    if loss_lapsed(card.status, card.loss_expires_at, now):
        # another request may record the lapse (or another change) first: ``card`` then shows that
        with contextlib.suppress(ApiError):
            change_status(db, card, "normal", "system", None, "temporary loss lapsed", now)
    return card.status


def report_temporary_loss(db: Session, card: Card, kiosk_id: str, reason: str, days: int) -> CardStatusChange:
    """临时挂失 from a kiosk."""
    now = utcnow()
    if effective_status(db, card, now) != "normal":
        raise ApiError(409, "card_not_normal", f"the card is {card.status}; a loss report needs a normal card")
    return change_status(
        db, card, "temporary_loss", "kiosk", kiosk_id, reason, now, now + timedelta(days=days), "card_not_normal"
    )


def cancel_temporary_loss(db: Session, card: Card, kiosk_id: str) -> None:
    """解挂 from a kiosk: only a temporary loss can be cancelled here."""
    now = utcnow()
    status = effective_status(db, card, now)
    if status == "formal_loss":
        raise ApiError(409, "formal_loss_counter_only", "a formal loss report can only be handled at a counter")
    if status != "temporary_loss":
        raise ApiError(409, "card_not_lost", "the card is not reported lost")
    change_status(db, card, "normal", "kiosk", kiosk_id, "unlocked by the holder", now, conflict_code="card_not_lost")
