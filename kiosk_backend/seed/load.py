"""Load generated records: COPY on PostgreSQL (psycopg 3), batched executemany on SQLite."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            loaded = 0
            for batch in batches:
                for table, rows in batch.rows.items():
                    if not rows:
                        continue
                    columns = ", ".join(COLUMNS[table])
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    report.rows[table] = report.rows.get(table, 0) + len(rows)
                loaded = len(batch.rows["person"]) + loaded
                if progress is not None and batch.rows["person"]:
                    progress(loaded)
            for table in EXPLICIT_IDS:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
            for table in COLUMNS:
                cursor.execute(f"ANALYZE {table}")
        connection.commit()
    finally:
        raw.close()


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
            for table, rows in batch.rows.items():
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
