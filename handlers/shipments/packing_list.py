"""The packing list of a shipment as a workbook (handlers/text/workbook.py), drawn as XLSX by
bot/file_renderers.py: a summary sheet with every line, then one sheet per destination whose
heading is a delivery note in Ukrainian with room for the recipient's signature.

Since April 2024 every humanitarian import into Ukraine is declared with its recipient and
item lines, so each line carries the item in Ukrainian and German, quantity and unit, the
request id, the recipient's name, EDRPOU code and address, the carrier and the waybill, under
an HXL hashtag row. Building it is pure (``build_packing_list``); ``packing_document`` reads a
snapshot and renders in a worker thread, as /export does.

Where each recipient is follows the location policy (handlers/core/location_policy.py, view
PACKING_LIST): the street address and the settlement for admins and for the members of the
shipment's carrier organisation, who drive there; for any other coordinator the hromada and
raion only (``packing_detail``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from handlers.coordination.file_renderers import Renderers
from handlers.coordination.hxl_export import CSV_DELIMITERS, CSV_MIME
from handlers.core import location_policy
from handlers.core.context import HandlerContext
from handlers.core.events import Document
from handlers.core.location_policy import Detail
from handlers.core.offload import off_loop
from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.shipments.view import when_text
from handlers.text.format import fmt_qty, item_label
from handlers.text.i18n import Language, Translator
from handlers.text.places import latin_beside
from handlers.text.workbook import Cell, ColumnHead, ColumnKind, Sheet, Workbook, to_csv
from storage import organisations, shipments
from storage.db import Conn
from storage.models import Frozen, Member, Organisation, Role, request_ref
from storage.shipment_models import Shipment, ShipmentLine

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")
# The delivery note is the paper the hospital signs in Ukraine: always in Ukrainian.
NOTE_LANG: Language = "uk"
# (column key, HXL tag, kind)
COLUMNS: tuple[tuple[str, str | None, ColumnKind], ...] = (
    ("number", None, ColumnKind.INT),
    ("request", "#meta+id", ColumnKind.TEXT),
    ("recipient", "#org+name", ColumnKind.TEXT),
    ("code", "#org+code", ColumnKind.TEXT),
    ("address", "#loc+address", ColumnKind.TEXT),
    ("place", "#loc+name", ColumnKind.TEXT),
    ("item_uk", "#item+name+i_uk", ColumnKind.TEXT),
    ("item_de", "#item+name+i_de", ColumnKind.TEXT),
    ("item_code", "#item+code", ColumnKind.TEXT),
    ("quantity", "#item+num", ColumnKind.INT),
    ("unit_uk", "#item+unit+i_uk", ColumnKind.TEXT),
    ("unit_de", "#item+unit+i_de", ColumnKind.TEXT),
    ("carrier", "#org+carrier+name", ColumnKind.TEXT),
    ("waybill", "#meta+waybill", ColumnKind.TEXT),
)


class PackingData(Frozen):
    shipment: Shipment
    lines: tuple[ShipmentLine, ...]
    orgs: dict[int, Organisation]


async def read_packing(conn: Conn, shipment_id: int) -> PackingData | None:
    shipment = await shipments.get_shipment(conn, shipment_id)
    if shipment is None:
        return None
    lines = tuple(await shipments.list_lines(conn, shipment_id))
    orgs = {o.id: o for o in await organisations.list_organisations(conn)}
    return PackingData(shipment=shipment, lines=lines, orgs=orgs)


def packing_detail(roles: frozenset[Role], member: Member | None, shipment: Shipment) -> Detail:
    """How much of the recipients' places this reader's packing list carries: the carrier is
    a member of the organisation the shipment names as its carrier."""
    carrier = (
        member is not None
        and member.org_id is not None
        and member.org_id == shipment.carrier_org_id
    )
    return location_policy.detail(roles, location_policy.View.PACKING_LIST, carrier=carrier)


class Where(Frozen):
    """A recipient's street address (None below FULL) and place (settlement up to the raion
    at FULL, hromada and raion at AREA), as plain text: cells are never HTML."""

    address: str | None = None
    place: str | None = None

    def note_text(self) -> str | None:
        """The delivery note's one line for both."""
        return " · ".join(x for x in (self.address, self.place) if x) or None


