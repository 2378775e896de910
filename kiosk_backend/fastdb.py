"""Database access for the busiest routes: SQLAlchemy Core statements compiled once per dialect, run on the driver.

Why: SQLAlchemy's execution layer costs ~0.2–0.3 ms of CPU per statement and a sync route a worker-thread hop; for
the card login and the three most used queries that capped the mixed workload near 300 req/s on two cores
(docs/PERFORMANCE.md). The statements stay SQLAlchemy Core — one source for SQLite and PostgreSQL, compiled once
per dialect with the column types' bind and result processors — but they run on asyncpg's pool (PostgreSQL: no
thread hop, statements prepared once per connection; asyncpg's protocol costs ~0.03–0.04 ms of CPU per statement,
psycopg's async mode ~0.08) or on the engine's own sqlite3 connections in a worker thread (SQLite: the embedded
one-kiosk case).

A state-changing request writes with :meth:`FastDb.write`: a few inserts, optionally guarded by one compare-and-set
statement, committed atomically together — on PostgreSQL as one statement (data-modifying CTEs: one round trip, no
BEGIN / COMMIT), on SQLite in one transaction.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast

import asyncpg
from anyio import to_thread
from sqlalchemy import Engine, bindparam, func, insert, literal_column, make_url, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Row = tuple[Any, ...]
_Processor = Callable[[Any], Any] | None


class UniqueViolation(Exception):
    """A write hit a unique constraint, or (SQLite) the database stayed locked by a concurrent writer."""


class ValueRefused(Exception):
    """The database (or the driver, before sending) refused a value: out of range, not representable (a 422)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter order for positional paramstyles, None for named ones
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # (name, processor) for the parameters that need one
    returns_rows: bool
    results: tuple[_Processor, ...] | None  # one per column; None when no column needs processing
    defaults: Mapping[str, Any]

    def parameters(self, params: Mapping[str, Any]) -> Mapping[str, Any] | Sequence[Any]:
        values = {**self.defaults, **params}
        for name, process in self.binds:
            values[name] = process(values[name])
        return values if self.positions is None else [values[name] for name in self.positions]

    def rows(self, raw: list[Row]) -> list[Row]:
        if self.results is None:
            return raw
        processors = self.results
        return [tuple(v if p is None else p(v) for p, v in zip(processors, row, strict=True)) for row in raw]


class Query:
    """A Core statement (select, or DML with RETURNING), compiled once per dialect on first use."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self.statement, dialect)
        return found


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    binds = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((name, process))
    columns = list(getattr(statement, "exported_columns", ()))
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    return _Compiled(
        sql=str(compiled),
        positions=positions,
        binds=tuple(binds),
        returns_rows=bool(columns),
        results=results if any(process is not None for process in results) else None,
        defaults={name: value for name, value in compiled.params.items() if value is not None},
    )


class InsertQuery(Query):
    """``INSERT INTO <model> (names…) VALUES (:name…)``: one bound parameter per named column."""

    def __init__(self, model: type, names: tuple[str, ...]) -> None:
        super().__init__(insert(model).values({name: bindparam(name) for name in names}))
        self.model = model
        self.names = names


def insert_query(model: type, names: tuple[str, ...]) -> InsertQuery:
    """An :class:`InsertQuery` (built once per module, like every :class:`Query`)."""
    return InsertQuery(model, names)


Statement = tuple[Query, Mapping[str, Any]]  # a query and its parameters
Insert = tuple[InsertQuery, Mapping[str, Any]]


@functools.cache
def _write_group(guard: Query | None, inserts: tuple[InsertQuery, ...]) -> Query:
    """One PostgreSQL statement for :meth:`FastDb.write`: ``WITH guard AS (… RETURNING …), w0 AS (INSERT … SELECT
    :w0_… FROM guard), … SELECT count(*) FROM guard`` — the inserts take one row from each row the guard returned;
    without a guard they insert their values once and the statement answers 1. Built once per shape."""
    source = guard.statement.cte("guard") if guard is not None else None  # type: ignore[attr-defined]
    ctes = []
    for index, query in enumerate(inserts):
        columns = query.model.__table__.c  # type: ignore[attr-defined]
        values = select(*(bindparam(f"w{index}_{name}", type_=columns[name].type) for name in query.names))
        if source is not None:
            values = values.select_from(source)
        ctes.append(insert(query.model).from_select(list(query.names), values).cte(f"w{index}"))
    answer = select(func.count()).select_from(source) if source is not None else select(literal_column("1"))
    return Query(answer.add_cte(*ctes))


def _group_parameters(guard: Statement | None, inserts: Sequence[Insert]) -> dict[str, Any]:
    params = dict(guard[1]) if guard is not None else {}
    for index, (_, values) in enumerate(inserts):
        params.update((f"w{index}_{name}", value) for name, value in values.items())
    return params


class FastDb(Protocol):
    """Single statements in autocommit; atomic writes; ``UniqueViolation`` for a unique-constraint conflict."""

    dialect: Dialect

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]: ...

    async def first(self, query: Query, params: Mapping[str, Any]) -> Row | None: ...

    async def write(self, inserts: Sequence[Insert], guard: Statement | None = None) -> bool:
        """Atomically: run ``guard`` (a DML statement with RETURNING, e.g. a compare-and-set), and only if it
        returned a row, the ``inserts``; True when they were written (always, without a guard). A failing insert
        (e.g. a unique violation) undoes the guard's change too."""
        ...

    async def close(self) -> None: ...


