"""The packing list of a shipment as a workbook: a summary sheet with every line, then one
sheet per destination whose heading is a delivery note in Ukrainian with room for the
recipient's signature (or, as CSV, the summary's lines).

Since April 2024 every humanitarian import into Ukraine is declared with its recipient and
item lines, so each line carries the item in Ukrainian and German, quantity and unit, the
request id, the recipient's name, EDRPOU code and address, the carrier and the waybill, under
an HXL hashtag row. What a sheet says is pure (``PackingLayout``); ``packing_documents`` sends
a ``PackingSpec`` to the renderers, which read the lines from the database and write them
row by row in the render process (bot/packing_writer.py), in parts past the platform's
largest file, as /export does.

Where each recipient is follows the location policy (handlers/core/location_policy.py, view
PACKING_LIST): the street address and the settlement for admins and for the members of the
shipment's carrier organisation, who drive there; for any other coordinator the hromada and
raion only (``packing_detail``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import Field

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
from handlers.text.workbook import Cell, ColumnHead, ColumnKind
from storage.models import Frozen, Member, Organisation, Role, request_ref
from storage.packing_lines import PackingHead
from storage.shipment_models import Shipment, ShipmentLine, shipment_ref

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


def filename(ref: str, fmt: str = "xlsx", *, part: int = 1, parts: int = 1) -> str:
    """packing-list-S-12.xlsx; a part of a list in parts packing-list-S-12-2-of-3.xlsx."""
    tail = "" if parts == 1 else f"-{part}-of-{parts}"
    return f"packing-list-{ref}{tail}.{fmt}"


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
    beside: Callable[[str, Language], str] = latin_beside,
) -> tuple[Cell, ...]:
    """A line; names with their Latin form beside them for German and English readers
    (``beside``: ``latin_beside``, or a cache of it)."""
    dest = orgs.get(line.dest_org_id)
    carrier = orgs.get(shipment.carrier_org_id) if shipment.carrier_org_id else None
    at = place.get(line.dest_org_id, Where())
    return (
        number,
        request_ref(line.request_id) if line.request_id else None,
        beside(dest.name, lang) if dest else None,
        dest.code if dest else None,
        at.address,
        at.place,
        item_label(catalog, "uk", line.item_key, line.free_text),
        item_label(catalog, "de", line.item_key, line.free_text),
        line.item_key,
        line.quantity,
        unit_name(line.unit, "uk"),
        unit_name(line.unit, "de"),
        beside(carrier.name, lang) if carrier else None,
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


class PackingSpec(Frozen):
    """A packing list as plain data, which the renderers read and write by themselves
    (``Renderers.packing_list``).

    The render process (bot/packing_writer.py) opens the database read-only in one read
    transaction (storage/packing_lines.py), builds each line's rows (``PackingLayout``) and
    writes them straight into the workbook or the CSV file, so memory stays flat in the
    number of lines; before, the bot read every line into models and sent them down the
    pipe, and the child built the whole workbook in memory. ``level``: the recipients'
    places (``packing_detail``); ``max_bytes``: the platform's largest file (None: no
    limit), past which the list comes in parts, each announced, never cut."""

    shipment_id: int
    fmt: Literal["xlsx", "csv"]
    lang: Language
    level: Detail
    max_bytes: int | None = None


class PackingLayout:
    """All a writer needs in the reader's words: the summary's title, columns and notes in
    the reader's language, each destination's delivery note in Ukrainian, and each line's
    row on either. Pure, so any thread or process may build it."""

    def __init__(
        self, spec: PackingSpec, head: PackingHead, *, t: Translator, catalog: Catalog
    ) -> None:
        self._t, self._catalog, self._level = t, catalog, spec.level
        self.lang: Language = spec.lang
        self.shipment, self.orgs = head.shipment, head.orgs
        self.summary_title = t(spec.lang, "ship.pl.summary")
        self.heads = tuple(_heads(t, spec.lang))
        self.note_heads = tuple(_heads(t, NOTE_LANG))
        self.summary_notes = tuple(_header_notes(t, spec.lang, head.shipment, head.orgs))
        self.delimiter = CSV_DELIMITERS[spec.lang]
        # Each destination's place, once per destination (a few hundred at most).
        self._place: dict[int, Where] = {}
        self._note_place: dict[int, Where] = {}
        # The same few names on every line: transliterated once each, not twice a line.
        self._beside = functools.lru_cache(maxsize=1024)(latin_beside)

    def summary_row(self, number: int, line: ShipmentLine) -> tuple[Cell, ...]:
        place = self._places(self._place, self.lang, line.dest_org_id)
        return _row(
            number, line, self.shipment, self.orgs, self._catalog, place, self.lang, self._beside
        )

    def note_row(self, number: int, line: ShipmentLine) -> tuple[Cell, ...]:
        place = self._places(self._note_place, NOTE_LANG, line.dest_org_id)
        return _row(
            number, line, self.shipment, self.orgs, self._catalog, place, NOTE_LANG, self._beside
        )

    def note_title(self, index: int, dest_id: int) -> str:
        """The ``index``-th destination's sheet. Numbered: two recipients may share the
        first 31 characters of their names."""
        dest = self.orgs.get(dest_id)
        return f"{index} {dest.name if dest else '?'}"

    def note_notes(self, dest_id: int) -> tuple[str, ...]:
        """The delivery note's heading, in Ukrainian, with room for the signature."""
        t, shipment = self._t, self.shipment
        dest = self.orgs.get(dest_id)
        at = self._places(self._note_place, NOTE_LANG, dest_id)[dest_id]
        return (
            t(NOTE_LANG, "ship.pl.delivery_note", ref=shipment.ref, name=shipment.name),
            t(
                NOTE_LANG,
                "ship.pl.recipient",
                org=dest.name if dest else "?",
                code=(dest.code if dest else None) or "—",
                address=at.note_text() or "—",
            ),
            *_header_notes(t, NOTE_LANG, shipment, self.orgs)[1:],
            t(NOTE_LANG, "ship.pl.signature"),
        )

    def summary_part_note(self, part: int, first: int, last: int, total: int) -> str:
        """A list in parts: which lines this file's summary holds (the captions say it too)."""
        return self._t(
            self.lang,
            "ship.pl.part_note",
            part=part,
            first=fmt_qty(first),
            last=fmt_qty(last),
            total=fmt_qty(total),
        )

    def note_part_note(self, first: int, last: int, total: int) -> str:
        """A delivery note split between parts: which of the recipient's lines it holds."""
        return self._t(
            NOTE_LANG,
            "ship.pl.note_part",
            first=fmt_qty(first),
            last=fmt_qty(last),
            total=fmt_qty(total),
        )

    def _places(self, cache: dict[int, Where], lang: Language, dest_id: int) -> dict[int, Where]:
        if dest_id not in cache:
            cache[dest_id] = where(self._t, lang, self._level, self.orgs.get(dest_id))
        return cache


