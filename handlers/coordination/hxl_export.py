"""Spreadsheet exports with an HXL hashtag row, as CSV, XLSX or HXL-tagged CSV.

The second row carries HXL tags (https://hxlstandard.org) so coordinators can feed the file
into humanitarian tools that join data by tag rather than by column title; titles in the first
row, and the words in the cells, follow the reader's language. One row per item line.
``export_documents`` describes the export as an ``ExportSpec``; the renderers read its rows
from the database file and write them (bot/export_writer.py), building each row here
(``csv_line_builder``, ``export_row_builder``: what ``row_builder`` makes of a line, without
the line). ``build_workbook`` makes the same sheets from lines read elsewhere.

Contact details of requesters are personal data: only admins' exports carry them, and only
then are they read from the database at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import Field

from handlers.core.events import Document
from handlers.core.location_policy import Detail, View, detail
from handlers.core.offload import off_loop
from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.text.i18n import Language, Translator
from handlers.text.places import latin_beside
from handlers.text.workbook import CSV_LINE_END, ColumnHead, ColumnKind, CsvFields, Sheet, Workbook
from handlers.text.workbook import Cell as WorkbookCell
from storage.exports import (
    EXPORT_COLUMNS,
    ORG_COLUMNS,
    ExportLine,
    ExportQuery,
    ExportRow,
    export_line,
    export_query,
    parse_shipment_ids,
)
from storage.models import Filters, Frozen, OrgKind, Role, Status, Urgency, request_ref
from storage.places import Unit, codifier
from storage.shipment_models import shipment_ref
from storage.timefmt import date_from_db, from_db

if TYPE_CHECKING:
    from handlers.core.context import HandlerContext

Cell = str | int | None  # an ExportTable's cells


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column: its i18n name (``export.col.<name>``, ``export.about.<name>``), its HXL
    tag and the kind of its values."""

    name: str
    hxl: str
    kind: ColumnKind = ColumnKind.TEXT


_DATE = ColumnKind.DATE
_INT = ColumnKind.INT
# In column order. Places follow the humanitarian convention: #adm1 oblast, #adm2 raion,
# #adm3 hromada, #adm4 settlement, each with a +code column for its P-code. Words (unit,
# urgency, status, sector) are in the reader's language; the +code columns at the end hold
# the same values as codes, equal in every language, so files exported in German and in
# Ukrainian can be merged.
COLUMNS: Final[tuple[ExportColumn, ...]] = (
    ExportColumn("id", "#meta+id"),
    ExportColumn("reported", "#date+reported", _DATE),
    ExportColumn("needed", "#date+needed", _DATE),
    ExportColumn("org", "#org+name"),
    ExportColumn("org_code", "#org+code"),
    ExportColumn("adm1", "#adm1+name"),
    ExportColumn("adm1_code", "#adm1+code"),
    ExportColumn("adm2", "#adm2+name"),
    ExportColumn("adm2_code", "#adm2+code"),
    ExportColumn("adm3", "#adm3+name"),
    ExportColumn("adm3_code", "#adm3+code"),
    ExportColumn("adm4", "#adm4+name"),
    ExportColumn("adm4_code", "#adm4+code"),
    ExportColumn("facility", "#loc+facility+name"),
    ExportColumn("sector", "#sector"),
    ExportColumn("item_uk", "#item+name+i_uk"),
    ExportColumn("item_de", "#item+name+i_de"),
    ExportColumn("item_en", "#item+name+i_en"),
    ExportColumn("requested", "#item+num+requested", _INT),
    ExportColumn("pledged", "#item+num+pledged", _INT),
    ExportColumn("delivered", "#item+num+delivered", _INT),
    ExportColumn("unit", "#item+unit"),
    ExportColumn("severity", "#severity"),
    ExportColumn("status", "#status"),
    ExportColumn("description", "#description"),
    ExportColumn("sector_code", "#sector+code"),
    ExportColumn("unit_code", "#item+unit+code"),
    ExportColumn("severity_code", "#severity+code"),
    ExportColumn("status_code", "#status+code"),
    # The shipments (S-12) carrying the line (issue 14); the same refs in every language.
    ExportColumn("shipment", "#meta+shipment"),
)
CONTACT_COLUMN: Final = ExportColumn("contact", "#contact+name")

# The oblast's OCHA P-code (COD-AB), ../shared/data/katottg_ua12.csv.
ADM1_PCODE: Final = "UA12"

