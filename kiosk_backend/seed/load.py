"""Load generated records: COPY on PostgreSQL (psycopg 3), batched executemany on SQLite."""

from __future__ import annotations

import multiprocessing
import queue
import time
import traceback
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
    if engine.dialect.name == "postgresql":
        _postgres_writer(engine, (seed, persons, demo_cards), report, progress)
    else:
        _sqlite_writer(engine, generate(seed, persons, demo_cards), report, progress)
    report.seconds = time.monotonic() - started
    return report


def _postgres_writer(
    engine: Engine,
    job: tuple[int, int, tuple[DemoCard, ...]],
    report: SeedReport,
    progress: Callable[[int], None] | None,
) -> None:
    """COPY what a generator process produces: it generates the records and formats them as COPY text (pure Python,
    one core) while this process only streams the text and PostgreSQL ingests it (the other core).

    Foreign keys, and the keys and indexes no remaining foreign key needs, are dropped during the load and re-created
    at the end (PostgreSQL's own advice for bulk loads: one sort per index instead of an index insert per row, one
    validating join per foreign key instead of a check per row); all in one transaction.
    """
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")  # this session only: index builds sort in memory
            foreign_keys = _drop_foreign_keys(cursor)
            indexes = _drop_indexes(cursor)
            frozen = _truncate_unreferenced(cursor)
            loaded = 0
            for texts, counts in _generated(job):
                for table, text in texts.items():
                    options = " (FREEZE)" if table in frozen else ""
                    with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN{options}") as copy:
                        copy.write(text)
                    report.rows[table] = report.rows.get(table, 0) + counts[table]
                if counts.get("person"):
                    loaded += counts["person"]
                    if progress is not None:
                        progress(loaded)
            for statement in indexes:
                cursor.execute(statement)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table in EXPLICIT_IDS:
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
            for table in COLUMNS:
                cursor.execute(f"ANALYZE {table}")
        connection.commit()
        # Records the load as vacuumed (0.2 s for 100,000 people: the frozen pages are skipped), so autovacuum's
        # insert threshold does not send a worker over every table a minute into service.
        connection.autocommit = True  # VACUUM runs outside a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {', '.join(COLUMNS)}")
        finally:
            connection.autocommit = False  # as the pool handed it out
    finally:
        raw.close()


_Texts = tuple[dict[str, str], dict[str, int]]  # COPY text per table, rows per table


def _generated(job: tuple[int, int, tuple[DemoCard, ...]], depth: int = 3) -> Iterator[_Texts]:
    """The batches as COPY text, from a generator process that runs up to ``depth`` batches ahead."""
    # fork: the child only runs the already imported, pure-Python generator (no locks, no I/O but the queue), and
    # unlike spawn it does not re-run the caller's main module (a script without a __main__ guard would break). The
    # inherited database sockets are never used by the child: it ends with os._exit (multiprocessing's fork start),
    # so no finaliser of the parent's connections runs there.
    context = multiprocessing.get_context("fork")
    ready: multiprocessing.Queue[_Texts | str | None] = context.Queue(maxsize=depth)
    producer = context.Process(target=_produce, args=(job, ready), name="seed-generator", daemon=True)
    producer.start()
    try:
        while True:
            try:
                item = ready.get(timeout=5)
            except queue.Empty:
                if not producer.is_alive():
                    raise RuntimeError(f"the seed generator process died (exit code {producer.exitcode})") from None
                continue
            if item is None:
                break
            if isinstance(item, str):
                raise RuntimeError(f"the seed generator failed: {item}")
            yield item
        producer.join()
    finally:
        if producer.is_alive():
            producer.terminate()
            producer.join()


def _produce(job: tuple[int, int, tuple[DemoCard, ...]], ready: multiprocessing.Queue[_Texts | str | None]) -> None:
    """The generator process: every batch as COPY text per table; an error is handed over as its traceback."""
    try:
        for batch in generate(*job):
            texts: dict[str, str] = {}
            counts: dict[str, int] = {}
            for table, rows in batch.rows.items():
                if table == "contribution":
                    text = batch.contribution_copy_text()
                    counts[table] = text.count("\n")
                else:
                    text = _copy_text(rows, len(COLUMNS[table]))
                    counts[table] = len(rows)
                if text:
                    texts[table] = text
            ready.put((texts, counts))
        ready.put(None)
    except BaseException:
        ready.put(traceback.format_exc())


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_FORMATS: dict[type, Callable[[Any], str]] = {
    int: str,
    str: lambda value: value.translate(_ESCAPES),
    bool: lambda value: "t" if value else "f",
    type(None): lambda _value: "\\N",
    date: date.isoformat,
    datetime: datetime.isoformat,
    float: repr,
}


def _copy_text(rows: list[tuple[Any, ...]], width: int) -> str:
    """Rows in PostgreSQL's COPY text format. Fast path: ``str()`` of every value (ints, dates, datetimes, bools
    and floats all read back as themselves) — taken only when the counts prove no text value held a tab, newline,
    carriage return or backslash; otherwise every value is formatted and escaped by :func:`_copy_line`."""
    fast = "".join(["\t".join(["\\N" if value is None else str(value) for value in row]) + "\n" for row in rows])
    if (
        fast.count("\t") == len(rows) * (width - 1)
        and fast.count("\n") == len(rows)
        and fast.count("\\") == sum(row.count(None) for row in rows)  # the backslashes are the NULLs' \\N
        and "\r" not in fast
    ):
        return fast
    return "".join([_copy_line(row) for row in rows])


def _copy_line(row: tuple[Any, ...]) -> str:
    """One row in PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL, backslash escapes)."""
    return "\t".join([_FORMATS[type(value)](value) for value in row]) + "\n"


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


def _truncate_unreferenced(cursor: Any) -> set[str]:
    """Truncate (same transaction, after :func:`_drop_foreign_keys`) the loaded tables no other table's foreign key
    points at — all of them empty, or :class:`AlreadySeeded` — so that they can be loaded with ``COPY … (FREEZE)``:
    rows written frozen and all-visible, as VACUUM would leave them. Without it the first minutes after a load are a
    VACUUM of every loaded page (autovacuum's insert threshold) and hint-bit writes on first reads, competing with
    the service. The three referenced tables (person, card, card_status_change: ~3 % of the rows) load normally."""
    cursor.execute(
        "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid::regclass::text"
        " = ANY(%s)",
        (list(COLUMNS),),
    )
    referenced = {str(table) for (table,) in cursor.fetchall()}
    unreferenced = [table for table in COLUMNS if table not in referenced]
    for table in COLUMNS:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        if cursor.fetchone()[0]:
            raise AlreadySeeded(f"table {table} already holds rows; seed an empty database")
    cursor.execute(f"TRUNCATE {', '.join(unreferenced)}")
    return set(unreferenced)


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
