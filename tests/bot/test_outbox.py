"""The outbox worker and its pacer: exactly once, in order per chat, under the platform's pace.

The worker-level tests use a stub transport and a frozen clock, so they are exact about what
happens when. The end-to-end tests run the real App (python-telegram-bot included) against the
fake Bot API, with faults and with Telegram's flood limits enforced.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.outbox as outbox_module
from bot.app import App, build_app
from bot.outbox import OutboxWorker
from bot.pacing import Pacer
from bot.transports.base import DeliveryError
from bot.transports.telegram import TelegramTransport
from handlers.core.events import Reply
from storage import members, outbox
from storage.db import Database, open_db
from storage.migrations import migrate
from storage.models import Identity, OutboxMessage, Role
from tests.bot.telegram_harness import TOKEN, make_settings
from tests.engine_harness import FrozenClock, scalar
from tests.fakes.bot_api import FakeBotApi

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------------- worker, stub transport


class StubTransport:
    """Records deliveries; can hold them (gate) or fail the next ones."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.gate: asyncio.Event | None = None
        self.failures: list[DeliveryError] = []
        self.active: Counter[str] = Counter()
        self.max_active_per_chat = 0

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        self.active[chat_id] += 1
        self.max_active_per_chat = max(self.max_active_per_chat, self.active[chat_id])
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((chat_id, reply.text))
        finally:
            self.active[chat_id] -= 1


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(tmp_path / "outbox.db")
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()


async def add_rows(
    db: Database,
    rows: list[tuple[str, str]],
    now: datetime,
    *,
    kind: str = "notice",
    not_before: datetime | None = None,
    member_id: int | None = None,
    document: tuple[str, str, bytes] | None = None,
) -> list[int]:
    name, mime, data = document if document is not None else (None, None, None)
    async with db.transaction() as conn:
        return [
            await outbox.add_outbox(
                conn,
                transport="telegram",
                chat_id=chat,
                text=text,
                now=now,
                kind=kind,
                not_before=not_before,
                member_id=member_id,
                document_name=name,
                document_mime=mime,
                document=data,
            )
            for chat, text in rows
        ]


