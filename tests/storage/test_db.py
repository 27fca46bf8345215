"""Database: the one-trip transaction opener and what happens when it fails."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, DatabaseLocked, open_db, run_in_db_thread


async def _db(tmp_path: Path) -> Database:
    db = await open_db(tmp_path / "t.db")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    return db


async def _count(db: Database) -> int:
    async with db.read() as conn:
        rows = list(await conn.execute_fetchall("SELECT COUNT(*) FROM t"))
    return int(rows[0][0])


async def test_opener_statements_commit_with_the_body(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def first(raw: sqlite3.Connection) -> int:
        raw.execute("INSERT INTO t VALUES (1)")
        return int(raw.execute("SELECT COUNT(*) FROM t").fetchone()[0])

    async with db.transaction_opened_by(first) as (conn, seen):
        assert seen == 1
        await conn.execute("INSERT INTO t VALUES (2)")
    assert await _count(db) == 2
    await db.close()


async def test_a_failing_body_rolls_back_the_opener_too(tmp_path: Path) -> None:
    db = await _db(tmp_path)

    def first(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO t VALUES (1)")

    with pytest.raises(RuntimeError):
        async with db.transaction_opened_by(first) as (conn, _):
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
        async with db.transaction_opened_by(first):
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