def where(t: Translator, lang: Language, level: Detail, dest: Organisation | None) -> Where:
    if dest is None:
        return Where()
    # The place alone: the address has a column of its own.
    place = location_policy.place_text(t, lang, level, dest.model_copy(update={"address": None}))
    address = dest.address if level >= Detail.FULL else None
    return Where(address=address, place=place)


def filename(shipment: Shipment, fmt: str = "xlsx") -> str:
    return f"packing-list-{shipment.ref}.{fmt}"


def _heads(t: Translator, lang: Language) -> list[ColumnHead]:
    return [
        ColumnHead(title=t(lang, f"ship.pl.col.{key}"), kind=kind, hxl=hxl)
        for key, hxl, kind in COLUMNS
    ]


def _row(
    number: int,
    line: ShipmentLine,
    shipment: Shipment,
    orgs: Mapping[int, Organisation],
    catalog: Catalog,
    place: Mapping[int, Where],
    lang: Language,
) -> tuple[Cell, ...]:
    """A line; names with their Latin form beside them for German and English readers."""
    dest = orgs.get(line.dest_org_id)
    carrier = orgs.get(shipment.carrier_org_id) if shipment.carrier_org_id else None
    at = place.get(line.dest_org_id, Where())
    return (
        number,
        request_ref(line.request_id) if line.request_id else None,
        latin_beside(dest.name, lang) if dest else None,
        dest.code if dest else None,
        at.address,
        at.place,
        item_label(catalog, "uk", line.item_key, line.free_text),
        item_label(catalog, "de", line.item_key, line.free_text),
        line.item_key,
        line.quantity,
        unit_name(line.unit, "uk"),
        unit_name(line.unit, "de"),
        latin_beside(carrier.name, lang) if carrier else None,
        shipment.waybill,
    )


def _header_notes(
    t: Translator, lang: Language, shipment: Shipment, orgs: Mapping[int, Organisation]
) -> list[str]:
    def name(org_id: int | None) -> str:
        org = orgs.get(org_id) if org_id is not None else None
        return org.name if org else "—"

    notes = [
        t(lang, "ship.pl.title", ref=shipment.ref, name=shipment.name),
        f"{t(lang, 'ship.field.carrier')}: {name(shipment.carrier_org_id)}",
        f"{t(lang, 'ship.field.waybill')}: {shipment.waybill or '—'}",
        f"{t(lang, 'ship.field.departure')}: {when_text(t, lang, shipment.planned_departure)}",
    ]
    if shipment.hub_org_id is not None:
        notes.append(f"{t(lang, 'ship.field.hub')}: {name(shipment.hub_org_id)}")
    if shipment.vehicle:
        notes.append(f"{t(lang, 'ship.field.vehicle')}: {shipment.vehicle}")
    if shipment.declared_value_eur is not None:
        value = fmt_qty(shipment.declared_value_eur)
        notes.append(f"{t(lang, 'ship.field.value')}: {value} EUR")
    return notes