# Catalog categories as humanitarian clusters, which partner tools recognise; the code is
# the +code value, its name (``export.sector.<code>``) is in the reader's language.
SECTORS: Final = MappingProxyType(
    {
        "medical_supplies": "health",
        "medicines": "health",
        "power": "energy",
        "water_sanitation": "wash",
        "shelter": "shelter",
        "food": "food_security",
        "vehicles": "logistics",
        "other": "other",
    }
)

# Excel number formats of date cells: the reader's habit (Excel shows the format code in its
# own language); English readers get ISO, which no one reads as month-first by mistake.
DATE_FORMATS: Final = MappingProxyType({"uk": "dd.mm.yyyy", "de": "dd.mm.yyyy", "en": "yyyy-mm-dd"})
# German and Ukrainian Excel split CSV at ";" (their decimal separator is the comma);
# English Excel at ",".
CSV_DELIMITERS: Final = MappingProxyType({"uk": ";", "de": ";", "en": ","})

FORMATS: Final = ("csv", "xlsx", "hxl")
CSV_MIME: Final = "text/csv"
XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT: Final = 100_000


@dataclass(frozen=True, slots=True)
class ExportTable:
    """Header titles, HXL tags, and rows of equal width: the older one-sheet form, which
    ``Renderers.xlsx`` still draws. New code describes a ``Workbook``."""

    header: tuple[str, ...]
    hxl: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]

    def __post_init__(self) -> None:
        width = len(self.header)
        if len(self.hxl) != width or any(len(row) != width for row in self.rows):
            raise ValueError("header, HXL row and every data row must have the same width")


@dataclass(frozen=True, slots=True)
class PlaceCells:
    """The #adm1-#adm4 cells of a line: names and codes (None: not known, or not the reader's
    to know)."""

    oblast: str | None
    oblast_code: str | None
    raion: str | None
    raion_code: str | None
    hromada: str | None
    hromada_code: str | None
    settlement: str | None
    settlement_code: str | None


@dataclass(frozen=True, slots=True)
class _PlaceKey:
    """The fields of a line that decide its place cells (hashable, for the memo)."""

    raion: str
    settlement: str
    raion_code: str | None
    hromada_code: str | None
    settlement_code: str | None
    outside_oblast: bool

    @classmethod
    def of(cls, line: ExportLine) -> _PlaceKey:
        return cls(
            line.raion,
            line.settlement,
            line.raion_code,
            line.hromada_code,
            line.settlement_code,
            line.outside_oblast,
        )


def unit_code(unit: Unit) -> str:
    """The +code value of a unit: its OCHA P-code, which partner tools join on; the KATOTTH
    code for the few units OCHA has none for (city districts, which no organisation is placed
    at)."""
    return unit.pcode or unit.code


def place_cells(
    line: ExportLine | _PlaceKey, level: Detail, oblast: str, lang: Language
) -> PlaceCells:
    """Where the line's organisation is, at each level of the convention, as far as ``level``
    lets the reader see (handlers/core/location_policy.py: AREA stops at the hromada, FULL
    adds the settlement). Names carry their Latin form beside them for German and English
    readers; the +code columns are the same in every language.

    An organisation placed by code fills every level from the codifier; one not placed yet
    has its typed raion (and, at FULL, its typed settlement) and no codes: nothing typed is
    turned into a code here. One outside the oblast has no oblast, raion or hromada; its
    typed place is its settlement, shown at FULL only.
    """
    if level is Detail.NONE:
        return PlaceCells(None, None, None, None, None, None, None, None)
    full = level is Detail.FULL
    if line.outside_oblast:
        town = latin_beside(line.settlement, lang) if full and line.settlement else None
        return PlaceCells(None, None, None, None, None, None, town, None)
    places = codifier()

    def unit_cells(code: str | None) -> tuple[str | None, str | None]:
        unit = places.get(code) if code else None
        if unit is None:
            return None, None
        return latin_beside(unit.name, lang, latin_name=unit.latin), unit_code(unit)

    if line.hromada_code is not None:
        raion, raion_code = unit_cells(line.raion_code)
        hromada, hromada_code = unit_cells(line.hromada_code)
        town, town_code = unit_cells(line.settlement_code) if full else (None, None)
    else:
        raion = latin_beside(line.raion, lang) if line.raion else None
        raion_code = hromada = hromada_code = town_code = None
        town = latin_beside(line.settlement, lang) if full and line.settlement else None
    return PlaceCells(oblast, ADM1_PCODE, raion, raion_code, hromada, hromada_code, town, town_code)