async def test_a_row_is_never_in_two_deliveries_at_once(db: Database) -> None:
    transport = StubTransport()
    transport.gate = asyncio.Event()
    clock = FrozenClock(START)
    worker = OutboxWorker(db, {"telegram": transport}, {}, clock)
    await add_rows(db, [("1", "a1"), ("1", "a2"), ("1", "a3"), ("2", "b1")], START)

    # The first pass's deliveries hang; later passes must not pick up the same rows or the
    # same chat's next row.
    assert await worker.dispatch() == 2
    assert await worker.dispatch() == 0
    drains = [asyncio.create_task(worker.drain_once()) for _ in range(3)]
    await asyncio.sleep(0.05)
    assert worker.in_flight == 2 and transport.sent == []
    transport.gate.set()
    await asyncio.gather(*drains)
    while await worker.drain_once():
        pass
    assert transport.sent == [("1", "a1"), ("2", "b1"), ("1", "a2"), ("1", "a3")]
    assert transport.max_active_per_chat == 1
    assert await scalar(db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0


async def test_stop_ends_the_worker_when_a_wake_lands_with_it(db: Database) -> None:
    """A wake and stop()'s cancel in the same loop iteration (a report queued its file as the
    bot stopped): the worker must end, not take the cancel for a wake and go round again,
    which on Python 3.11's wait_for kept it waiting forever and stop() with it."""
    worker = OutboxWorker(db, {"telegram": StubTransport()}, {}, FrozenClock(START))
    passes_after_stop = 0
    idle = asyncio.Event()
    original = worker.dispatch

    async def dispatch() -> int:
        nonlocal passes_after_stop
        if stopping:
            passes_after_stop += 1
        try:
            return await original()
        finally:
            idle.set()

    worker.dispatch = dispatch  # type: ignore[method-assign]
    stopping = False
    await worker.start()
    await idle.wait()
    for _ in range(5):
        await asyncio.sleep(0)  # into its wait for the next wake
    worker.wake()
    stopping = True
    async with asyncio.timeout(5):
        await worker.stop()
    assert passes_after_stop == 0


async def test_a_retry_holds_back_the_rows_behind_it_in_the_same_chat(db: Database) -> None:
    transport = StubTransport()
    transport.failures = [DeliveryError("Internal Server Error")]
    clock = FrozenClock(START)
    worker = OutboxWorker(db, {"telegram": transport}, {}, clock)
    ids = await add_rows(db, [("1", "first"), ("1", "second"), ("2", "other")], START)

    await worker.drain_once()
    assert transport.sent == [("2", "other")]
    row = await get_row(db, ids[0])
    assert row.attempts == 1 and row.not_before > START and row.last_error
    # The first row waits for its backoff; the second, though due, must wait behind it.
    assert await worker.drain_once() == 0
    clock.advance(seconds=2)
    while await worker.drain_once():
        pass
    assert transport.sent == [("2", "other"), ("1", "first"), ("1", "second")]


async def test_backoff_grows_and_after_max_attempts_the_row_fails(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_module, "MAX_ATTEMPTS", 4)
    transport = StubTransport()
    transport.failures = [DeliveryError("Bad Gateway") for _ in range(10)]
    clock = FrozenClock(START)
    worker = OutboxWorker(db, {"telegram": transport}, {}, clock)
    [row_id] = await add_rows(db, [("1", "doomed")], START)
    delays = []
    for _ in range(4):
        assert await worker.drain_once() == 1
        row = await get_row(db, row_id)
        delays.append((row.not_before - clock.now).total_seconds())
        clock.advance(seconds=60)
    row = await get_row(db, row_id)
    assert row.failed_at is not None and row.attempts == 4
    assert await worker.drain_once() == 0
    # 0.5 s, 1 s, 2 s, each within the +-25 % jitter.
    for delay, base in zip(delays[:3], (0.5, 1.0, 2.0), strict=True):
        assert 0.75 * base <= delay <= 1.25 * base


async def test_retry_after_is_honoured_for_the_row(db: Database) -> None:
    transport = StubTransport()
    transport.failures = [DeliveryError("Too Many Requests", retry_after=7)]
    clock = FrozenClock(START)
    pacer = Pacer(30, 1.0)
    worker = OutboxWorker(db, {"telegram": transport}, {"telegram": pacer}, clock)
    [row_id] = await add_rows(db, [("1", "later")], START)
    before = time.monotonic()
    await worker.drain_once()
    row = await get_row(db, row_id)
    assert row.not_before == START + timedelta(seconds=7)
    # The whole transport is paused, not only this row.
    assert pacer.paused_until >= before + 7


async def test_replies_of_a_previous_process_become_due_but_not_our_own(db: Database) -> None:
    clock = FrozenClock(START)
    grace = START + timedelta(minutes=1)
    [old] = await add_rows(db, [("1", "before restart")], START, kind="reply", not_before=grace)
    clock.advance(seconds=5)
    worker = OutboxWorker(db, {"telegram": StubTransport()}, {}, clock)
    clock.advance(seconds=5)
    # Written by this process's engine: its transport is delivering it right now.
    [new] = await add_rows(db, [("2", "after start")], clock.now, kind="reply", not_before=grace)
    await worker.start()
    try:
        assert (await get_row(db, old)).not_before == clock.now
        assert (await get_row(db, new)).not_before == grace
    finally:
        await worker.stop()


async def get_row(db: Database, row_id: int) -> OutboxMessage:
    async with db.read() as conn:
        row = await outbox.get_outbox(conn, row_id)
    assert row is not None
    return row


# ---------------------------------------------------------------------- pacer


async def test_pacer_pause_holds_every_chat() -> None:
    pacer = Pacer(30, 1.0)
    pacer.pause(0.3)
    start = time.monotonic()
    async with pacer.slot("1"):
        pass
    async with pacer.slot("2"):
        pass
    assert time.monotonic() - start >= 0.3


async def test_pacer_spaces_one_chat_from_the_previous_answer() -> None:
    pacer = Pacer(30, 0.2, chat_margin=0.0)
    marks: list[tuple[float, float]] = []

    async def send() -> None:
        async with pacer.slot("1"):
            begin = time.monotonic()
            await asyncio.sleep(0.05)  # the request takes a while to be answered
            marks.append((begin, time.monotonic()))

    await asyncio.gather(*(send() for _ in range(3)))
    for (_, end), (begin, _) in itertools.pairwise(marks):
        assert begin - end >= 0.2 - 0.005


async def test_pacer_never_lets_more_than_its_places_into_one_second() -> None:
    # 10/s published, so 9 places; requests answered after a random short delay.
    pacer = Pacer(10, 1.0)
    starts: list[float] = []

    async def send(chat: int) -> None:
        async with pacer.slot(str(chat)):
            starts.append(time.monotonic())
            await asyncio.sleep(0.01 * (chat % 5))

    await asyncio.gather(*(send(i) for i in range(25)))
    for first in starts:
        assert sum(1 for s in starts if first <= s < first + 1.0) <= 9


# ---------------------------------------------------------------------- the real bot, fake API


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def start_app(fake: FakeBotApi, db_path: Path) -> App:
    app = await build_app(make_settings(fake, db_path))
    await app.start()
    return app


async def wait_until_drained(app: App, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        pending = await scalar(
            app.db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{pending} outbox rows still pending after {timeout}s")
        await asyncio.sleep(0.2)


def rows_for(chats: int, multi_chats: int, per_multi: int) -> list[tuple[str, str]]:
    rows = [(str(10_000 + c), f"notice for chat {10_000 + c}") for c in range(chats)]
    for c in range(multi_chats):
        rows += [(str(20_000 + c), f"notice {k} of {per_multi}") for k in range(per_multi)]
    return rows


async def test_1000_notifications_through_30_percent_faults_exactly_once(
    fake: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # About one row in a thousand fails six times in a row, and its backoff alone would then
    # add half a minute; the growth itself is tested above, here a cap keeps the run short.
    monkeypatch.setattr(outbox_module, "MAX_BACKOFF_SECONDS", 4.0)
    app = await start_app(fake, tmp_path / "bot.db")
    try:
        transport = app.transports["telegram"]
        assert isinstance(transport, TelegramTransport)
        # A short read timeout, and the fake holds "timeout" answers a little longer, so a
        # timed-out send costs a second instead of PTB's default five.
        transport.send_timeout = 1.0
        # Every 429 below pauses the whole transport for its retry_after (1 s). At Telegram's
        # pace (~29/s) one send in ten being a 429 would mean a pause every ~10 sends and a
        # three-minute test; this pacer lets each round after a pause go out at once, so the
        # 429s of a round overlap. Pacing itself is tested against enforced limits below.
        app.worker.pacers = {"telegram": Pacer(1000, 0.0, burst=1000)}
        # Timed-out sends hold their place for a second; more places keep the rounds full.
        app.worker.max_in_flight = 128
        fake.set_faults(0.3, kinds=("429", "500", "timeout"), retry_after=1, timeout_seconds=1.5)
        # 900 chats with one notice, 20 chats with five each (their order is checked).
        rows = rows_for(900, 20, 5)
        await add_rows(app.db, rows, app.ctx.clock())
        app.worker.wake()
        started = time.monotonic()
        await wait_until_drained(app, timeout=150)
        elapsed = time.monotonic() - started
    finally:
        await app.stop()

    delivered = Counter(
        (str(c.params["chat_id"]), str(c.params["text"])) for c in fake.calls("sendMessage")
    )
    expected = Counter(rows)
    lost = expected - delivered
    twice = {k: n for k, n in delivered.items() if n > 1}
    extra = delivered - expected
    faults = Counter(c.fault for c in fake.faulted)
    summary = (
        f"{len(rows)} rows; sendMessage accepted by the fake {sum(delivered.values())}; "
        f"refused {dict(faults)}; drained in {elapsed:.1f}s"
    )
    assert not lost, f"lost {len(lost)}: {list(lost)[:5]}; {summary}"
    assert not twice, f"delivered more than once: {list(twice.items())[:5]}; {summary}"
    assert not extra, f"unexpected messages: {list(extra)[:5]}; {summary}"
    for kind in ("429", "500", "timeout"):
        assert faults[kind] > 0, summary
    for c in range(20):
        chat = 20_000 + c
        assert fake.sent_texts(chat) == [f"notice {k} of 5" for k in range(5)], chat
    print(summary)


async def test_rows_drain_under_enforced_flood_limits_without_a_429(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    fake.enforce_rate_limits()
    app = await start_app(fake, tmp_path / "bot.db")
    try:
        # 90 chats with one notice each and one chat with four: the production pacer.
        rows = rows_for(90, 1, 4)
        await add_rows(app.db, rows, app.ctx.clock())
        app.worker.wake()
        await wait_until_drained(app, timeout=30)
    finally:
        await app.stop()
    calls = fake.calls("sendMessage")
    assert fake.rate_limit_violations == 0, fake.stats()
    assert Counter((str(c.params["chat_id"]), str(c.params["text"])) for c in calls) == Counter(
        rows
    )
    busy = [c.at for c in calls if c.chat_id == 20_000]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(busy)), busy
    # The single chats go first (oldest rows first) at the overall pace: 29/s with headroom.
    single = [c.at for c in calls if c.chat_id != 20_000]
    rate = (len(single) - 1) / (single[-1] - single[0])
    assert 26 <= rate <= 30, rate


async def test_blocked_member_is_marked_unreachable_and_not_retried(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    app = await build_app(make_settings(fake, tmp_path / "bot.db"))
    now = app.ctx.clock()
    ids: dict[str, int] = {}
    async with app.db.transaction() as conn:
        for user in ("501", "502", "503"):
            member = await members.add_member(
                conn,
                identity=Identity(transport="telegram", user_id=user),
                chat_id=user,
                org_id=None,
                roles=frozenset({Role.REQUESTER}),
                language="uk",
                display_name=None,
                now=now,
            )
            ids[user] = member.id
    await add_rows(app.db, [("501", "one"), ("501", "two")], now, member_id=ids["501"])
    await add_rows(app.db, [("502", "hello")], now, member_id=ids["502"])
    await add_rows(app.db, [("503", "gone")], now, member_id=ids["503"])
    # A team room that removed the bot: the row fails, its subscriber stays reachable.
    await add_rows(app.db, [("-100777", "digest")], now, member_id=ids["502"])
    fake.block_chat(501)
    fake.block_chat(-100777)
    fake.mark_chat_not_found(503)
    await app.start()
    try:
        await wait_until_drained(app, timeout=10)
        await asyncio.sleep(0.3)  # a wrongful retry would show up now
        failed = await failed_rows(app)
        unreachable = await unreachable_members(app)
    finally:
        await app.stop()
    assert [str(c.params["text"]) for c in fake.calls("sendMessage")] == ["hello"]
    refused = Counter(str(c.params["chat_id"]) for c in fake.faulted)
    assert refused == {"501": 2, "503": 1, "-100777": 1}, refused
    assert failed == {"one": 1, "two": 1, "gone": 1, "digest": 1}
    assert unreachable == {ids["501"], ids["503"]}


async def failed_rows(app: App) -> dict[str, int]:
    async with app.db.read() as conn:
        rows = await conn.execute_fetchall(
            "SELECT text, attempts FROM outbox WHERE failed_at IS NOT NULL"
        )
    return {str(r[0]): int(r[1]) for r in rows}


async def unreachable_members(app: App) -> set[int]:
    async with app.db.read() as conn:
        rows = await conn.execute_fetchall(
            "SELECT id FROM members WHERE unreachable_at IS NOT NULL"
        )
    return {int(r[0]) for r in rows}


async def test_multi_message_rows_keep_the_per_chat_limit_and_go_once(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    fake.enforce_rate_limits()
    app = await start_app(fake, tmp_path / "bot.db")
    long_text = "\n".join(f"line {i} " + "x" * 90 for i in range(60))  # two parts
    try:
        now = app.ctx.clock()
        await add_rows(app.db, [("601", long_text)], now)
        await add_rows(
            app.db,
            [("602", "the export")],
            now,
            document=("export.csv", "text/csv", b"a;b\n1;2\n"),
        )
        app.worker.wake()
        await wait_until_drained(app, timeout=15)
    finally:
        await app.stop()
    assert fake.rate_limit_violations == 0, fake.stats()
    assert len(fake.calls("sendMessage", chat_id=601)) == 2
    assert "".join(fake.sent_texts(601)).replace("\n", "") == long_text.replace("\n", "")
    assert [c.method for c in fake.calls(chat_id=602)] == ["sendDocument", "sendMessage"]
