"""Building and recording digests, exactly once per (subscription, scheduled time).

The schedule itself lives in bot/scheduler.py (APScheduler); this module only needs to know
which window to cover. Read, render outside, write briefly:

1. a short read: the subscription, its window, and whether this run is recorded already. A
   duplicate firing (the second 02:30 of the autumn night, a catch-up racing the schedule, a
   second process on the same database) stops here, before any work;
2. in its turn among reports (``ReportSlots``), the digest's data (and the weekly chart's)
   from a snapshot, then its text and PNG in a worker thread (``off_loop``): no lock is held
   and the event loop keeps answering chats;
3. one short transaction claims (subscription, run key), writes every part to the outbox and
   moves the subscription's window on. If another firing claimed the run meanwhile, what was
   rendered is dropped; if the subscription changed meanwhile (another run moved its window,
   /lang, /unsubscribe), the digest is built again from its new state.

A crash before the commit loses nothing (the catch-up at start builds it again) and a crash
after it repeats nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from handlers.coordination.charts import draw_chart, read_chart
from handlers.coordination.digest_text import render_digest
from handlers.coordination.hxl_export import expand_category
from handlers.core import location_policy
from handlers.core.context import HandlerContext, Job
from handlers.core.events import Document, Reply
from handlers.core.offload import off_loop
from handlers.text.i18n import normalise_language
from storage import members, shipments, subscriptions
from storage.charts import ChartData
from storage.db import Conn
from storage.digests import DigestData, load_digest_data
from storage.models import Filters, Subscription, SubscriptionKind

log = logging.getLogger(__name__)

DEFAULT_WINDOW = {
    SubscriptionKind.DAILY: timedelta(days=1),
    SubscriptionKind.WEEKLY: timedelta(days=7),
    SubscriptionKind.FORTNIGHTLY: timedelta(days=14),
    SubscriptionKind.CRITICAL: timedelta(days=1),
}
# Builds of one run before giving up when its subscription keeps changing under it. Nothing is
# lost then: the window stays open and the next firing's digest covers it.
MAX_ATTEMPTS: Final = 3


def run_key(window_end: datetime, tz: ZoneInfo) -> str:
    """The scheduled local wall-clock time: both 02:30 firings of the DST night share it."""
    return window_end.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


async def read_digest(
    ctx: HandlerContext,
    conn: Conn,
    *,
    filters: Filters,
    window_start: datetime,
    window_end: datetime,
) -> DigestData:
    """The digest's data; a category in ``filters`` becomes its catalog keys here, because
    storage knows no catalog and ignores the category itself."""
    data = await load_digest_data(
        conn,
        window_start=window_start,
        window_end=window_end,
        today=window_end.astimezone(ctx.policy.timezone).date(),
        filters=expand_category(filters, ctx.catalog),
    )
    # Issue 14: which of the listed requests have goods on a truck, and since when.
    trucks = await shipments.on_the_way(conn, data.listed_request_ids())
    return data.model_copy(update={"on_the_way": trucks}) if trucks else data


def digest_parts(
    ctx: HandlerContext, data: DigestData, *, language: str, title: str | None = None
) -> list[str]:
    """The digest's messages; a big window's text is CPU work, so call it via ``off_loop``."""
    lang = normalise_language(language, ctx.policy.default_language)
    return render_digest(
        data, lang=lang, t=ctx.t, catalog=ctx.catalog, tz=ctx.policy.timezone, title=title
    )


async def build_parts(
    ctx: HandlerContext,
    *,
    language: str,
    filters: Filters,
    window_start: datetime,
    window_end: datetime,
    title: str | None = None,
) -> list[str]:
    """A digest that is not recorded (/digest): read from a snapshot, formatted off the loop."""
    async with ctx.reports.slot():
        async with ctx.db.snapshot() as conn:
            data = await read_digest(
                ctx, conn, filters=filters, window_start=window_start, window_end=window_end
            )
        return await off_loop(digest_parts, ctx, data, language=language, title=title)


@dataclass(frozen=True)
class _Plan:
    """What a run covers, as read before building it."""

    sub: Subscription
    window_start: datetime
    window_end: datetime
    key: str


@dataclass(frozen=True)
class _Built:
    parts: list[str]
    chart: bytes | None


async def run_digest(ctx: HandlerContext, sub_id: int, window_end: datetime) -> bool:
    """Record and queue the digest ending at ``window_end``; False if it exists already."""
    for _ in range(MAX_ATTEMPTS):
        async with ctx.reports.slot():
            # Checked in its turn among reports, and recorded before the turn passes on: a
            # duplicate that waited behind the firing it duplicates finds the run recorded,
            # and draws nothing.
            async with ctx.db.read() as conn:
                plan = await _plan(conn, sub_id, window_end)
            if plan is None:
                return False
            built = await _build(ctx, plan)
            recorded = await _record(ctx, plan, built)
        if recorded is not None:
            return recorded
    log.warning(
        "digest for subscription %d up to %s: the subscription kept changing while it was"
        " built; the next digest covers its window",
        sub_id,
        window_end,
    )
    return False


async def _plan(conn: Conn, sub_id: int, window_end: datetime) -> _Plan | None:
    """The run to build, or None when there is nothing to build (before any rendering)."""
    sub = await subscriptions.get_subscription(conn, sub_id)
    if sub is None or not sub.active or sub.kind is SubscriptionKind.CRITICAL:
        return None
    if not await may_read_digest(conn, sub):
        return None
    window_start = sub.last_window_end or (window_end - DEFAULT_WINDOW[sub.kind])
    if window_start >= window_end:
        return None  # already covered up to here
    key = run_key(window_end, ZoneInfo(sub.timezone))
    if await subscriptions.has_digest_run(conn, sub_id=sub.id, run_key=key):
        return None  # a duplicate firing (e.g. the second 02:30 of the autumn night)
    return _Plan(sub=sub, window_start=window_start, window_end=window_end, key=key)


async def may_read_digest(conn: Conn, sub: Subscription) -> bool:
    """Whether the subscriber may still read what a digest shows (organisations and their
    raions: handlers/core/location_policy.py, view DIGEST). A role change stops the member's
    subscriptions (handlers/admin/people.py); this asks again at each run, so a subscription
    that outlived its reader's role (a member changed by hand, a forgotten one) sends nothing."""
    reader = await members.get_member(conn, sub.member_id)
    if reader is None or not reader.active or reader.forgotten_at is not None:
        return False
    level = location_policy.detail(reader.roles, location_policy.View.DIGEST)
    return level is not location_policy.Detail.NONE


