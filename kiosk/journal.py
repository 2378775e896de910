"""The kiosk's electronic journal: append-only, sequence-numbered, hash-chained (SQLite via SQLAlchemy).

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
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DatabaseError, OperationalError

GENESIS_HASH = "0" * 64
DEFAULT_RETENTION_DAYS = 183  # the legal minimum is six months
DetailValue = str | int | bool | None

_metadata = MetaData()
_entries = Table(
    "journal_entry",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("code", String(32), nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
_state = Table(
    "journal_state",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("uploaded_seq", Integer, nullable=False),
    Column("anchor_seq", Integer, nullable=False),
    Column("anchor_hash", String(64), nullable=False),
)

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
    """The journal file ``journal.sqlite3`` (+ ``journal.head``) in a directory."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "journal.sqlite3"
        self.head_path = directory / "journal.head"
        self._write_lock = threading.Lock()  # database append and head file update happen as one step
        self._engine: Engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self._engine, "connect", _durable_pragmas)
        event.listen(self._engine, "begin", _begin_immediate)
        try:
            _metadata.create_all(self._engine)
            with self._engine.begin() as db:
                if db.execute(select(_state.c.id)).first() is None:
                    db.execute(insert(_state).values(id=1, uploaded_seq=0, anchor_seq=0, anchor_hash=GENESIS_HASH))
        except (OperationalError, DatabaseError) as exc:
            raise JournalUnavailable(f"journal cannot be opened: {exc.orig}") from None

    def close(self) -> None:
        """Release the database file."""
        self._engine.dispose()

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
            with self._engine.begin() as db:
                last = db.execute(select(_entries.c.seq, _entries.c.hash).order_by(_entries.c.seq.desc()).limit(1))
                row = last.first()
                if row is None:
                    state = db.execute(select(_state.c.anchor_seq, _state.c.anchor_hash)).one()
                    seq, prev_hash = state.anchor_seq + 1, state.anchor_hash
                else:
                    seq, prev_hash = row.seq + 1, row.hash
                digest = entry_hash(seq, at_text, kind, code, detail_text, prev_hash)
                db.execute(
                    insert(_entries).values(
                        seq=seq, at=at_text, kind=kind, code=code, detail=detail_text, prev_hash=prev_hash, hash=digest
                    )
                )
        except (OperationalError, DatabaseError) as exc:
            raise JournalUnavailable(f"journal cannot be written: {exc.orig}") from None
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
        query = select(_entries).where(_entries.c.seq > after_seq).order_by(_entries.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as db:
            for row in db.execute(query):
                yield JournalEntry(
                    row.seq,
                    datetime.fromisoformat(row.at),
                    row.kind,
                    row.code,
                    json.loads(row.detail),
                    row.prev_hash,
                    row.hash,
                )

    def entries_on(self, day: datetime) -> list[JournalEntry]:
        """The entries of one local day (for the staff journal viewer)."""
        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)
        return [e for e in self.entries() if start <= e.at.astimezone(start.tzinfo) < end]

    def last(self) -> JournalEntry | None:
        """The newest entry."""
        with self._engine.connect() as db:
            seq = db.execute(select(func.max(_entries.c.seq))).scalar()
        if seq is None:
            return None
        return next(self.entries(after_seq=seq - 1, limit=1))

    # ------------------------------------------------------------------ checking
    def verify(self) -> VerifyResult:
        """Walk the chain from its anchor; report the first edited, missing, reordered or truncated entry."""
        try:
            with self._engine.connect() as db:
                state = db.execute(select(_state.c.anchor_seq, _state.c.anchor_hash)).one()
                rows = db.execute(select(_entries).order_by(_entries.c.seq)).all()
        except (OperationalError, DatabaseError) as exc:
            return VerifyResult(False, 0, f"journal unreadable: {exc.orig}")
        expected_seq, expected_prev = state.anchor_seq + 1, state.anchor_hash
        hashes: dict[int, str] = {}
        for row in rows:
            if row.seq != expected_seq:
                problem = "entry missing" if row.seq > expected_seq else "entry out of order"
                return VerifyResult(False, len(rows), f"{problem}: expected #{expected_seq}, found #{row.seq}", row.seq)
            if row.prev_hash != expected_prev:
                return VerifyResult(False, len(rows), "chain broken: entry does not follow the one before", row.seq)
            if entry_hash(row.seq, row.at, row.kind, row.code, row.detail, row.prev_hash) != row.hash:
                return VerifyResult(False, len(rows), "entry altered: its content does not match its hash", row.seq)
            hashes[row.seq] = row.hash
            expected_seq, expected_prev = row.seq + 1, row.hash
        return self._verify_head(len(rows), hashes, state.anchor_seq)

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
        with self._engine.connect() as db:
            return int(db.execute(select(_state.c.uploaded_seq)).scalar_one())

    def confirm_upload(self, up_to_seq: int) -> None:
        """Record the backend's confirmation (never moves backwards)."""
        with self._engine.begin() as db:
            db.execute(update(_state).where(_state.c.uploaded_seq < up_to_seq).values(uploaded_seq=up_to_seq))

    def prune(self, now: datetime, retention_days: int = DEFAULT_RETENTION_DAYS) -> int:
        """Remove entries older than the retention period whose upload was confirmed; returns how many."""
        if retention_days < DEFAULT_RETENTION_DAYS:
            raise ValueError(f"journal retention must be at least {DEFAULT_RETENTION_DAYS} days")
        cutoff = (now - timedelta(days=retention_days)).astimezone(UTC).isoformat(timespec="microseconds")
        with self._engine.begin() as db:
            uploaded = db.execute(select(_state.c.uploaded_seq)).scalar_one()
            candidates = select(_entries.c.seq, _entries.c.hash).where(
                _entries.c.seq <= uploaded, _entries.c.at < cutoff
            )
            last = db.execute(candidates.order_by(_entries.c.seq.desc()).limit(1)).first()
            if last is None:
                return 0
            removed = db.execute(delete(_entries).where(_entries.c.seq <= last.seq)).rowcount
            db.execute(update(_state).values(anchor_seq=last.seq, anchor_hash=last.hash))
        return int(removed)


def _durable_pragmas(dbapi_connection: Any, _record: object) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _begin_immediate)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Every transaction takes the write lock at once: one writer at a time, even across processes."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
