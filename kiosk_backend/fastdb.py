"""Database access for the busiest routes: SQLAlchemy Core statements compiled once per dialect, run on the driver.

Why: SQLAlchemy's execution layer costs ~0.2–0.3 ms of CPU per statement and a sync route a worker-thread hop; for
the card login and the three most used queries that capped the mixed workload near 300 req/s on two cores
(docs/PERFORMANCE.md). The statements stay SQLAlchemy Core — one source for SQLite and PostgreSQL, compiled once
per dialect with the column types' bind and result processors — but they run on asyncpg's pool (PostgreSQL: no
thread hop, statements prepared once per connection; asyncpg's protocol costs ~0.03–0.04 ms of CPU per statement,
psycopg's async mode ~0.08) or on the engine's own sqlite3 connections in a worker thread (SQLite: the embedded
one-kiosk case).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast

import asyncpg
from anyio import to_thread
from sqlalchemy import Engine, bindparam, insert, make_url
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


def insert_query(model: type, names: tuple[str, ...]) -> Query:
    """``INSERT INTO <model> (names…) VALUES (:name…)``: one bound parameter per named column."""
    return Query(insert(model).values({name: bindparam(name) for name in names}))


class Transaction(Protocol):
    """Statements of one database transaction (committed when the block ends without an exception)."""

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]: ...

    async def first(self, query: Query, params: Mapping[str, Any]) -> Row | None: ...


class FastDb(Protocol):
    """Single statements in autocommit, or a transaction; ``UniqueViolation`` for a unique-constraint conflict."""

    dialect: Dialect

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]: ...

    async def first(self, query: Query, params: Mapping[str, Any]) -> Row | None: ...

    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    async def close(self) -> None: ...


class _FirstOfAll:
    """``first`` for every statement runner below: the first row of ``all``, or None."""

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        raise NotImplementedError

    async def first(self, query: Query, params: Mapping[str, Any]) -> Row | None:
        rows = await self.all(query, params)
        return rows[0] if rows else None


class _PgTransaction(_FirstOfAll):
    def __init__(self, connection: asyncpg.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        compiled = query.compiled(self._dialect)
        try:
            records = await self._connection.fetch(compiled.sql, *compiled.parameters(params))
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        except asyncpg.DataError as exc:  # refused by the driver (encoding) or the server (SQLSTATE class 22)
            raise ValueRefused(type(exc).__name__) from exc
        return compiled.rows([tuple(record) for record in records])


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
        async with self._connection() as connection:
            return await _PgTransaction(connection, self.dialect).all(query, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._connection() as connection, connection.transaction():
            yield _PgTransaction(connection, self.dialect)

    async def close(self) -> None:
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            await self._pool.close()
        self._pool = self._loop = None


async def _end_open_transaction(connection: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool: this module opens no cursors, listeners, locks or
    session settings, and its transactions end in their ``async with`` — so, unlike asyncpg's default reset
    (``RESET ALL`` and more: a round trip per request), nothing unless a transaction was somehow left open."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


class _SqliteTransaction(_FirstOfAll):
    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    def all_sync(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        compiled = query.compiled(self._dialect)
        cursor = self._connection.cursor()
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

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        return await to_thread.run_sync(self.all_sync, query, params)


class SqliteFastDb(_FirstOfAll):
    """SQLite on the engine's pooled sqlite3 connections, one worker thread per statement."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self._engine = engine

    def _one_statement(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        connection = self._engine.raw_connection()
        try:
            rows = _SqliteTransaction(connection, self.dialect).all_sync(query, params)
            connection.commit()
            return rows
        finally:
            connection.close()

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Row]:
        return await to_thread.run_sync(self._one_statement, query, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        connection = await to_thread.run_sync(self._engine.raw_connection)
        try:
            yield _SqliteTransaction(connection, self.dialect)
            await to_thread.run_sync(connection.commit)
        except BaseException:
            await to_thread.run_sync(connection.rollback)
            raise
        finally:
            await to_thread.run_sync(connection.close)

    async def close(self) -> None:
        return None


def make_fastdb(engine: Engine, pool_size: int) -> FastDb:
    """The driver-level access for ``engine``'s database."""
    if engine.dialect.name == "postgresql":
        return PgFastDb(engine, pool_size)
    return SqliteFastDb(engine)
