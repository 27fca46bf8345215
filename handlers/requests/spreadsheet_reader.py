"""A needs list sent as a spreadsheet: its header row found, every row read with /need's reader.

Two halves. Turning bytes into rows of cell texts (zip and XML checks, openpyxl, CSV decoding)
is bot/sheet_files.py's, behind the ``SheetFiles`` protocol, so handlers import no openpyxl;
it answers a ``RawSheet``. What the rows mean is this module's, pure and off the event loop
(handlers/requests/upload.py runs it through handlers/core/offload.py):

- the header row is the first row (of the first ``HEADER_SEARCH_ROWS``) naming an item column
  and a quantity column in uk, de or en ("найменування / Artikel / item", "кількість / Menge /
  quantity"); unit, urgency, needed-by and note columns are optional;
- each row below it is read with the same reader as /need (handlers/requests/need_line.py):
  the quantity and unit cells, then the item cell, as one /need line; the urgency cell with the
  reader's urgency words, the date cell with its date reader. Nothing is guessed: a row the
  reader cannot read, that reads as more than one item, whose quantity is not the quantity
  cell, or that holds a formula, is listed by its row number and why;
- the request's urgency is the most urgent any row states and its needed-by date the earliest,
  and the preview says so when rows differ (both can be changed with Edit before Submit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, Protocol

from pydantic import BaseModel, ConfigDict

from handlers.requests.catalog import Catalog
from handlers.requests.need_line import (
    DATE_TOO_FAR,
    INVALID_DATE,
    MAX_YEARS_AHEAD,
    PAST_DATE,
    ParsedItem,
    ParseProblem,
    parse_need,
)
from handlers.requests.reader.dates import find_dates
from handlers.requests.reader.urgency import combine, find_urgency
from storage.models import Urgency

# More data rows than this and the whole file is refused (issue 15): a list that long is not a
# hospital's needs list, and reading it would hold a worker thread for seconds.
MAX_ROWS: Final = 500
# The header row is looked for among the first rows only (a title or the hospital's name may
# stand above it).
HEADER_SEARCH_ROWS: Final = 20
# Columns read from each row: the template has six; more are ignored.
MAX_COLUMNS: Final = 30
# One cell's text beyond this is refused for its row (an item name is read up to 200).
MAX_CELL_CHARS: Final = 1000

# Refusals of a whole file; the codes are i18n keys (handlers/text/i18n/messages/upload.py).
NOT_SPREADSHEET: Final = "upload.refused.not_spreadsheet"
OLD_XLS: Final = "upload.refused.xls"
MACROS: Final = "upload.refused.macros"
BOMB: Final = "upload.refused.bomb"
TOO_MANY_ROWS: Final = "upload.refused.too_many_rows"
ENCODING: Final = "upload.refused.encoding"
NO_HEADER: Final = "upload.refused.no_header"
EMPTY: Final = "upload.refused.empty"
NOT_FETCHED: Final = "upload.refused.not_fetched"

# Problems of one row (i18n keys); /need's own problems (quick.*) are listed as they are.
ROW_FORMULA: Final = "upload.row.formula"
ROW_NO_ITEM: Final = "upload.row.no_item"
ROW_NO_QUANTITY: Final = "upload.row.no_quantity"
ROW_SEVERAL: Final = "upload.row.several"
ROW_QUANTITY_MISMATCH: Final = "upload.row.quantity_mismatch"
ROW_URGENCY: Final = "upload.row.urgency"
ROW_DATE: Final = "upload.row.date"
ROW_TOO_LONG: Final = "upload.row.too_long"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RawRow(_Frozen):
    """One non-empty row as the file holds it: its number as a spreadsheet shows it (1-based),
    each cell as text ("" when empty; dates as YYYY-MM-DD; whole numbers without ".0"), and
    which columns (0-based) hold a formula (kept as its text, never evaluated)."""

    number: int
    cells: tuple[str, ...]
    formulas: tuple[int, ...] = ()


class RawSheet(_Frozen):
    """A file's first sheet as rows, or why the whole file is refused (an i18n key)."""

    refusal: str | None = None
    rows: tuple[RawRow, ...] = ()