class PackingPart(Frozen):
    """One file of a packing list: its summary's lines are ``first`` to
    ``first + lines - 1`` of the whole list."""

    data: bytes
    lines: int
    first: int


class PackingFiles(Frozen):
    """What the renderers made of a ``PackingSpec``: its parts in order, more than one only
    when one file would be bigger than ``max_bytes``; ``total``: the list's lines."""

    parts: tuple[PackingPart, ...] = Field(min_length=1)
    total: int


def part_documents(t: Translator, spec: PackingSpec, files: PackingFiles) -> list[Document]:
    """The files as documents; a list in parts has each part's caption say which part of
    how many it is and which lines it holds, as an export's parts do."""
    ref, lang, count = shipment_ref(spec.shipment_id), spec.lang, len(files.parts)
    caption = t(lang, "ship.pl.caption", ref=ref, lines=fmt_qty(files.total))
    mime = CSV_MIME if spec.fmt == "csv" else XLSX_MIME
    if count == 1:
        data = files.parts[0].data
        return [
            Document(filename=filename(ref, spec.fmt), mime_type=mime, data=data, caption=caption)
        ]
    return [
        Document(
            filename=filename(ref, spec.fmt, part=number, parts=count),
            mime_type=mime,
            data=part.data,
            caption=t(
                lang,
                "ship.pl.part",
                part=number,
                parts=count,
                first=fmt_qty(part.first),
                last=fmt_qty(part.first + part.lines - 1),
            )
            + "\n"
            + caption,
        )
        for number, part in enumerate(files.parts, start=1)
    ]


async def packing_documents(
    ctx: HandlerContext,
    shipment_id: int,
    lang: Language,
    fmt: str,
    level: Detail,
    *,
    max_bytes: int | None = None,
) -> list[Document]:
    """A report (Turn.after_commit), in its turn among reports: the renderers read the
    lines from a snapshot of the database and write them in their own process
    (``PackingSpec``); nothing when the shipment is gone. The recipients' places at
    ``level`` (``packing_detail``); past ``max_bytes`` in parts."""
    spec = PackingSpec(
        shipment_id=shipment_id,
        fmt="csv" if fmt == "csv" else "xlsx",
        lang=lang,
        level=level,
        max_bytes=max_bytes,
    )
    if ctx.db.path == ":memory:":
        raise ValueError("a packing list reads the database file; an in-memory one has none")
    async with ctx.reports.slot():
        files = await off_loop(ctx.renderers.packing_list, spec, db_path=ctx.db.location)
    return [] if files is None else part_documents(ctx.t, spec, files)