def sector(catalog: Catalog, item_key: str | None) -> str:
    """The cluster's code; free text and retired items fall under other."""
    item = catalog.get(item_key) if item_key is not None else None
    return SECTORS.get(item.category, "other") if item is not None else "other"


def export_columns(include_contacts: bool) -> tuple[ExportColumn, ...]:
    return (*COLUMNS, CONTACT_COLUMN) if include_contacts else COLUMNS


def column_heads(*, lang: Language, t: Translator, include_contacts: bool) -> list[ColumnHead]:
    """The columns of the needs sheet, titled in ``lang``."""
    date_format = DATE_FORMATS[lang]
    return [
        ColumnHead(
            title=t(lang, f"export.col.{column.name}"),
            kind=column.kind,
            hxl=column.hxl,
            number_format=date_format if column.kind is ColumnKind.DATE else None,
        )
        for column in export_columns(include_contacts)
    ]


def row_builder(
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    include_contacts: bool,
    place_detail: Detail,
    tz: tzinfo = UTC,
) -> Callable[[ExportLine], tuple[WorkbookCell, ...]]:
    """One item line to its spreadsheet row; pure, so it may run in any thread.
    ``place_detail``: how much of each organisation's place the reader may see
    (``export_detail``)."""
    adm1 = t(lang, "export.adm1")

    # An export names a few hundred organisations and places over up to 100,000 lines: each
    # name's transliteration and each place's cells are worked out once per export (the
    # transliteration per line doubled the time of a German export).
    @functools.lru_cache(maxsize=4096)
    def places(key: _PlaceKey) -> PlaceCells:
        return place_cells(key, place_detail, adm1, lang)

    # A catalog item's three names and cluster, once per item rather than once per line.
    @functools.lru_cache(maxsize=4096)
    def item(key: str) -> tuple[tuple[str, str, str], str]:
        names = (catalog.name(key, "uk"), catalog.name(key, "de"), catalog.name(key, "en"))
        return names, sector(catalog, key)

    words = _Words(
        adm1=adm1,
        place_detail=place_detail,
        item=item,
        latin=functools.lru_cache(maxsize=4096)(functools.partial(_latin, lang=lang)),
        places=places,
        urgency={u: t(lang, f"urgency.{u.value}") for u in Urgency},
        status={s: t(lang, f"status.{s.value}") for s in Status},
        sector={code: t(lang, f"export.sector.{code}") for code in set(SECTORS.values())},
        lang=lang,
    )
    former = t(lang, "privacy.former_member")

    def build(line: ExportLine) -> tuple[WorkbookCell, ...]:
        row = _row(line, catalog, words, tz)
        return (*row, _contact(line, former)) if include_contacts else row

    return build


# The columns in the order the line builders paste them (COLUMNS must say the same).
_ORDER: Final = (
    "id", "reported", "needed",
    "org", "org_code", "adm1", "adm1_code", "adm2", "adm2_code", "adm3", "adm3_code", "adm4",
    "adm4_code", "facility",
    "sector", "item_uk", "item_de", "item_en",
    "requested", "pledged", "delivered",
    "unit", "severity", "status", "description", "sector_code", "unit_code",
    "severity_code", "status_code", "shipment",
)  # fmt: skip
_AT: Final = MappingProxyType({name: index for index, name in enumerate(_ORDER)})
# Free texts whose fields are kept at once: they repeat ("Дрова"), but need not.
_FREE_TEXTS_KEPT: Final = 4096


P = TypeVar("P")


