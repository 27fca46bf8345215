"""The packing list of a shipment as a workbook (handlers/text/workbook.py), drawn as XLSX by
bot/file_renderers.py: a summary sheet with every line, then one sheet per destination whose
heading is a delivery note in Ukrainian with room for the recipient's signature.

Since April 2024 every humanitarian import into Ukraine is declared with its recipient and
item lines, so each line carries the item in Ukrainian and German, quantity and unit, the
request id, the recipient's name, EDRPOU code and address, the carrier and the waybill, under
an HXL hashtag row. Building it is pure (``build_packing_list``); ``packing_document`` reads a
snapshot and renders in a worker thread, as /export does.
"""

from __future__ import annotations

from collections.abc import Mapping

from handlers.coordination.file_renderers import Renderers
from handlers.coordination.hxl_export import CSV_DELIMITERS, CSV_MIME
from handlers.core.context import HandlerContext
from handlers.core.events import Document
from handlers.core.offload import off_loop
from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.shipments.view import when_text
from handlers.text.format import fmt_qty, item_label
from handlers.text.i18n import Language, Translator
from handlers.text.workbook import Cell, ColumnHead, ColumnKind, Sheet, Workbook, to_csv
from storage import organisations, shipments
from storage.db import Conn
from storage.models import Frozen, Organisation, request_ref
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
) -> tuple[Cell, ...]:
    dest = orgs.get(line.dest_org_id)
    carrier = orgs.get(shipment.carrier_org_id) if shipment.carrier_org_id else None
    return (
        number,
        request_ref(line.request_id) if line.request_id else None,
        dest.name if dest else None,
        dest.code if dest else None,
        dest.address if dest else None,
        item_label(catalog, "uk", line.item_key, line.free_text),
        item_label(catalog, "de", line.item_key, line.free_text),
        line.item_key,
        line.quantity,
        unit_name(line.unit, "uk"),
        unit_name(line.unit, "de"),
        carrier.name if carrier else None,
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
    data: PackingData, *, lang: Language, t: Translator, catalog: Catalog
) -> Workbook:
    """Summary (the reader's language) and one delivery note per destination (Ukrainian)."""
    shipment, orgs = data.shipment, data.orgs
    summary_rows = [_row(n, line, shipment, orgs, catalog) for n, line in enumerate(data.lines, 1)]
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
                address=(dest.address if dest else None) or "—",
            ),
            *_header_notes(t, NOTE_LANG, shipment, orgs)[1:],
            t(NOTE_LANG, "ship.pl.signature"),
        ]
        rows = [_row(n, line, shipment, orgs, catalog) for n, line in enumerate(group, 1)]
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
) -> bytes:
    """XLSX (every sheet), or CSV: the summary's lines under the HXL row, split as Excel in
    the reader's language expects (";" for uk and de, "," for en); text that a spreadsheet
    would run as a formula is marked as text."""
    book = build_packing_list(data, lang=lang, t=t, catalog=catalog)
    if fmt == "csv":
        return to_csv(book.sheets[0], delimiter=CSV_DELIMITERS[lang])
    return renderers.workbook(book)


def render_packing_list(
    ctx: HandlerContext, data: PackingData, lang: Language, fmt: str
) -> Document:
    """Built and drawn together, in a worker thread (``off_loop``)."""
    payload = packing_file(
        data, fmt=fmt, lang=lang, t=ctx.t, catalog=ctx.catalog, renderers=ctx.renderers
    )
    caption = ctx.t(lang, "ship.pl.caption", ref=data.shipment.ref, lines=len(data.lines))
    return Document(
        filename=filename(data.shipment, fmt),
        mime_type=CSV_MIME if fmt == "csv" else XLSX_MIME,
        data=payload,
        caption=caption,
    )


async def packing_document(
    ctx: HandlerContext, shipment_id: int, lang: Language, fmt: str = "xlsx"
) -> Document | None:
    """A report (Turn.after_commit): read from a snapshot, drawn off the event loop."""
    async with ctx.reports.slot():
        async with ctx.db.snapshot() as conn:
            data = await read_packing(conn, shipment_id)
        if data is None:
            return None
        return await off_loop(render_packing_list, ctx, data, lang, fmt)
