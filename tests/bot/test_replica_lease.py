"""The scheduler's lease between replicas (issue 16), with a frozen clock: only the holder
fires digests and catches up; a replica that takes an expired lease over catches up what the
dead holder missed, once."""

from __future__ import annotations

from datetime import timedelta

from bot.replicas import SCHEDULER_LEASE, LeaseKeeper
from bot.scheduler import DigestScheduler
from storage.db import open_db
from storage.timefmt import to_db
from tests.bot.test_scheduler import NURSE, berlin, digest_rows, subscribe
from tests.engine_harness import EngineHarness, find_payload

TTL = 30.0


async def test_only_the_holder_runs_digests_and_a_takeover_catches_up(
    harness: EngineHarness,
) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)
    sub_id = await subscribe(h, "/subscribe daily 08:00")
    replies = await h.send(NURSE, "/need 2 генератор !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    # A second replica: its own connection to the same file.
    other_db = await open_db(h.db.path)
    try:
        first = LeaseKeeper(h.db, SCHEDULER_LEASE, "replica-a", ttl=TTL, clock=h.clock)
        second = LeaseKeeper(other_db, SCHEDULER_LEASE, "replica-b", ttl=TTL, clock=h.clock)
        assert await first.try_take()
        assert not await second.try_take()
        holder = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock, lease=first)
        waiting = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock, lease=second)

        # Wednesday 08:00 fires in both replicas: only the holder builds the digest.
        h.clock.now = berlin(2026, 11, 25, 8, 0)
        assert not await waiting.fire(sub_id)
        assert await waiting.catch_up() == 0
        assert await holder.fire(sub_id)
        assert len(await digest_rows(h)) == 1

        # The holder dies (no renewal, no release). Until its lease runs out the other
        # replica cannot take it; after that it does, and catches up Thursday's digest,
        # which nobody sent.
        h.clock.now = berlin(2026, 11, 26, 9, 0)
        h.clock.advance(seconds=TTL + 1)
        caught: list[int] = []

        async def catch_up() -> None:
            caught.append(await waiting.catch_up())

        second.on_acquired = catch_up
        assert await second.try_take()
        assert second.takeovers == 1
        assert second._acquired_task is not None
        await second._acquired_task
        assert caught == [1]
        runs = await h.rows("SELECT window_end FROM digest_runs ORDER BY window_end")
        assert [r[0] for r in runs] == ["2026-11-25T08:00", "2026-11-26T08:00"]
        # The old holder, back from a pause, finds the lease taken: it neither fires nor
        # catches up, and a firing it raced would find the run recorded anyway.
        assert not await first.try_take()
        assert not first.held
        assert not await holder.fire(sub_id)
        assert len(await digest_rows(h)) == 2
    finally:
        await other_db.close()


async def test_a_clean_stop_hands_the_lease_over_at_once(harness: EngineHarness) -> None:
    h = harness
    other_db = await open_db(h.db.path)
    try:
        first = LeaseKeeper(h.db, SCHEDULER_LEASE, "replica-a", ttl=TTL, clock=h.clock)
        second = LeaseKeeper(other_db, SCHEDULER_LEASE, "replica-b", ttl=TTL, clock=h.clock)
        await first.start()
        assert first.held and not await second.try_take()
        await first.stop()
        assert not first.held
        h.clock.advance(seconds=1)  # well within what the lease would have lasted
        assert await second.try_take()
        async with h.db.read() as conn:
            rows = await conn.execute_fetchall("SELECT holder, expires_at FROM leases")
        expires = to_db(h.clock.now + timedelta(seconds=TTL))
        assert [tuple(r) for r in rows] == [("replica-b", expires)]
    finally:
        await other_db.close()
