"""The kiosk's electronic journal: append-only, sequence-numbered, hash-chained (SQLite, standard library).

Every entry carries ``prev_hash`` (the hash of the entry before it) and its own ``hash`` over a canonical encoding of
its fields, so an edited, deleted or reordered entry breaks the chain. A *head file* beside the database records the
newest ``(seq, hash)`` after every append (atomically, fsynced): an entry removed from the end — which a chain alone
cannot reveal — shows as the database falling behind its head. The uploaded copy at the backend (heartbeats carry
the last hash) is the final witness: someone who can rewrite both files can rewrite the local chain.

Entries hold no personal data beyond masked values: :meth:`Journal.append` refuses PIN-like keys and unmasked ID
numbers. Pruning keeps at least the retention period and only removes entries whose upload was confirmed; the last
pruned entry stays as the chain's anchor.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

GENESIS_HASH = "0" * 64
DEFAULT_RETENTION_DAYS = 183  # the legal minimum is six months
DetailValue = str | int | bool | None

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_entry (
    seq INTEGER PRIMARY KEY,
    at VARCHAR(32) NOT NULL,
    kind VARCHAR(64) NOT NULL,
    code VARCHAR(32),
    detail TEXT NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_state (
    id INTEGER PRIMARY KEY,
    uploaded_seq INTEGER NOT NULL,
    anchor_seq INTEGER NOT NULL,
    anchor_hash VARCHAR(64) NOT NULL
);
INSERT OR IGNORE INTO journal_state (id, uploaded_seq, anchor_seq, anchor_hash) VALUES (1, 0, 0, '{genesis}');
"""
_ENTRY_COLUMNS = "seq, at, kind, code, detail, prev_hash, hash"

_FORBIDDEN_KEY = re.compile(r"(^|_)(pin|password|passphrase|otp|secret|token)($|_)", re.IGNORECASE)
_ALLOWED_KEYS = frozenset({"pin_tries_left"})
_UNMASKED_ID = re.compile(r"\d{17}[\dX]")


class JournalUnavailable(Exception):
    """The journal cannot be written or read (disk full, unreadable file): the kiosk must stop serving."""


