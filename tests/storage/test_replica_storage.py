"""Storage for several replicas (issue 16): leases, outbox claims and the shared send pace,
each against a real SQLite file and, where it matters, from two connections (two replicas)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import leases, outbox, send_slots
from storage.db import Database, open_db
from storage.migrations import migrate

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture
async def dbs(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one file, as two replicas have."""
    first = await open_db(tmp_path / "replicas.db")
    await migrate(first)
    second = await open_db(tmp_path / "replicas.db")
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


async def take(db: Database, holder: str, at: datetime, name: str = "scheduler") -> bool:
    async with db.transaction() as conn:
        return await leases.take_lease(conn, name, holder, now=at, ttl=TTL)


async def test_a_lease_has_one_holder_until_it_expires(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    assert await take(a, "A", T0)
    assert not await take(b, "B", T0 + timedelta(seconds=1))
    # Renewed by its holder: B still waits past the first expiry.
    assert await take(a, "A", T0 + timedelta(seconds=20))
    assert not await take(b, "B", T0 + timedelta(seconds=31))
    # A stops renewing (died): once expired, B takes it over, and A cannot renew any more.
    assert await take(b, "B", T0 + timedelta(seconds=51))
    assert not await take(a, "A", T0 + timedelta(seconds=52))
    async with a.read() as conn:
        lease = await leases.get_lease(conn, "scheduler")
    assert lease is not None and lease.holder == "B"


async def test_release_frees_the_lease_at_once(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    assert await take(a, "A", T0)
    async with b.transaction() as conn:
        assert not await leases.release_lease(conn, "scheduler", "B")  # not B's to release
    async with a.transaction() as conn:
        assert await leases.release_lease(conn, "scheduler", "A")
    assert await take(b, "B", T0 + timedelta(seconds=1))


async def test_racing_replicas_never_both_take_a_lease(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    for round_ in range(20):
        at = T0 + timedelta(minutes=round_)  # each round after the last lease expired
        name = f"race-{round_}"
        won = await asyncio.gather(take(a, "A", at, name), take(b, "B", at, name))
        assert sorted(won) == [False, True], won


async def add(db: Database, chat: str, text: str = "x") -> int:
    async with db.transaction() as conn:
        return await outbox.add_outbox(
            conn, transport="telegram", chat_id=chat, text=text, now=T0, not_before=T0
        )


async def claim(db: Database, ids: list[int], holder: str, at: datetime) -> outbox.Claimed:
    async with db.transaction() as conn:
        return await outbox.claim_rows(
            conn, ids, holder=holder, now=at, until=at + timedelta(seconds=60)
        )


async def test_a_claimed_chat_is_left_to_its_claimant(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    first = await add(a, "1")
    second = await add(a, "1")
    other = await add(a, "2")
    assert (await claim(a, [first], "A", T0)).ids == [first]
    # B may not take the row, nor a later row of the same chat while A's claim runs; another
    # chat is free.
    got = await claim(b, [first, second, other], "B", T0 + timedelta(seconds=1))
    assert got.ids == [other] and got.retaken == []
    # A claims its own row again (a pass after a cancelled delivery).
    assert (await claim(a, [first], "A", T0 + timedelta(seconds=2))).ids == [first]


async def test_an_expired_claim_is_retaken_and_counted(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    row = await add(a, "1")
    assert (await claim(a, [row], "A", T0)).ids == [row]
    later = T0 + timedelta(seconds=61)
    got = await claim(b, [row], "B", later)
    assert got.ids == [row] and got.retaken == [row]
    # A sent row nobody claims again.
    async with b.transaction() as conn:
        await outbox.set_outbox_sent(conn, row, later)
    assert (await claim(a, [row], "A", later + timedelta(minutes=5))).ids == []


async def test_a_retry_and_a_clean_stop_give_the_claim_up(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    row = await add(a, "1")
    other = await add(a, "2")
    assert (await claim(a, [row, other], "A", T0)).ids == [row, other]
    async with a.transaction() as conn:
        await outbox.set_outbox_retry(conn, row, not_before=T0, error="500")
    assert (await claim(b, [row], "B", T0 + timedelta(seconds=1))).ids == [row]
    async with a.transaction() as conn:
        assert await outbox.release_claims(conn, holder="A") == 1
    assert (await claim(b, [other], "B", T0 + timedelta(seconds=1))).ids == [other]


async def test_renewed_claims_outlive_their_first_expiry(dbs: tuple[Database, Database]) -> None:
    a, b = dbs
    row = await add(a, "1")
    assert (await claim(a, [row], "A", T0)).ids == [row]
    async with a.transaction() as conn:
        renewed = await outbox.renew_claims(
            conn, [row], holder="A", until=T0 + timedelta(seconds=120)
        )
    assert renewed == 1
    assert (await claim(b, [row], "B", T0 + timedelta(seconds=90))).ids == []


async def reserve(db: Database, chat: str, now: float) -> float:
    async with db.transaction() as conn:
        chat_at = await send_slots.reserve_chat(
            conn, transport="telegram", chat_id=chat, now=now, interval=1.25
        )
        return await send_slots.reserve_overall(
            conn,
            transport="telegram",
            chat_id=chat,
            now=max(now, chat_at),
            gap=0.04,
            interval=1.25,
        )


async def test_the_shared_pace_spaces_every_replica_s_sends(
    dbs: tuple[Database, Database],
) -> None:
    a, b = dbs
    now = 1_000_000.0
    # 100 sends to 100 chats asked for at the same moment by two replicas: evenly spaced.
    starts = sorted(
        await asyncio.gather(*(reserve((a, b)[i % 2], str(i), now) for i in range(100)))
    )
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) == pytest.approx(0.04)
    for i, start in enumerate(starts):
        window = [s for s in starts[i:] if s < start + 1.0]
        assert len(window) <= 25
    # One chat asked for five messages by both replicas: 1.25 s apart.
    chat = sorted(await asyncio.gather(*(reserve((a, b)[i % 2], "x", now) for i in range(5))))
    assert [round(b2 - a2, 2) for a2, b2 in itertools.pairwise(chat)] == [1.25] * 4


async def test_replicas_starting_together_migrate_once(tmp_path: Path) -> None:
    """Two processes starting at once on a new database: each step applied once, no error."""
    first = await open_db(tmp_path / "fresh.db")
    second = await open_db(tmp_path / "fresh.db")
    try:
        applied = await asyncio.gather(migrate(first), migrate(second))
        async with first.read() as conn:
            rows = await conn.execute_fetchall("SELECT version FROM schema_version")
        versions = sorted(int(r[0]) for r in rows)
        assert versions == list(range(1, len(versions) + 1))
        assert sorted(applied[0] + applied[1]) == versions
    finally:
        await second.close()
        await first.close()


async def test_housekeeping_forgets_what_dead_replicas_left(
    dbs: tuple[Database, Database],
) -> None:
    a, _ = dbs
    assert await take(a, "dead", T0, name="chat:telegram:1")
    assert await take(a, "alive", T0 + timedelta(seconds=20), name="chat:telegram:2")
    async with a.transaction() as conn:
        await send_slots.reserve_chat(
            conn, transport="telegram", chat_id="1", now=1000.0, interval=1.25
        )
        await send_slots.reserve_chat(
            conn, transport="telegram", chat_id="2", now=5000.0, interval=1.25
        )
        assert await leases.delete_expired_leases(conn, T0 + timedelta(seconds=31)) == 1
        assert await send_slots.forget_idle_chats(conn, 4000.0) == 1
        left = await conn.execute_fetchall("SELECT name FROM leases")
        assert [r[0] for r in left] == ["chat:telegram:2"]
