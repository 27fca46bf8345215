"""Building and recording digests, exactly once per (subscription, scheduled time).

The schedule itself lives in bot/scheduler.py (APScheduler); this module only needs to know
which window to cover. One transaction records the run, writes every part of the digest to
the outbox and moves the subscription's window on, so a crash before the commit loses
nothing (the catch-up at start builds it again) and a crash after it repeats nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.coordination.charts import CHART_WEEKS, chart_by_category, chart_labels
from handlers.coordination.digest_text import render_digest
from handlers.coordination.hxl_export import expand_category
from handlers.core.context import HandlerContext, Job
from handlers.core.events import Document, Reply
from handlers.text.i18n import normalise_language
from storage import subscriptions
from storage.charts import outstanding_by_week
from storage.db import Conn
from storage.digests import load_digest_data
from storage.models import Filters, Subscription, SubscriptionKind

DEFAULT_WINDOW = {
    SubscriptionKind.DAILY: timedelta(days=1),
    SubscriptionKind.WEEKLY: timedelta(days=7),
    SubscriptionKind.CRITICAL: timedelta(days=1),
}


def run_key(window_end: datetime, tz: ZoneInfo) -> str:
    """The scheduled local wall-clock time: both 02:30 firings of the DST night share it."""
    return window_end.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


async def build_parts(
    ctx: HandlerContext,
    conn: Conn,
    *,
    language: str,
    filters: Filters,
    window_start: datetime,
    window_end: datetime,
    title: str | None = None,
) -> list[str]:
    tz = ctx.policy.timezone
    data = await load_digest_data(
        conn,
        window_start=window_start,
        window_end=window_end,
        today=window_end.astimezone(tz).date(),
        filters=filters,
    )
    lang = normalise_language(language, ctx.policy.default_language)
    return render_digest(data, lang=lang, t=ctx.t, catalog=ctx.catalog, tz=tz, title=title)


async def run_digest(ctx: HandlerContext, sub_id: int, window_end: datetime) -> bool:
    """Record and queue the digest ending at ``window_end``; False if it exists already."""
    async with ctx.job("digest") as job:
        conn = job.conn
        sub = await subscriptions.get_subscription(conn, sub_id)
        if sub is None or not sub.active or sub.kind is SubscriptionKind.CRITICAL:
            return False
        tz = ZoneInfo(sub.timezone)
        window_start = sub.last_window_end or (window_end - DEFAULT_WINDOW[sub.kind])
        if window_start >= window_end:
            # Already covered up to here (e.g. the second 02:30 of the autumn night).
            return False
        parts = await build_parts(
            ctx,
            conn,
            language=sub.language,
            filters=sub.filters,
            window_start=window_start,
            window_end=window_end,
        )
        claimed = await subscriptions.claim_digest_run(
            conn,
            sub_id=sub.id,
            run_key=run_key(window_end, tz),
            window_start=window_start,
            window_end=window_end,
            parts=len(parts),
            now=ctx.clock(),
        )
        if not claimed:
            return False
        await queue_parts(job, sub, parts)
        if sub.kind is SubscriptionKind.WEEKLY:
            await queue_chart(job, sub, window_end)
    return True


async def queue_chart(job: Job, sub: Subscription, window_end: datetime) -> None:
    """The weekly digest carries the 8-week chart of outstanding needs."""
    ctx, conn = job.ctx, job.conn
    lang = normalise_language(sub.language, ctx.policy.default_language)
    data = await outstanding_by_week(
        conn, weeks=CHART_WEEKS, end=window_end, filters=expand_category(sub.filters, ctx.catalog)
    )
    title = ctx.t(lang, "export.chart.title", weeks=CHART_WEEKS)
    png = ctx.renderers.weekly_chart(
        chart_by_category(data, ctx.catalog, tz=ctx.policy.timezone),
        lang=lang,
        title=title,
        labels=chart_labels(ctx.t, ctx.catalog, lang),
    )
    name = f"aidbridge-{window_end:%Y-%m-%d}.png"
    chart = Document(filename=name, mime_type="image/png", data=png)
    await job.notify(sub.recipient, Reply(document=chart), "digest")


async def queue_parts(job: Job, sub: Subscription, parts: list[str]) -> None:
    for part in parts:
        await job.notify(sub.recipient, Reply(text=part), "digest")
