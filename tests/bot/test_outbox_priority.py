"""The worker and the pacer serve the most urgent rows first (issue 10).

A stub transport and a frozen clock, as in test_outbox.py: exact about the order, not about
time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.outbox import OutboxWorker
from bot.pacing import Pacer
from storage.db import Database, open_db
from storage.migrations import migrate
from tests.bot.test_outbox import START, StubTransport, add_rows
from tests.engine_harness import FrozenClock, scalar


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(tmp_path / "outbox.db")
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()


async def test_the_pacer_lets_the_most_urgent_waiting_send_go_first() -> None:
    pacer = Pacer(30, 0.0)
    pacer.pause(0.2)  # everyone queues up behind the pause
    order: list[str] = []

    async def send(chat: str, priority: int) -> None:
        async with pacer.slot(chat, priority=priority):
            order.append(chat)

    sends = [("bulk-1", 2), ("bulk-2", 2), ("notice", 1), ("bulk-3", 2), ("alert", 0)]
    tasks = []
    for chat, priority in sends:
        tasks.append(asyncio.create_task(send(chat, priority)))
        await asyncio.sleep(0)  # queued in this order
    await asyncio.gather(*tasks)
    assert order == ["alert", "notice", "bulk-1", "bulk-2", "bulk-3"]


async def test_an_alert_after_a_fan_out_goes_out_next(db: Database) -> None:
    # Bulk notices to distinct chats fill every delivery place and wait in the pacer; an alert
    # written while they drain takes the first place that frees up and the pacer's next turn.
    transport = StubTransport()
    clock = FrozenClock(START)
    pacer = Pacer(100, 0.0)
    worker = OutboxWorker(db, {"telegram": transport}, {"telegram": pacer}, clock)
    worker.max_in_flight = 32
    await add_rows(db, [(str(1000 + n), f"bulk {n}") for n in range(120)], START, kind="broadcast")
    await worker.start()
    try:
        await until(lambda: len(transport.sent) >= 5)
        await add_rows(db, [("7", "ALERT")], START, kind="alert")
        before = len(transport.sent)
        worker.wake()
        await until(lambda: len(transport.sent) == 121)
    finally:
        await worker.stop()
    assert len(transport.sent) == 121
    after = [text for _, text in transport.sent].index("ALERT") - before
    # Behind the send or two already let go at most, not behind the 32 waiting (or the 88
    # not yet taken up).
    assert after <= 3, after


async def test_an_urgent_row_displaces_its_chats_bulk_row_still_waiting(db: Database) -> None:
    transport = StubTransport()
    clock = FrozenClock(START)
    pacer = Pacer(30, 0.0)
    worker = OutboxWorker(db, {"telegram": transport}, {"telegram": pacer}, clock)
    pacer.pause(0.3)
    [digest] = await add_rows(db, [("7", "digest")], START, kind="digest")
    assert await worker.dispatch() == 1  # waits for the pacer: nothing sent yet
    await add_rows(db, [("7", "alert")], START, kind="alert")
    assert await worker.dispatch() == 0  # the chat is busy, but its delivery is cancelled
    await drain(worker, db)
    assert transport.sent == [("7", "alert"), ("7", "digest")]
    assert await scalar(db, "SELECT attempts FROM outbox WHERE id = ?", digest) == 1


async def test_a_delivery_already_sending_is_not_displaced(db: Database) -> None:
    transport = StubTransport()
    transport.gate = asyncio.Event()
    worker = OutboxWorker(db, {"telegram": transport}, {}, FrozenClock(START))
    await add_rows(db, [("7", "digest")], START, kind="digest")
    assert await worker.dispatch() == 1
    await asyncio.sleep(0.05)  # the request is out (held by the gate)
    await add_rows(db, [("7", "alert")], START, kind="alert")
    assert await worker.dispatch() == 0
    transport.gate.set()
    await drain(worker, db)
    assert transport.sent == [("7", "digest"), ("7", "alert")]


async def drain(worker: OutboxWorker, db: Database) -> None:
    """Pass after pass until nothing is pending (a pass may start nothing: a busy chat)."""
    for _ in range(1000):
        if not await scalar(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"):
            return
        await worker.drain_once()
    raise AssertionError("the outbox did not drain")


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true after {timeout}s")
        await asyncio.sleep(0.01)