class _FirstOfAll:
    """``first`` for every statement runner below: the first row of ``all``, or None."""

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        raise NotImplementedError

    async def first(self, query: Query, params: Mapping[str, Any]) -> Row | None:
        rows = await self.all(query, params)
        return rows[0] if rows else None


class PgFastDb(_FirstOfAll):
    """PostgreSQL through asyncpg's pool (one pool per event loop: a worker has one, tests may have several)."""

    def __init__(self, engine: Engine, pool_size: int) -> None:
        self.dialect: Dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
        self._dsn = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _open_pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is loop:
            return self._pool
        pool = await asyncpg.create_pool(
            self._dsn,
            min_size=1,
            max_size=self._pool_size,
            reset=_end_open_transaction,
            server_settings={"timezone": "UTC"},
        )
        if self._pool is not None and self._loop is loop:  # a concurrent first request opened one meanwhile
            await pool.close()
            return self._pool
        self._pool, self._loop = pool, loop
        return pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        pool = self._pool if self._loop is asyncio.get_running_loop() and self._pool is not None else None
        async with (pool or await self._open_pool()).acquire() as connection:
            yield connection

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        compiled = query.compiled(self.dialect)
        async with self._connection() as connection:
            try:
                records = await connection.fetch(compiled.sql, *compiled.parameters(params))
            except asyncpg.UniqueViolationError as exc:
                raise UniqueViolation(str(exc)) from exc
            except asyncpg.DataError as exc:  # refused by the driver (encoding) or the server (SQLSTATE class 22)
                raise ValueRefused(type(exc).__name__) from exc
        return compiled.rows([tuple(record) for record in records])

    async def write(self, inserts: Sequence[Insert], guard: Statement | None = None) -> bool:
        group = _write_group(guard[0] if guard is not None else None, tuple(query for query, _ in inserts))
        answer = await self.first(group, _group_parameters(guard, inserts))
        return answer is not None and answer[0] > 0

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = self._loop = None


async def _end_open_transaction(connection: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool: this module opens no cursors, listeners, locks,
    session settings or transactions (each statement is its own) — so, unlike asyncpg's default reset (``RESET ALL``
    and more: a round trip per request), nothing unless a transaction was somehow left open."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def _run_sqlite(connection: Any, dialect: Dialect, query: Query, params: Mapping[str, Any]) -> list[Row]:
    """One statement on a sqlite3 connection, the driver's errors translated."""
    compiled = query.compiled(dialect)
    cursor = connection.cursor()
    try:
        cursor.execute(compiled.sql, compiled.parameters(params))
        return compiled.rows(cursor.fetchall()) if compiled.returns_rows else []
    except sqlite3.IntegrityError as exc:
        raise UniqueViolation(str(exc)) from exc
    except OverflowError as exc:  # an integer beyond SQLite's 64 bits
        raise ValueRefused(type(exc).__name__) from exc
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise UniqueViolation(str(exc)) from exc
        raise
    finally:
        cursor.close()


class SqliteFastDb(_FirstOfAll):
    """SQLite on the engine's pooled sqlite3 connections, one worker thread per call (the statements of a write
    in one transaction)."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self._engine = engine

    def _in_transaction(self, statements: Callable[[Any], Any]) -> Any:
        connection = self._engine.raw_connection()
        try:
            result = statements(connection)
            connection.commit()
            return result
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        run = functools.partial(_run_sqlite, dialect=self.dialect, query=query, params=params)
        return cast(list[Row], await to_thread.run_sync(self._in_transaction, run))

    async def write(self, inserts: Sequence[Insert], guard: Statement | None = None) -> bool:
        def statements(connection: Any) -> bool:
            if guard is not None and not _run_sqlite(connection, self.dialect, *guard):
                return False
            for query, params in inserts:
                _run_sqlite(connection, self.dialect, query, params)
            return True

        return cast(bool, await to_thread.run_sync(self._in_transaction, statements))

    async def close(self) -> None:
        return None


def make_fastdb(engine: Engine, pool_size: int) -> FastDb:
    """The driver-level access for ``engine``'s database."""
    if engine.dialect.name == "postgresql":
        return PgFastDb(engine, pool_size)
    return SqliteFastDb(engine)
