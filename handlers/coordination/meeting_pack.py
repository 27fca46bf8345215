"""The coordination round's pack: one workbook with a sheet per section, a chart, a summary.

Sheets (each under an HXL hashtag row, built on handlers/text/workbook.py): overview, new
requests, critical open, pledged, shipped, signed for (received, damaged, missing), overdue,
stale, and who does what where (pledging organisation, item category, requesting organisation,
its raion and hromada). A request's sections list one row per item line; a section holds at most
``SECTION_LIMIT`` requests (or lines), and its note says how many there were in all.

The chart counts item lines still open per catalog category and week over the last 8 weeks:
a line of 200 packs of bandages and one of 2 generators are two lines, never 202 of anything.

Places follow the location policy (handlers/core/location_policy.py): the pack is read by
coordinators, who see an organisation's hromada and raion and nothing finer, so no sheet has a
settlement or an address. With a place (``place``: a raion's or hromada's code) every section
and the chart hold only requests of organisations placed there.

``build_workbook`` is pure; ``meeting_pack`` is a report: it reads in a snapshot and renders the
workbook and the PNG in a worker thread (``off_loop``), as /export and /chart do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Final

from handlers.coordination.charts import (
    CHART_WEEKS,
    PNG_MIME,
    category_of,
    chart_by_category,
    chart_labels,
)
from handlers.coordination.hxl_export import DATE_FORMATS, XLSX_MIME
from handlers.coordination.place_filter import place_label
from handlers.core.context import HandlerContext
from handlers.core.events import Document, Reply
from handlers.core.offload import off_loop
from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.text.format import esc, fmt_date, fmt_qty, item_label
from handlers.text.i18n import Language, Translator
from handlers.text.places import latin_beside
from handlers.text.workbook import Cell, ColumnHead, ColumnKind, Sheet, Workbook
from storage import organisations
from storage.charts import ChartData, outstanding_by_week
from storage.meeting import (
    MeetingData,
    NeedLine,
    PledgeLine,
    Section,
    ShippedLine,
    WhoWhatWhere,
    load_meeting_data,
)
from storage.models import Filters, Organisation, request_ref
from storage.places import codifier
from storage.shipment_models import shipment_ref

_T, _I, _D = ColumnKind.TEXT, ColumnKind.INT, ColumnKind.DATE


@dataclass(frozen=True, slots=True)
class OrgPlace:
    """Where an organisation is, at the coordinators' detail (its raion and hromada)."""

    raion: str | None
    hromada: str | None


def org_place(org: Organisation | None, lang: Language) -> OrgPlace:
    """The raion and hromada by the organisation's codes, named from the codifier with the
    Latin form beside for German and English readers. One not placed by code yet has its typed
    raion (never turned into a code here); one outside the oblast has neither."""
    if org is None or org.place.outside_oblast:
        return OrgPlace(raion=None, hromada=None)
    if not org.place.placed:
        return OrgPlace(raion=latin_beside(org.raion, lang) if org.raion else None, hromada=None)
    places = codifier()

    def name(code: str | None) -> str | None:
        unit = places.get(code) if code else None
        return latin_beside(unit.name, lang, latin_name=unit.latin) if unit else None

    return OrgPlace(raion=name(org.place.raion_code), hromada=name(org.place.hromada_code))


@dataclass(frozen=True, slots=True)
class PackInput:
    """What the pack is built from, read in one snapshot."""

    data: MeetingData
    orgs: Mapping[int, Organisation]
    place: str | None = None  # the raion's or hromada's code the pack is limited to