@dataclass(slots=True)
class _Parts(Generic[P]):
    """What the lines of an export share, made once each from ``row_builder``'s cells of the
    first line that has it (``part`` of a slice of them: the cells themselves, or their CSV
    fields), and how to make the rest."""

    part: Callable[[Sequence[WorkbookCell]], P]
    reference: Callable[[ExportLine], tuple[WorkbookCell, ...]]
    organisation: Callable[[int], Sequence[object]] | None
    orgs: dict[int, P] = field(default_factory=dict)  # org id -> org .. facility
    items: dict[str, tuple[P, P]] = field(default_factory=dict)  # key -> sector..item_en, code
    frees: dict[str, tuple[P, P]] = field(default_factory=dict)  # free text -> the same
    units: dict[str, tuple[P, P]] = field(default_factory=dict)  # unit -> unit, unit_code
    # (urgency, status) -> severity, status; their codes
    states: dict[tuple[str, str], tuple[P, P]] = field(default_factory=dict)

    def whole(self, row: ExportRow) -> ExportLine:
        """``row`` as a line, its organisation's columns filled in if the query left them."""
        if self.organisation is not None:
            start, stop = ORG_COLUMNS.start, ORG_COLUMNS.stop
            row = (*row[:start], *self.organisation(row[_ORG_ID]), *row[stop:])
        return export_line(row)

    def learn(self, row: ExportRow) -> None:
        """The parts of ``row``'s organisation, item, unit and state."""
        cells, part = self.reference(self.whole(row)), self.part
        self.orgs[row[_ORG_ID]] = part(cells[_span("org", "facility")])
        item = (part(cells[_span("sector", "item_en")]), part(cells[_span("sector_code")]))
        if row[_ITEM_KEY] is not None:
            self.items[row[_ITEM_KEY]] = item
        else:
            if len(self.frees) >= _FREE_TEXTS_KEPT:
                self.frees.clear()
            self.frees[row[_FREE_TEXT]] = item
        self.units[row[_UNIT]] = (part(cells[_span("unit")]), part(cells[_span("unit_code")]))
        self.states[row[_URGENCY], row[_STATUS]] = (
            part(cells[_span("severity", "status")]),
            part(cells[_span("severity_code", "status_code")]),
        )


def _span(first: str, last: str | None = None) -> slice:
    """The columns ``first`` to ``last`` (or ``first`` alone), both included."""
    return slice(_AT[first], _AT[last or first] + 1)


def _parts(
    part: Callable[[Sequence[WorkbookCell]], P],
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    place_detail: Detail,
    tz: tzinfo,
    organisation: Callable[[int], Sequence[object]] | None,
) -> _Parts[P]:
    if tuple(column.name for column in COLUMNS) != _ORDER:
        raise AssertionError("the export's line builders paste the columns in another order")
    reference = row_builder(
        lang=lang,
        t=t,
        catalog=catalog,
        include_contacts=False,
        place_detail=place_detail,
        tz=tz,
    )
    return _Parts(part, reference, organisation)


def _description(note: str | None, spec: str | None) -> str | None:
    """``_row``'s description: the note and the spec that are not empty."""
    if note:
        return f"{note}; {spec}" if spec else note
    return spec or None


def export_row_builder(
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    include_contacts: bool,
    place_detail: Detail,
    tz: tzinfo = UTC,
    organisation: Callable[[int], Sequence[object]] | None = None,
) -> Callable[[ExportRow], tuple[WorkbookCell, ...]]:
    """A row of ``export_query`` straight to ``row_builder``'s cells of its ``ExportLine``,
    for the XLSX: the cells an organisation, item, unit and state share made once, by
    ``row_builder`` itself, and no line object per row. ``organisation``: as for
    ``csv_line_builder``."""
    parts: _Parts[tuple[WorkbookCell, ...]] = _parts(
        tuple,
        lang=lang,
        t=t,
        catalog=catalog,
        place_detail=place_detail,
        tz=tz,
        organisation=organisation,
    )
    orgs, items, frees, units, states = (
        parts.orgs,
        parts.items,
        parts.frees,
        parts.units,
        parts.states,
    )
    former = t(lang, "privacy.former_member")
    needed_days: dict[str, date] = {}
    contacts: dict[tuple[object, ...], str | None] = {}
    created: list[Any] = ["", None]  # the last created_at seen, its date

    def build(row: ExportRow) -> tuple[WorkbookCell, ...]:
        (
            request_id, created_at, needed_by, urgency, status, note, org_id,
            _org_name, _org_code, _org_kind, _raion, _settlement, _raion_code,
            _hromada_code, _settlement_code, _outside_oblast, _position,
            item_key, free_text, spec, quantity, unit, pledged, delivered,
            creator_name, transport, user_id, creator_forgotten, shipments,
        ) = row  # fmt: skip
        org = orgs.get(org_id)
        item = items.get(item_key) if item_key is not None else frees.get(free_text)
        unit_cells = units.get(unit)
        state = states.get((urgency, status))
        if org is None or item is None or unit_cells is None or state is None:
            parts.learn(row)
            org = orgs[org_id]
            item = items[item_key] if item_key is not None else frees[free_text]
            unit_cells, state = units[unit], states[urgency, status]
        if created_at != created[0]:
            created[0] = created_at
            created[1] = from_db(created_at).astimezone(tz).date()
        needed = None if needed_by is None else needed_days.get(needed_by)
        if needed is None and needed_by is not None:
            needed = needed_days[needed_by] = date.fromisoformat(needed_by)  # as date_from_db
        cells = (
            request_ref(request_id),
            created[1],
            needed,
            *org,
            *item[0],
            quantity,
            pledged,
            delivered,
            *unit_cells[0],
            *state[0],
            _description(note, spec),
            *item[1],
            *unit_cells[1],
            *state[1],
            ", ".join(map(shipment_ref, parse_shipment_ids(shipments))) or None,
        )
        if not include_contacts:
            return cells
        key = (creator_name, transport, user_id, creator_forgotten)
        if key not in contacts:
            contacts[key] = _contact(parts.whole(row), former)
        return (*cells, contacts[key])

    return build


