"""Database: transactions, the group commit of engine turns, and what happens when they fail."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.db import Database, DatabaseLocked, GroupCommitFailed, open_db, run_in_db_thread


async def _db(tmp_path: Path) -> Database:
    db = await open_db(tmp_path / "t.db")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    return db


async def add_tables_whose_commit_can_fail(db: Database) -> None:
    """A deferred foreign key is checked at COMMIT: inserting a child without its parent
    makes the COMMIT fail, the way to test a failed shared commit."""
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await conn.execute(
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )


async def _count(db: Database) -> int:
    async with db.read() as conn:
        rows = list(await conn.execute_fetchall("SELECT COUNT(*) FROM t"))
    return int(rows[0][0])


async def test_opener_statements_commit_with_the_body(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def first(raw: sqlite3.Connection) -> int:
        raw.execute("INSERT INTO t VALUES (1)")
        return int(raw.execute("SELECT COUNT(*) FROM t").fetchone()[0])

    async with db.grouped_transaction(first) as (conn, seen):
        assert seen == 1
        await conn.execute("INSERT INTO t VALUES (2)")
    assert await _count(db) == 2
    await db.close()


async def test_a_failing_body_rolls_back_the_opener_too(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def first(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO t VALUES (1)")

    with pytest.raises(RuntimeError):
        async with db.grouped_transaction(first) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("handler failed")
    assert await _count(db) == 0
    # The connection is usable again: no transaction left open.
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (3)")
    assert await _count(db) == 1
    await db.close()


async def test_a_failing_opener_leaves_no_transaction_open(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def first(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO t VALUES (1)")
        raw.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(sqlite3.OperationalError):
        async with db.grouped_transaction(first):
            pass
    assert await _count(db) == 0
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (3)")
    assert await _count(db) == 1
    await db.close()


async def test_another_writer_holding_the_lock_is_reported_as_locked(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    async with db.read() as conn:
        await conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked):
            async with db.transaction():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    await db.close()


async def test_run_in_db_thread_uses_the_same_connection(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (7)")
        # Inside the open transaction the raw call sees the uncommitted row.
        seen = await run_in_db_thread(
            conn, lambda raw: int(raw.execute("SELECT COUNT(*) FROM t").fetchone()[0])
        )
        assert seen == 1
    await db.close()


# --- group commit: engine turns sharing one COMMIT ------------------------------------------


def _insert(value: int) -> Callable[[sqlite3.Connection], None]:
    def first(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO t VALUES (?)", (value,))

    return first


async def _values(db: Database) -> list[int]:
    async with db.read() as conn:
        rows = await conn.execute_fetchall("SELECT x FROM t ORDER BY x")
    return [int(r[0]) for r in rows]


async def test_queued_turns_share_one_commit_and_each_is_durable_on_exit(
    tmp_path: Path,
) -> None:
    db = await _db(tmp_path)
    commits = 0
    original_commit = db.raw.commit

    async def counting_commit() -> None:
        nonlocal commits
        commits += 1
        await original_commit()

    db.raw.commit = counting_commit  # type: ignore[method-assign]
    durable: list[int] = []

    async def turn(value: int) -> None:
        async with db.grouped_transaction(_insert(value)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (?)", (value + 100,))
        # On exit the turn's rows are committed: a second connection sees them.
        other = sqlite3.connect(tmp_path / "t.db")
        seen = {r[0] for r in other.execute("SELECT x FROM t")}
        other.close()
        assert {value, value + 100} <= seen
        durable.append(value)

    await asyncio.gather(*(turn(v) for v in range(1, 9)))
    assert sorted(durable) == list(range(1, 9))
    assert await _values(db) == [*range(1, 9), *range(101, 109)]
    # Eight turns queued together: far fewer COMMITs than turns.
    assert 1 <= commits < 8
    await db.close()


async def test_a_failing_turn_leaves_the_others_of_its_group_alone(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    async def good(value: int) -> None:
        async with db.grouped_transaction(_insert(value)):
            await asyncio.sleep(0)

    async def bad() -> None:
        async with db.grouped_transaction(_insert(50)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (51)")
            raise RuntimeError("handler failed")

    results = await asyncio.gather(good(1), bad(), good(2), return_exceptions=True)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], RuntimeError)
    assert await _values(db) == [1, 2]
    await db.close()


async def test_a_failed_shared_commit_fails_every_turn_of_the_group(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    await add_tables_whose_commit_can_fail(db)

    async def turn(sql: str) -> None:
        async with db.grouped_transaction(lambda raw: raw.execute(sql)):
            await asyncio.sleep(0)

    results = await asyncio.gather(
        turn("INSERT INTO t VALUES (1)"),
        turn("INSERT INTO child VALUES (999)"),  # no parent 999: the COMMIT fails
        turn("INSERT INTO t VALUES (2)"),
        return_exceptions=True,
    )
    assert all(isinstance(r, GroupCommitFailed) for r in results), results
    assert await _values(db) == []
    # The database is usable afterwards.
    async with db.grouped_transaction(_insert(3)):
        pass
    assert await _values(db) == [3]
    await db.close()


async def test_a_reader_never_sees_a_group_before_it_commits(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def slow_turn() -> None:
        async with db.grouped_transaction(_insert(1)):
            inside.set()
            await release.wait()

    async def read_committed() -> list[int]:
        async with db.read():
            # Whatever this reader could see must already be durable: ask another connection.
            other = sqlite3.connect(tmp_path / "t.db")
            rows = [int(r[0]) for r in other.execute("SELECT x FROM t")]
            other.close()
            return rows

    task = asyncio.create_task(slow_turn())
    await inside.wait()
    reader = asyncio.create_task(read_committed())
    await asyncio.sleep(0.01)
    assert not reader.done()  # waits for the turn, then commits its group before reading
    release.set()
    await task
    assert await reader == [1]
    await db.close()


def _slow_insert(value: int) -> Callable[[sqlite3.Connection], None]:
    def first(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO t VALUES (?)", (value,))
        time.sleep(0.2)  # on the database thread: long enough to be cancelled meanwhile

    return first


async def test_a_turn_cancelled_in_its_opening_trip_leaves_nothing(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    release = asyncio.Event()

    async def first_turn() -> None:
        async with db.grouped_transaction(_insert(1)):
            await release.wait()

    async def cancelled_turn() -> None:
        async with db.grouped_transaction(_slow_insert(2)):
            raise AssertionError("the body must not run")

    a = asyncio.create_task(first_turn())
    await asyncio.sleep(0.01)
    b = asyncio.create_task(cancelled_turn())  # queued: it will join the first turn's group
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.sleep(0.05)  # b is now in its opening trip, on the database thread
    b.cancel()
    await asyncio.gather(a, b, return_exceptions=True)
    assert b.cancelled()
    assert await _values(db) == [1]

    # Alone, opening the transaction itself: cancelled in the trip, nothing stays open.
    c = asyncio.create_task(cancelled_turn())
    await asyncio.sleep(0.05)
    c.cancel()
    await asyncio.gather(c, return_exceptions=True)
    async with db.grouped_transaction(_insert(3)):
        pass
    assert await _values(db) == [1, 3]
    await db.close()


async def test_a_turn_cancelled_in_its_body_is_undone(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    inside = asyncio.Event()

    async def turn() -> None:
        async with db.grouped_transaction(_insert(1)) as (conn, _):
            await conn.execute("INSERT INTO t VALUES (2)")
            inside.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(turn())
    await inside.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with db.grouped_transaction(_insert(3)):
        pass
    assert await _values(db) == [3]
    await db.close()


async def test_a_snapshot_reads_what_is_committed_without_waiting_for_the_lock(
    tmp_path: Path,
) -> None:
    db = await _db(tmp_path)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (1)")
    async with db.transaction() as conn:
        # The shared lock is held and a row is uncommitted: a report reads on regardless,
        # and sees only what was committed.
        await conn.execute("INSERT INTO t VALUES (2)")
        async with asyncio.timeout(2), db.snapshot() as snap:
            rows = list(await snap.execute_fetchall("SELECT x FROM t"))
            assert [r[0] for r in rows] == [1]
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                await snap.execute("INSERT INTO t VALUES (3)")
    async with db.snapshot() as snap:
        # One snapshot per read transaction: a commit after its first read stays unseen.
        rows = list(await snap.execute_fetchall("SELECT COUNT(*) FROM t"))
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (4)")
        again = list(await snap.execute_fetchall("SELECT COUNT(*) FROM t"))
        assert rows[0][0] == again[0][0] == 2
    assert await _count(db) == 3
    await db.close()
