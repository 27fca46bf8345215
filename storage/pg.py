"""The PostgreSQL engine (asyncpg), behind the same small interface as SQLite's Database.

``AIDBRIDGE_DATABASE_URL=postgresql://...`` selects it (storage.db.open_database); SQLite stays
the embedded default. The repositories do not know which engine they run on: they are handed a
``Conn`` and call the few methods of aiosqlite's connection that they use (``execute`` and its
cursor's ``fetchone``/``fetchall``/``lastrowid``/``rowcount``, ``execute_fetchall``,
``executemany``, ``create_function``). ``PgConn`` offers exactly those over an asyncpg
connection; each statement is translated once from SQLite's dialect (storage/pg_dialect.py),
and PostgreSQL's errors are raised as the sqlite3 errors callers already catch
(IntegrityError for a constraint or an append-only trigger, OperationalError otherwise).

Values are typed as loosely as SQLite types them: a text parameter takes any value (its
``str``), and a SUM comes back as an int, as SQLite's does, not as a Decimal.

Concurrency is the SQLite engine's: one writer connection under one lock, so transactions run
one at a time in this process, as the repositories were written for; reports read from a
connection of their own, in a REPEATABLE READ snapshot, without that lock. Engine turns are
group-committed as on SQLite (each in a savepoint of a transaction shared with the turns queued
behind it, one COMMIT for all): a durable COMMIT waits for the WAL's flush, and the turns of a
process all go through its one writer connection, so PostgreSQL's own grouping of concurrent
sessions' flushes (commit_delay) never sees them together. Measured with bench/pg_turns.py:
see docs/PERFORMANCE.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import aiosqlite
import asyncpg

from storage.db import Database, DatabaseLocked, GroupCommitFailed
from storage.group_commit import Group, GroupCommit
from storage.pg_dialect import Translated, Untranslatable, translate

T = TypeVar("T")

# SQL functions repositories register from Python on SQLite (create_function) that exist on
# PostgreSQL as SQL functions of the same name (migration v001's upgrade_pg).
SQL_FUNCTIONS = frozenset({"aidbridge_fold"})


def _numeric(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _init_connection(conn: asyncpg.Connection[Any]) -> None:
    # Text columns take any value, as SQLite's do (its str): ids, dates, numbers.
    await conn.set_type_codec(
        "text", schema="pg_catalog", encoder=str, decoder=lambda text: text, format="text"
    )
    # SUM() of integers is numeric on PostgreSQL; SQLite gives an int.
    await conn.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=_numeric, format="text"
    )


def _locked(exc: BaseException) -> bool:
    return isinstance(
        exc,
        asyncpg.LockNotAvailableError
        | asyncpg.DeadlockDetectedError
        | asyncpg.SerializationError
        | asyncpg.QueryCanceledError,
    )


def _as_sqlite_error(exc: asyncpg.PostgresError, sql: str) -> sqlite3.Error:
    """PostgreSQL's error as the sqlite3 error a caller of the repositories already expects."""
    text = f"{exc.__class__.__name__}: {exc} [{sql[:200]}]"
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError | asyncpg.RaiseError):
        return sqlite3.IntegrityError(text)
    if _locked(exc):
        return sqlite3.OperationalError(f"database is locked ({text})")
    return sqlite3.OperationalError(text)


def _busy(exc: BaseException) -> DatabaseLocked | None:
    """A statement's failure that is passing (a deadlock with another replica's transaction,
    a lock or statement timeout) as SQLite's busy database is, and answered the same way by
    callers (a turn says "busy, try again"; the outbox, leases and the shared pace ask
    again), not taken for a fault of the code."""
    cause = exc.__cause__ if isinstance(exc, sqlite3.OperationalError) else None
    if cause is not None and _locked(cause):
        return DatabaseLocked(str(exc))
    return None


# Turns per shared transaction at most (see PgDatabase.grouped_transaction).
MAX_GROUP = 48


