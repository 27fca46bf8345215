"""Outbox priorities on a real SQLite file: set from the kind, the due-heads order, and a
query plan that costs the same at 20 and at 20,000 pending rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import outbox
from storage.db import Database, open_db
from storage.migrations import migrate
from storage.outbox import PRIORITY_BY_KIND, Priority, due_heads_sql, priority_of
from tests.engine_harness import scalar

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PRIORITY_VERSION = 9  # storage/migrations/v009_outbox_priority.py


@pytest.fixture
def db(any_db: Database) -> Database:
    """Part of the storage contract suite: every test here runs on SQLite and PostgreSQL."""
    return any_db


async def add(
    db: Database,
    chat: str,
    kind: str,
    *,
    at: datetime = NOW,
    not_before: datetime | None = None,
    transport: str = "telegram",
) -> int:
    async with db.transaction() as conn:
        return await outbox.add_outbox(
            conn,
            transport=transport,
            chat_id=chat,
            text=f"{kind} to {chat}",
            now=at,
            kind=kind,
            not_before=not_before,
        )


async def heads(
    db: Database, *, limit: int = 100, transports: tuple[str, ...] = ("telegram",)
) -> list[int]:
    async with db.read() as conn:
        rows = await outbox.list_due_heads(conn, NOW, transports=transports, limit=limit)
    return [r.id for r in rows]


def test_every_kind_written_has_its_priority() -> None:
    assert priority_of("reply") is priority_of("alert") is Priority.URGENT
    assert priority_of("notice") is priority_of("reconfirm") is Priority.LIFECYCLE
    assert priority_of("menu") is Priority.LIFECYCLE
    assert {priority_of(k) for k in ("digest", "broadcast", "colleague")} == {Priority.BULK}
    # A kind nobody listed yet is neither pushed ahead nor left behind.
    assert priority_of("something new") is Priority.LIFECYCLE
    assert set(PRIORITY_BY_KIND.values()) == set(Priority)


async def test_the_row_stores_its_kinds_priority(db: Database) -> None:
    for kind, priority in PRIORITY_BY_KIND.items():
        row_id = await add(db, "1", kind)
        assert await scalar(db, "SELECT priority FROM outbox WHERE id = ?", row_id) == priority


async def test_the_migration_gives_pending_rows_their_priority(tmp_path: Path) -> None:
    database = await open_db(tmp_path / "old.db")
    try:
        await migrate(database, target=PRIORITY_VERSION - 1)
        async with database.transaction() as conn:
            for kind in ("reply", "alert", "notice", "menu", "digest", "broadcast"):
                await conn.execute(
                    "INSERT INTO outbox (transport, chat_id, kind, text, created_at, not_before)"
                    " VALUES ('telegram', '1', ?, 'x', '2026-01-01', '2026-01-01')",
                    (kind,),
                )
        await migrate(database)
        async with database.read() as conn:
            rows = await conn.execute_fetchall("SELECT kind, priority FROM outbox ORDER BY id")
        assert {str(r[0]): int(r[1]) for r in rows} == {
            "reply": 0,
            "alert": 0,
            "notice": 1,
            "menu": 1,
            "digest": 2,
            "broadcast": 2,
        }
    finally:
        await database.close()


async def test_urgent_first_then_lifecycle_then_bulk_each_oldest_due_first(db: Database) -> None:
    bulk = [await add(db, str(100 + n), "broadcast") for n in range(3)]
    notice = await add(db, "200", "notice", at=NOW - timedelta(minutes=1))
    alert = await add(db, "300", "alert", at=NOW - timedelta(seconds=1))
    older_alert = await add(db, "301", "alert", at=NOW - timedelta(seconds=2))
    assert await heads(db) == [older_alert, alert, notice, *bulk]
    assert await heads(db, limit=3) == [older_alert, alert, notice]


async def test_a_chats_urgent_row_overtakes_its_bulk_rows_and_keeps_order_within_one(
    db: Database,
) -> None:
    digest_1 = await add(db, "7", "digest", at=NOW - timedelta(minutes=5))
    digest_2 = await add(db, "7", "digest", at=NOW - timedelta(minutes=5))
    alert = await add(db, "7", "alert", at=NOW - timedelta(minutes=1))
    assert await heads(db) == [alert]  # one row per chat: its most urgent, oldest
    await mark_sent(db, alert)
    assert await heads(db) == [digest_1]
    await mark_sent(db, digest_1)
    assert await heads(db) == [digest_2]


async def test_a_head_waiting_for_its_retry_holds_back_its_chat(db: Database) -> None:
    later = NOW + timedelta(seconds=30)
    waiting = await add(db, "7", "notice", not_before=later)
    await add(db, "7", "notice")
    await add(db, "7", "digest")
    other = await add(db, "8", "digest")
    assert await heads(db) == [other]
    assert waiting not in await heads(db)


async def test_only_the_transports_asked_for(db: Database) -> None:
    matrix = await add(db, "!room:x", "alert", transport="matrix")
    telegram = await add(db, "7", "notice")
    assert await heads(db) == [telegram]
    assert await heads(db, transports=("matrix", "telegram")) == [matrix, telegram]


async def mark_sent(db: Database, row_id: int) -> None:
    async with db.transaction() as conn:
        await outbox.set_outbox_sent(conn, row_id, NOW)


@pytest.mark.parametrize("analyze", [False, True])
@pytest.mark.parametrize("pending", [20, 20_000])
async def test_the_due_heads_query_walks_the_index_without_sorting(
    db: Database, pending: int, analyze: bool
) -> None:
    if db.engine != "sqlite":
        pytest.skip("reads SQLite's EXPLAIN QUERY PLAN")
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO outbox (transport, chat_id, kind, priority, text, created_at,"
            " not_before) VALUES ('telegram', ?, 'broadcast', ?, 'x', ?, ?)",
            [
                (str(n % (pending // 2)), n % 3, "2026-01-01", f"2026-01-01T00:{n % 60:02d}")
                for n in range(pending)
            ],
        )
        if analyze:
            await conn.execute("ANALYZE")  # the planner with statistics, should anyone run it
    steps = await plan(db, None)
    assert any("USING INDEX outbox_due (priority=? AND not_before<?)" in s for s in steps), steps
    # "Anything before it in this chat?" as two index ranges, never a walk over the chat.
    assert any(
        "USING INDEX outbox_chat_head (transport=? AND chat_id=? AND priority<?)" in s
        for s in steps
    ), steps
    assert any(
        "USING INDEX outbox_chat_head (transport=? AND chat_id=? AND priority=? AND id<?)" in s
        for s in steps
    ), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps
    # "SCAN o" reads the bounded candidates the index walk hands over, nothing else.
    assert not any(s.startswith("SCAN") and s != "SCAN o" for s in steps), steps
    # A console serves its own chat only: that chat's rows are found through the chat index
    # (sorting those few is cheaper than walking everyone's due rows for them).
    steps = await plan(db, [("console", "local")])
    assert not any(s.startswith("SCAN") and s != "SCAN o" for s in steps), steps
    # And the query answers as the plan promises: at most the limit, most urgent first.
    async with db.read() as conn:
        rows = await outbox.list_due_heads(
            conn, datetime(2027, 1, 1, tzinfo=UTC), transports=["telegram"], limit=64
        )
    assert len(rows) == min(64, pending // 2)
    assert [r.priority for r in rows] == sorted(r.priority for r in rows)


async def plan(db: Database, chats: list[tuple[str, str]] | None) -> list[str]:
    sql, chat_args = due_heads_sql(2, chats)
    async with db.read() as conn:
        rows = await conn.execute_fetchall(
            "EXPLAIN QUERY PLAN " + sql, [1, "2027-01-01", "telegram", "matrix", *chat_args, 64]
        )
    return [str(row[3]) for row in rows]


async def test_a_backlog_in_few_chats_still_offers_every_chats_head(db: Database) -> None:
    """20,000 rows in three chats: nearly every due row is queued behind its chat's head, so
    the bounded walk finds too few heads and each chat is asked for its own (issue 17)."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO outbox (transport, chat_id, kind, priority, text, created_at,"
            " not_before) VALUES (?, ?, 'broadcast', 2, 'x', '2026-01-01', ?)",
            [
                ("matrix" if n % 3 == 2 else "telegram", str(n % 3), f"2026-01-01T{n:08d}")
                for n in range(20_000)
            ],
        )
        # A more urgent row late in chat 1: it overtakes that chat's bulk.
        await conn.execute(
            "INSERT INTO outbox (transport, chat_id, kind, priority, text, created_at,"
            " not_before) VALUES ('telegram', '1', 'reply', 0, 'x', '2026-01-01', '2026-01-02')"
        )
    async with db.read() as conn:
        rows = await outbox.list_due_heads(
            conn, datetime(2027, 1, 1, tzinfo=UTC), transports=["telegram", "matrix"], limit=64
        )
        only_telegram = await outbox.list_due_heads(
            conn, datetime(2027, 1, 1, tzinfo=UTC), transports=["telegram"], limit=64
        )
    assert [(r.chat_id, r.priority) for r in rows] == [("1", 0), ("0", 2), ("2", 2)]
    assert [(r.chat_id, r.priority) for r in only_telegram] == [("1", 0), ("0", 2)]
    assert rows[1].id == 1 and rows[2].id == 3