def csv_line_builder(
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    include_contacts: bool,
    place_detail: Detail,
    delimiter: str,
    tz: tzinfo = UTC,
    organisation: Callable[[int], Sequence[object]] | None = None,
) -> Callable[[ExportRow], str]:
    """A row of ``export_query`` straight to its CSV line (``CSV_LINE_END`` included), the
    same text ``write_csv`` writes for ``row_builder``'s cells of its ``ExportLine``.

    An export's 100,000 lines name a few hundred organisations, a few hundred items and
    units, and a few dozen urgency and status pairs: their fields are made once, by
    ``row_builder`` itself on the first line that has them, quoted and guarded
    (``CsvFields``), and pasted into every later line. Only what differs line by line (the
    ids, dates, amounts, free text, description, shipments) is made per line, with no line
    object (a dataclass per line was a tenth of the export) and no cell lists for the csv
    module (two fifths of it). tests/bot/test_export_csv_bytes.py holds the bytes equal.

    ``organisation``: when the rows come without their organisation's columns
    (``export_query(org_columns=False)``), those of an organisation id
    (``ExportSnapshot.organisation``), asked once per organisation.
    """
    fields = CsvFields(delimiter)
    d = delimiter

    def joined(cells: Sequence[WorkbookCell]) -> str:
        return d.join(map(fields, cells))

    parts = _parts(
        joined,
        lang=lang,
        t=t,
        catalog=catalog,
        place_detail=place_detail,
        tz=tz,
        organisation=organisation,
    )
    orgs, items, frees, units, states = (
        parts.orgs,
        parts.items,
        parts.frees,
        parts.units,
        parts.states,
    )
    former = t(lang, "privacy.former_member")
    needed_days: dict[str, str] = {}
    contacts: dict[tuple[object, ...], str] = {}
    # A request's lines come one after another and share its report date.
    created: list[str] = ["", ""]  # the last created_at seen, its date's field

    def line(row: ExportRow) -> str:
        (
            request_id, created_at, needed_by, urgency, status, note, org_id,
            _org_name, _org_code, _org_kind, _raion, _settlement, _raion_code,
            _hromada_code, _settlement_code, _outside_oblast, _position,
            item_key, free_text, spec, quantity, unit, pledged, delivered,
            creator_name, transport, user_id, creator_forgotten, shipments,
        ) = row  # fmt: skip
        org = orgs.get(org_id)
        item = items.get(item_key) if item_key is not None else frees.get(free_text)
        unit_texts = units.get(unit)
        state = states.get((urgency, status))
        if org is None or item is None or unit_texts is None or state is None:
            parts.learn(row)
            org = orgs[org_id]
            item = items[item_key] if item_key is not None else frees[free_text]
            unit_texts, state = units[unit], states[urgency, status]
        if created_at != created[0]:
            created[0] = created_at
            created[1] = from_db(created_at).astimezone(tz).date().isoformat()
        needed = "" if needed_by is None else needed_days.get(needed_by)
        if needed is None:
            needed = needed_days[needed_by] = fields(date_from_db(needed_by))
        # _description inline: a call per line costs more than the test.
        if note:
            description = fields.text(f"{note}; {spec}" if spec else note)
        else:
            description = fields.text(spec) if spec else ""
        shipped = (
            fields.text(", ".join(map(shipment_ref, parse_shipment_ids(shipments))))
            if shipments
            else ""
        )
        if include_contacts:
            key = (creator_name, transport, user_id, creator_forgotten)
            if (contact := contacts.get(key)) is None:
                contact = contacts[key] = fields(_contact(parts.whole(row), former))
            shipped = f"{shipped}{d}{contact}"
        # request_ref of an int never needs quoting or the guard; ints are written as str()
        # writes them, as the csv module does.
        return (
            f"{request_ref(request_id)}{d}{created[1]}{d}{needed}{d}{org}{d}{item[0]}{d}"
            f"{quantity}{d}{pledged}{d}{delivered}{d}{unit_texts[0]}{d}{state[0]}{d}"
            f"{description}{d}{item[1]}{d}{unit_texts[1]}{d}{state[1]}{d}{shipped}{CSV_LINE_END}"
        )

    return line


