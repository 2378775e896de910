"""SMS to the citizen on every card status change: queued in the change's transaction, delivered after commit.

:func:`queue_status_sms` is called by the state machine (``card_status.change_status``), the one place where a
card's status changes, so a loss report with or without the card, an unlock and a system lapse all notify. The
message sits in ``sms_outbox`` until :func:`deliver_pending` hands it to the gateway: a rolled-back change sends
nothing, a committed one is sent at least once (a worker killed between claiming and sending leaves the claim to
expire; the next delivery round sends it).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kiosk_backend.clock import utcnow
from kiosk_backend.models import CardStatusChange, Person, SmsOutbox
from kiosk_backend.services.sms import SmsGateway, SmsMessage

log = logging.getLogger(__name__)

PENDING_FLAG = "sms_pending"  # set in ``Session.info`` when a message was queued: deliver after the request
CLAIM_LEASE = timedelta(seconds=60)
BEIJING = timezone(timedelta(hours=8))
SIGNATURE = "【宁夏人社】"
CHANNELS = {"kiosk": "自助终端", "counter": "服务窗口", "system": "系统", "seed": "系统"}


def status_text(card_no: str, change: CardStatusChange, loss_expires_at: datetime | None) -> str:
    """The notification wording for one transition (card number shown as its last 4 digits only)."""
    when = change.changed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    card = f"您尾号{card_no[-4:]}的社会保障卡"
    channel = CHANNELS.get(change.channel, change.channel)
    if change.to_status == "temporary_loss":
        until = loss_expires_at.astimezone(BEIJING).strftime("%Y-%m-%d") if loss_expires_at else "—"
        body = f"已于{when}通过{channel}办理临时挂失，挂失有效至{until}，到期未转正式挂失将自动解除。"
    elif change.to_status == "normal" and change.channel == "system":
        body = f"临时挂失已于{when}到期自动解除，卡片恢复正常使用。如卡片仍未找到，请重新挂失。"
    elif change.to_status == "normal":
        body = f"已于{when}通过{channel}解除挂失，恢复正常使用。"
    elif change.to_status == "formal_loss":
        body = f"已于{when}通过{channel}办理正式挂失，请到服务窗口补领新卡。"
    else:
        body = f"已于{when}通过{channel}注销。"
    return f"{SIGNATURE}{card}{body}如非本人操作，请拨打12333。"


def queue_status_sms(
    db: Session, person_id: int, card_no: str, change: CardStatusChange, loss_expires_at: datetime | None
) -> None:
    """Add the notification of ``change`` (already flushed) to the caller's transaction."""
    phone = db.execute(select(Person.phone).where(Person.id == person_id)).scalar_one_or_none()
    if not phone:
        return
    db.add(
        SmsOutbox(
            phone=phone,
            kind="card_status",
            text=status_text(card_no, change, loss_expires_at),
            status_change_id=change.id,
            created_at=change.changed_at,
        )
    )
    db.info[PENDING_FLAG] = True


def deliver_pending(engine: Engine, gateway: SmsGateway, limit: int = 50) -> int:
    """Send queued notifications (claim, send, mark sent; each step its own short transaction). Returns the count."""
    sent = 0
    with Session(engine) as db:
        now = utcnow()
        stale = now - CLAIM_LEASE
        claimable = (SmsOutbox.sent_at.is_(None), or_(SmsOutbox.claimed_at.is_(None), SmsOutbox.claimed_at < stale))
        ids = db.execute(select(SmsOutbox.id).where(*claimable).order_by(SmsOutbox.id).limit(limit)).scalars().all()
        db.rollback()
        for message_id in ids:
            claimed = db.execute(
                update(SmsOutbox).where(SmsOutbox.id == message_id, *claimable).values(claimed_at=now),
                execution_options={"synchronize_session": False},
            )
            db.commit()
            if getattr(claimed, "rowcount", 0) != 1:
                continue  # another worker has it
            row = db.get(SmsOutbox, message_id)
            assert row is not None
            try:
                gateway.send(
                    SmsMessage(
                        id=f"n{row.id}",
                        to=row.phone,
                        kind=row.kind,
                        text=row.text,
                        sent_at=utcnow(),
                        ref=None if row.status_change_id is None else str(row.status_change_id),
                    )
                )
            except OSError as exc:
                log.warning("SMS gateway refused notification %s: %s", message_id, type(exc).__name__)
                db.rollback()
                continue  # the claim lapses; a later round retries
            row.sent_at = utcnow()
            db.commit()
            sent += 1
    return sent


def deliver_quietly(engine: Engine, gateway: SmsGateway) -> None:
    """:func:`deliver_pending` for after a request: a database failure leaves the messages for a later round."""
    try:
        deliver_pending(engine, gateway)
    except SQLAlchemyError as exc:
        log.warning("SMS notifications not delivered now: %s", type(exc).__name__)


async def redeliver_forever(engine: Engine, gateway: SmsGateway, interval_s: float) -> None:
    """Each worker's sweep: every ``interval_s`` deliver what is queued or whose claim lapsed (a crash mid-send)."""
    while True:
        await asyncio.sleep(interval_s)
        await run_in_threadpool(deliver_quietly, engine, gateway)
