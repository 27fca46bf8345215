"""Storage for several replicas (issue 16): leases, outbox claims and the shared send pace,
each from two connections (two replicas) to one database, on both engines (a real SQLite
file, a throwaway PostgreSQL database); on PostgreSQL the claims' row and chat locks, which
only matter where transactions run side by side."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import leases, outbox, send_slots
from storage.db import Conn, Database, DatabaseLocked, open_database
from storage.migrations import migrate
from storage.timefmt import to_db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture
async def dbs(tmp_path: Path, engine_url: str | None) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one database, as two replicas have."""
    first = await open_database(tmp_path / "replicas.db", engine_url)
    await migrate(first)
    second = await open_database(tmp_path / "replicas.db", engine_url)
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


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest) -> str | None:
    """None for a new SQLite file, else the URL of an empty PostgreSQL database."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


async def test_replicas_starting_together_migrate_once(
    tmp_path: Path, empty_url: str | None
) -> None:
    """Two processes starting at once on a new database: each step applied once, no error."""
    first = await open_database(tmp_path / "fresh.db", empty_url)
    second = await open_database(tmp_path / "fresh.db", empty_url)
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


async def test_two_replicas_draining_together_deliver_each_row_once(
    dbs: tuple[Database, Database],
) -> None:
    """Both replicas list the heads, claim and "send" side by side until nothing is left:
    every row is claimed by exactly one of them, once, and a chat never has rows in flight at
    two replicas at once, though its urgent rows overtake its bulk ones (other heads)."""
    a, b = dbs
    kinds = ["digest", "notice", "reply", "digest", "alert", "notice"]
    async with a.transaction() as conn:
        written = [
            await outbox.add_outbox(
                conn,
                transport="telegram",
                chat_id=str(chat),
                text=f"{chat}/{n}",
                now=T0,
                not_before=T0,
                kind=kind,
            )
            for n, kind in enumerate(kinds)
            for chat in range(12)
        ]
    delivered: list[tuple[str, int]] = []
    in_flight: dict[str, str] = {}  # chat -> the replica with a claimed, unsent row in it
    chat_of = {row_id: str(i % 12) for i, row_id in enumerate(written)}
    at = T0 + timedelta(seconds=1)

    async def drain(db: Database, holder: str) -> None:
        while True:
            async with db.read() as conn:
                heads = await outbox.list_due_heads(conn, at, transports=["telegram"], limit=8)
            if not heads:
                return
            got = await claim(db, [h.id for h in heads], holder, at)
            for row_id in got.ids:
                chat = chat_of[row_id]
                assert in_flight.get(chat, holder) == holder, (chat, in_flight)
                in_flight[chat] = holder
            for row_id in got.ids:
                delivered.append((holder, row_id))
                async with db.transaction() as conn:
                    assert await outbox.set_outbox_sent(conn, row_id, at)
                in_flight.pop(chat_of[row_id], None)
            await asyncio.sleep(0)  # the other replica's turn when this one claimed nothing

    await asyncio.gather(drain(a, "A"), drain(b, "B"))
    per_row = Counter(row_id for _, row_id in delivered)
    assert set(per_row) == set(written) and set(per_row.values()) == {1}


@pytest.fixture
async def pg_dbs(tmp_path: Path, pg_migrated_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one PostgreSQL database."""
    first = await open_database(tmp_path / "unused.db", pg_migrated_url)
    second = await open_database(tmp_path / "unused.db", pg_migrated_url)
    try:
        yield first, second
    finally:
        await second.close()
        await first.close()


async def no_lock_waits(conn: Conn) -> None:
    """From here to the end of the transaction a statement that would wait for a lock fails
    at once (lock_timeout): what never waits passes, whatever the machine's speed."""
    await conn.execute("SET LOCAL lock_timeout = '1ms'")


async def test_on_postgresql_a_row_locked_elsewhere_is_skipped_not_waited_for(
    pg_dbs: tuple[Database, Database],
) -> None:
    a, b = pg_dbs
    locked = await add(a, "1")
    free = await add(a, "2")
    at = T0 + timedelta(seconds=1)
    async with a.transaction() as held:
        # Replica A's transaction holds the row (as marking it sent does) and has not ended.
        await held.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (locked,))
        # The control: a claim that waits for row locks (SQLite's statement, run as it is)
        # fails here, so the lock is real and the claim below is shown not to wait. (A lock
        # wait cut short is a busy database to the callers, as on SQLite.)
        with pytest.raises(DatabaseLocked, match="LockNotAvailable"):
            async with b.transaction() as conn:
                await no_lock_waits(conn)
                await conn.execute(
                    outbox._CLAIM.format(ids="?, ?"),
                    ("B", to_db(at + TTL), locked, free, "B", to_db(at), "B", to_db(at)),
                )
        async with b.transaction() as conn:
            await no_lock_waits(conn)
            got = await outbox.claim_rows(conn, [locked, free], holder="B", now=at, until=at + TTL)
        assert got.ids == [free]
    # A's transaction ended: the row is free again, and claimed once.
    assert (await claim(b, [locked], "B", at)).ids == [locked]
    assert (await claim(a, [locked], "A", at)).ids == []


async def test_on_postgresql_a_chat_being_claimed_elsewhere_is_skipped(
    pg_dbs: tuple[Database, Database],
) -> None:
    """Two different rows of one chat (a bulk row at A, an urgent one at B): while A's claim
    has not committed, B neither waits nor takes the chat's other row; once it has, B's claim
    sees A's and leaves the chat to A."""
    a, b = pg_dbs
    bulk = await add(a, "1")
    urgent = await add(a, "1")
    other = await add(a, "2")
    at = T0 + timedelta(seconds=1)
    async with a.transaction() as conn_a:
        assert (
            await outbox.claim_rows(conn_a, [bulk], holder="A", now=at, until=at + TTL)
        ).ids == [bulk]
        async with b.transaction() as conn_b:
            await no_lock_waits(conn_b)
            got = await outbox.claim_rows(
                conn_b, [urgent, other], holder="B", now=at, until=at + TTL
            )
        assert got.ids == [other]
    assert (await claim(b, [urgent], "B", at)).ids == []
    assert (await claim(a, [urgent], "A", at)).ids == [urgent]