# Where _Parts.learn finds the keys of its memos in a row.
_URGENCY: Final = EXPORT_COLUMNS.index("urgency")
_STATUS: Final = EXPORT_COLUMNS.index("status")
_ORG_ID: Final = EXPORT_COLUMNS.index("org_id")
_ITEM_KEY: Final = EXPORT_COLUMNS.index("item_key")
_FREE_TEXT: Final = EXPORT_COLUMNS.index("free_text")
_UNIT: Final = EXPORT_COLUMNS.index("unit")


@dataclass(frozen=True, slots=True)
class _Words:
    """The reader's words, looked up once per export rather than once per line."""

    adm1: str
    place_detail: Detail
    urgency: Mapping[Urgency, str]
    status: Mapping[Status, str]
    sector: Mapping[str, str]
    lang: Language
    latin: Callable[[str], str]  # latin_beside in the reader's language, memoised
    places: Callable[[_PlaceKey], PlaceCells]  # place_cells at the reader's detail, memoised
    # A catalog key's names in uk, de, en and its cluster, memoised.
    item: Callable[[str], tuple[tuple[str, str, str], str]]


def _latin(name: str, lang: Language) -> str:
    return latin_beside(name, lang)


def _row(line: ExportLine, catalog: Catalog, words: _Words, tz: tzinfo) -> tuple[WorkbookCell, ...]:
    names: tuple[str, ...]
    if line.item_key is not None:
        names, cluster = words.item(line.item_key)
    else:
        # Free text is kept as typed: no one translated it, and a guess could be wrong goods.
        names, cluster = (line.free_text or "",) * 3, "other"
    description = "; ".join(part for part in (line.note, line.spec) if part)
    place = words.places(_PlaceKey.of(line))
    org = words.latin(line.org_name)
    return (
        request_ref(line.request_id),
        line.created_at.astimezone(tz).date(),
        line.needed_by,
        org,
        line.org_code,
        place.oblast,
        place.oblast_code,
        place.raion,
        place.raion_code,
        place.hromada,
        place.hromada_code,
        place.settlement,
        place.settlement_code,
        org if line.org_kind is OrgKind.HOSPITAL else None,
        words.sector[cluster],
        *names,
        line.quantity,
        line.pledged,
        line.delivered,
        unit_name(line.unit, words.lang),
        words.urgency[line.urgency],
        words.status[line.status],
        description or None,
        cluster,
        line.unit,
        line.urgency.value,
        line.status.value,
        ", ".join(map(shipment_ref, line.shipment_ids)) or None,
    )


def _contact(line: ExportLine, former: str) -> str | None:
    if line.creator_forgotten:
        return former
    if line.creator is None:
        return line.creator_name
    if line.creator_name:
        return f"{line.creator_name} ({line.creator})"
    return str(line.creator)


def needs_sheet(
    rows: Sequence[Sequence[WorkbookCell]], *, lang: Language, t: Translator, include_contacts: bool
) -> Sheet:
    heads = column_heads(lang=lang, t=t, include_contacts=include_contacts)
    return Sheet.from_rows(t(lang, "export.sheet_title"), heads, rows)


