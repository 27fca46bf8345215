"""Spreadsheet exports with an HXL hashtag row, as CSV or XLSX.

The second row carries HXL tags (https://hxlstandard.org) so coordinators can feed the file
into humanitarian tools that join data by tag rather than by column title; titles in the first
row follow the exporter's language. One row per item line.

Contact details of requesters are personal data: only admins' exports carry them, and only
then are they read from the database at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from handlers.core.events import Document
from handlers.core.offload import off_loop
from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.text.i18n import Language, Translator
from storage.exports import ExportLine, map_export_lines
from storage.models import Filters, OrgKind, Role, Status, request_ref

if TYPE_CHECKING:
    from handlers.core.context import HandlerContext

Cell = str | int | None

# (i18n key suffix, HXL tag), in column order.
COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("id", "#meta+id"),
    ("reported", "#date+reported"),
    ("needed", "#date+needed"),
    ("org", "#org+name"),
    ("org_code", "#org+code"),
    ("adm1", "#adm1+name"),
    ("adm2", "#adm2+name"),
    ("adm3", "#adm3+name"),
    ("facility", "#loc+facility+name"),
    ("sector", "#sector"),
    ("item_uk", "#item+name+i_uk"),
    ("item_de", "#item+name+i_de"),
    ("item_en", "#item+name+i_en"),
    ("requested", "#item+num+requested"),
    ("pledged", "#item+num+pledged"),
    ("delivered", "#item+num+delivered"),
    ("unit", "#item+unit"),
    ("severity", "#severity"),
    ("status", "#status"),
    ("description", "#description"),
)
CONTACT_COLUMN: Final = ("contact", "#contact+name")

# Catalog categories as humanitarian cluster names, which partner tools recognise.
SECTORS: Final = MappingProxyType(
    {
        "medical_supplies": "Health",
        "medicines": "Health",
        "power": "Energy",
        "water_sanitation": "WASH",
        "shelter": "Shelter",
        "food": "Food Security",
        "vehicles": "Logistics",
        "other": "Other",
    }
)

# A spreadsheet program runs a cell starting with one of these as a formula (tab and CR too:
# some strip them first). Text from the chat must never become one.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")

CSV_MIME: Final = "text/csv"
XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT: Final = 100_000


@dataclass(frozen=True, slots=True)
class ExportTable:
    """Header titles, HXL tags, and rows of equal width.

    A dataclass, not a pydantic model: an export may have 100 000 rows and they are built
    here from already-validated values. Readers must not change ``rows``.
    """

    header: tuple[str, ...]
    hxl: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]

    def __post_init__(self) -> None:
        width = len(self.header)
        if len(self.hxl) != width or any(len(row) != width for row in self.rows):
            raise ValueError("header, HXL row and every data row must have the same width")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def sector(catalog: Catalog, item_key: str | None) -> str:
    """Cluster name; free text and retired items fall under Other."""
    item = catalog.get(item_key) if item_key is not None else None
    return SECTORS.get(item.category, "Other") if item is not None else "Other"


def build_table(
    lines: Iterable[ExportLine],
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    include_contacts: bool,
    tz: tzinfo = UTC,
) -> ExportTable:
    """``tz`` decides which calendar day a request was reported on."""
    header, hxl = table_heading(lang=lang, t=t, include_contacts=include_contacts)
    row = row_builder(lang=lang, t=t, catalog=catalog, include_contacts=include_contacts, tz=tz)
    return ExportTable(header=header, hxl=hxl, rows=tuple(row(line) for line in lines))


def table_heading(
    *, lang: Language, t: Translator, include_contacts: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The header titles in ``lang`` and the HXL tags."""
    columns = (*COLUMNS, CONTACT_COLUMN) if include_contacts else COLUMNS
    return tuple(t(lang, f"export.col.{name}") for name, _ in columns), tuple(
        tag for _, tag in columns
    )


def row_builder(
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    include_contacts: bool,
    tz: tzinfo = UTC,
) -> Callable[[ExportLine], tuple[Cell, ...]]:
    """One item line to its spreadsheet row; pure, so it may run in any thread."""
    adm1 = t(lang, "export.adm1")
    former = t(lang, "privacy.former_member")

    def build(line: ExportLine) -> tuple[Cell, ...]:
        row = _row(line, catalog, adm1, tz)
        return (*row, _contact(line, former)) if include_contacts else row

    return build