class PgCursor:
    """What repositories read from an executed statement, as from aiosqlite's cursor."""

    def __init__(self, rows: list[asyncpg.Record], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self._at = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> asyncpg.Record | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    async def fetchall(self) -> list[asyncpg.Record]:
        rest = self._rows[self._at :]
        self._at = len(self._rows)
        return rest

    async def fetchmany(self, size: int = 1) -> list[asyncpg.Record]:
        part = self._rows[self._at : self._at + size]
        self._at += len(part)
        return part

    async def close(self) -> None:
        return None


class PgSchema:
    """What the adapter learns of the schema once per table: whether it has an identity ``id``
    (so an INSERT into it returns the id as SQLite's lastrowid)."""

    def __init__(self) -> None:
        self._has_id: dict[str, bool] = {}

    async def has_id(self, raw: asyncpg.Connection[Any], table: str) -> bool:
        known = self._has_id.get(table)
        if known is None:
            known = bool(
                await raw.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = $1"
                    " AND column_name = 'id' AND is_identity = 'YES')",
                    table,
                )
            )
            if known:  # a table created later in this transaction may still be rolled back
                self._has_id[table] = known
        return known


class PgConn:
    """An asyncpg connection with the subset of aiosqlite.Connection the repositories use."""

    row_factory: object = None  # SQLite's Row factory: asyncpg's Record reads the same way
    engine = "postgresql"

    def __init__(self, raw: asyncpg.Connection[Any], schema: PgSchema) -> None:
        self.raw = raw
        self._schema = schema

    @property
    def in_transaction(self) -> bool:
        return self.raw.is_in_transaction()

    def _args(self, tr: Translated, args: Sequence[object] | None) -> list[object]:
        values = list(args or ())
        for at in tr.json_params:
            value = values[at]
            values[at] = json.loads(value) if isinstance(value, str | bytes) else value
        return values

    async def execute(self, sql: str, args: Sequence[object] | None = None) -> PgCursor:
        tr = translate(sql)
        values = self._args(tr, args)
        try:
            if tr.returns_rows:
                rows = await self.raw.fetch(tr.sql, *values)
                query = tr.sql.split(None, 1)[0].upper() in ("SELECT", "WITH", "VALUES")
                # sqlite3 says -1 for a query, the rows changed for INSERT ... RETURNING.
                return PgCursor(rows, -1 if query else len(rows), None)
            if tr.insert_table is not None and await self._schema.has_id(self.raw, tr.insert_table):
                rows = await self.raw.fetch(f"{tr.sql} RETURNING id", *values)
                return PgCursor(rows, len(rows), int(rows[-1][0]) if rows else None)
            status = await self.raw.execute(tr.sql, *values)
        except asyncpg.PostgresError as exc:
            raise _as_sqlite_error(exc, tr.sql) from exc
        last = status.rsplit(" ", 1)[-1]
        return PgCursor([], int(last) if last.isdigit() else -1, None)

    async def execute_fetchall(
        self, sql: str, args: Sequence[object] | None = None
    ) -> list[asyncpg.Record]:
        cursor = await self.execute(sql, args)
        return await cursor.fetchall()

    async def run_sync(self, fn: Callable[[Any], T]) -> T:
        """storage.db.run_in_db_thread: ``fn`` in a worker thread, given a synchronous
        stand-in for sqlite3's connection (SyncPgConn)."""
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(fn, SyncPgConn(self, loop))

    async def executemany(self, sql: str, args_seq: Iterable[Sequence[object]]) -> None:
        tr = translate(sql)
        try:
            await self.raw.executemany(tr.sql, [self._args(tr, args) for args in args_seq])
        except asyncpg.PostgresError as exc:
            raise _as_sqlite_error(exc, tr.sql) from exc

    async def create_function(
        self, name: str, narg: int, func: Callable[..., object], *, deterministic: bool = False
    ) -> None:
        """SQLite runs the Python function; PostgreSQL has it as SQL (migration v001)."""
        if name not in SQL_FUNCTIONS:
            raise Untranslatable(f"SQL function {name} has no PostgreSQL definition")

    async def commit(self) -> None:
        """Outside a transaction each statement committed by itself, as on sqlite3's
        connection; a transaction is Database.transaction()'s to end."""
        if self.in_transaction:
            raise Untranslatable("commit belongs to Database.transaction()")

    async def rollback(self) -> None:
        if self.in_transaction:
            raise Untranslatable("rollback belongs to Database.transaction()")


