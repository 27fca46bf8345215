"""The pacer learning a homeserver's limit from its refusals, and answers handed from a
transport to the outbox (issue 12). Real time, small numbers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.outbox import OutboxWorker
from bot.pacing import IDLE_RESET_SECONDS, Pacer, SlotTimeout
from handlers.core.events import Choice, Document, Reply
from storage import outbox
from storage.db import Database, open_db
from storage.migrations import migrate
from tests.bot.test_outbox import StubTransport
from tests.engine_harness import FrozenClock, scalar

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Bucket:
    """Synapse's limiter: ``burst`` actions at once, then ``rate`` a second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.count = 0.0
        self.at = time.monotonic()
        self.refused = 0

    def take(self) -> float | None:
        """None when allowed; else the seconds to wait."""
        now = time.monotonic()
        self.count = max(0.0, self.count - (now - self.at) * self.rate)
        self.at = now
        if self.count + 1 > self.burst:
            self.refused += 1
            return (self.count - self.burst + 1) / self.rate
        self.count += 1
        return None


async def send_through(pacer: Pacer, bucket: Bucket, chat: str, sent: list[float]) -> None:
    async with pacer.slot(chat):
        while (wait := bucket.take()) is not None:
            pacer.limited(wait)
            await pacer.again()
        sent.append(time.monotonic())


async def test_a_burst_costs_a_few_refusals_then_the_learned_pace_holds() -> None:
    pacer = Pacer(overall_per_second=10, per_chat_interval=0, learn_limits=True)
    bucket = Bucket(rate=5.0, burst=5)  # Synapse's shape, 25 times faster
    sent: list[float] = []
    began = time.monotonic()
    await asyncio.gather(*(send_through(pacer, bucket, f"chat{n}", sent) for n in range(30)))
    assert len(sent) == 30
    # 25 beyond the burst at 5 a second: about 5 s, and far fewer refusals than sends.
    assert time.monotonic() - began < 6.5
    assert bucket.refused <= 8, bucket.refused
    assert 0.15 <= pacer.learned_gap <= 0.3, pacer.learned_gap


async def test_again_queues_behind_the_more_urgent_and_slot_waits_are_bounded() -> None:
    pacer = Pacer(overall_per_second=10, per_chat_interval=0, learn_limits=True)
    pacer.limited(0.3)
    assert pacer.learned_gap == 0.3
    began = time.monotonic()
    with pytest.raises(SlotTimeout):
        async with pacer.slot("a", wait=0.1):
            raise AssertionError("no turn within the pause")
    assert time.monotonic() - began < 0.25
    order: list[str] = []

    async def send(chat: str, priority: int) -> None:
        async with pacer.slot(chat, priority=priority):
            order.append(chat)

    await asyncio.gather(send("bulk", 2), send("urgent", 0), send("bulk2", 2))
    assert order[0] == "urgent"
    # One message each learned gap, not all at the end of the pause.
    assert time.monotonic() - began >= 0.3 + 2 * 0.3 - 0.05


async def test_sends_without_refusals_relax_the_pace_back() -> None:
    pacer = Pacer(overall_per_second=50, per_chat_interval=0, learn_limits=True)
    pacer.limited(0.03)
    for n in range(60):
        async with pacer.slot(f"c{n}"):
            pass
    assert pacer.learned_gap == 0.0
    assert IDLE_RESET_SECONDS > 0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(tmp_path / "defer.db")
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()


async def test_a_deferred_answer_is_delivered_once_and_holds_its_chat(db: Database) -> None:
    transport = StubTransport()
    clock = FrozenClock(START)
    worker = OutboxWorker(db, {"telegram": transport}, {}, clock)
    reply = Reply(
        text="preview",
        choices=((Choice(label="Send", payload="w:submit:1"),),),
        document=Document(filename="a.csv", mime_type="text/csv", data=b"x"),
    )
    await worker.defer_reply("telegram", "7", reply, partial=False)
    # The next turn's durable reply: its row, written by the engine a minute ahead, is made
    # due when the transport hands it over behind the first.
    async with db.transaction() as conn:
        durable = await outbox.add_outbox(
            conn,
            transport="telegram",
            chat_id="7",
            text="saved",
            now=START,
            not_before=START + timedelta(minutes=1),
            kind="reply",
        )
    await worker.defer_reply("telegram", "7", Reply(text="saved", outbox_id=durable), partial=False)
    assert worker.pending_replies("telegram", "7")
    assert not worker.pending_replies("telegram", "8")
    await worker.drain_once()
    await worker.drain_once()
    assert transport.sent == [("7", "preview"), ("7", "saved")]
    assert not worker.pending_replies("telegram", "7")
    assert await scalar(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert await scalar(db, "SELECT COUNT(*) FROM outbox") == 2  # the durable row reused

    # Partly sent: the durable row is marked sent, the rest gets a row of its own.
    async with db.transaction() as conn:
        second = await outbox.add_outbox(
            conn, transport="telegram", chat_id="9", text="a\nb", now=START, kind="reply"
        )
    await worker.defer_reply("telegram", "9", Reply(text="b", outbox_id=second), partial=True)
    await worker.drain_once()
    assert transport.sent[-1] == ("9", "b")
    assert await scalar(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
