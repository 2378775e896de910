"""Load generated records: COPY on PostgreSQL (psycopg 3), batched executemany on SQLite."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk_backend.demo_cards import DemoCard
from kiosk_backend.models import Person
from kiosk_backend.seed.generate import COLUMNS, EXPLICIT_IDS, Batch, generate


class AlreadySeeded(Exception):
    """The database already holds people; seeding is for an empty database."""


@dataclass
class SeedReport:
    """What was loaded and how long it took."""

    persons: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def seed_database(
    engine: Engine,
    persons: int,
    seed: int,
    demo_cards: tuple[DemoCard, ...],
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Fill an empty, migrated database with ``persons`` people (the demo people first)."""
    with Session(engine) as db:
        if db.execute(select(func.count()).select_from(Person)).scalar_one():
            raise AlreadySeeded("the database already holds people; seed an empty database")
    started = time.monotonic()
    report = SeedReport(persons=max(persons, len(demo_cards)))
    writer = _postgres_writer if engine.dialect.name == "postgresql" else _sqlite_writer
    writer(engine, generate(seed, persons, demo_cards), report, progress)
    report.seconds = time.monotonic() - started
    return report


def _postgres_writer(engine: Engine, batches: Any, report: SeedReport, progress: Callable[[int], None] | None) -> None:
    """COPY the batches while the next ones are generated: a producer thread generates (pure Python, holds the GIL),
    this thread mostly waits on the socket while PostgreSQL ingests, so generation and ingestion overlap on two
    cores. Foreign keys, and the keys and indexes no remaining foreign key needs, are dropped during the load and
    re-created at the end (PostgreSQL's own advice for bulk loads: one sort per index instead of an index insert per
    row, one validating join per foreign key instead of a check per row); all in one transaction."""
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")  # this session only: index builds sort in memory
            foreign_keys = _drop_foreign_keys(cursor)
            indexes = _drop_indexes(cursor)
            loaded = 0
            for batch, contribution_text in _prefetched(batches):
                for table, rows in batch.rows.items():
                    columns = ", ".join(COLUMNS[table])
                    if table == "contribution":
                        if contribution_text:
                            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                                copy.write(contribution_text)
                            report.rows[table] = report.rows.get(table, 0) + contribution_text.count("\n")
                        continue
                    if not rows:
                        continue
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    report.rows[table] = report.rows.get(table, 0) + len(rows)
                loaded = len(batch.rows["person"]) + loaded
                if progress is not None and batch.rows["person"]:
                    progress(loaded)
            for statement in indexes:
                cursor.execute(statement)
            for table, name, definition in foreign_keys:  # one validating join per key instead of a check per row
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table in EXPLICIT_IDS:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
            for table in COLUMNS:
                cursor.execute(f"ANALYZE {table}")
        connection.commit()
    finally:
        raw.close()


def _prefetched(batches: Iterator[Batch], depth: int = 2) -> Iterator[tuple[Batch, str]]:
    """The batches with their contribution COPY text, generated up to ``depth`` ahead in a producer thread."""
    ready: queue.Queue[tuple[Batch, str] | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: tuple[Batch, str] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False  # the consumer has gone

    def produce() -> None:
        try:
            for batch in batches:
                if not offer((batch, batch.contribution_copy_text())):
                    return
            offer(None)
        except BaseException as exc:  # handed to the consumer, raised there
            offer(exc)

    producer = threading.Thread(target=produce, name="seed-generator", daemon=True)
    producer.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()


def _drop_foreign_keys(cursor: Any) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of the loaded tables (same transaction); returns what re-creates them."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        (list(COLUMNS),),
    )
    keys = [(str(table), str(name), str(definition)) for table, name, definition in cursor.fetchall()]
    for table, name, _definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return keys


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the primary keys, unique constraints and indexes of the loaded tables that no remaining foreign key
    points at (same transaction, after :func:`_drop_foreign_keys`); returns the statements that re-create them."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint c "
        "WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.conrelid)",
        (list(COLUMNS),),
    )
    constraints = [(str(table), str(name), str(definition)) for table, name, definition in cursor.fetchall()]
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        (list(COLUMNS),),
    )
    plain = [(str(name), str(definition)) for name, definition in cursor.fetchall()]
    for table, name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in plain:
        cursor.execute(f"DROP INDEX {name}")
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in constraints] + [
        definition for _name, definition in plain
    ]


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_writer(engine: Engine, batches: Any, report: SeedReport, progress: Callable[[int], None] | None) -> None:
    with engine.begin() as connection:
        loaded = 0
        for batch in batches:
            assert isinstance(batch, Batch)
            for table, listed in batch.rows.items():
                rows = list(batch.contribution_rows()) if table == "contribution" else listed
                if not rows:
                    continue
                columns = COLUMNS[table]
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                cursor.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])
                report.rows[table] = report.rows.get(table, 0) + len(rows)
            loaded += len(batch.rows["person"])
            if progress is not None and batch.rows["person"]:
                progress(loaded)