class SheetFiles(Protocol):
    """Bytes to rows, implemented in bot/sheet_files.py; safe in a worker thread."""

    def read(self, data: bytes, filename: str) -> RawSheet:
        """The first sheet of an .xlsx or the rows of a .csv, checked before anything parses
        it (zip bombs, macros, another format renamed); never raises on a hostile file."""
        ...


# --- file kinds by name ---------------------------------------------------------------------

READABLE_SUFFIXES: Final = (".xlsx", ".csv")
# Spreadsheets the bot names and refuses without reading them.
REFUSED_SUFFIXES: Final = {".xlsm": MACROS, ".xltm": MACROS, ".xls": OLD_XLS, ".xlsb": OLD_XLS}


def suffix(filename: str) -> str:
    name = filename.strip().casefold()
    return name[name.rfind(".") :] if "." in name else ""


def is_spreadsheet_name(filename: str | None) -> bool:
    """Whether a transport should fetch a document for reading (or name why it refuses it)."""
    return filename is not None and (
        suffix(filename) in READABLE_SUFFIXES or suffix(filename) in REFUSED_SUFFIXES
    )


# --- the header row ----------------------------------------------------------------------

ITEM, QUANTITY, UNIT, URGENCY, NEEDED_BY, NOTE = (
    "item",
    "quantity",
    "unit",
    "urgency",
    "needed_by",
    "note",
)
COLUMNS: Final = (ITEM, QUANTITY, UNIT, URGENCY, NEEDED_BY, NOTE)

# What a header cell may say, folded (see fold_header): the template's titles in uk/de/en are
# among them (tests/handlers/test_spreadsheet_reader.py checks that), and the words people
# write in their own lists.
HEADER_WORDS: Final[dict[str, frozenset[str]]] = {
    ITEM: frozenset(
        "найменування;найменування товару;назва;назва товару;товар;позиція;предмет;"
        "наименование;название;artikel;bezeichnung;artikelbezeichnung;ware;gegenstand;"
        "item;items;item name;name;description;article;product".split(";")
    ),
    QUANTITY: frozenset(
        "кількість;к-сть;к-ть;кол-во;количество;menge;anzahl;stückzahl;stueckzahl;"
        "quantity;qty;amount;count".split(";")
    ),
    UNIT: frozenset(
        "одиниця;одиниці;од;од вим;одиниця виміру;одиниці виміру;ед изм;единица;"
        "einheit;mengeneinheit;unit;units;uom;unit of measure".split(";")
    ),
    URGENCY: frozenset(
        "терміновість;терміново;пріоритет;срочность;dringlichkeit;priorität;prioritaet;"
        "urgency;priority".split(";")
    ),
    NEEDED_BY: frozenset(
        "потрібно до;потрібен до;потрібно до дати;термін;до дати;дата;нужно до;срок;"
        "benötigt bis;benoetigt bis;bis;bis wann;datum;frist;termin;"
        "needed by;needed-by;due;due date;deadline;date;by;"
        # A donor's offer list: the last day the goods are available.
        "доступно до;в наявності до;verfügbar bis;verfuegbar bis;available until;"
        "available to".split(";")
    ),
    NOTE: frozenset(
        "примітка;примітки;коментар;коментарі;примечание;комментарий;"
        "anmerkung;bemerkung;notiz;hinweis;kommentar;note;notes;comment;comments;remark".split(";")
    ),
}

_FOLD_RE: Final = re.compile(r"[\s_]+")


def fold_header(text: str) -> str:
    """ "Кількість*", " Needed-by: ", "Од. вим." -> "кількість", "needed-by", "од вим"."""
    text = text.casefold().replace("ё", "е").replace("’", "'").replace(".", " ")
    text = text.strip(" \t:*#()[]")
    return _FOLD_RE.sub(" ", text).strip()


