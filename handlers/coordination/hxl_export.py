"""Spreadsheet exports with an HXL hashtag row, as CSV or XLSX.

The second row carries HXL tags (https://hxlstandard.org) so coordinators can feed the file
into humanitarian tools that join data by tag rather than by column title; titles in the first
row follow the exporter's language. One row per item line.

Contact details of requesters are personal data: only admins' exports carry them, and only
then are they read from the database at all.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from handlers.core.events import Document
from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.text.i18n import Language, Translator
from storage.exports import ExportLine, list_export_lines
from storage.models import Filters, OrgKind, Role, Status, request_ref

if TYPE_CHECKING:
    from handlers.core.context import Turn

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
    here from already-validated values.
    """

    header: tuple[str, ...]
    hxl: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

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
    columns = (*COLUMNS, CONTACT_COLUMN) if include_contacts else COLUMNS
    header = tuple(t(lang, f"export.col.{name}") for name, _ in columns)
    hxl = tuple(tag for _, tag in columns)
    adm1 = t(lang, "export.adm1")
    former = t(lang, "privacy.former_member")
    rows: list[tuple[Cell, ...]] = []
    for line in lines:
        row = _row(line, catalog, adm1, tz)
        if include_contacts:
            row = (*row, _contact(line, former))
        rows.append(row)
    return ExportTable(header=header, hxl=hxl, rows=tuple(rows))


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
    turn: Turn, fmt: str, filters: Filters, *, statuses: Sequence[Status] | None = None
) -> Document:
    """The export as a file for this person: CSV or XLSX, contacts only for admins."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}")
    ctx = turn.ctx
    include_contacts = Role.ADMIN in turn.roles
    lines = await list_export_lines(
        turn.conn,
        expand_category(filters, ctx.catalog),
        include_contacts=include_contacts,
        statuses=statuses,
        limit=EXPORT_LIMIT,
    )
    table = build_table(
        lines,
        lang=turn.lang,
        t=ctx.t,
        catalog=ctx.catalog,
        include_contacts=include_contacts,
        tz=ctx.policy.timezone,
    )
    # Rendering 100 000 rows takes seconds: keep the event loop (and other chats) moving.
    if fmt == "csv":
        data, mime = await asyncio.to_thread(to_csv, table), CSV_MIME
    else:
        sheet_title = turn.tr("export.sheet_title")
        data = await asyncio.to_thread(ctx.renderers.xlsx, table, sheet_title=sheet_title)
        mime = XLSX_MIME
    caption = turn.tr("export.caption", rows=len(lines))
    if len(lines) >= EXPORT_LIMIT:
        caption += "\n" + turn.tr("export.truncated", limit=EXPORT_LIMIT)
    return Document(
        filename=f"aidbridge-export-{turn.today.isoformat()}.{fmt}",
        mime_type=mime,
        data=data,
        caption=caption,
    )
