"""Digest schedules with APScheduler, and the catch-up after downtime.

APScheduler decides *when* to wake up; what a digest covers and whether it was already sent is
decided by handlers/coordination/digest_jobs.py against SQLite. That keeps the traps in
shared/FIELD-NOTES.md harmless: the memory job store forgets missed runs (so start-up catches
up from each subscription's own last window), and the autumn DST night fires a 02:30 job twice
(both firings share one wall-clock run key, so the second finds the run recorded).

Several replicas (issue 16): every replica keeps its own APScheduler with its jobs in memory,
built from the subscriptions table (APScheduler's job stores must not be shared between
processes), but a job does its work only in the replica holding the scheduler's lease
(bot/replicas.py). A replica that takes the lease over catches up what its holder missed;
the digest's run key stays the second guard, so a digest raced by two holders (one paused
past its lease) is still queued once. Subscriptions changed through another replica are read
again every ``resync`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.replicas import AlwaysHeld, SchedulerLease
from handlers.coordination.digest_jobs import run_digest
from handlers.core.context import HandlerContext
from handlers.core.events import ChatRef
from handlers.core.room_policy import recheck_room
from handlers.offers.service import clear_closed_offer_notes, expire_offers
from handlers.people.privacy import apply_retention
from handlers.requests.reconfirm import ask_reconfirm
from storage import leases, send_slots, subscriptions
from storage.models import Subscription, SubscriptionKind

log = logging.getLogger(__name__)

MAX_STEPS = 10_000
EPSILON = timedelta(microseconds=1)
# A catch-up that failed (a digest that could not be built) is tried again this much later;
# start-up goes on, since a failure that repeats on every start would otherwise keep the bot
# down for good (issue 17: a chart that failed at 1,000,000 requests did exactly that).
CATCH_UP_RETRY = timedelta(minutes=5)
CATCH_UP_JOB = "catch-up"


class FortnightlyTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 is untyped
    """A weekly cron time, on every second week counted from ``start`` (a local date).

    The weekly ``CronTrigger`` does the wall-clock work, DST included (the spring 02:30 runs at
    03:30, the autumn one twice: the digest's run key makes that once); this only skips the
    weeks off. Which week is on is decided by the local *date* of a firing, so a firing moved
    by DST stays in its week. APScheduler's CalendarIntervalTrigger would do two weeks too, but
    it drops a time the spring night skips instead of moving it, unlike daily and weekly ones.
    """

    __slots__ = ("_start", "_tz", "_weekly")

    def __init__(self, weekly: CronTrigger, start: date, tz: ZoneInfo) -> None:
        self._weekly = weekly
        self._start = start
        self._tz = tz

    def is_on(self, moment: datetime) -> bool:
        day = moment.astimezone(self._tz).date()
        return day >= self._start and (day - self._start).days // 7 % 2 == 0

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        found: datetime | None = self._weekly.get_next_fire_time(previous_fire_time, now)
        # Past a week off (or a week before the start date) to the next week on.
        for _ in range(MAX_STEPS):
            if found is None or self.is_on(found):
                return found
            cursor = found.astimezone(UTC) + EPSILON
            nxt = self._weekly.get_next_fire_time(None, cursor)
            # The same answer again for a cursor just past it (the autumn night): step on.
            while nxt is not None and nxt.astimezone(UTC) < cursor:
                cursor += timedelta(minutes=1)
                nxt = self._weekly.get_next_fire_time(None, cursor)
            found = nxt
        return None

    def __str__(self) -> str:
        return f"fortnightly[{self._weekly}, from {self._start.isoformat()}]"


def trigger_for(sub: Subscription) -> BaseTrigger:
    assert sub.cron is not None
    tz = ZoneInfo(sub.timezone)
    weekly = CronTrigger.from_crontab(sub.cron, timezone=tz)
    if sub.kind is SubscriptionKind.FORTNIGHTLY:
        start = sub.start_date or sub.created_at.astimezone(tz).date()
        return FortnightlyTrigger(weekly, start, tz)
    return weekly


def latest_fire_time(trigger: BaseTrigger, after: datetime, now: datetime) -> datetime | None:
    """The last scheduled time in (after, now], or None when there is none.

    APScheduler 3 can answer the same fire time again for a cursor just past it (seen on the
    autumn DST night), so the cursor only ever moves forward.
    """
    latest: datetime | None = None
    # Work in UTC: an ambiguous local time (02:30 on the autumn night) compares unequal to
    # everything in another zone (PEP 495), so local times must not be compared directly.
    cursor = after.astimezone(UTC) + EPSILON
    now = now.astimezone(UTC)
    for _ in range(MAX_STEPS):
        found = trigger.get_next_fire_time(None, cursor)
        if found is None:
            break
        nxt = found.astimezone(UTC)
        if nxt > now:
            break
        if nxt < cursor:
            cursor += timedelta(minutes=1)
            continue
        latest = nxt
        cursor = nxt + EPSILON
    return latest


class DigestScheduler:
    def __init__(
        self,
        ctx: HandlerContext,
        *,
        on_queued: Callable[[], None],
        clock: Callable[[], datetime],
        lease: SchedulerLease | None = None,
        resync: timedelta | None = None,
    ) -> None:
        self._ctx = ctx
        self._lease: SchedulerLease = lease or AlwaysHeld()
        self._resync = resync
        # What each subscription's job was built from: sync() leaves an unchanged job alone
        # (re-adding it would compute its next run from now, and could skip a firing due now).
        self._built: dict[str, tuple[object, ...]] = {}
        self._on_queued = on_queued
        self._clock = clock
        self._scheduler = AsyncIOScheduler(timezone=ctx.policy.timezone)
        self._sync_task: asyncio.Task[None] | None = None
        self._retention_day: date | None = None
        # Told (seconds late, whether a digest was queued) at each scheduled firing.
        self.on_fired: Callable[[float, bool], None] | None = None

    async def start(self) -> None:
        await self.catch_up()
        await self.sync()
        if self._resync is not None:
            self._scheduler.add_job(
                self.sync,
                "interval",
                seconds=self._resync.total_seconds(),
                id="resync",
                replace_existing=True,
            )
        # Hourly: cheap when there is nothing to do, and a restart never skips a day.
        self._scheduler.add_job(
            self.housekeeping,
            "interval",
            hours=1,
            id="housekeeping",
            replace_existing=True,
            next_run_time=self._clock() + timedelta(minutes=1),
        )
        self._scheduler.start()

    async def housekeeping(self) -> int:
        if not self._lease.held:
            return 0
        asked = await ask_reconfirm(self._ctx)
        if asked:
            log.info("asked requesters to re-confirm %d quiet requests", asked)
            self._on_queued()
        reminded, expired = await expire_offers(self._ctx)
        if reminded or expired:
            log.info("offers: %d reminded, %d expired", reminded, expired)
            self._on_queued()
        await self.retention()
        await self._replica_rows()
        return asked

    async def _replica_rows(self) -> None:
        """Rows several replicas leave behind: leases of chats whose holder died, the shared
        pace of chats quiet for an hour. Nothing to do for one process (none are written)."""
        now = self._clock()
        async with self._ctx.db.transaction() as conn:
            await leases.delete_expired_leases(conn, now)
            await send_slots.forget_idle_chats(conn, now.timestamp() - 3600)

    async def retention(self) -> int:
        """Once a day (the first hourly run of each day, and after every start)."""
        today = self._clock().astimezone(self._ctx.policy.timezone).date()
        if self._retention_day == today:
            return 0
        cleared = await apply_retention(self._ctx)
        offers_cleared = await clear_closed_offer_notes(self._ctx)
        if offers_cleared:
            log.info("retention: cleared the notes of %d closed offers", offers_cleared)
        self._retention_day = today
        if cleared:
            log.info("retention: cleared the notes of %d closed requests", cleared)
        return cleared

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._sync_task is not None:
            await asyncio.gather(self._sync_task, return_exceptions=True)

    def request_sync(self) -> None:
        """Subscriptions changed in chat: reload the jobs soon (called after the commit)."""
        self._sync_task = asyncio.create_task(self.sync())

    async def _digest_subscriptions(self) -> list[Subscription]:
        async with self._ctx.db.read() as conn:
            subs = await subscriptions.list_subscriptions(conn)
        return [s for s in subs if s.kind is not SubscriptionKind.CRITICAL and s.cron]

    async def sync(self) -> None:
        subs = await self._digest_subscriptions()
        wanted = {f"sub-{s.id}": s for s in subs}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("sub-") and job.id not in wanted:
                job.remove()
                self._built.pop(job.id, None)
        for job_id, sub in wanted.items():
            built = (sub.cron, sub.timezone, sub.kind, sub.start_date, sub.created_at)
            if self._built.get(job_id) == built and self._scheduler.get_job(job_id) is not None:
                continue
            self._built[job_id] = built
            self._scheduler.add_job(
                self.fire,
                trigger_for(sub),
                args=[sub.id],
                id=job_id,
                replace_existing=True,
                coalesce=True,
                misfire_grace_time=3600,
            )

    async def catch_up(self) -> int:
        """At start: one digest per subscription whose scheduled time passed while down.

        A subscription whose digest fails is logged and left for a retry in
        ``CATCH_UP_RETRY`` (``retry_pending``); the others are caught up, and this never
        raises for a digest, so start-up goes on.
        """
        if not self._lease.held:
            return 0  # the lease's holder catches up; this replica when it takes the lease
        sent = 0
        failed: list[int] = []
        now = self._clock()
        for sub in await self._digest_subscriptions():
            try:
                latest = latest_fire_time(
                    trigger_for(sub), sub.last_window_end or sub.created_at, now
                )
                if latest is None or not await self._room_open(sub):
                    continue
                if await run_digest(self._ctx, sub.id, latest):
                    log.info("caught up digest for subscription %d (%s)", sub.id, latest)
                    sent += 1
            except Exception:
                # Nothing was recorded (run_digest records in one transaction at the end), so
                # the retry, or the next scheduled run, covers the same window.
                log.exception(
                    "catching up the digest of subscription %d failed; retried in %s",
                    sub.id,
                    CATCH_UP_RETRY,
                )
                failed.append(sub.id)
        if sent:
            self._on_queued()
        if failed:
            self._scheduler.add_job(
                self._retry_catch_up,
                "date",
                # APScheduler runs on the wall clock, whatever clock the digests are told.
                run_date=datetime.now(UTC) + CATCH_UP_RETRY,
                id=CATCH_UP_JOB,
                replace_existing=True,
            )
        return sent

    @property
    def retry_pending(self) -> bool:
        """Whether a failed catch-up is waiting for its retry."""
        return self._scheduler.get_job(CATCH_UP_JOB) is not None

    async def _retry_catch_up(self) -> None:
        await self.catch_up()

    async def _room_open(self, sub: Subscription) -> bool:
        """Whether the subscription's room may get its digest now: asked afresh of the room
        policy (who is in it), which holds the room and tells it why when someone in it is
        not a coordinator. A held digest is not recorded, so the next one covers its window."""
        chat = ChatRef(transport=sub.transport, chat_id=sub.chat_id)
        open_now = await recheck_room(self._ctx, chat)
        # The hold's notice (or its release's) is a row to deliver now.
        self._on_queued()
        return open_now

    async def fire(self, sub_id: int) -> bool:
        """A scheduled time arrived: cover the window up to the latest scheduled time."""
        if not self._lease.held:
            return False
        async with self._ctx.db.read() as conn:
            sub = await subscriptions.get_subscription(conn, sub_id)
        if sub is None or not sub.active or not sub.cron:
            return False
        now = self._clock()
        after = sub.last_window_end or sub.created_at
        latest = latest_fire_time(trigger_for(sub), after, now)
        if latest is None or not await self._room_open(sub):
            return False
        queued = await run_digest(self._ctx, sub.id, latest)
        if self.on_fired is not None:
            self.on_fired((now - latest).total_seconds(), queued)
        if queued:
            self._on_queued()
        return queued