def header_columns(cells: tuple[str, ...]) -> dict[str, int] | None:
    """Which column holds what, when this row is a header: an item and a quantity column at
    least, each meaning named once."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells[:MAX_COLUMNS]):
        folded = fold_header(cell)
        if not folded:
            continue
        for meaning, words in HEADER_WORDS.items():
            if folded in words and meaning not in found:
                found[meaning] = index
                break
    if ITEM not in found or QUANTITY not in found:
        return None
    return found


# --- reading -------------------------------------------------------------------------------


class RowProblem(_Frozen):
    """Why one row was not read: ``code`` an i18n key, ``args`` its parameters (the cell or
    the fragment at fault, as typed)."""

    row: int
    code: str
    args: dict[str, str] = {}


class SheetLine(_Frozen):
    """One row read: the item as /need reads it, with the row's own urgency and date."""

    row: int
    item: ParsedItem
    urgency: Urgency | None = None
    needed_by: date | None = None


class SheetReading(_Frozen):
    """What a file says: a refusal of the whole file, or its lines and the rows not read."""

    refusal: str | None = None
    refusal_args: dict[str, str] = {}
    lines: tuple[SheetLine, ...] = ()
    problems: tuple[RowProblem, ...] = ()

    @property
    def urgency(self) -> Urgency | None:
        stated = [line.urgency for line in self.lines if line.urgency is not None]
        return min(stated, key=_URGENCY_ORDER.index) if stated else None

    @property
    def urgencies_differ(self) -> bool:
        return len({line.urgency for line in self.lines if line.urgency is not None}) > 1

    @property
    def needed_by(self) -> date | None:
        stated = [line.needed_by for line in self.lines if line.needed_by is not None]
        return min(stated) if stated else None

    @property
    def dates_differ(self) -> bool:
        return len({line.needed_by for line in self.lines if line.needed_by is not None}) > 1


_URGENCY_ORDER: Final = (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)


@dataclass(frozen=True)
class Vocabulary:
    """Words beyond the reader's own that a cell may hold: the urgency labels the bot shows
    (and the template's example row uses) in each language, folded."""

    urgency_labels: dict[str, Urgency]


def read_rows(
    sheet: RawSheet, today: date, catalog: Catalog, vocabulary: Vocabulary
) -> SheetReading:
    """The rows of ``sheet`` as a needs list; pure and CPU-bound (run it off the loop)."""
    if sheet.refusal is not None:
        return SheetReading(refusal=sheet.refusal, refusal_args={"limit": str(MAX_ROWS)})
    header_at: int | None = None
    columns: dict[str, int] | None = None
    for index, raw in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        columns = header_columns(raw.cells)
        if columns is not None:
            header_at = index
            break
    if header_at is None or columns is None:
        return SheetReading(refusal=NO_HEADER if sheet.rows else EMPTY)
    data = sheet.rows[header_at + 1 :]
    if len(data) > MAX_ROWS:
        return SheetReading(
            refusal=TOO_MANY_ROWS, refusal_args={"limit": str(MAX_ROWS), "count": str(len(data))}
        )
    if not data:
        return SheetReading(refusal=EMPTY)
    lines: list[SheetLine] = []
    problems: list[RowProblem] = []
    for raw in data:
        line = _read_row(raw, columns, today, catalog, vocabulary, problems)
        if line is not None:
            lines.append(line)
    return SheetReading(lines=tuple(lines), problems=tuple(problems))


def _cell(raw: RawRow, columns: dict[str, int], meaning: str) -> str:
    index = columns.get(meaning)
    if index is None or index >= len(raw.cells):
        return ""
    return " ".join(raw.cells[index].split())


