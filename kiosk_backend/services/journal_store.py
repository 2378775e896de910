"""Uploaded kiosk journals: each batch must continue the chain the backend holds for that kiosk."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk_backend.clock import utcnow
from kiosk_backend.errors import ApiError
from kiosk_backend.journal_chain import GENESIS_HASH, entry_hash
from kiosk_backend.models import KioskJournalEntry
from kiosk_backend.schemas import JournalAck, JournalUploadEntry


def _head(db: Session, kiosk_id: str) -> tuple[int, str]:
    row = db.execute(
        select(KioskJournalEntry.seq, KioskJournalEntry.hash)
        .where(KioskJournalEntry.kiosk_id == kiosk_id)
        .order_by(KioskJournalEntry.seq.desc())
        .limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS_HASH)


def store_batch(db: Session, kiosk_id: str, entries: list[JournalUploadEntry]) -> JournalAck:
    """Store the entries that continue the chain; entries already held (same hash) are ignored.

    Refusals: ``journal_entry_altered`` (hash does not match the content), ``journal_gap`` (the batch starts after
    the next expected entry), ``journal_chain_broken`` (the entry does not follow the one held before it),
    ``journal_conflict`` (an entry the backend holds arrives with different content).
    """
    for entry in entries:
        if entry_hash(entry.seq, entry.at, entry.kind, entry.code, entry.detail, entry.prev_hash) != entry.hash:
            raise ApiError(422, "journal_entry_altered", f"entry #{entry.seq}: its content does not match its hash")
    try:
        with db.begin():
            head_seq, head_hash = _head(db, kiosk_id)
            held = {
                int(row[0]): str(row[1])
                for row in db.execute(
                    select(KioskJournalEntry.seq, KioskJournalEntry.hash).where(
                        KioskJournalEntry.kiosk_id == kiosk_id,
                        KioskJournalEntry.seq.in_([e.seq for e in entries if e.seq <= head_seq]),
                    )
                )
            }
            now = utcnow()
            for entry in sorted(entries, key=lambda e: e.seq):
                if entry.seq <= head_seq:
                    if held.get(entry.seq, entry.hash) != entry.hash:
                        raise ApiError(409, "journal_conflict", f"entry #{entry.seq} differs from the one held")
                    continue
                if entry.seq != head_seq + 1:
                    raise ApiError(
                        409, "journal_gap", f"entry #{head_seq + 1} is missing (batch continues at #{entry.seq})"
                    )
                if entry.prev_hash != head_hash:
                    raise ApiError(409, "journal_chain_broken", f"entry #{entry.seq} does not follow #{head_seq}")
                db.add(KioskJournalEntry(kiosk_id=kiosk_id, received_at=now, **entry.model_dump()))
                head_seq, head_hash = entry.seq, entry.hash
    except IntegrityError:  # a concurrent upload of the same batch won: its answer is ours
        db.rollback()
        head_seq, head_hash = _head(db, kiosk_id)
    return JournalAck(uploaded_seq=head_seq, uploaded_hash=head_hash)