async def run_pg_script(conn: aiosqlite.Connection, script: str) -> None:
    """PostgreSQL's own DDL (functions, triggers), several statements, run as written: for a
    migration's ``upgrade_pg``; ``conn`` is the migration's (a PgConn)."""
    if not isinstance(conn, PgConn):
        raise TypeError("run_pg_script needs the PostgreSQL engine's connection")
    try:
        await conn.raw.execute(script)
    except asyncpg.PostgresError as exc:
        raise _as_sqlite_error(exc, script) from exc


class SyncPgCursor:
    """sqlite3.Cursor's reading side over rows already fetched."""

    def __init__(self, cursor: PgCursor) -> None:
        self._rows = cursor._rows
        self._at = 0
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self.row_factory: object = None  # rows are asyncpg Records, read as sqlite3.Row

    def fetchone(self) -> asyncpg.Record | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[asyncpg.Record]:
        rest = self._rows[self._at :]
        self._at = len(self._rows)
        return rest

    def close(self) -> None:
        self._rows = []
        self._at = 0

    def __iter__(self) -> Iterator[asyncpg.Record]:
        return self

    def __next__(self) -> asyncpg.Record:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row


class SyncPgConn:
    """What functions written for sqlite3's connection call on it, from a worker thread: each
    statement runs on the event loop's PgConn, and the thread waits for its rows."""

    def __init__(self, conn: PgConn, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._loop = loop

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def execute(self, sql: str, args: Sequence[object] = ()) -> SyncPgCursor:
        future = asyncio.run_coroutine_threadsafe(self._conn.execute(sql, args), self._loop)
        return SyncPgCursor(future.result())

    def executemany(self, sql: str, args_seq: Iterable[Sequence[object]]) -> None:
        asyncio.run_coroutine_threadsafe(
            self._conn.executemany(sql, list(args_seq)), self._loop
        ).result()

    def create_function(
        self, name: str, narg: int, func: Callable[..., object], *, deterministic: bool = False
    ) -> None:
        if name not in SQL_FUNCTIONS:
            raise Untranslatable(f"SQL function {name} has no PostgreSQL definition")


def as_conn(conn: PgConn) -> aiosqlite.Connection:
    """The adapter typed as the connection the repositories' signatures name (storage.db.Conn):
    it implements the part of it they use, which the contract suite runs on both engines."""
    return cast(aiosqlite.Connection, conn)


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PgDatabase(Database):
    """storage.db.Database's interface over PostgreSQL (see the module's docstring)."""

    engine = "postgresql"
    TABLES_SQL = (
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )

    def __init__(self, writer: asyncpg.Connection[Any], url: str) -> None:
        # Database's attributes the rest of the code reads; no SQLite connection behind them,
        # so not Database.__init__: the write lock and the open group commit (storage.db's
        # model) come from GroupCommit's.
        GroupCommit.__init__(self)
        self._url = url
        self.path = redact(url)
        self._schema = PgSchema()
        self._writer = PgConn(writer, self._schema)
        # Turns per shared transaction at most; 1 commits each turn alone (bench/pg_turns.py
        # compares the two).
        self.max_group = MAX_GROUP

    @property
    def raw(self) -> aiosqlite.Connection:
        """The writer connection outside any transaction (each statement commits itself)."""
        return as_conn(self._writer)

    @property
    def url(self) -> str:
        return self._url

    @property
    def location(self) -> str:
        return self._url

    async def _end(self, ok: bool) -> None:
        raw = self._writer.raw
        if raw.is_closed() or not raw.is_in_transaction():
            return
        try:
            status = await raw.execute("COMMIT" if ok else "ROLLBACK")
            if ok and status != "COMMIT":
                # PostgreSQL ends a transaction a failed statement left aborted with ROLLBACK,
                # not an error, when asked to COMMIT (a repository that caught the error and
                # went on): nothing was written, and it must not be confirmed.
                raise sqlite3.OperationalError(
                    f"the transaction was aborted by an earlier error; COMMIT said {status}"
                )
        except asyncpg.PostgresError as exc:
            if ok and raw.is_in_transaction():
                await self._guarded(raw.execute("ROLLBACK"))
            if _locked(exc):
                raise DatabaseLocked(str(exc)) from exc
            raise _as_sqlite_error(exc, "COMMIT") from exc

    async def _guarded(self, step: Awaitable[T]) -> T:
        """A step on the writer connection; when it fails other than by PostgreSQL's answer
        (the connection lost, a cancelled query leaving the protocol mid-operation) the
        connection is dropped, and the next transaction opens a new one. The server rolls
        back whatever the lost connection had open."""
        try:
            return await step
        except (asyncpg.PostgresError, sqlite3.Error, DatabaseLocked):
            raise  # PostgreSQL's answer (as it is, or as the caller's error): the link is fine
        except Exception as exc:
            # The connection lost (or its protocol left mid-operation by the loss, asyncpg's
            # InternalClientError): a passing failure like a locked database, which callers
            # already answer with "try again"; the next transaction runs on a new connection.
            self._writer.raw.terminate()
            raise DatabaseLocked(f"the database connection was lost: {exc}") from exc
        except BaseException:
            self._writer.raw.terminate()
            raise

    async def _ready_writer(self) -> None:
        """A new writer connection when the last one was lost or dropped; an open group on
        the lost one is lost with it (the server rolled it back). Called with the lock held;
        commits the open group first, so what follows never sees its rows uncommitted."""
        if not self._writer.raw.is_closed():
            await self._commit_group()
        if self._writer.raw.is_closed():
            self._group_lost()
            self._writer = PgConn(await connect(self._url), self._schema)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._ready_writer()
            await self._guarded(self._writer.raw.execute("BEGIN"))
            try:
                yield as_conn(self._writer)
            except BaseException as exc:
                await asyncio.shield(self._guarded(self._end(ok=False)))
                busy = _busy(exc)
                if busy is not None:
                    raise busy from exc
                raise
            await asyncio.shield(self._guarded(self._end(ok=True)))

    def grouped_transaction(
        self,
        first: Callable[[sqlite3.Connection], T],
        *,
        first_async: Callable[[aiosqlite.Connection], Awaitable[T]] | None = None,
    ) -> AbstractAsyncContextManager[tuple[aiosqlite.Connection, T]]:
        """An engine turn: ``first_async`` (the same reads as ``first``, which runs on
        SQLite's raw connection) in a savepoint of its own, then the body, inside a
        transaction shared with the turns queued behind it and committed once for all of
        them: storage.db.Database.grouped_transaction's contract, said with PostgreSQL's
        savepoints. A turn that fails rolls back to its savepoint (which also clears the
        transaction's error state), the others' work stays; a failed shared COMMIT fails
        every turn of the group. A group holds at most MAX_GROUP turns: each savepoint that
        wrote takes a subtransaction id, and past 64 in one transaction every session's
        snapshots must look them up on disk (subtransaction overflow)."""
        if first_async is None:
            raise Untranslatable("grouped_transaction on PostgreSQL needs first_async")
        return self._grouped_turn(partial(self._open_pg_turn, first_async))

    async def _prepare_turn(self) -> None:
        """A lost writer connection is replaced, its open group lost with it (the server
        rolled it back); a group of max_group turns is committed before another joins."""
        if self._writer.raw.is_closed():
            self._group_lost()
            self._writer = PgConn(await connect(self._url), self._schema)
        if self._group is not None and self._group.turns >= self.max_group:
            await self._commit_group()

    async def _open_pg_turn(
        self,
        first_async: Callable[[aiosqlite.Connection], Awaitable[T]],
        group: Group,
        begin_first: bool,
        savepoint: str,
    ) -> tuple[aiosqlite.Connection, T]:
        conn = as_conn(self._writer)
        raw = self._writer.raw
        if begin_first:
            # Before BEGIN: a failure from here on ends the group (_undo_turn).
            self._group = group
        try:
            if begin_first:
                # One round trip for both (the simple query protocol).
                await self._guarded(raw.execute(f"BEGIN; SAVEPOINT {savepoint}"))
            elif not raw.is_in_transaction():
                # SAVEPOINT outside a transaction is an error on PostgreSQL; say why.
                raise GroupCommitFailed("the shared transaction was rolled back")
            else:
                await self._guarded(raw.execute(f"SAVEPOINT {savepoint}"))
            opened = await first_async(conn)
        except BaseException as exc:
            await self._turn_failed(group, savepoint, exc)
            raise
        return conn, opened

    async def _turn_failed(self, group: Group, savepoint: str, exc: BaseException) -> None:
        await asyncio.shield(self._undo_turn(group, savepoint))
        busy = _busy(exc)
        if busy is not None:
            raise busy from exc

    async def _undo_turn(self, group: Group, savepoint: str) -> None:
        """Roll back to the turn's savepoint; when there is no transaction left to do that in
        (the connection lost, or the turn had not got its savepoint), the group is lost."""
        raw = self._writer.raw
        if self._group is not group:
            return  # the group already ended (lost with the connection)
        if raw.is_closed() or not raw.is_in_transaction():
            self._group_lost()
            return
        try:
            await self._guarded(raw.execute(f"ROLLBACK TO SAVEPOINT {savepoint}"))
        except (asyncpg.PostgresError, DatabaseLocked):
            # No such savepoint (it failed before taking it) or the connection went: end the
            # whole transaction, and the group's other turns learn it was lost.
            if not raw.is_closed() and raw.is_in_transaction():
                with contextlib.suppress(Exception):
                    await self._guarded(raw.execute("ROLLBACK"))
            self._group_lost()

    def _group_lost(self) -> None:
        if self._group is not None:
            self._group.error = GroupCommitFailed("the shared transaction was rolled back")
            self._group = None

    async def _finish_group(self, group: Group) -> None:
        raw = self._writer.raw
        if raw.is_closed() or not raw.is_in_transaction():
            group.error = GroupCommitFailed("the shared transaction was lost before COMMIT")
            return
        try:
            await self._guarded(self._end(ok=True))
        except Exception as exc:
            group.error = exc
            return
        if self.on_group_commit is not None and group.turns:
            self.on_group_commit(group.turns)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._ready_writer()
            yield as_conn(self._writer)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection of its own in one REPEATABLE READ READ ONLY transaction: every query
        sees the same committed state; turns go on committing beside it."""
        raw = await connect(self._url)
        try:
            await raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield as_conn(PgConn(raw, self._schema))
        finally:
            await raw.close()

    async def close(self) -> None:
        async with self._lock:
            if not self._writer.raw.is_closed():
                await self._commit_group()
                await self._writer.raw.close()


async def connect(url: str) -> asyncpg.Connection[Any]:
    conn: asyncpg.Connection[Any] = await asyncpg.connect(url)
    await _init_connection(conn)
    return conn


async def open_pg(url: str) -> PgDatabase:
    return PgDatabase(await connect(url), url)


@contextlib.contextmanager
def sync_snapshot(url: str) -> Iterator[SyncPgConn]:
    """A read-only REPEATABLE READ transaction on its own connection, for code written for
    sqlite3 in a process with no event loop of its own (an export in the render process):
    the connection lives on a loop in a thread of its own, and each statement waits for it.

    Each statement's rows come back whole (SyncPgConn), so an export holds the page it
    reads, not one row at a time as it does from a SQLite file."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="pg-snapshot", daemon=True)
    thread.start()

    def wait(step: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_awaited(step), loop).result()

    try:
        raw = wait(connect(url))
        try:
            wait(raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            yield SyncPgConn(PgConn(raw, PgSchema()), loop)
        finally:
            wait(raw.close())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def _awaited(step: Awaitable[T]) -> T:
    return await step