def _read_row(
    raw: RawRow,
    columns: dict[str, int],
    today: date,
    catalog: Catalog,
    vocabulary: Vocabulary,
    problems: list[RowProblem],
) -> SheetLine | None:
    def refuse(code: str, **args: str) -> None:
        problems.append(RowProblem(row=raw.number, code=code, args=args))

    used = {columns[m] for m in COLUMNS if m in columns}
    formulas = [i for i in raw.formulas if i in used]
    if formulas:
        # Formulas are read as their text and never evaluated; a list whose amounts are
        # computed must be sent with the values (copy, paste as values).
        refuse(ROW_FORMULA, cell=_column_letter(formulas[0]) + str(raw.number))
        return None
    if any(len(raw.cells[i]) > MAX_CELL_CHARS for i in used if i < len(raw.cells)):
        refuse(ROW_TOO_LONG, limit=str(MAX_CELL_CHARS))
        return None
    item_text = _cell(raw, columns, ITEM)
    quantity_text = _cell(raw, columns, QUANTITY)
    unit_text = _cell(raw, columns, UNIT)
    if not item_text:
        refuse(ROW_NO_ITEM)
        return None
    if not quantity_text:
        refuse(ROW_NO_QUANTITY, item=item_text)
        return None
    # The quantity (and unit) first, then the thing: "3000 шт Шприц 2 мл" reads 3000 as the
    # count, where "Шприц 2 мл 3000" would be ambiguous to the reader, and rightly so.
    line = " ".join(part for part in (quantity_text, unit_text, item_text) if part)
    parsed = parse_need(line, today, catalog=catalog)
    if parsed.problems:
        first = parsed.problems[0]
        refuse(first.code, fragment=first.fragment, **first.args)
        return None
    if len(parsed.items) != 1:
        refuse(ROW_SEVERAL, count=str(len(parsed.items)))
        return None
    item = parsed.items[0]
    stated = _whole_number(quantity_text)
    if stated is not None and stated != item.quantity:
        # The reader took another number of the row as the count: ask rather than store.
        refuse(ROW_QUANTITY_MISMATCH, quantity=quantity_text, read=str(item.quantity))
        return None
    urgency = _urgency(_cell(raw, columns, URGENCY), vocabulary)
    if urgency is _UNREADABLE:
        refuse(ROW_URGENCY, text=_cell(raw, columns, URGENCY))
        return None
    needed_by = _needed_by(_cell(raw, columns, NEEDED_BY), today)
    if isinstance(needed_by, ParseProblem):
        refuse(ROW_DATE, text=needed_by.fragment)
        return None
    # Urgency or a date typed into the item cell ("бинти терміново") count as the row's own.
    row_urgency = urgency if isinstance(urgency, Urgency) else None
    if parsed.urgency is not Urgency.NORMAL or _says_normal(line):
        row_urgency = combine([u for u in (row_urgency, parsed.urgency) if u is not None])
        if row_urgency is None:
            refuse(ROW_URGENCY, text=_cell(raw, columns, URGENCY))
            return None
    day = needed_by if isinstance(needed_by, date) else parsed.needed_by
    note = _cell(raw, columns, NOTE)
    parts = (item.spec, note, parsed.note)
    spec = "; ".join(p for p in parts if p) or None
    if spec != item.spec:
        item = item.model_copy(update={"spec": spec})
    return SheetLine(row=raw.number, item=item, urgency=row_urgency, needed_by=day)


_UNREADABLE: Final = object()


def _urgency(text: str, vocabulary: Vocabulary) -> Urgency | object | None:
    if not text:
        return None
    label = vocabulary.urgency_labels.get(fold_header(text))
    if label is not None:
        return label
    levels = [hit.level for hit in find_urgency(text) if hit.level is not None]
    found = combine(levels) if levels else None
    return found if found is not None else _UNREADABLE


def _says_normal(line: str) -> bool:
    return any(hit.level is Urgency.NORMAL for hit in find_urgency(line))


def _needed_by(text: str, today: date) -> date | ParseProblem | None:
    if not text:
        return None
    hits = find_dates(text, today)
    days = {hit.day for hit in hits}
    if len(hits) < 1 or len(days) != 1:
        return ParseProblem(code=INVALID_DATE, fragment=text)
    hit = hits[0]
    if hit.day is None:
        return ParseProblem(code=INVALID_DATE, fragment=text)
    if hit.past or hit.day < today:
        return ParseProblem(code=PAST_DATE, fragment=text)
    try:
        latest = today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:
        latest = today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)
    if hit.day > latest:
        return ParseProblem(code=DATE_TOO_FAR, fragment=text)
    return hit.day


def _whole_number(text: str) -> int | None:
    digits = re.fullmatch(r"\+?\s*([0-9][0-9 \u00a0\u202f]*)", text)
    if digits is None:
        return None
    value = re.sub(r"\D", "", digits.group(1))
    return int(value) if value and len(value) < 12 else None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