def build_packing_list(
    data: PackingData, *, lang: Language, t: Translator, catalog: Catalog, level: Detail
) -> Workbook:
    """Summary (the reader's language) and one delivery note per destination (Ukrainian);
    the recipients' places at ``level`` (``packing_detail``)."""
    shipment, orgs = data.shipment, data.orgs
    dests = {line.dest_org_id for line in data.lines}
    place = {d: where(t, lang, level, orgs.get(d)) for d in dests}
    note_place = {d: where(t, NOTE_LANG, level, orgs.get(d)) for d in dests}
    summary_rows = [
        _row(n, line, shipment, orgs, catalog, place, lang) for n, line in enumerate(data.lines, 1)
    ]
    sheets = [
        Sheet.from_rows(
            t(lang, "ship.pl.summary"),
            _heads(t, lang),
            summary_rows,
            notes=_header_notes(t, lang, shipment, orgs),
        )
    ]
    by_dest: dict[int, list[ShipmentLine]] = {}
    for line in data.lines:
        by_dest.setdefault(line.dest_org_id, []).append(line)
    for index, (dest_id, group) in enumerate(by_dest.items(), 1):
        dest = orgs.get(dest_id)
        name = dest.name if dest else "?"
        notes = [
            t(NOTE_LANG, "ship.pl.delivery_note", ref=shipment.ref, name=shipment.name),
            t(
                NOTE_LANG,
                "ship.pl.recipient",
                org=name,
                code=(dest.code if dest else None) or "—",
                address=note_place[dest_id].note_text() or "—",
            ),
            *_header_notes(t, NOTE_LANG, shipment, orgs)[1:],
            t(NOTE_LANG, "ship.pl.signature"),
        ]
        rows = [
            _row(n, line, shipment, orgs, catalog, note_place, NOTE_LANG)
            for n, line in enumerate(group, 1)
        ]
        # Numbered: two recipients may share the first 31 characters of their names.
        title = f"{index} {name}"
        sheets.append(Sheet.from_rows(title, _heads(t, NOTE_LANG), rows, notes=notes))
    return Workbook(sheets=tuple(sheets))


def packing_file(
    data: PackingData,
    *,
    fmt: str,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    renderers: Renderers,
    level: Detail,
) -> bytes:
    """XLSX (every sheet), or CSV: the summary's lines under the HXL row, split as Excel in
    the reader's language expects (";" for uk and de, "," for en); text that a spreadsheet
    would run as a formula is marked as text."""
    book = build_packing_list(data, lang=lang, t=t, catalog=catalog, level=level)
    if fmt == "csv":
        return to_csv(book.sheets[0], delimiter=CSV_DELIMITERS[lang])
    return renderers.workbook(book)


class PackingSpec(Frozen):
    """A packing list to draw: what crosses to the render process (``Renderers.packing_list``),
    which builds the sheets there. Built here, the 2,000-line workbook's cells and their walk
    into the pipe held the bot's interpreter lock 70-115 ms at a time (bench/shipments.py)."""

    data: PackingData
    fmt: Literal["xlsx", "csv"]
    lang: Language
    level: Detail

    def render(self, renderers: Renderers) -> bytes:
        return packing_file(
            self.data,
            fmt=self.fmt,
            lang=self.lang,
            t=Translator(),
            catalog=Catalog.default(),
            renderers=renderers,
            level=self.level,
        )


def render_packing_list(
    ctx: HandlerContext, data: PackingData, lang: Language, fmt: str, level: Detail
) -> Document:
    """Drawn by the renderers (the render process in a running bot), from a worker thread
    (``off_loop``): the pipe's waits are the thread's, not the loop's."""
    payload = ctx.renderers.packing_list(
        PackingSpec(data=data, fmt="csv" if fmt == "csv" else "xlsx", lang=lang, level=level)
    )
    caption = ctx.t(lang, "ship.pl.caption", ref=data.shipment.ref, lines=len(data.lines))
    return Document(
        filename=filename(data.shipment, fmt),
        mime_type=CSV_MIME if fmt == "csv" else XLSX_MIME,
        data=payload,
        caption=caption,
    )


async def packing_document(
    ctx: HandlerContext, shipment_id: int, lang: Language, fmt: str, level: Detail
) -> Document | None:
    """A report (Turn.after_commit): read from a snapshot, drawn off the event loop; the
    recipients' places at ``level`` (``packing_detail``)."""
    async with ctx.reports.slot():
        async with ctx.db.snapshot() as conn:
            data = await read_packing(conn, shipment_id)
        if data is None:
            return None
        return await off_loop(render_packing_list, ctx, data, lang, fmt, level)