# (column key, HXL tag, kind) per sheet; titles are ``meeting.col.<key>``.
# No settlement (#adm4): coordinators see the hromada and raion only.
_PLACE: Final = (
    ("raion", "#adm2+name", _T),
    ("hromada", "#adm3+name", _T),
)
_ITEM: Final = (
    ("category", "#sector", _T),
    ("item", "#item+name", _T),
    ("item_code", "#item+code", _T),
)
NEED_COLUMNS: Final = (
    ("request", "#meta+id", _T),
    ("reported", "#date+reported", _D),
    ("needed", "#date+needed", _D),
    ("org", "#org+name", _T),
    *_PLACE,
    *_ITEM,
    ("requested", "#item+num+requested", _I),
    ("pledged", "#item+num+pledged", _I),
    ("delivered", "#item+num+delivered", _I),
    ("unit", "#item+unit", _T),
    ("urgency", "#severity", _T),
    ("status", "#status", _T),
)
STALE_COLUMNS: Final = (
    *NEED_COLUMNS,
    ("last_event", "#date+updated", _D),
    ("stale_reason", "#status+reason", _T),
)
PLEDGE_COLUMNS: Final = (
    ("date", "#date+pledged", _D),
    ("request", "#meta+id", _T),
    ("pledger", "#org+impl+name", _T),
    ("org", "#org+recipient+name", _T),
    *_PLACE,
    *_ITEM,
    ("quantity", "#item+num+pledged", _I),
    ("unit", "#item+unit", _T),
)
SHIPPED_COLUMNS: Final = (
    ("shipment", "#meta+shipment+id", _T),
    ("shipment_name", "#meta+shipment+name", _T),
    ("departed", "#date+departed", _D),
    ("request", "#meta+id", _T),
    ("org", "#org+recipient+name", _T),
    *_PLACE,
    *_ITEM,
    ("quantity", "#item+num+shipped", _I),
    ("unit", "#item+unit", _T),
    ("line_status", "#status", _T),
)
RECEIPT_COLUMNS: Final = (
    *SHIPPED_COLUMNS,
    ("received", "#item+num+received", _I),
    ("damaged", "#item+num+damaged", _I),
    ("missing", "#item+num+missing", _I),
    ("signed", "#date+received", _D),
)
WHO_COLUMNS: Final = (
    ("pledger", "#org+impl+name", _T),
    *_ITEM,
    ("quantity", "#item+num+pledged", _I),
    ("unit", "#item+unit", _T),
    ("lines", "#indicator+lines+num", _I),
    ("requests", "#indicator+requests+num", _I),
    ("org", "#org+recipient+name", _T),
    *_PLACE,
)
OVERVIEW_COLUMNS: Final = (
    ("section", None, _T),
    ("total", "#indicator+num", _I),
    ("listed", None, _I),
)
# Sections in sheet order: (key, columns).
SECTIONS: Final = (
    ("new", NEED_COLUMNS),
    ("critical", NEED_COLUMNS),
    ("pledged", PLEDGE_COLUMNS),
    ("shipped", SHIPPED_COLUMNS),
    ("receipts", RECEIPT_COLUMNS),
    ("overdue", NEED_COLUMNS),
    ("stale", STALE_COLUMNS),
    ("who_what_where", WHO_COLUMNS),
)


class _Words:
    """Everything a row needs, looked up once per pack rather than once per cell."""

    def __init__(
        self,
        *,
        t: Translator,
        lang: Language,
        catalog: Catalog,
        orgs: Mapping[int, Organisation],
        tz: tzinfo,
    ) -> None:
        self.t, self.lang, self.catalog, self.orgs, self.tz = t, lang, catalog, orgs, tz
        self.categories = {c.key: c.name(lang) for c in catalog.categories()}
        self.other = t(lang, "meeting.category_other")
        self.free_text = t(lang, "item.free_text_mark")
        self.places: dict[int | None, tuple[Cell, ...]] = {}

    def day(self, moment: datetime | None) -> date | None:
        return moment.astimezone(self.tz).date() if moment is not None else None

    def org_name(self, org_id: int | None) -> str | None:
        org = self.orgs.get(org_id) if org_id is not None else None
        return org.name if org is not None else None

    def place(self, org_id: int | None) -> tuple[Cell, ...]:
        # Once per organisation: a pack has thousands of rows and a few hundred places.
        cells = self.places.get(org_id)
        if cells is None:
            place = org_place(self.orgs.get(org_id) if org_id is not None else None, self.lang)
            cells = self.places[org_id] = (place.raion, place.hromada)
        return cells

    def item(self, item_key: str | None, free_text: str | None) -> tuple[Cell, ...]:
        category = category_of(self.catalog, item_key)
        return (
            self.categories.get(category, self.other),
            # Grouped rows (who does what where) carry no text for free-text items.
            item_label(self.catalog, self.lang, item_key, free_text or self.free_text),
            item_key if item_key is not None and self.catalog.get(item_key) else None,
        )

    def unit(self, unit: str) -> str:
        return unit_name(unit, self.lang)


def _need_row(w: _Words, line: NeedLine) -> tuple[Cell, ...]:
    return (
        request_ref(line.request_id),
        w.day(line.created_at),
        line.needed_by,
        w.org_name(line.org_id),
        *w.place(line.org_id),
        *w.item(line.item_key, line.free_text),
        line.quantity,
        line.pledged,
        line.delivered,
        w.unit(line.unit),
        w.t(w.lang, f"urgency.{line.urgency.value}"),
        w.t(w.lang, f"status.{line.status.value}"),
    )


def _stale_row(w: _Words, line: NeedLine) -> tuple[Cell, ...]:
    reason = "meeting.stale_unconfirmed" if line.unconfirmed else "meeting.stale_silent"
    return (*_need_row(w, line), w.day(line.last_event_at), w.t(w.lang, reason))


