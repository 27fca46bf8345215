"""Digest scheduling with a frozen clock: DST nights, catch-up after downtime, exactly once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.file_renderers import FileRenderers
from bot.outbox import OutboxWorker
from bot.scheduler import DigestScheduler, latest_fire_time
from handlers.coordination.digest_jobs import run_digest
from handlers.core.events import Reply
from storage.models import Identity, Role
from tests.engine_harness import EngineHarness, find_payload

BERLIN = ZoneInfo("Europe/Berlin")
NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")


def berlin(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


async def digest_rows(h: EngineHarness) -> list[tuple[object, ...]]:
    return await h.rows("SELECT chat_id, text FROM outbox WHERE kind = 'digest' ORDER BY id")


async def subscribe(h: EngineHarness, text: str) -> int:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Staatskanzlei NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    replies = await h.send(COORD, text)
    assert "✅" in replies[0].text, replies[0].text
    rows = await h.rows("SELECT id FROM subscriptions WHERE kind != 'critical'")
    return int(rows[-1][0])


def test_latest_fire_time_on_the_autumn_night() -> None:
    trigger = CronTrigger.from_crontab("30 2 * * *", timezone=BERLIN)
    after = berlin(2026, 10, 24, 3, 0)
    first = latest_fire_time(trigger, after, datetime(2026, 10, 25, 0, 40, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert first is not None
    second = latest_fire_time(trigger, first, datetime(2026, 10, 25, 1, 40, tzinfo=UTC))
    assert second == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later
    assert latest_fire_time(trigger, second, datetime(2026, 10, 25, 12, 0, tzinfo=UTC)) is None


async def test_autumn_dst_double_firing_gives_one_digest(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 10, 24, 12, 0)
    sub_id = await subscribe(h, "/subscribe daily 02:30")
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    h.clock.now = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert await scheduler.fire(sub_id)
    h.clock.now = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET: APScheduler fires again
    assert not await scheduler.fire(sub_id)
    assert await h.count("digest_runs") == 1
    assert len({r[1] for r in await digest_rows(h)}) >= 1
    h.clock.now = datetime(2026, 10, 26, 1, 30, tzinfo=UTC)  # the next day, 02:30 CET
    assert await scheduler.fire(sub_id)
    assert await h.count("digest_runs") == 2


async def test_spring_dst_night_gives_one_digest(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 3, 28, 12, 0)
    sub_id = await subscribe(h, "/subscribe daily 02:30")
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    # 02:30 does not exist on 29 March 2026; the job runs at 03:30 CEST instead.
    h.clock.now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert await scheduler.fire(sub_id)
    assert not await scheduler.fire(sub_id)
    assert await h.count("digest_runs") == 1


async def test_catch_up_after_downtime_sends_exactly_one(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)
    await subscribe(h, "/subscribe daily 08:00")
    replies = await h.send(NURSE, "/need 2 генератор !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    # Down from Tuesday 09:00 until Friday 10:00: three 08:00 digests were missed.
    h.clock.now = berlin(2026, 11, 27, 10, 0)
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    assert await scheduler.catch_up() == 1
    assert await scheduler.catch_up() == 0
    runs = await h.rows("SELECT window_start, window_end FROM digest_runs")
    assert len(runs) == 1 and runs[0][1] == "2026-11-27T08:00"
    texts = [str(r[1]) for r in await digest_rows(h)]
    assert texts and "R-1001" in "".join(texts)
    assert all(r[0] == "301" for r in await digest_rows(h))


async def test_same_window_is_never_sent_twice(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)
    sub_id = await subscribe(h, "/subscribe weekly mon 08:00 critical")
    end = berlin(2026, 11, 30, 8, 0)
    h.clock.now = berlin(2026, 11, 30, 8, 0, 1)
    assert await run_digest(h.engine.ctx, sub_id, end)
    before = await h.count("outbox")
    assert not await run_digest(h.engine.ctx, sub_id, end)
    assert await h.count("outbox") == before


async def test_subscription_commands(harness: EngineHarness) -> None:
    h = harness
    await subscribe(h, "/subscribe weekly mo 07:30 power")
    replies = await h.send(COORD, "/subscriptions")
    text = replies[0].text
    assert "kritische Anfragen sofort" in text  # coordinators get critical alerts on joining
    assert "07:30" in text and "power" in text
    replies = await h.send(COORD, "/subscribe daily 25:00")
    assert "Verwendung" in replies[0].text
    replies = await h.send(COORD, "/subscribe daily 08:00 Atlantis")
    assert "Atlantis" in replies[0].text
    sub_id = (await h.rows("SELECT MAX(id) FROM subscriptions"))[0][0]
    replies = await h.send(NURSE, f"/unsubscribe {sub_id}")
    assert "недоступна" in replies[0].text
    replies = await h.send(COORD, f"/unsubscribe {sub_id}")
    assert "beendet" in replies[0].text
    replies = await h.report(COORD, "/digest")
    assert replies and replies[0].text


async def test_critical_alert_follows_subscription_filters(harness: EngineHarness) -> None:
    h = harness
    await subscribe(h, "/subscribe daily 08:00")
    other = Identity(transport="telegram", user_id="302")
    ngo = await h.add_org(name="THW", address=None)
    await h.join(other, ngo.id, role=Role.COORDINATOR, lang="en")
    own = await h.rows(
        "SELECT s.id FROM subscriptions s JOIN members m ON m.id = s.member_id"
        " WHERE m.user_id = '302'"
    )
    replies = await h.send(other, f"/unsubscribe {own[0][0]}")
    assert "ended" in replies[0].text
    await h.send(other, "/subscribe critical water_sanitation")
    replies = await h.send(NURSE, "/need 2 генератор !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    alerts = await h.rows("SELECT chat_id, text FROM outbox WHERE kind = 'alert'")
    assert [a[0] for a in alerts] == ["301"]
    assert "Kritische Anfrage R-1001" in alerts[0][1]
    replies = await h.send(NURSE, "/need 1 водоочисна установка !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    alerts = await h.rows("SELECT chat_id FROM outbox WHERE kind = 'alert' ORDER BY id")
    assert [a[0] for a in alerts] == ["301", "301", "302"]


async def test_weekly_digest_carries_the_chart(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)
    sub_id = await subscribe(h, "/subscribe weekly mon 08:00")
    replies = await h.send(NURSE, "/need 2 генератор; 40 уп бинти !high")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    h.clock.now = berlin(2026, 11, 30, 8, 0, 5)
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    assert await scheduler.fire(sub_id)
    rows = await h.rows(
        "SELECT document_mime, length(document) FROM outbox"
        " WHERE kind = 'digest' AND document IS NOT NULL"
    )
    assert len(rows) == 1 and rows[0][0] == "image/png" and int(str(rows[0][1])) > 1000


class RecordingTransport:
    """Stands in for a platform that accepts everything: what matters here is the count."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        self.sent.append((chat_id, reply.text))


