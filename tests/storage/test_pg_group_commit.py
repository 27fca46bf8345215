"""PostgreSQL's group commit of engine turns (storage/pg.py PgDatabase.grouped_transaction):
the contract of SQLite's (tests/storage/test_db.py), said with PostgreSQL's savepoints, on a
throwaway server."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from storage.db import Conn, DatabaseLocked, GroupCommitFailed, fetch_one, open_database
from storage.pg import PgDatabase


@pytest.fixture
async def db(pg_url: str) -> AsyncIterator[PgDatabase]:
    opened = await open_database(Path("unused"), pg_url)
    assert isinstance(opened, PgDatabase)
    async with opened.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER UNIQUE)")
        await conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        # Checked at COMMIT: a child without its parent makes the shared COMMIT fail.
        await conn.execute(
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )
    try:
        yield opened
    finally:
        await opened.close()


def _unused(raw: sqlite3.Connection) -> None:
    raise AssertionError("SQLite's opener is not run on PostgreSQL")


def _run(sql: str, *args: object) -> Callable[[Conn], Awaitable[None]]:
    async def first(conn: Conn) -> None:
        await conn.execute(sql, args)

    return first


def _insert(value: int) -> Callable[[Conn], Awaitable[None]]:
    return _run("INSERT INTO t VALUES (?)", value)


async def committed(url: str) -> list[int]:
    """What another connection sees: only what is committed."""
    other = await asyncpg.connect(url)
    try:
        return sorted(int(r[0]) for r in await other.fetch("SELECT x FROM t"))
    finally:
        await other.close()


async def test_queued_turns_share_one_commit_and_each_is_durable_on_exit(
    db: PgDatabase, pg_url: str
) -> None:
    groups: list[int] = []
    db.on_group_commit = groups.append
    inside = asyncio.Event()
    release = asyncio.Event()
    durable: list[int] = []

    async def turn(value: int, hold: bool = False) -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(value)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (?)", (value + 100,))
            if hold:
                inside.set()
                await release.wait()
        # On exit the turn's rows are committed: another connection sees them.
        assert {value, value + 100} <= set(await committed(pg_url))
        durable.append(value)

    first = asyncio.create_task(turn(1, hold=True))
    await inside.wait()
    others = [asyncio.create_task(turn(v)) for v in range(2, 9)]
    await asyncio.sleep(0)  # they queue for the lock the first turn holds
    release.set()
    await asyncio.gather(first, *others)
    assert sorted(durable) == list(range(1, 9))
    assert await committed(pg_url) == [*range(1, 9), *range(101, 109)]
    # Eight turns queued together: far fewer COMMITs than turns, every turn counted once.
    assert sum(groups) == 8 and len(groups) < 8, groups


async def test_a_group_holds_at_most_max_group_turns(db: PgDatabase, pg_url: str) -> None:
    db.max_group = 3
    groups: list[int] = []
    db.on_group_commit = groups.append
    await asyncio.gather(
        *(_turn_alone(db, v) for v in range(1, 11)),
    )
    assert await committed(pg_url) == list(range(1, 11))
    assert sum(groups) == 10 and max(groups) <= 3, groups


async def _turn_alone(db: PgDatabase, value: int) -> None:
    async with db.grouped_transaction(_unused, first_async=_insert(value)):
        await asyncio.sleep(0)


async def test_a_failing_turn_leaves_the_others_of_its_group_alone(
    db: PgDatabase, pg_url: str
) -> None:
    async def good(value: int) -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(value)):
            await asyncio.sleep(0)

    async def raises() -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(50)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (51)")
            raise RuntimeError("handler failed")

    async def breaks_a_constraint() -> None:
        # PostgreSQL aborts the whole transaction on a failed statement: rolling back to the
        # turn's savepoint must make it usable for the turns after it.
        async with db.grouped_transaction(_unused, first_async=_insert(60)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (1)")  # 1 is taken by good(1)

    results = await asyncio.gather(
        good(1), raises(), breaks_a_constraint(), good(2), return_exceptions=True
    )
    assert results[0] is None and results[3] is None, results
    assert isinstance(results[1], RuntimeError)
    assert isinstance(results[2], sqlite3.IntegrityError)
    assert await committed(pg_url) == [1, 2]


async def test_a_failed_shared_commit_fails_every_turn_of_the_group(
    db: PgDatabase, pg_url: str
) -> None:
    async def turn(sql: str) -> None:
        async with db.grouped_transaction(_unused, first_async=_run(sql)):
            await asyncio.sleep(0)

    results = await asyncio.gather(
        turn("INSERT INTO t VALUES (1)"),
        turn("INSERT INTO child VALUES (999)"),  # no parent 999: the COMMIT fails
        turn("INSERT INTO t VALUES (2)"),
        return_exceptions=True,
    )
    assert all(isinstance(r, GroupCommitFailed) for r in results), results
    assert await committed(pg_url) == []
    # The database is usable afterwards.
    async with db.grouped_transaction(_unused, first_async=_insert(3)):
        pass
    assert await committed(pg_url) == [3]


async def test_an_error_swallowed_in_a_turn_is_not_confirmed(db: PgDatabase, pg_url: str) -> None:
    """A statement fails, the code catches it and goes on: PostgreSQL ends the aborted
    transaction with ROLLBACK when asked to COMMIT; the turn must not return as committed."""
    with pytest.raises(GroupCommitFailed):
        async with db.grouped_transaction(_unused, first_async=_insert(1)) as (conn, _):
            with pytest.raises(sqlite3.IntegrityError):
                await conn.execute("INSERT INTO t VALUES (1)")
    assert await committed(pg_url) == []
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (2)")
    assert await committed(pg_url) == [2]


async def test_a_reader_never_sees_a_group_before_it_commits(db: PgDatabase, pg_url: str) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def held_turn() -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(1)):
            inside.set()
            await release.wait()

    async def read_committed() -> list[int]:
        async with db.read():
            # Whatever this reader could see must already be committed.
            return await committed(pg_url)

    task = asyncio.create_task(held_turn())
    await inside.wait()
    reader = asyncio.create_task(read_committed())
    await asyncio.sleep(0)
    release.set()
    await task
    assert await reader == [1]


async def test_a_turn_cancelled_in_its_body_is_undone(db: PgDatabase, pg_url: str) -> None:
    inside = asyncio.Event()
    never = asyncio.Event()

    async def turn() -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(1)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (2)")
            inside.set()
            await never.wait()

    task = asyncio.create_task(turn())
    await inside.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with db.grouped_transaction(_unused, first_async=_insert(3)):
        pass
    assert await committed(pg_url) == [3]


async def test_a_connection_lost_mid_group_confirms_none_of_its_turns(
    db: PgDatabase, pg_url: str
) -> None:
    async with db.read() as conn:
        row = await fetch_one(conn, "SELECT pg_backend_pid()")
    assert row is not None
    inside = asyncio.Event()
    release = asyncio.Event()

    async def held_turn() -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(1)):
            inside.set()
            await release.wait()

    async def joining_turn() -> None:
        async with db.grouped_transaction(_unused, first_async=_insert(2)):
            pass

    first = asyncio.create_task(held_turn())
    await inside.wait()
    second = asyncio.create_task(joining_turn())
    await asyncio.sleep(0)  # it waits to join the group
    admin = await asyncpg.connect(pg_url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", row[0])
    finally:
        await admin.close()
    release.set()
    held, joining = await asyncio.gather(first, second, return_exceptions=True)
    # The held turn's work went with the connection: it must not return as committed.
    assert isinstance(held, GroupCommitFailed | DatabaseLocked), held
    # The joining turn fails with it, unless asyncpg had already seen the connection close
    # when that turn began: then it ran, alone, on a new one.
    if joining is None:
        assert await committed(pg_url) == [2]
    else:
        assert isinstance(joining, GroupCommitFailed | DatabaseLocked), joining
        assert await committed(pg_url) == []
    # A new connection takes over.
    async with db.grouped_transaction(_unused, first_async=_insert(3)):
        pass
    assert 3 in await committed(pg_url)
