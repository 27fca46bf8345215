"""The WAL stays bounded (issue 10): journal_size_limit on every connection, and the
Checkpointer's periodic TRUNCATE."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage.db import JOURNAL_SIZE_LIMIT, Checkpointer, Database, open_db

LIMIT = 1024 * 1024  # small, so that a test writes a few MB rather than hundreds


async def heavy_writes(db: Database, megabytes: int = 6) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS blobs (b BLOB)")
    for _ in range(megabytes * 4):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO blobs VALUES (randomblob(256 * 1024))")


def wal_size(db: Database) -> int:
    wal = Path(db.path + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_every_connection_limits_the_journal(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "t.db")
    try:
        async with db.read() as conn:
            rows = list(await conn.execute_fetchall("PRAGMA journal_size_limit"))
        assert rows[0][0] == JOURNAL_SIZE_LIMIT == 64 * 1024 * 1024
    finally:
        await db.close()


async def test_after_heavy_writes_and_a_checkpoint_the_wal_is_below_the_limit(
    tmp_path: Path,
) -> None:
    db = await open_db(tmp_path / "t.db", background_checkpoints=True, journal_size_limit=LIMIT)
    checkpointer = Checkpointer(db.path, journal_size_limit=LIMIT)
    try:
        await heavy_writes(db)
        # Nothing checkpoints on the bot's connection: the WAL holds all of it.
        assert wal_size(db) > 4 * LIMIT
        # A PASSIVE checkpoint copies it all; the next write starts the WAL over, cut back.
        assert await checkpointer.checkpoint()
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO blobs VALUES (x'00')")
        assert 0 < wal_size(db) <= LIMIT
        # TRUNCATE empties it.
        assert await checkpointer.checkpoint("TRUNCATE")
        assert wal_size(db) == 0
    finally:
        await db.close()


async def test_the_running_checkpointer_truncates_the_wal(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "t.db", background_checkpoints=True, journal_size_limit=LIMIT)
    checkpointer = Checkpointer(db.path, interval=0.01, truncate_every=3, journal_size_limit=LIMIT)
    await checkpointer.start()
    try:
        await heavy_writes(db, megabytes=3)
        # A file's size has no event to wait on: look after each of the checkpointer's passes.
        async with asyncio.timeout(20):
            while wal_size(db) > 0:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        # The data went into the database file, none was lost.
        async with db.read() as conn:
            rows = list(await conn.execute_fetchall("SELECT COUNT(*) FROM blobs"))
        assert rows[0][0] == 12
    finally:
        await checkpointer.stop()
        await db.close()
