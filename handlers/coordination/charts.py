"""The weekly chart: storage's per-item history folded into catalog categories, drawn as PNG."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Final

from handlers.coordination.hxl_export import expand_category
from handlers.core.events import Document
from handlers.core.offload import off_loop
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Language, Translator
from storage.charts import ChartCell, ChartData, ChartWeek, outstanding_by_week
from storage.db import Conn
from storage.models import URGENCY_ORDER, Filters, Urgency

if TYPE_CHECKING:
    from handlers.core.context import HandlerContext

CHART_WEEKS: Final = 8
PNG_MIME: Final = "image/png"
OTHER: Final = "other"


def category_of(catalog: Catalog, item_key: str | None) -> str:
    """Free text and items retired from the catalog count as "other"."""
    item = catalog.get(item_key) if item_key is not None else None
    return item.category if item is not None else OTHER


def chart_by_category(data: ChartData, catalog: Catalog, *, tz: tzinfo | None = None) -> ChartData:
    """The same weeks with cell keys replaced by category keys, in catalog order.

    With ``tz`` the week ends are moved into that zone, so labels show local dates.
    """
    order = {c.key: n for n, c in enumerate(catalog.categories())}
    weeks: list[ChartWeek] = []
    for week in data.weeks:
        sums: dict[tuple[str, Urgency], int] = defaultdict(int)
        for cell in week.cells:
            sums[(category_of(catalog, cell.key), cell.urgency)] += cell.outstanding
        ordered = sorted(
            sums.items(), key=lambda kv: (order.get(kv[0][0], len(order)), URGENCY_ORDER[kv[0][1]])
        )
        weeks.append(
            ChartWeek(
                end=week.end.astimezone(tz) if tz is not None else week.end,
                cells=tuple(ChartCell(key=k, urgency=u, outstanding=n) for (k, u), n in ordered),
            )
        )
    return ChartData(weeks=tuple(weeks))


def chart_labels(t: Translator, catalog: Catalog, lang: Language) -> dict[str, str]:
    """The texts the renderer needs; see
    ``handlers.coordination.file_renderers.Renderers.weekly_chart``."""
    labels = {
        "x_axis": t(lang, "export.chart.axis_x"),
        "y_axis": t(lang, "export.chart.axis_y"),
        "legend": t(lang, "export.chart.legend"),
        "empty": t(lang, "export.chart.empty"),
    }
    for urgency in Urgency:
        labels[f"urgency.{urgency.value}"] = t(lang, f"urgency.{urgency.value}")
    for category in catalog.categories():
        labels[f"category.{category.key}"] = category.name(lang)
    return labels


async def read_chart(
    ctx: HandlerContext,
    conn: Conn,
    filters: Filters,
    *,
    end: datetime,
    weeks: int = CHART_WEEKS,
) -> ChartData:
    """The chart's weeks ending at ``end``; read from a ``Database.snapshot()`` connection."""
    return await outstanding_by_week(
        conn, weeks=weeks, end=end, filters=expand_category(filters, ctx.catalog)
    )


def draw_chart(
    ctx: HandlerContext, data: ChartData, *, lang: Language, weeks: int = CHART_WEEKS
) -> tuple[bytes, str]:
    """The PNG and its title. matplotlib takes half a second or more: call it via ``off_loop``."""
    folded = chart_by_category(data, ctx.catalog, tz=ctx.policy.timezone)
    title = ctx.t(lang, "export.chart.title", weeks=weeks)
    png = ctx.renderers.weekly_chart(
        folded, lang=lang, title=title, labels=chart_labels(ctx.t, ctx.catalog, lang)
    )
    return png, title


async def chart_document(
    ctx: HandlerContext,
    filters: Filters,
    *,
    lang: Language,
    now: datetime,
    weeks: int = CHART_WEEKS,
) -> Document:
    """The weekly chart as a PNG file, the weeks ending ``now``.

    A report (``Turn.after_commit``), in its turn among reports: read from a snapshot, drawn in
    a worker thread, no lock held.
    """
    async with ctx.reports.slot():
        async with ctx.db.snapshot() as conn:
            data = await read_chart(ctx, conn, filters, end=now, weeks=weeks)
        png, title = await off_loop(draw_chart, ctx, data, lang=lang, weeks=weeks)
    today = now.astimezone(ctx.policy.timezone).date()
    return Document(
        filename=f"aidbridge-chart-{today.isoformat()}.png",
        mime_type=PNG_MIME,
        data=png,
        caption=title,
    )