def about_sheet(*, lang: Language, t: Translator, include_contacts: bool) -> Sheet:
    """What each column of the needs sheet holds, in the reader's language."""
    heads = [
        ColumnHead(title=t(lang, "export.about.col_column")),
        ColumnHead(title=t(lang, "export.about.col_hxl")),
        ColumnHead(title=t(lang, "export.about.col_meaning"), width=80),
    ]
    rows = [
        (t(lang, f"export.col.{c.name}"), c.hxl, t(lang, f"export.about.{c.name}"))
        for c in export_columns(include_contacts)
    ]
    return Sheet.from_rows(
        t(lang, "export.about.sheet_title"),
        heads,
        rows,
        notes=(t(lang, "export.about.intro"),),
    )


def build_workbook(
    lines: Iterable[ExportLine],
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    include_contacts: bool,
    place_detail: Detail,
    tz: tzinfo = UTC,
) -> Workbook:
    """The needs sheet and its about sheet; ``tz`` decides the calendar day of a report."""
    row = row_builder(
        lang=lang,
        t=t,
        catalog=catalog,
        include_contacts=include_contacts,
        place_detail=place_detail,
        tz=tz,
    )
    return _workbook(
        [row(line) for line in lines], lang=lang, t=t, include_contacts=include_contacts
    )


def _workbook(
    rows: Sequence[Sequence[WorkbookCell]], *, lang: Language, t: Translator, include_contacts: bool
) -> Workbook:
    return Workbook(
        sheets=(
            needs_sheet(rows, lang=lang, t=t, include_contacts=include_contacts),
            about_sheet(lang=lang, t=t, include_contacts=include_contacts),
        )
    )


def export_detail(roles: Iterable[Role]) -> Detail:
    """How much of the organisations' places an export for ``roles`` carries: the one policy
    (handlers/core/location_policy.py, View.EXPORT). Admins: down to the settlement; everyone
    else who may export (coordinators): hromada and raion. An export spans many organisations,
    so no organisation counts as the reader's own here."""
    return detail(roles, View.EXPORT)


def expand_category(filters: Filters, catalog: Catalog) -> Filters:
    """Storage knows no catalog: a category filter becomes the list of its item keys.

    Free-text items have no key, so a category filter leaves them out (even for "other").
    """
    if filters.category is None or filters.item_keys is not None:
        return filters
    keys = tuple(item.key for item in catalog.items_in(filters.category))
    return filters.model_copy(update={"item_keys": keys})


ExportFormat = Literal["csv", "xlsx", "hxl"]
SUFFIXES: Final = MappingProxyType({"csv": "csv", "xlsx": "xlsx", "hxl": "hxl.csv"})


class ExportSpec(Frozen):
    """An export as plain data, which the renderers read and write by themselves.

    A 100,000-line export built in the bot's process held the interpreter lock for seconds
    in a thread (each line's row built in the snapshot's database thread) and kept 100,000
    row tuples alive, whose garbage-collector passes stop every thread, the event loop's
    too. Now the bot sends this small request; the render process (bot/render_process.py)
    opens the database file read-only in one read transaction (a consistent snapshot),
    builds each row (``export_layout``) and writes it straight to a CSV writer or a
    write-only workbook, so memory stays flat in the number of rows.

    ``filters`` with any category already expanded into item keys; ``place_detail`` from the
    location policy for the reader's roles; ``tz``: the zone whose calendar day a report
    date is; ``max_bytes``: the platform's largest file (None: no limit), past which the
    export comes in parts, each announced.
    """

    fmt: ExportFormat
    filters: Filters
    statuses: tuple[Status, ...] | None = None
    lang: Language
    include_contacts: bool
    place_detail: Detail
    tz: str = "UTC"
    limit: int = EXPORT_LIMIT
    max_bytes: int | None = None

    @property
    def delimiter(self) -> str:
        # HXL-tagged CSV is for tools: "," whatever the language; CSV for the reader's Excel.
        return "," if self.fmt == "hxl" else CSV_DELIMITERS[self.lang]

    @property
    def bom(self) -> bool:
        return self.fmt != "hxl"

    def query(self, *, org_columns: bool = True) -> ExportQuery | None:
        """The item lines' query; None when the filters match nothing. ``org_columns``:
        see ``export_query``."""
        return export_query(
            self.filters,
            include_contacts=self.include_contacts,
            statuses=self.statuses,
            org_columns=org_columns,
        )


class ExportPart(Frozen):
    """One file of an export and the number of item lines in it."""

    data: bytes
    rows: int


