"""Journal entries from the UI, written in order by one background thread (the UI thread never touches the disk)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping

from kiosk.clock import Clock
from kiosk.journal import DetailValue, Journal, JournalUnavailable

log = logging.getLogger(__name__)

_Entry = tuple[str, str | None, Mapping[str, DetailValue]]


class JournalWriter:
    """``record`` returns at once; a daemon thread appends in arrival order; ``close`` drains the queue."""

    def __init__(self, journal: Journal, clock: Clock) -> None:
        self._journal = journal
        self._clock = clock
        self._queue: queue.Queue[_Entry | None] = queue.Queue()
        self.failed = threading.Event()  # set when the journal could not be written (the kiosk must stop serving)
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def record(self, kind: str, code: str | None = None, detail: Mapping[str, DetailValue] | None = None) -> None:
        """Queue one entry."""
        self._queue.put((kind, code, dict(detail or {})))

    def close(self, timeout_s: float = 5.0) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            kind, code, detail = entry
            try:
                self._journal.append(kind, code, detail, at=self._clock.now())
            except (JournalUnavailable, ValueError) as exc:
                self.failed.set()
                log.error("journal entry %s not written: %s", kind, type(exc).__name__)
