"""The SQLite connection: one writer, WAL, foreign keys, and a lock that serialises access.

aiosqlite gives one connection running in one thread. A coroutine that reads while another is
half-way through a transaction on the same connection would see uncommitted rows, so every read
and every transaction goes through ``Database.transaction()`` / ``Database.read()``, which share
one asyncio lock. SQLite allows a single writer anyway; the lock just makes the order explicit.
Reports that read a lot (exports, charts, digests) use ``Database.snapshot()`` instead: a
read-only connection of their own, which neither takes that lock nor waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TypeAlias, TypeVar, cast

import aiosqlite

from storage.fileperms import create_private, make_private_dir, restrict
from storage.group_commit import DatabaseLocked as DatabaseLocked
from storage.group_commit import Group, GroupCommit
from storage.group_commit import GroupCommitFailed as GroupCommitFailed

T = TypeVar("T")

# The connection as the layers above name it: handlers hand it from their turn or job to
# storage's repository functions and never need the driver's own type (or import it).
Conn: TypeAlias = aiosqlite.Connection

BUSY_TIMEOUT_MS = 5000
# The WAL file is cut back to this size whenever it starts over after a checkpoint, so one
# burst of writes (a long outage's backlog, a retention run) does not leave it large for good.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
log = logging.getLogger(__name__)


class Database(GroupCommit):
    # Which engine: "sqlite" here, "postgresql" for storage.pg.PgDatabase.
    engine = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        super().__init__()
        self._conn = conn
        self.path = path
        # How snapshot() opens its own read-only connection to the same file.
        self._snapshot_uri = (
            None if path == ":memory:" else f"{Path(path).absolute().as_uri()}?mode=ro"
        )

    @property
    def raw(self) -> aiosqlite.Connection:
        """The connection itself, for migrations and backups that run before anything else."""
        return self._conn

    @property
    def location(self) -> str:
        """Where another process opens this database to read it (an export in the render
        process): the file's path here, the connection URL on PostgreSQL."""
        return self.path

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the body raises."""
        async with self._lock:
            await self._commit_group()
            try:
                await self._trip(_begin_immediate)
            except asyncio.CancelledError:
                # The trip still runs after its await was cancelled: roll back behind it.
                await asyncio.shield(self._trip(_rollback_if_open))
                raise
            try:
                yield self._conn
            except BaseException:
                await self._conn.rollback()
                raise
            try:
                await self._conn.commit()
            except sqlite3.OperationalError as exc:
                await self._conn.rollback()
                if _is_locked(exc):
                    raise DatabaseLocked(str(exc)) from exc
                raise

    def grouped_transaction(
        self,
        first: Callable[[sqlite3.Connection], T],
        *,
        first_async: Callable[[aiosqlite.Connection], Awaitable[T]] | None = None,
    ) -> AbstractAsyncContextManager[tuple[aiosqlite.Connection, T]]:
        """An engine turn: its own savepoint inside a transaction shared with the turns queued
        behind it, committed once for all of them (group commit).

        Under a burst the write lock bounds throughput: it is held across every trip to
        aiosqlite's thread, and each trip's answer waits for a busy event loop to get round to
        it. Here a turn holds the lock for one trip (its savepoint and ``first`` together) and
        its own work; the COMMIT and its fsync are paid once per group.

        The body's effects are durable when this context exits, as with ``transaction()``: a
        turn whose body succeeded commits at once when no other turn is waiting; otherwise it
        releases the lock, queues for it again behind the turns already waiting (they join the
        group), and commits the group unless one of them did.
        A body that raises rolls back to its savepoint and leaves the others' work alone. When
        the shared COMMIT fails, every turn of the group raises (DatabaseLocked or
        GroupCommitFailed) and none of them took effect.

        ``first_async`` is ``first`` for engines without a raw synchronous connection (PostgreSQL):
        the same reads, awaited on the turn's connection; SQLite does not use it.
        """
        return self._grouped_turn(partial(self._open_turn, first))

    async def _open_turn(
        self,
        first: Callable[[sqlite3.Connection], T],
        group: Group,
        begin_first: bool,
        savepoint: str,
    ) -> tuple[aiosqlite.Connection, T]:
        def open_turn(raw: sqlite3.Connection) -> T:
            if begin_first:
                raw.execute("BEGIN IMMEDIATE")
            elif not raw.in_transaction:
                # SAVEPOINT would silently start a new transaction, and the group's
                # earlier turns would return as if committed.
                raise GroupCommitFailed("the shared transaction was rolled back")
            raw.execute(f"SAVEPOINT {savepoint}")
            try:
                return first(raw)
            except BaseException:
                _abandon_turn(raw, begin_first, savepoint)
                raise

        try:
            opened = await self._trip(open_turn)
        except asyncio.CancelledError:
            # The trip still runs after its await was cancelled (at shutdown): undo it
            # behind it on the database thread, or its update claim would commit with
            # the group and the redelivered update would be dropped as a replay.
            await asyncio.shield(
                self._trip(partial(_abandon_turn, first=begin_first, savepoint=savepoint))
            )
            self._check_group_alive(group)
            raise
        except BaseException:
            # A full disk makes SQLite roll back the whole transaction, the group's
            # earlier turns included: they must fail, not return as committed.
            self._check_group_alive(group)
            raise
        return self._conn, opened

    async def _turn_failed(self, group: Group, savepoint: str, exc: BaseException) -> None:
        undone = self._trip(partial(_undo_turn, savepoint=savepoint))
        if not await asyncio.shield(undone):
            # SQLite rolled the whole transaction back (a full disk, say): the
            # group's other turns went with it and must say so.
            group.error = GroupCommitFailed("the shared transaction was rolled back")
            self._group = None

    def _check_group_alive(self, group: Group) -> None:
        """After a failure: if no transaction is left, the group is lost; say so to its turns."""
        if self._group is group and not self._conn.in_transaction:
            group.error = GroupCommitFailed("the shared transaction was rolled back")
            self._group = None

    async def _finish_group(self, group: Group) -> None:
        try:
            await self._conn.commit()
        except sqlite3.Error as exc:
            group.error = DatabaseLocked(str(exc)) if _is_locked(exc) else exc
            with contextlib.suppress(sqlite3.Error):
                await self._conn.rollback()
        else:
            if self.on_group_commit is not None:
                self.on_group_commit(group.turns)

    async def _trip(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await run_in_db_thread(self._conn, fn)
        except sqlite3.OperationalError as exc:
            if _is_locked(exc):
                raise DatabaseLocked(str(exc)) from exc
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            # A reader must never see a group's rows before they are committed (the outbox
            # worker would send a notification whose turn could still fail).
            await self._commit_group()
            yield self._conn

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection of its own, inside one read transaction: for reports.

        A report's query over 100,000 item lines takes about half a second (measured). On the
        shared connection it would hold the lock that every chat's turn waits for; here it
        reads a WAL snapshot of what was committed, in a thread of its own, while turns go on
        committing beside it. Every query of one ``snapshot()`` sees the same state. A group's
        rows that are not committed yet are not seen, as nobody else's are.
        """
        if self._snapshot_uri is None:
            # An in-memory database has no second connection to open: share the one.
            async with self.read() as shared:
                yield shared
            return
        conn = await aiosqlite.connect(self._snapshot_uri, uri=True, isolation_level=None)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("BEGIN")
            yield conn
        finally:
            # Closing ends the read transaction; there is nothing to commit.
            await conn.close()

    # The user tables, by name, for tools that copy or compare whole databases.
    TABLES_SQL = (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )

    async def table_names(self) -> list[str]:
        async with self.read() as conn:
            return [str(row[0]) for row in await conn.execute_fetchall(self.TABLES_SQL)]

    async def close(self) -> None:
        async with self._lock:
            await self._commit_group()
        await self._conn.close()