def _row(line: ExportLine, catalog: Catalog, adm1: str, tz: tzinfo) -> tuple[Cell, ...]:
    if line.item_key is not None:
        names = tuple(catalog.name(line.item_key, lang) for lang in ("uk", "de", "en"))
    else:
        # Free text is kept as typed: no one translated it, and a guess could be wrong goods.
        names = (line.free_text or "",) * 3
    description = "; ".join(part for part in (line.note, line.spec) if part)
    return (
        request_ref(line.request_id),
        line.created_at.astimezone(tz).date().isoformat(),
        line.needed_by.isoformat() if line.needed_by else None,
        line.org_name,
        line.org_code,
        adm1,
        line.raion,
        line.settlement,
        line.org_name if line.org_kind is OrgKind.HOSPITAL else None,
        sector(catalog, line.item_key),
        *names,
        line.quantity,
        line.pledged,
        line.delivered,
        unit_name(line.unit, "en"),
        # Codes, not translations: files from a German and a Ukrainian export must merge.
        line.urgency.value,
        line.status.value,
        description or None,
    )


def _contact(line: ExportLine, former: str) -> str | None:
    if line.creator_forgotten:
        return former
    if line.creator is None:
        return line.creator_name
    if line.creator_name:
        return f"{line.creator_name} ({line.creator})"
    return str(line.creator)


def _csv_cell(cell: Cell) -> str | int:
    if cell is None:
        return ""
    if isinstance(cell, str) and formula_like(cell):
        # The apostrophe is the convention spreadsheet programs hide and treat as "text".
        return "'" + cell
    return cell


def to_csv(table: ExportTable) -> bytes:
    """RFC 4180 CSV in UTF-8 with a BOM: without the BOM Excel reads Cyrillic as cp1252."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(c) for c in table.header])
    writer.writerow([_csv_cell(c) for c in table.hxl])
    writer.writerows([_csv_cell(c) for c in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def expand_category(filters: Filters, catalog: Catalog) -> Filters:
    """Storage knows no catalog: a category filter becomes the list of its item keys.

    Free-text items have no key, so a category filter leaves them out (even for "other").
    """
    if filters.category is None or filters.item_keys is not None:
        return filters
    keys = tuple(item.key for item in catalog.items_in(filters.category))
    return filters.model_copy(update={"item_keys": keys})


async def export_document(
    ctx: HandlerContext,
    fmt: str,
    filters: Filters,
    *,
    lang: Language,
    roles: frozenset[Role],
    today: date,
    statuses: Sequence[Status] | None = None,
) -> Document:
    """The export as a file for someone with ``roles``: CSV or XLSX, contacts only for admins.

    A report (``Turn.after_commit``), in its turn among reports: the rows are read from a
    snapshot, built in its database thread as they are read, and the file is drawn in a worker
    thread; no lock is held and the event loop keeps answering chats while 100,000 rows become
    a workbook.
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}")
    include_contacts = Role.ADMIN in roles
    tz = ctx.policy.timezone
    header, hxl = table_heading(lang=lang, t=ctx.t, include_contacts=include_contacts)
    row = row_builder(
        lang=lang, t=ctx.t, catalog=ctx.catalog, include_contacts=include_contacts, tz=tz
    )
    async with ctx.reports.slot():
        async with ctx.db.snapshot() as conn:
            rows = await map_export_lines(
                conn,
                expand_category(filters, ctx.catalog),
                row,
                include_contacts=include_contacts,
                statuses=statuses,
                limit=EXPORT_LIMIT,
            )
        # The check of 100,000 rows' widths in ExportTable runs in the worker too.
        return await off_loop(_export_file, ctx, fmt, header, hxl, rows, lang=lang, today=today)


def _free(rows: list[tuple[Cell, ...]]) -> None:
    """Let go of the rows here, in the worker, a thousand at a time.

    Freeing two million cells is one uninterrupted stretch of C holding the interpreter lock
    (about 50 ms): from the caller's frame it would stall the event loop, and in one piece it
    stalls it from here too. Between two slices the loop gets its turn.
    """
    while rows:
        del rows[-1000:]


def _export_file(
    ctx: HandlerContext,
    fmt: str,
    header: tuple[str, ...],
    hxl: tuple[str, ...],
    rows: list[tuple[Cell, ...]],
    *,
    lang: Language,
    today: date,
) -> Document:
    """The file; seconds of CPU for a large export, so never on the event loop."""
    count = len(rows)
    table = ExportTable(header=header, hxl=hxl, rows=rows)
    if fmt == "csv":
        data, mime = ctx.renderers.csv(table), CSV_MIME
    else:
        data = ctx.renderers.xlsx(table, sheet_title=ctx.t(lang, "export.sheet_title"))
        mime = XLSX_MIME
    del table
    _free(rows)
    caption = ctx.t(lang, "export.caption", rows=count)
    if count >= EXPORT_LIMIT:
        caption += "\n" + ctx.t(lang, "export.truncated", limit=EXPORT_LIMIT)
    return Document(
        filename=f"aidbridge-export-{today.isoformat()}.{fmt}",
        mime_type=mime,
        data=data,
        caption=caption,
    )
