"""The spreadsheets the bot writes, described without any spreadsheet library.

Handlers describe a workbook here (exports, packing lists, ...); bot/file_renderers.py draws
it with openpyxl, possibly in another process: the model round-trips through JSON
(``Workbook.model_validate_json(book.model_dump_json()) == book``).

Columns are typed, and a sheet stores its values column by column: JSON has no date, so a
date column's ISO strings come back as dates because the column says so, and pydantic checks
each column's values in one pass of its compiled validator (a 100,000-row export is two
million cells). Build a sheet row by row with ``Sheet.from_rows``; ``to_csv`` writes any
sheet as CSV (the formula guard there is the leading apostrophe).

Text is only ever text: the renderer writes it as a string cell, never as a formula, whatever
it starts with (``=``, ``+``, ``-``, ``@``). Numbers are numbers and dates are date cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, TextIO

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    field_validator,
    model_validator,
)

Cell = str | int | float | Decimal | date | datetime | None
# NaN and infinity have no spreadsheet cell; a float column refuses them.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]

# Excel's limits: a cell holds at most this many characters, a sheet title 31.
MAX_CELL_TEXT: Final = 32_767
MAX_SHEET_TITLE: Final = 31
# Characters XML 1.0 cannot carry (openpyxl refuses them), and those Excel forbids in a
# sheet's title.
ILLEGAL_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TITLE_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")


# A spreadsheet program runs a cell starting with one of these as a formula (tab and CR too:
# some strip them first). Text from the chat must never become one.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def sheet_title(title: str) -> str:
    """``title`` as Excel accepts it: 31 characters, none of ``[]:*?/\\``."""
    cleaned = _TITLE_FORBIDDEN.sub(" ", ILLEGAL_XML.sub("", title)).strip()
    return cleaned[:MAX_SHEET_TITLE].strip() or "Sheet"


class ColumnKind(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"  # exact amounts (money, kilograms to the gram)
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"  # wall-clock time in the reader's zone; a spreadsheet has no zone


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnHead(_Model):
    """What a column is, without its values.

    ``hxl``: the HXL hashtag with attributes (``#adm2+name``), or None for a column no
    humanitarian tool should read. ``width`` in characters (None: fitted to the content).
    ``number_format``: an Excel format code (``dd.mm.yyyy``, ``#,##0.00``); None takes the
    kind's default (ISO dates). Format codes are written in Excel's English syntax whatever
    the reader's language: Excel shows them in its own.
    """

    title: str
    kind: ColumnKind = ColumnKind.TEXT
    hxl: str | None = None
    width: float | None = Field(default=None, gt=0, le=255)
    number_format: str | None = None


class _ColumnBase(_Model):
    title: str
    hxl: str | None = None
    width: float | None = Field(default=None, gt=0, le=255)
    number_format: str | None = None

    def head(self) -> ColumnHead:
        return ColumnHead.model_validate(self.model_dump(exclude={"values"}))


class TextColumn(_ColumnBase):
    kind: Literal[ColumnKind.TEXT] = ColumnKind.TEXT
    values: tuple[StrictStr | None, ...]


class IntColumn(_ColumnBase):
    kind: Literal[ColumnKind.INT] = ColumnKind.INT
    values: tuple[StrictInt | None, ...]


class DecimalColumn(_ColumnBase):
    kind: Literal[ColumnKind.DECIMAL] = ColumnKind.DECIMAL
    values: tuple[Decimal | None, ...]


class FloatColumn(_ColumnBase):
    kind: Literal[ColumnKind.FLOAT] = ColumnKind.FLOAT
    values: tuple[FiniteFloat | None, ...]


class DateColumn(_ColumnBase):
    kind: Literal[ColumnKind.DATE] = ColumnKind.DATE
    values: tuple[date | None, ...]

    @model_validator(mode="after")
    def _no_datetimes(self) -> DateColumn:
        # A datetime is a date to Python; in a date column it would print its time.
        if any(type(value) is datetime for value in self.values):
            raise ValueError("a date column holds dates, not datetimes")
        return self


class DateTimeColumn(_ColumnBase):
    kind: Literal[ColumnKind.DATETIME] = ColumnKind.DATETIME
    values: tuple[datetime | None, ...]


Column = Annotated[
    TextColumn | IntColumn | DecimalColumn | FloatColumn | DateColumn | DateTimeColumn,
    Field(discriminator="kind"),
]
_COLUMN: Final[TypeAdapter[Any]] = TypeAdapter(Column)


def make_column(head: ColumnHead, values: Sequence[Cell]) -> Column:
    """A column of ``head``'s kind; raises ``pydantic.ValidationError`` on a value of
    another type (an int in a text column, a string in a date column)."""
    column: Column = _COLUMN.validate_python({**head.model_dump(), "values": tuple(values)})
    return column


class Sheet(_Model):
    """One sheet: optional note lines, the header row, the HXL row when any column has a
    tag, then the data rows. ``freeze``: header (and HXL) rows stay in view when scrolling."""

    title: str  # cleaned for Excel by sheet_title()
    columns: tuple[Column, ...] = Field(min_length=1)
    notes: tuple[str, ...] = ()
    freeze: bool = True

    @field_validator("title")
    @classmethod
    def _excel_title(cls, title: str) -> str:
        return sheet_title(title)

    @model_validator(mode="after")
    def _same_height(self) -> Sheet:
        heights = {len(column.values) for column in self.columns}
        if len(heights) != 1:
            raise ValueError("every column of a sheet must have the same number of values")
        return self

    @classmethod
    def from_rows(
        cls,
        title: str,
        heads: Sequence[ColumnHead],
        rows: Sequence[Sequence[Cell]],
        *,
        notes: Sequence[str] = (),
        freeze: bool = True,
    ) -> Sheet:
        """The sheet of ``rows`` (each as wide as ``heads``) under ``heads``.

        Turned into columns one at a time in Python, not by ``zip(*rows)``: that is one C call
        holding the interpreter lock for the whole table (140 ms for 100,000 rows of 29,
        measured), in which a caller's event loop could not run.
        """
        width = len(heads)
        if any(len(row) != width for row in rows):
            raise ValueError("every row must have one value per column")
        columns = tuple(
            make_column(head, [row[index] for row in rows]) for index, head in enumerate(heads)
        )
        return cls(title=title, columns=columns, notes=tuple(notes), freeze=freeze)

    @property
    def height(self) -> int:
        """The number of data rows."""
        return len(self.columns[0].values)

    @property
    def has_hxl(self) -> bool:
        return any(column.hxl for column in self.columns)

    def header(self) -> tuple[str, ...]:
        return tuple(column.title for column in self.columns)

    def hxl_row(self) -> tuple[str, ...]:
        """The tags, "" under an untagged column (HXL tools skip it)."""
        return tuple(column.hxl or "" for column in self.columns)

    def rows(self) -> Iterator[tuple[Cell, ...]]:
        """The data rows, top to bottom."""
        return zip(*(column.values for column in self.columns), strict=True)


class Workbook(_Model):
    """Sheets in order; the first is the one a spreadsheet program opens on. Titles must
    differ (case does not count, as in Excel)."""

    sheets: tuple[Sheet, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_titles(self) -> Workbook:
        titles = [sheet.title.casefold() for sheet in self.sheets]
        if len(set(titles)) != len(titles):
            raise ValueError("two sheets share a title")
        return self


def _csv_cell(cell: Cell, decimal_comma: bool) -> str | int:
    if cell is None:
        return ""
    if isinstance(cell, str):
        # The apostrophe is the convention spreadsheet programs hide and treat as "text".
        return "'" + cell if formula_like(cell) else cell
    if isinstance(cell, bool):  # not a cell type; never written as True/False
        raise TypeError("a bool is no spreadsheet cell")
    if isinstance(cell, int):
        return cell
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell)
    return text.replace(".", ",") if decimal_comma else text


def to_csv(sheet: Sheet, *, delimiter: str = ",", bom: bool = True) -> bytes:
    """RFC 4180 CSV of ``sheet``: header, HXL row, data; dates in ISO form. Notes, widths
    and number formats are the XLSX's alone.

    UTF-8 with a BOM by default: without it Excel reads Cyrillic as cp1252. With ";" as
    the delimiter (German and Ukrainian Excel) decimals get a decimal comma too.
    """
    buffer = io.StringIO(newline="")
    heads = [column.head() for column in sheet.columns]
    write_csv(buffer, heads, sheet.rows(), delimiter=delimiter)
    text = buffer.getvalue()
    return text.encode("utf-8-sig" if bom else "utf-8")


def write_csv(
    out: TextIO, heads: Sequence[ColumnHead], rows: Iterable[Sequence[Cell]], *, delimiter: str
) -> int:
    """``to_csv``'s rows written to ``out`` as they come (an export streams 100,000 rows to
    a file this way, holding one at a time); the number of data rows written. ``out`` is
    opened with ``newline=""`` and the encoding (``utf-8-sig`` for the BOM)."""
    decimal_comma = delimiter == ";"
    writer = csv.writer(out, delimiter=delimiter, lineterminator=CSV_LINE_END)
    _write_heads(writer, heads, decimal_comma)
    count = 0
    for row in rows:
        # Most cells (None, ints, text that is no formula) the csv module writes as they
        # are; only the rest go through _csv_cell. A call per cell was a third of a
        # 100,000-row export (measured).
        writer.writerow(
            [
                c
                if c is None
                or c.__class__ is int
                or (c.__class__ is str and not c.startswith(FORMULA_PREFIXES))
                else _csv_cell(c, decimal_comma)
                for c in row
            ]
        )
        count += 1
    return count


CSV_LINE_END: Final = "\r\n"


def _write_heads(writer: Any, heads: Sequence[ColumnHead], decimal_comma: bool) -> None:
    writer.writerow([_csv_cell(head.title, decimal_comma) for head in heads])
    if any(head.hxl for head in heads):
        writer.writerow([head.hxl or "" for head in heads])


def csv_heads(heads: Sequence[ColumnHead], *, delimiter: str) -> str:
    """The title row and the HXL row (when any column has a tag) as ``write_csv`` writes
    them, each line ended: for a writer that writes its data lines itself."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=CSV_LINE_END)
    _write_heads(writer, heads, delimiter == ";")
    return out.getvalue()


class CsvFields:
    """Cells as ``write_csv`` writes them, one field at a time, for a writer that joins its
    lines itself (the export's, which works out the fields of an organisation or an item
    once and pastes them into every line: a 100,000-line export spent half its time in the
    csv module and the per-cell guard, measured).

    A field is the formula guard of ``_csv_cell`` and then the csv module's minimal quoting
    (QUOTE_MINIMAL, doubled quotes, "\\r\\n" line ends): quoted when it holds the
    delimiter, a quote, CR or LF. Fields joined by the delimiter and ended by
    ``CSV_LINE_END`` are the line ``write_csv`` writes for a row of two or more cells
    (tests/bot/test_export_csv_bytes.py holds the two equal)."""

    def __init__(self, delimiter: str) -> None:
        if len(delimiter) != 1 or delimiter in '"\r\n':
            raise ValueError(f"not a CSV delimiter: {delimiter!r}")
        self.delimiter: Final = delimiter
        self._decimal_comma = delimiter == ";"
        # One precompiled search per field instead of four ``in`` tests.
        self._needs_quotes = re.compile(f'[{re.escape(delimiter)}"\r\n]').search

    def text(self, value: str) -> str:
        """A text cell: guarded, then quoted if need be."""
        if value.startswith(FORMULA_PREFIXES):
            value = "'" + value
        return self.quoted(value)

    def quoted(self, value: str) -> str:
        """Text the csv module writes as it is but for quoting (no guard: dates, numbers)."""
        if self._needs_quotes(value) is None:
            return value
        return '"' + value.replace('"', '""') + '"'

    def __call__(self, cell: Cell) -> str:
        if cell is None:
            return ""
        if cell.__class__ is str:
            return self.text(cell)
        value = _csv_cell(cell, self._decimal_comma)
        # The csv module writes an int as str() does; the rest _csv_cell made text.
        return str(value) if value.__class__ is int else self.quoted(str(value))