@dataclass(frozen=True)
class JournalEntry:
    """One journal line."""

    seq: int
    at: datetime
    kind: str
    code: str | None
    detail: Mapping[str, DetailValue]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :meth:`Journal.verify`: ``ok`` or the first problem found."""

    ok: bool
    entries: int
    problem: str = ""
    seq: int | None = None


def entry_hash(seq: int, at: str, kind: str, code: str | None, detail: str, prev_hash: str) -> str:
    """SHA-256 over a canonical JSON array of the entry's fields."""
    canonical = json.dumps([seq, at, kind, code, detail, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def canonical_detail(values: Mapping[str, DetailValue]) -> str:
    """The stored (and hashed) text of an entry's detail."""
    return json.dumps(dict(values), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_at(when: datetime) -> str:
    """The stored (and hashed) text of an entry's time (UTC, microseconds)."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def check_detail(detail: Mapping[str, DetailValue]) -> None:
    """Refuse secrets and unmasked ID numbers before they reach the disk."""
    for key, value in detail.items():
        if _FORBIDDEN_KEY.search(key) and key not in _ALLOWED_KEYS:
            raise ValueError(f"journal detail key {key!r} may hold a secret; journal entries never do")
        if isinstance(value, str) and _UNMASKED_ID.search(value):
            raise ValueError(f"journal detail {key!r} holds an unmasked ID number; mask it first")


class Journal:
    """The journal file ``journal.sqlite3`` (+ ``journal.head``) in a directory.

    Plain ``sqlite3`` (standard library): one table, a handful of statements, and no start-up cost for the kiosk.
    Each call opens its own short connection, so threads may share one ``Journal``.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "journal.sqlite3"
        self.head_path = directory / "journal.head"
        self._write_lock = threading.Lock()  # database append and head file update happen as one step
        try:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA.format(genesis=GENESIS_HASH))
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise JournalUnavailable(f"journal cannot be opened: {exc}") from None

    def close(self) -> None:
        """Nothing stays open between calls (kept for symmetry with other stores)."""

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the lock at once (one writer at a time, even across processes)."""
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=5.0)
        try:
            yield db
        finally:
            db.close()

    # ------------------------------------------------------------------ writing
    def append(
        self,
        kind: str,
        code: str | None = None,
        detail: Mapping[str, DetailValue] | None = None,
        at: datetime | None = None,
    ) -> JournalEntry:
        """Add one entry at the end of the chain (durable when this returns)."""
        values = dict(detail or {})
        check_detail(values)
        detail_text = canonical_detail(values)
        when = (at or datetime.now(UTC)).astimezone(UTC)
        at_text = canonical_at(when)
        with self._write_lock:
            seq, prev_hash, digest = self._append_row(at_text, kind, code, detail_text)
            self._write_head(seq, digest)
        return JournalEntry(seq, when, kind, code, values, prev_hash, digest)

    def _append_row(self, at_text: str, kind: str, code: str | None, detail_text: str) -> tuple[int, str, str]:
        try:
            with self._transaction() as db:
                row = db.execute("SELECT seq, hash FROM journal_entry ORDER BY seq DESC LIMIT 1").fetchone()
                if row is None:
                    row = db.execute("SELECT anchor_seq, anchor_hash FROM journal_state").fetchone()
                seq, prev_hash = row[0] + 1, row[1]
                digest = entry_hash(seq, at_text, kind, code, detail_text, prev_hash)
                db.execute(
                    f"INSERT INTO journal_entry ({_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (seq, at_text, kind, code, detail_text, prev_hash, digest),
                )
        except sqlite3.Error as exc:
            raise JournalUnavailable(f"journal cannot be written: {exc}") from None
        return seq, prev_hash, digest

    def _write_head(self, seq: int, digest: str) -> None:
        temporary = self.head_path.with_suffix(f".head.{os.getpid()}.tmp")
        try:
            with temporary.open("w", encoding="ascii") as handle:
                handle.write(f"{seq} {digest}\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.head_path)
        except OSError as exc:
            raise JournalUnavailable(f"journal head cannot be written: {exc.strerror}") from None

    # ------------------------------------------------------------------ reading
    def entries(self, after_seq: int = 0, limit: int | None = None) -> Iterator[JournalEntry]:
        """Entries in sequence order, starting after ``after_seq``."""
        query = f"SELECT {_ENTRY_COLUMNS} FROM journal_entry WHERE seq > ? ORDER BY seq LIMIT ?"
        with self._reading() as db:
            rows = db.execute(query, (after_seq, -1 if limit is None else limit)).fetchall()
        for seq, at, kind, code, detail, prev_hash, digest in rows:
            yield JournalEntry(seq, datetime.fromisoformat(at), kind, code, json.loads(detail), prev_hash, digest)

    def entries_on(self, day: datetime) -> list[JournalEntry]:
        """The entries of one local day (for the staff journal viewer)."""
        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)
        return [e for e in self.entries() if start <= e.at.astimezone(start.tzinfo) < end]

    def last(self) -> JournalEntry | None:
        """The newest entry."""
        with self._reading() as db:
            seq = db.execute("SELECT max(seq) FROM journal_entry").fetchone()[0]
        if seq is None:
            return None
        return next(self.entries(after_seq=seq - 1, limit=1))

    # ------------------------------------------------------------------ checking
    def verify(self) -> VerifyResult:
        """Walk the chain from its anchor; report the first edited, missing, reordered or truncated entry."""
        try:
            with self._reading() as db:
                anchor_seq, anchor_hash = db.execute("SELECT anchor_seq, anchor_hash FROM journal_state").fetchone()
                rows = db.execute(f"SELECT {_ENTRY_COLUMNS} FROM journal_entry ORDER BY seq").fetchall()
        except (sqlite3.Error, TypeError) as exc:
            return VerifyResult(False, 0, f"journal unreadable: {exc}")
        expected_seq, expected_prev = anchor_seq + 1, anchor_hash
        hashes: dict[int, str] = {}
        for seq, at, kind, code, detail, prev_hash, digest in rows:
            if seq != expected_seq:
                problem = "entry missing" if seq > expected_seq else "entry out of order"
                return VerifyResult(False, len(rows), f"{problem}: expected #{expected_seq}, found #{seq}", seq)
            if prev_hash != expected_prev:
                return VerifyResult(False, len(rows), "chain broken: entry does not follow the one before", seq)
            if entry_hash(seq, at, kind, code, detail, prev_hash) != digest:
                return VerifyResult(False, len(rows), "entry altered: its content does not match its hash", seq)
            hashes[seq] = digest
            expected_seq, expected_prev = seq + 1, digest
        return self._verify_head(len(rows), hashes, anchor_seq)

    def _verify_head(self, count: int, hashes: dict[int, str], anchor_seq: int) -> VerifyResult:
        try:
            head_seq_text, head_hash = self.head_path.read_text(encoding="ascii").split()
            head_seq = int(head_seq_text)
        except FileNotFoundError:
            if count:
                return VerifyResult(False, count, "head file missing: cannot tell whether entries were cut off")
            return VerifyResult(True, 0)
        except ValueError:
            return VerifyResult(False, count, "head file unreadable")
        if head_seq > anchor_seq + count:
            return VerifyResult(False, count, f"truncated: the journal ends at #{anchor_seq + count}, head #{head_seq}")
        if head_seq > anchor_seq and hashes.get(head_seq) != head_hash:
            return VerifyResult(False, count, f"entry #{head_seq} differs from the recorded head", head_seq)
        return VerifyResult(True, count)

    # ------------------------------------------------------------------ upload and retention
    def pending_upload(self, limit: int = 500) -> list[JournalEntry]:
        """Entries not yet confirmed by the backend, oldest first."""
        return list(self.entries(after_seq=self.uploaded_seq(), limit=limit))

    def uploaded_seq(self) -> int:
        """The newest sequence number the backend has confirmed."""
        with self._reading() as db:
            return int(db.execute("SELECT uploaded_seq FROM journal_state").fetchone()[0])

    def confirm_upload(self, up_to_seq: int) -> None:
        """Record the backend's confirmation (never moves backwards)."""
        with self._transaction() as db:
            db.execute("UPDATE journal_state SET uploaded_seq = ? WHERE uploaded_seq < ?", (up_to_seq, up_to_seq))

    def prune(self, now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS) -> int:
        """Remove entries older than the retention period whose upload was confirmed; returns how many."""
        if retention_days < DEFAULT_RETENTION_DAYS:
            raise ValueError(f"journal retention must be at least {DEFAULT_RETENTION_DAYS} days")
        cutoff = (now - timedelta(days=retention_days)).astimezone(UTC).isoformat(timespec="microseconds")
        with self._transaction() as db:
            uploaded = db.execute("SELECT uploaded_seq FROM journal_state").fetchone()[0]
            last = db.execute(
                "SELECT seq, hash FROM journal_entry WHERE seq <= ? AND at < ? ORDER BY seq DESC LIMIT 1",
                (uploaded, cutoff),
            ).fetchone()
            if last is None:
                return 0
            removed = db.execute("DELETE FROM journal_entry WHERE seq <= ?", (last[0],)).rowcount
            db.execute("UPDATE journal_state SET anchor_seq = ?, anchor_hash = ?", last)
        return int(removed)