class ExportFiles(Frozen):
    """What the renderers made of an ``ExportSpec``: its parts in order, more than one only
    when one file would be bigger than ``max_bytes``."""

    parts: tuple[ExportPart, ...] = Field(min_length=1)

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.parts)


@dataclass(frozen=True, slots=True)
class ExportLayout:
    """All a writer needs in the reader's words: the needs sheet's title and columns, the
    row of each line, and the about sheet."""

    title: str
    heads: tuple[ColumnHead, ...]
    row: Callable[[ExportLine], tuple[WorkbookCell, ...]]
    about: Sheet


def export_layout(spec: ExportSpec, *, t: Translator, catalog: Catalog) -> ExportLayout:
    """The layout of ``spec``'s file; pure, so any thread or process may build it."""
    lang, contacts = spec.lang, spec.include_contacts
    return ExportLayout(
        title=t(lang, "export.sheet_title"),
        heads=tuple(column_heads(lang=lang, t=t, include_contacts=contacts)),
        row=row_builder(
            lang=lang,
            t=t,
            catalog=catalog,
            include_contacts=contacts,
            place_detail=spec.place_detail,
            tz=ZoneInfo(spec.tz),
        ),
        about=about_sheet(lang=lang, t=t, include_contacts=contacts),
    )


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
    """The export as one file, however big (the CLI, tests): ``export_documents`` without a
    size limit."""
    (document,) = await export_documents(
        ctx, fmt, filters, lang=lang, roles=roles, today=today, statuses=statuses
    )
    return document


async def export_documents(
    ctx: HandlerContext,
    fmt: str,
    filters: Filters,
    *,
    lang: Language,
    roles: frozenset[Role],
    today: date,
    statuses: Sequence[Status] | None = None,
    max_bytes: int | None = None,
) -> list[Document]:
    """The export as files for someone with ``roles``, contacts only for admins.

    ``fmt``: ``csv`` (for Excel in the reader's language: ";" for German and Ukrainian,
    "," for English, with a BOM), ``xlsx`` (a needs sheet and an about sheet) or ``hxl``
    (HXL-tagged CSV for humanitarian tools: "," and no BOM, whatever the language).
    ``max_bytes``: the platform's largest file; a bigger export comes in parts, each a whole
    file with its header rows, each caption saying which part of how many it is.

    A report (``Turn.after_commit``), in its turn among reports: the renderers read the
    rows from a snapshot of the database file and write them in their own process
    (``ExportSpec``); no lock is held and the event loop keeps answering chats.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    spec = ExportSpec(
        fmt=fmt,  # checked against FORMATS above; pydantic checks it again
        filters=expand_category(filters, ctx.catalog),
        statuses=None if statuses is None else tuple(statuses),
        lang=lang,
        include_contacts=Role.ADMIN in roles,
        place_detail=export_detail(roles),
        tz=ctx.policy.timezone.key,
        max_bytes=max_bytes,
    )
    if ctx.db.path == ":memory:":
        raise ValueError("an export reads the database file; an in-memory database has none")
    async with ctx.reports.slot():
        files = await off_loop(ctx.renderers.export, spec, db_path=ctx.db.location)
    return _documents(ctx, spec, files, today)


def _documents(
    ctx: HandlerContext, spec: ExportSpec, files: ExportFiles, today: date
) -> list[Document]:
    lang, total, count = spec.lang, files.rows, len(files.parts)
    caption = ctx.t(lang, "export.caption", rows=total)
    if total >= spec.limit:
        caption += "\n" + ctx.t(lang, "export.truncated", limit=spec.limit)
    mime = XLSX_MIME if spec.fmt == "xlsx" else CSV_MIME
    name = f"aidbridge-export-{today.isoformat()}"
    if count == 1:
        return [
            Document(
                filename=f"{name}.{SUFFIXES[spec.fmt]}",
                mime_type=mime,
                data=files.parts[0].data,
                caption=caption,
            )
        ]
    documents, first = [], 1
    for number, part in enumerate(files.parts, start=1):
        last = first + part.rows - 1
        documents.append(
            Document(
                filename=f"{name}-{number}-of-{count}.{SUFFIXES[spec.fmt]}",
                mime_type=mime,
                data=part.data,
                caption=ctx.t(lang, "export.part", part=number, parts=count, first=first, last=last)
                + "\n"
                + caption,
            )
        )
        first = last + 1
    return documents
