"""Fortnightly digests: every second week from a start date, across DST, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.scheduler import DigestScheduler, FortnightlyTrigger, latest_fire_time
from storage.models import Identity, Role
from tests.engine_harness import EngineHarness, find_payload

BERLIN = ZoneInfo("Europe/Berlin")
NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")


def berlin(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def subscribe(h: EngineHarness, text: str) -> int:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Staatskanzlei NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    replies = await h.send(COORD, text)
    assert "✅" in replies[0].text, replies[0].text
    rows = await h.rows("SELECT id FROM subscriptions WHERE kind != 'critical'")
    return int(rows[-1][0])


def fire_times(trigger: FortnightlyTrigger, after: datetime, until: datetime) -> list[datetime]:
    found: list[datetime] = []
    cursor = after
    while (nxt := trigger.get_next_fire_time(None, cursor)) is not None and nxt <= until:
        found.append(nxt.astimezone(UTC))
        cursor = nxt + timedelta(microseconds=1)
    # The catch-up's reading agrees: the latest of them.
    assert latest_fire_time(trigger, after, until) == (found[-1] if found else None)
    return found


def test_every_second_week_across_the_spring_change() -> None:
    weekly = CronTrigger.from_crontab("30 2 * * sun", timezone=BERLIN)
    trigger = FortnightlyTrigger(weekly, berlin(2026, 3, 15, 0, 0).date(), BERLIN)
    times = fire_times(trigger, utc(2026, 3, 1, 0, 0), utc(2026, 4, 27, 0, 0))
    assert times == [
        utc(2026, 3, 15, 1, 30),  # 02:30 CET
        utc(2026, 3, 29, 1, 30),  # 02:30 does not exist that night: 03:30 CEST, as daily ones
        utc(2026, 4, 12, 0, 30),  # 02:30 CEST
        utc(2026, 4, 26, 0, 30),
    ]


async def test_autumn_change_and_double_firing_give_one_digest_each(
    harness: EngineHarness,
) -> None:
    h = harness
    h.clock.now = berlin(2026, 10, 10, 12, 0)
    sub_id = await subscribe(h, "/subscribe fortnightly so 02:30 ab 2026-10-11")
    stored = "SELECT kind, weeks_apart, start_date FROM subscriptions WHERE id = ?"
    assert await h.rows(stored, sub_id) == [("weekly", 2, "2026-10-11")]
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    h.clock.now = utc(2026, 10, 11, 0, 30)  # Sunday 02:30 CEST, a week on
    assert await scheduler.fire(sub_id)
    h.clock.now = utc(2026, 10, 18, 0, 30)  # the week off: APScheduler is not asked, but if it
    assert not await scheduler.fire(sub_id)  # fired anyway nothing would be built
    h.clock.now = utc(2026, 10, 25, 0, 30)  # the autumn night: 02:30 CEST ...
    assert await scheduler.fire(sub_id)
    h.clock.now = utc(2026, 10, 25, 1, 30)  # ... and 02:30 CET an hour later: the same run
    assert not await scheduler.fire(sub_id)
    h.clock.now = utc(2026, 11, 8, 1, 30)  # two weeks on, in winter time
    assert await scheduler.fire(sub_id)
    runs = await h.rows("SELECT window_start, window_end FROM digest_runs ORDER BY window_end")
    assert [r[1] for r in runs] == ["2026-10-11T02:30", "2026-10-25T02:30", "2026-11-08T02:30"]
    # Each window starts where the one before ended: nothing twice, nothing lost.
    assert runs[1][0] == "2026-10-11T00:30:00.000000+00:00"
    assert runs[2][0] == "2026-10-25T00:30:00.000000+00:00"
    charts = await h.rows(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND document_mime = 'image/png'"
    )
    assert charts == [(3,)]  # like the weekly digest, each carries the 8-week chart


async def test_catch_up_after_downtime_sends_one_digest_for_the_window(
    harness: EngineHarness,
) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)  # a Tuesday
    sub_id = await subscribe(h, "/subscribe fortnightly mon 08:00")
    # No date given: the first Monday 08:00 to come starts the weeks on.
    assert await h.rows("SELECT start_date FROM subscriptions WHERE id = ?", sub_id) == [
        ("2026-11-30",)
    ]
    replies = await h.send(NURSE, "/need 2 генератор !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    # Down from Tuesday 24 November until Wednesday 6 January: fortnightly Mondays 30 Nov,
    # 14 Dec, 28 Dec passed; the weekly ones in between are weeks off.
    h.clock.now = berlin(2027, 1, 6, 10, 0)
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    assert await scheduler.catch_up() == 1
    assert await scheduler.catch_up() == 0
    runs = await h.rows("SELECT window_start, window_end FROM digest_runs")
    assert len(runs) == 1 and runs[0][1] == "2026-12-28T08:00"
    # The one digest covers the whole window since the subscription began.
    assert str(runs[0][0]).startswith("2026-11-24T08:00")
    texts = "".join(
        str(r[0])
        for r in await h.rows("SELECT text FROM outbox WHERE kind = 'digest' AND document IS NULL")
    )
    assert "R-1001" in texts
    # Back up: the next firing is two weeks after the last one, 11 January 2027.
    h.clock.now = berlin(2027, 1, 4, 8, 0, 5)
    assert not await scheduler.fire(sub_id)
    h.clock.now = berlin(2027, 1, 11, 8, 0, 5)
    assert await scheduler.fire(sub_id)
    assert await h.count("digest_runs") == 2


async def test_fortnightly_subscription_commands(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = berlin(2026, 11, 24, 9, 0)
    await subscribe(h, "/subscribe fortnightly fr 07:30 ab 04.12.2026 power")
    replies = await h.send(COORD, "/subscriptions")
    text = replies[0].text
    assert "alle zwei Wochen (Freitag) um 07:30, ab 04.12.2026" in text, text
    assert "power" in text
    replies = await h.send(COORD, "/subscribe fortnightly fr 07:30 31.02.2027")
    assert "31.02.2027" in replies[0].text and "verstehe" in replies[0].text
    replies = await h.send(COORD, "/subscribe fortnightly fr 07:30 2026-11-01")
    assert "vorbei" in replies[0].text
    replies = await h.send(COORD, "/subscribe fortnightly")
    assert "fortnightly fri 08:00" in replies[0].text
    # A start date that is no Friday: the first Friday after it.
    replies = await h.send(COORD, "/subscribe fortnightly fr 07:30 2026-12-07")
    assert "ab 11.12.2026" in replies[0].text, replies[0].text