async def _build(ctx: HandlerContext, plan: _Plan) -> _Built:
    """Read from a snapshot and render in a worker thread: no lock held, the loop free."""
    sub = plan.sub
    async with ctx.db.snapshot() as conn:
        data = await read_digest(
            ctx,
            conn,
            filters=sub.filters,
            window_start=plan.window_start,
            window_end=plan.window_end,
        )
        chart = None
        if sub.kind in (SubscriptionKind.WEEKLY, SubscriptionKind.FORTNIGHTLY):
            # The weekly (and fortnightly) digest carries the 8-week chart of outstanding needs.
            chart = await read_chart(ctx, conn, sub.filters, end=plan.window_end)
    return await off_loop(_render, ctx, sub.language, data, chart)


def _render(
    ctx: HandlerContext, language: str, data: DigestData, chart: ChartData | None
) -> _Built:
    parts = digest_parts(ctx, data, language=language)
    png = None
    if chart is not None:
        lang = normalise_language(language, ctx.policy.default_language)
        png, _ = draw_chart(ctx, chart, lang=lang)
    return _Built(parts=parts, chart=png)


async def _record(ctx: HandlerContext, plan: _Plan, built: _Built) -> bool | None:
    """The one short write: claim the run, queue its parts, move the window on.

    False when another firing claimed the run while this one rendered (its result is
    dropped); None when the subscription changed since the plan was read (build again).
    """
    async with ctx.job("digest") as job:
        conn = job.conn
        if await subscriptions.get_subscription(conn, plan.sub.id) != plan.sub:
            return None
        claimed = await subscriptions.claim_digest_run(
            conn,
            sub_id=plan.sub.id,
            run_key=plan.key,
            window_start=plan.window_start,
            window_end=plan.window_end,
            parts=len(built.parts),
            now=job.now,
        )
        if not claimed:
            return False
        await queue_parts(job, plan.sub, built.parts)
        if built.chart is not None:
            await queue_chart(job, plan.sub, built.chart, plan.window_end)
    return True


async def queue_chart(job: Job, sub: Subscription, png: bytes, window_end: datetime) -> None:
    name = f"aidbridge-{window_end:%Y-%m-%d}.png"
    chart = Document(filename=name, mime_type="image/png", data=png)
    await job.notify(sub.recipient, Reply(document=chart), "digest")


async def queue_parts(job: Job, sub: Subscription, parts: list[str]) -> None:
    for part in parts:
        await job.notify(sub.recipient, Reply(text=part), "digest")