def _is_locked(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _undo_turn(raw: sqlite3.Connection, savepoint: str) -> bool:
    """Roll back to the turn's savepoint; False when no transaction is left to roll back in."""
    if not raw.in_transaction:
        return False
    with contextlib.suppress(sqlite3.OperationalError):  # no such savepoint: nothing to undo
        raw.execute(f"ROLLBACK TO {savepoint}")
    return True


def _rollback_if_open(raw: sqlite3.Connection) -> None:
    if raw.in_transaction:
        raw.rollback()


def _abandon_turn(raw: sqlite3.Connection, first: bool, savepoint: str) -> None:
    """Undo a turn that did not get to its body: all of the transaction if it began it."""
    if first:
        _rollback_if_open(raw)
    else:
        _undo_turn(raw, savepoint)


def is_postgres(conn: object) -> bool:
    """Whether a repository's connection is PostgreSQL's (storage.pg.PgConn): for the few
    statements written per engine (the outbox claim's FOR UPDATE SKIP LOCKED)."""
    return getattr(conn, "engine", "sqlite") == "postgresql"


@contextlib.contextmanager
def read_only_snapshot(
    path: str | Path, *, rows_by_name: bool = False
) -> Iterator[sqlite3.Connection]:
    """One read-only transaction on the database at ``path``, for a process or thread that
    has no ``Database`` (the render process): a file opened read-only, so it can change
    nothing, or a PostgreSQL URL (``Database.location``): one read-only REPEATABLE READ
    transaction there, behind the same sqlite3-shaped interface. ``rows_by_name``: rows as
    sqlite3.Row, as the repositories' row readers expect."""
    if is_postgres_url(str(path)):
        from storage.pg import sync_snapshot  # asyncpg only where PostgreSQL is used

        with sync_snapshot(str(path)) as conn:
            yield cast(sqlite3.Connection, conn)
        return
    uri = f"{Path(path).absolute().as_uri()}?mode=ro"
    raw = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        if rows_by_name:
            raw.row_factory = sqlite3.Row
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        raw.execute("BEGIN")
        yield raw
    finally:
        raw.close()  # ends the read transaction; nothing to commit


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


async def open_database(
    path: str | Path, url: str | None = None, *, background_checkpoints: bool = False
) -> Database:
    """The engine the settings choose: PostgreSQL for a ``postgresql://`` URL, else the SQLite
    file at ``path`` (the embedded default)."""
    if url is not None and is_postgres_url(url):
        from storage.pg import open_pg  # asyncpg only loaded when PostgreSQL is used

        return await open_pg(url)
    if url is not None:
        raise ValueError("AIDBRIDGE_DATABASE_URL must start with postgresql://")
    return await open_db(path, background_checkpoints=background_checkpoints)


async def open_db(
    path: str | Path,
    *,
    background_checkpoints: bool = False,
    journal_size_limit: int = JOURNAL_SIZE_LIMIT,
) -> Database:
    """Open (creating the folder) with the pragmas every connection needs.

    With ``background_checkpoints`` the connection never checkpoints the WAL itself: the
    caller runs ``Checkpointer`` on a second connection, so no message waits for one.
    """
    path = str(path)
    if path != ":memory:":
        _prepare_private(Path(path))  # a few system calls, once per process
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so Python never opens
    # implicit transactions behind our back.
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit survives a power cut of the server, not only a crash of the process.
    # Measured ~0.2 ms per commit on the development machine (docs/PERFORMANCE.md).
    await conn.execute("PRAGMA synchronous = FULL")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA journal_size_limit = {int(journal_size_limit)}")
    if background_checkpoints:
        await conn.execute("PRAGMA wal_autocheckpoint = 0")
    return Database(conn, path)


def _prepare_private(path: Path) -> None:
    """The folder, and the database file created 0600 before SQLite opens it: SQLite gives
    the -wal and -shm files the database file's mode. Files an older version (or another
    umask) left readable are made private."""
    make_private_dir(path.parent)
    create_private(path)
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        restrict(file)


class Checkpointer:
    """Copies the WAL into the database file from its own connection, every few seconds.

    A PASSIVE checkpoint never blocks the writer, so the bot's transactions keep their
    latency; once it has copied everything, the next write starts the WAL over and cuts the
    file to ``journal_size_limit``. Every ``truncate_every`` passes, and whenever the file is
    above the limit anyway (a checkpoint that could not finish under a steady stream of
    writes), a TRUNCATE checkpoint empties it: it waits for the writer, up to the busy timeout.
    """

    def __init__(
        self,
        path: str,
        interval: float = 5.0,
        *,
        truncate_every: int = 120,
        journal_size_limit: int = JOURNAL_SIZE_LIMIT,
    ) -> None:
        self._path = path
        self._interval = interval
        self._truncate_every = max(1, truncate_every)
        self._limit = journal_size_limit
        self._passes = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._path != ":memory:":
            self._task = asyncio.create_task(self._run(), name="wal-checkpointer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def checkpoint(self, mode: str = "PASSIVE") -> bool:
        """One checkpoint; False when it could not finish (readers or the writer busy)."""
        if mode not in ("PASSIVE", "FULL", "RESTART", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        async with aiosqlite.connect(self._path) as conn:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute(f"PRAGMA journal_size_limit = {int(self._limit)}")
            rows = list(await conn.execute_fetchall(f"PRAGMA wal_checkpoint({mode})"))
        return bool(rows) and rows[0][0] == 0

    def wal_size(self) -> int:
        try:
            return Path(self._path + "-wal").stat().st_size
        except FileNotFoundError:
            return 0

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self._passes += 1
            truncate = self._passes % self._truncate_every == 0 or self.wal_size() > self._limit
            mode = "TRUNCATE" if truncate else "PASSIVE"
            try:
                if not await self.checkpoint(mode) and truncate:
                    log.info("WAL checkpoint (%s) could not finish; will retry", mode)
            except sqlite3.Error as exc:
                log.warning("WAL checkpoint failed (will retry): %s", exc)


def _begin_immediate(raw: sqlite3.Connection) -> None:
    raw.execute("BEGIN IMMEDIATE")


async def run_in_db_thread(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` with the raw sqlite3 connection in aiosqlite's own thread, in one trip.

    aiosqlite has no public call for this; ``_execute`` and ``_conn`` have been its internals
    since 0.17, and pyproject pins aiosqlite below 1.0. tests/storage/test_db.py covers it.

    On PostgreSQL (storage.pg.PgConn) ``fn`` runs in a worker thread with a synchronous
    stand-in for the sqlite3 connection whose statements are sent by the event loop: the
    rows and models are still built off the loop.
    """
    run_sync = getattr(conn, "run_sync", None)
    if run_sync is not None:
        result_pg: T = await run_sync(fn)
        return result_pg
    raw: sqlite3.Connection = conn._conn
    result: T = await conn._execute(fn, raw)  # type: ignore[no-untyped-call]
    return result


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, args: Sequence[object] = ()
) -> sqlite3.Row | None:
    """One row in a single round trip to aiosqlite's thread (execute + fetchone take two)."""
    rows = list(await conn.execute_fetchall(sql, args))
    return rows[0] if rows else None


async def fetch_all(
    conn: aiosqlite.Connection, sql: str, args: Sequence[object] = ()
) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, args))
