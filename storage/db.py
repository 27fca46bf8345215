"""The SQLite connection: one writer, WAL, foreign keys, and a lock that serialises access.

aiosqlite gives one connection running in one thread. A coroutine that reads while another is
half-way through a transaction on the same connection would see uncommitted rows, so every read
and every transaction goes through ``Database.transaction()`` / ``Database.read()``, which share
one asyncio lock. SQLite allows a single writer anyway; the lock just makes the order explicit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import aiosqlite

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
log = logging.getLogger(__name__)


class DatabaseLocked(RuntimeError):
    """The database stayed locked by another process past the busy timeout."""


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @property
    def raw(self) -> aiosqlite.Connection:
        """The connection itself, for migrations and backups that run before anything else."""
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the body raises."""
        async with self.transaction_opened_by(_nothing) as (conn, _):
            yield conn

    @asynccontextmanager
    async def transaction_opened_by(
        self, first: Callable[[sqlite3.Connection], T]
    ) -> AsyncIterator[tuple[aiosqlite.Connection, T]]:
        """A transaction whose BEGIN and first statements (``first``) share one round trip.

        Every trip to aiosqlite's thread costs a queue hand-off and an event-loop wake-up
        while the lock is held; a turn that opens with its reads in the same trip holds
        the lock for less time, which is what bounds throughput under a burst.
        """
        async with self._lock:

            def begin(raw: sqlite3.Connection) -> T:
                raw.execute("BEGIN IMMEDIATE")
                try:
                    return first(raw)
                except BaseException:
                    raw.rollback()
                    raise

            try:
                opened = await run_in_db_thread(self._conn, begin)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise DatabaseLocked(str(exc)) from exc
                raise
            try:
                yield self._conn, opened
            except BaseException:
                await self._conn.rollback()
                raise
            try:
                await self._conn.commit()
            except sqlite3.OperationalError as exc:
                await self._conn.rollback()
                if "locked" in str(exc) or "busy" in str(exc):
                    raise DatabaseLocked(str(exc)) from exc
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self._conn

    async def close(self) -> None:
        await self._conn.close()


async def open_db(path: str | Path, *, background_checkpoints: bool = False) -> Database:
    """Open (creating the folder) with the pragmas every connection needs.

    With ``background_checkpoints`` the connection never checkpoints the WAL itself: the
    caller runs ``Checkpointer`` on a second connection, so no message waits for one.
    """
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
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
    if background_checkpoints:
        await conn.execute("PRAGMA wal_autocheckpoint = 0")
    return Database(conn, path)


class Checkpointer:
    """Copies the WAL into the database file from its own connection, every few seconds.

    A PASSIVE checkpoint never blocks the writer, so the bot's transactions keep their
    latency while the WAL stays small.
    """

    def __init__(self, path: str, interval: float = 5.0) -> None:
        self._path = path
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._path != ":memory:":
            self._task = asyncio.create_task(self._run(), name="wal-checkpointer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def checkpoint(self, mode: str = "PASSIVE") -> None:
        async with aiosqlite.connect(self._path) as conn:
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute(f"PRAGMA wal_checkpoint({mode})")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.checkpoint()
            except sqlite3.Error as exc:
                log.warning("WAL checkpoint failed (will retry): %s", exc)


def _nothing(raw: sqlite3.Connection) -> None:
    return None


async def run_in_db_thread(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` with the raw sqlite3 connection in aiosqlite's own thread, in one trip.

    aiosqlite has no public call for this; ``_execute`` and ``_conn`` have been its internals
    since 0.17, and pyproject pins aiosqlite below 1.0. tests/storage/test_db.py covers it.
    """
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