def _pledge_row(w: _Words, line: PledgeLine) -> tuple[Cell, ...]:
    return (
        w.day(line.at),
        request_ref(line.request_id),
        w.org_name(line.pledger_org_id),
        w.org_name(line.org_id),
        *w.place(line.org_id),
        *w.item(line.item_key, line.free_text),
        line.quantity,
        w.unit(line.unit),
    )


def _shipped_row(w: _Words, line: ShippedLine) -> tuple[Cell, ...]:
    return (
        shipment_ref(line.shipment_id),
        line.shipment_name,
        w.day(line.departed_at),
        request_ref(line.request_id) if line.request_id is not None else None,
        w.org_name(line.dest_org_id),
        *w.place(line.dest_org_id),
        *w.item(line.item_key, line.free_text),
        line.quantity,
        w.unit(line.unit),
        w.t(w.lang, f"ship.line.{line.status.value}"),
    )


def _receipt_row(w: _Words, line: ShippedLine) -> tuple[Cell, ...]:
    return (
        *_shipped_row(w, line),
        line.received,
        line.damaged,
        line.missing,
        w.day(line.confirmed_at),
    )


def _who_row(w: _Words, line: WhoWhatWhere) -> tuple[Cell, ...]:
    return (
        w.org_name(line.pledger_org_id),
        *w.item(line.item_key, None),
        line.quantity,
        w.unit(line.unit),
        line.lines,
        line.requests,
        w.org_name(line.dest_org_id),
        *w.place(line.dest_org_id),
    )


def _heads(
    t: Translator, lang: Language, columns: Sequence[tuple[str, str | None, ColumnKind]]
) -> list[ColumnHead]:
    date_format = DATE_FORMATS[lang]
    return [
        ColumnHead(
            title=t(lang, f"meeting.col.{key}"),
            kind=kind,
            hxl=hxl,
            number_format=date_format if kind is ColumnKind.DATE else None,
        )
        for key, hxl, kind in columns
    ]


def _section_rows(w: _Words, key: str, data: MeetingData) -> tuple[int, list[tuple[Cell, ...]]]:
    """(total, rows) of one section."""
    builders: dict[str, tuple[Section[NeedLine], Callable[[_Words, NeedLine], tuple[Cell, ...]]]]
    builders = {
        "new": (data.new, _need_row),
        "critical": (data.critical, _need_row),
        "overdue": (data.overdue, _need_row),
        "stale": (data.stale, _stale_row),
    }
    if key in builders:
        section, build = builders[key]
        return section.total, [build(w, line) for line in section.rows]
    if key == "pledged":
        return data.pledged.total, [_pledge_row(w, line) for line in data.pledged.rows]
    if key == "shipped":
        return data.shipped.total, [_shipped_row(w, line) for line in data.shipped.rows]
    if key == "receipts":
        return data.receipts.total, [_receipt_row(w, line) for line in data.receipts.rows]
    return data.who_what_where.total, [_who_row(w, line) for line in data.who_what_where.rows]


def window_text(
    t: Translator, lang: Language, data: MeetingData, tz: tzinfo, place: str | None = None
) -> str:
    """Plain text: the round's days, and the place it is limited to, if any."""
    window = t(
        lang,
        "meeting.window",
        since=fmt_date(data.since.astimezone(tz).date()),
        until=fmt_date(data.until.astimezone(tz).date()),
    )
    label = place_label(t, lang, place)
    return f"{window} · {label}" if label else window


def build_workbook(
    pack: PackInput, *, lang: Language, t: Translator, catalog: Catalog, tz: tzinfo
) -> Workbook:
    data = pack.data
    w = _Words(t=t, lang=lang, catalog=catalog, orgs=pack.orgs, tz=tz)
    window = window_text(t, lang, data, tz, pack.place)
    sheets: list[Sheet] = []
    overview: list[tuple[Cell, ...]] = []
    for key, columns in SECTIONS:
        total, rows = _section_rows(w, key, data)
        listed = len({row[0] for row in rows}) if key in _PER_REQUEST else len(rows)
        overview.append((t(lang, f"meeting.sheet.{key}"), total, listed))
        notes = [f"{t(lang, f'meeting.sheet.{key}')} · {window}", t(lang, f"meeting.about.{key}")]
        if listed < total:
            notes.append(t(lang, "meeting.cut", listed=fmt_qty(listed), total=fmt_qty(total)))
        sheets.append(
            Sheet.from_rows(
                t(lang, f"meeting.sheet.{key}"), _heads(t, lang, columns), rows, notes=notes
            )
        )
    first = Sheet.from_rows(
        t(lang, "meeting.sheet.overview"),
        _heads(t, lang, OVERVIEW_COLUMNS),
        overview,
        notes=[t(lang, "meeting.title"), window],
    )
    return Workbook(sheets=(first, *sheets))


# Sections whose rows are item lines of requests and whose totals count requests.
_PER_REQUEST: Final = frozenset({"new", "critical", "overdue", "stale"})


