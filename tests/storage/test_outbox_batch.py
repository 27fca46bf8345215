"""storage.outbox.batch_slot: at most one message of a kind per window to a chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import outbox
from storage.db import Database

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


@pytest.fixture
def db(any_db: Database) -> Database:
    """Part of the storage contract suite: every test here runs on SQLite and PostgreSQL."""
    return any_db


async def notice(db: Database, at: datetime, chat: str = "1", kind: str = "colleague") -> datetime:
    """Write a row as Work.notify(batch=WINDOW) does; returns when it is due."""
    async with db.transaction() as conn:
        due = await outbox.batch_slot(
            conn, transport="telegram", chat_id=chat, kind=kind, now=at, window=WINDOW
        )
        await outbox.add_outbox(
            conn, transport="telegram", chat_id=chat, text="x", now=at, not_before=due, kind=kind
        )
    return due


async def test_first_goes_at_once_then_one_batch_per_window(db: Database) -> None:
    assert await notice(db, T0) == T0  # a quiet chat: at once
    second = T0 + timedelta(seconds=30)
    assert await notice(db, second) == T0 + WINDOW  # the next batch
    assert await notice(db, T0 + timedelta(minutes=2)) == T0 + WINDOW  # the same batch
    # After that batch: the next one is a window later, not at once.
    assert await notice(db, T0 + timedelta(minutes=6)) == T0 + 2 * WINDOW
    # A quiet spell longer than the window: at once again.
    later = T0 + timedelta(hours=1)
    assert await notice(db, later) == later


async def test_chats_and_kinds_are_batched_apart(db: Database) -> None:
    await notice(db, T0)
    soon = T0 + timedelta(seconds=10)
    assert await notice(db, soon, chat="2") == soon
    assert await notice(db, soon, kind="notice") == soon


async def test_the_worker_reads_a_batch_text_only_and_due(db: Database) -> None:
    async with db.transaction() as conn:
        ids = [
            await outbox.add_outbox(
                conn, transport="telegram", chat_id="1", text=f"n{i}", now=T0, kind="colleague"
            )
            for i in range(3)
        ]
        # Not due yet, another chat, another kind, one with buttons: none of them join.
        await outbox.add_outbox(
            conn,
            transport="telegram",
            chat_id="1",
            text="later",
            now=T0,
            not_before=T0 + WINDOW,
            kind="colleague",
        )
        await outbox.add_outbox(
            conn, transport="telegram", chat_id="2", text="other", now=T0, kind="colleague"
        )
        await outbox.add_outbox(
            conn, transport="telegram", chat_id="1", text="notice", now=T0, kind="notice"
        )
        await outbox.add_outbox(
            conn,
            transport="telegram",
            chat_id="1",
            text="buttons",
            now=T0,
            kind="colleague",
            choices_json="[]",
        )
        head = await outbox.get_outbox(conn, ids[0])
        assert head is not None
        batch = await outbox.list_batch(conn, head, T0, limit=10)
        assert [r.text for r in batch] == ["n1", "n2"]
        assert await outbox.set_outbox_sent_many(conn, ids, T0) == 3
        assert await outbox.set_outbox_sent_many(conn, ids, T0) == 0  # never twice
