"""Store-and-forward of the journal: send what the backend has not confirmed, resume after any outage.

The backend answers the highest sequence number it holds contiguously; only that answer moves the local
``uploaded_seq`` (so a lost answer means the batch is sent again, and the backend ignores what it already holds).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.backend_client.protocol import Backend, BackendRejected, BackendUnavailable
from kiosk.clock import Clock
from kiosk.journal import (
    DEFAULT_RETENTION_DAYS,
    Journal,
    JournalEntry,
    JournalUnavailable,
    canonical_at,
    canonical_detail,
)
from kiosk_backend.schemas import JournalUpload, JournalUploadEntry

BATCH_SIZE = 50  # well under the backend's body limit


def to_wire(entry: JournalEntry) -> JournalUploadEntry:
    """The entry exactly as hashed, so the backend can check the chain."""
    return JournalUploadEntry(
        seq=entry.seq,
        at=canonical_at(entry.at),
        kind=entry.kind,
        code=entry.code,
        detail=canonical_detail(entry.detail),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


@dataclass(frozen=True)
class UploadState:
    """What staff see: how far the backend has confirmed, what is pending, and the last refusal if any."""

    uploaded_seq: int
    pending: int
    last_error: str | None


class JournalUploader:
    """Sends pending entries in batches; call :meth:`upload_pending` from a worker thread.

    With a clock, entries older than the retention period are pruned after a confirmed upload (never before).
    """

    def __init__(
        self,
        journal: Journal,
        backend: Backend,
        batch_size: int = BATCH_SIZE,
        clock: Clock | None = None,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        self._journal = journal
        self._backend = backend
        self._batch_size = batch_size
        self._clock = clock
        self._retention_days = retention_days
        self.pruned = 0
        self._lock = threading.Lock()  # one upload at a time (timer and staff button may overlap)
        self.last_error: str | None = None

    def upload_pending(self, max_batches: int = 20) -> int:
        """Upload until nothing is pending (or ``max_batches``); returns entries confirmed. Never raises."""
        confirmed = 0
        with self._lock:
            for _ in range(max_batches):
                try:
                    batch = self._journal.pending_upload(self._batch_size)
                    if not batch:
                        self.last_error = None
                        break
                    ack = self._backend.upload_journal(JournalUpload(entries=[to_wire(e) for e in batch]))
                except BackendUnavailable:
                    self.last_error = "backend_unavailable"
                    break
                except BackendRejected as exc:
                    if exc.code == "payload_too_large" and self._batch_size > 1:
                        self._batch_size //= 2  # long entries: smaller batches under the backend's body limit
                        continue
                    self.last_error = exc.code  # e.g. journal_gap: staff see it; retried next time
                    break
                except JournalUnavailable:
                    self.last_error = "journal_unavailable"
                    break
                before = self._journal.uploaded_seq()
                self._journal.confirm_upload(min(ack.uploaded_seq, batch[-1].seq))
                confirmed += max(0, self._journal.uploaded_seq() - before)
                if ack.uploaded_seq < batch[-1].seq:  # the backend stopped short: try again later
                    break
            if confirmed and self._clock is not None:
                try:
                    self.pruned += self._journal.prune(self._clock.now(), self._retention_days)
                except JournalUnavailable:
                    self.last_error = "journal_unavailable"
        return confirmed

    def state(self) -> UploadState:
        """Confirmed seq, entries waiting, last error."""
        uploaded = self._journal.uploaded_seq()
        last = self._journal.last()
        pending = (last.seq - uploaded) if last is not None else 0
        return UploadState(uploaded, max(0, pending), self.last_error)