def summary_text(
    t: Translator, lang: Language, data: MeetingData, tz: tzinfo, place: str | None = None
) -> str:
    return "\n".join(
        [
            f"<b>{esc(t(lang, 'meeting.title'))}</b>",
            esc(window_text(t, lang, data, tz, place)),
            t(
                lang,
                "meeting.summary",
                new=fmt_qty(data.new.total),
                critical=fmt_qty(data.critical.total),
                pledged=fmt_qty(data.pledged.total),
                shipped=fmt_qty(data.shipped.total),
                signed=fmt_qty(data.receipts.total),
                damaged=fmt_qty(data.damaged_lines),
                missing=fmt_qty(data.missing_lines),
                overdue=fmt_qty(data.overdue.total),
                stale=fmt_qty(data.stale.total),
                who=fmt_qty(data.who_what_where.total),
            ),
        ]
    )


def draw_round_chart(
    ctx: HandlerContext, chart: ChartData, lang: Language, place: str | None = None
) -> tuple[bytes, str]:
    """Open item lines per category and week (never quantities of different units added)."""
    folded = chart_by_category(chart, ctx.catalog, tz=ctx.policy.timezone)
    labels = dict(chart_labels(ctx.t, ctx.catalog, lang))
    labels["y_axis"] = ctx.t(lang, "meeting.chart_axis_y")
    title = ctx.t(lang, "meeting.chart_title", weeks=CHART_WEEKS)
    label = place_label(ctx.t, lang, place)
    title = f"{title} · {label}" if label else title
    return ctx.renderers.weekly_chart(folded, lang=lang, title=title, labels=labels), title


def render_workbook_bytes(ctx: HandlerContext, pack: PackInput, lang: Language) -> bytes:
    """The workbook, built and drawn together: in a worker thread (``off_loop``)."""
    book = build_workbook(pack, lang=lang, t=ctx.t, catalog=ctx.catalog, tz=ctx.policy.timezone)
    return ctx.renderers.workbook(book)


async def read_sections(
    ctx: HandlerContext,
    *,
    since: datetime,
    until: datetime,
    today: date,
    place: str | None = None,
) -> tuple[MeetingData, dict[int, Organisation]]:
    """The sheets' data, from one ``Database.snapshot()`` (no lock held)."""
    async with ctx.db.snapshot() as conn:
        data = await load_meeting_data(conn, since=since, until=until, today=today, place=place)
        orgs = {o.id: o for o in await organisations.list_organisations(conn)}
    return data, orgs


async def read_round_chart(
    ctx: HandlerContext, *, until: datetime, place: str | None = None
) -> ChartData:
    """Open item lines per item and week, from a snapshot of its own."""
    async with ctx.db.snapshot() as conn:
        return await outstanding_by_week(
            conn, weeks=CHART_WEEKS, end=until, filters=Filters(place=place), count_lines=True
        )


async def meeting_pack(
    ctx: HandlerContext,
    *,
    since: datetime,
    until: datetime,
    lang: Language,
    place: str | None = None,
) -> list[Reply]:
    """The round's pack as replies: the summary, the workbook, the chart. A report
    (``Turn.after_commit``), in its turn among reports.

    Two lines of work side by side, each a short read then its drawing: the sheets (SQLite's
    work, then openpyxl in a worker thread) and the chart (the walk over every open item line
    in the database thread, then matplotlib in the renderers' chart process). On two cores
    they overlap. Each reads its own snapshot: a turn committed between the two can show in
    one and not the other, as it would in a pack asked for a second later.
    """
    today = until.astimezone(ctx.policy.timezone).date()

    async def sheets() -> tuple[MeetingData, bytes]:
        data, orgs = await read_sections(ctx, since=since, until=until, today=today, place=place)
        pack = PackInput(data=data, orgs=orgs, place=place)
        return data, await off_loop(render_workbook_bytes, ctx, pack, lang)

    async def chart() -> tuple[bytes, str]:
        lines = await read_round_chart(ctx, until=until, place=place)
        return await off_loop(draw_round_chart, ctx, lines, lang, place)

    async with ctx.reports.slot():
        (data, workbook), (png, title) = await asyncio.gather(sheets(), chart())
    summary = summary_text(ctx.t, lang, data, ctx.policy.timezone, place)
    stamp = today.isoformat()
    return [
        Reply(text=summary),
        Reply(
            document=Document(
                filename=f"aidbridge-round-{stamp}.xlsx",
                mime_type=XLSX_MIME,
                data=workbook,
                caption=ctx.t(lang, "meeting.caption_pack"),
            )
        ),
        Reply(
            document=Document(
                filename=f"aidbridge-round-{stamp}.png",
                mime_type=PNG_MIME,
                data=png,
                caption=title,
            )
        ),
    ]