async def test_crash_between_building_and_sending(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)
    sub_id = await subscribe(h, "/subscribe daily 08:00")
    h.clock.now = berlin(2026, 11, 25, 8, 0, 3)
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    assert await scheduler.fire(sub_id)
    parts = await digest_rows(h)
    # The process dies here: the digest is committed but nothing was sent. On restart the
    # catch-up finds the window recorded, and the outbox delivers what was committed.
    restarted = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    assert await restarted.catch_up() == 0
    platform = RecordingTransport()
    worker = OutboxWorker(h.db, {"telegram": platform}, {}, h.clock)
    await worker.drain_once()
    await worker.drain_once()
    texts = [text for chat, text in platform.sent if chat == "301"]
    assert parts
    for _, part in parts:
        assert texts.count(str(part)) == 1  # delivered, and delivered once
    assert await h.count("digest_runs") == 1
    pending = await h.rows("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
    assert pending == [(0,)]


class ChartFails(FileRenderers):
    """The weekly chart cannot be drawn (as the chart failed at 1,000,000 requests once)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = True

    def weekly_chart(self, *args: Any, **kwargs: Any) -> bytes:
        if self.fail:
            raise sqlite3.OperationalError("too many SQL variables")
        return super().weekly_chart(*args, **kwargs)


async def test_a_failing_catch_up_never_stops_start_up_and_is_retried(tmp_path: Path) -> None:
    renderers = ChartFails()
    h = await EngineHarness.create(
        tmp_path / "bot.db", start=berlin(2026, 11, 20, 9, 0), renderers=renderers
    )
    try:
        daily = await subscribe(h, "/subscribe daily 08:00")
        weekly_reply = await h.send(COORD, "/subscribe weekly mon 08:00")
        assert "✅" in weekly_reply[0].text, weekly_reply[0].text
        # Down over the weekend and Monday morning: the weekly digest (with its chart) and
        # the daily one were missed.
        h.clock.now = berlin(2026, 11, 24, 10, 0)
        scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
        await scheduler.start()  # does not raise
        try:
            runs = await h.rows("SELECT subscription_id FROM digest_runs")
            assert [r[0] for r in runs] == [daily]  # the daily one went; the weekly is pending
            assert scheduler.retry_pending
            # The retry, once the chart can be drawn again, sends the weekly digest once.
            renderers.fail = False
            await scheduler._retry_catch_up()
            assert await h.count("digest_runs") == 2
            assert await scheduler.catch_up() == 0
        finally:
            await scheduler.stop()
    finally:
        await h.close()
