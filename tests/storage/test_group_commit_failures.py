"""Group commit under failure: a turn never returns as committed when its group was not (a full
disk in a joining turn, the committing task cancelled at shutdown)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

from storage.db import Database, GroupCommitFailed, open_db
from tests.storage.test_db import add_tables_whose_commit_can_fail


async def _db(tmp_path: Path) -> Database:
    db = await open_db(tmp_path / "t.db")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x)")
    return db


def _insert(value: object) -> Callable[[sqlite3.Connection], None]:
    def first(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO t VALUES (?)", (value,))

    return first


def _committed(tmp_path: Path) -> list[object]:
    """What another connection sees: only what is durable."""
    other = sqlite3.connect(tmp_path / "t.db")
    try:
        return [r[0] for r in other.execute("SELECT x FROM t ORDER BY rowid")]
    finally:
        other.close()


async def test_a_full_disk_in_a_joining_turns_opener_does_not_confirm_the_group(
    tmp_path: Path,
) -> None:
    """SQLITE_FULL rolls back the WHOLE transaction (checked: in_transaction is False after
    it). When that happens in the opening trip of a turn that joined a group, _abandon_turn
    ignores _undo_turn's False: the group stays "open", the next turn's SAVEPOINT silently
    starts a fresh transaction, its COMMIT succeeds, and the first turn returns as committed
    although its rows were rolled back."""
    db = await _db(tmp_path)
    # The disk has room for small rows only: max_page_count gives a real SQLITE_FULL.
    async with db.read() as conn:
        await conn.execute("INSERT INTO t VALUES ('seed')")
        pages = next(iter(await conn.execute_fetchall("PRAGMA page_count")))[0]
        await conn.execute(f"PRAGMA max_page_count = {int(pages)}")
    release = asyncio.Event()

    async def first_turn() -> None:
        async with db.grouped_transaction(_insert("a")):
            await release.wait()

    async def full_turn() -> None:
        async with db.grouped_transaction(_insert("x" * 100_000)):
            raise AssertionError("the body must not run")

    async def later_turn() -> None:
        async with db.grouped_transaction(_insert("c")):
            pass

    a = asyncio.create_task(first_turn())
    await asyncio.sleep(0.01)
    b = asyncio.create_task(full_turn())  # queued: joins a's group, fails opening
    c = asyncio.create_task(later_turn())  # queued behind b, ahead of a's final commit
    await asyncio.sleep(0.01)
    release.set()
    results = await asyncio.gather(a, b, c, return_exceptions=True)
    assert isinstance(results[1], sqlite3.OperationalError)  # disk full, reported: fine
    committed = _committed(tmp_path)
    # a returned normally, so its row must be durable -- or a must have raised.
    if results[0] is None:
        assert "a" in committed, f"turn a returned as committed, but only {committed} is durable"
    else:
        assert isinstance(results[0], GroupCommitFailed)
    await db.close()


async def test_a_turn_whose_group_committer_is_cancelled_mid_commit_is_not_confirmed(
    tmp_path: Path,
) -> None:
    """The turn running _commit_group sets self._group = None, then awaits the COMMIT. If
    that task is cancelled during the await (shutdown), the COMMIT still runs on the
    database thread, but its outcome is never recorded in group.error: the other turns of
    the group find self._group is not their group, group.error is None, and return as
    committed -- before the COMMIT finished, and even when it failed (which also leaves the
    write transaction open on the connection, with nobody to roll it back)."""
    db = await _db(tmp_path)
    await add_tables_whose_commit_can_fail(db)
    committing = asyncio.Event()
    original_commit = db.raw.commit

    async def signalling_commit() -> None:
        committing.set()
        await original_commit()

    db.raw.commit = signalling_commit  # type: ignore[method-assign]
    release = asyncio.Event()

    async def first_turn() -> None:
        async with db.grouped_transaction(_insert(1)):
            await release.wait()

    async def committer() -> None:
        # Joins the group; nobody waits behind it, so it commits the group itself.
        async with db.grouped_transaction(lambda raw: raw.execute("INSERT INTO child VALUES (9)")):
            pass

    a = asyncio.create_task(first_turn())
    await asyncio.sleep(0.01)
    b = asyncio.create_task(committer())
    await asyncio.sleep(0.01)
    release.set()
    await committing.wait()
    b.cancel()
    results = await asyncio.gather(a, b, return_exceptions=True)
    await asyncio.sleep(0.05)  # let the COMMIT on the database thread finish
    # The COMMIT failed: a's row is not durable, so a must not have returned normally.
    assert _committed(tmp_path) == []
    left_open = db.raw.in_transaction
    assert isinstance(results[0], GroupCommitFailed), (
        f"turn a returned {results[0]!r} although nothing of its group was committed"
        f" (write transaction left open on the connection: {left_open})"
    )
    await db.close()
