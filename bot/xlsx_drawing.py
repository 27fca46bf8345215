"""The XLSX of a handlers.text.workbook Workbook, written with openpyxl: a pure function.

The running bot writes it in the render process (bot/render_process.py, ``WorkbookRequest``):
openpyxl and lxml build and close a 100,000-row sheet in long stretches of C that hold the
interpreter lock (40-60 ms measured), which in a worker thread of the bot stopped every chat
for as long. Each call builds its own objects, so threads may call ``render_workbook`` too
(tests, the CLI).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from handlers.text.workbook import (
    ILLEGAL_XML,
    MAX_CELL_TEXT,
    Cell,
    Column,
    ColumnHead,
    ColumnKind,
    Sheet,
    Workbook,
    formula_like,
)

if TYPE_CHECKING:
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MAX_COLUMN_WIDTH: Final = 60
MIN_COLUMN_WIDTH: Final = 6
WIDTH_SAMPLE: Final = 5_000
# Default number formats: ISO, which every Excel reads whatever its language.
DATE_FORMAT: Final = "yyyy-mm-dd"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"


def render_workbook(book: Workbook) -> bytes:
    """The XLSX file of ``book``: pure, and safe in any thread or process.

    Text is written as string cells, never as formulas; numbers as numbers; dates and
    datetimes as date cells with a number format (ISO unless the column says otherwise).
    """
    from openpyxl import Workbook as XlsxWorkbook

    # Write-only mode streams rows to the file instead of keeping a cell object per
    # value, so memory does not grow with the export beyond the model itself.
    workbook = XlsxWorkbook(write_only=True)
    for sheet in book.sheets:
        _render_sheet(workbook.create_sheet(title=sheet.title), sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _render_sheet(out: WriteOnlyWorksheet, sheet: Sheet) -> None:
    samples = [column.values[:WIDTH_SAMPLE] for column in sheet.columns]
    _write_sheet(
        out,
        sheet.columns,
        column_widths(sheet.columns, samples),
        sheet.rows(),
        notes=sheet.notes,
        freeze=sheet.freeze,
    )


def _write_sheet(
    out: WriteOnlyWorksheet,
    heads: Sequence[ColumnHead | Column],
    widths: Sequence[float],
    rows: Iterable[Sequence[Cell]],
    *,
    notes: Sequence[str],
    freeze: bool = True,
) -> int:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cells = _Cells.for_sheet(out)
    has_hxl = any(head.hxl for head in heads)
    labels = len(notes) + 1 + (1 if has_hxl else 0)
    if freeze:
        # Header and HXL row stay in view while scrolling; both are labels, not data.
        out.freeze_panes = f"A{labels + 1}"
    for index, width in enumerate(widths):
        out.column_dimensions[get_column_letter(index + 1)].width = width
    for note in notes:
        out.append([cells.text(note)])
    bold = Font(bold=True)
    out.append([cells.text(head.title, font=bold) for head in heads])
    if has_hxl:
        italic = Font(italic=True)
        out.append([cells.text(head.hxl or "", font=italic) for head in heads])
    writers = [cells.writer(head) for head in heads]
    count = 0
    for row in rows:
        out.append([write(value) for write, value in zip(writers, row, strict=True)])
        count += 1
    return count


@dataclass(frozen=True, slots=True)
class _Cells:
    """Cells of one sheet, with openpyxl's names looked up once: an import statement per
    cell cost more than a tenth of the rendering (measured)."""

    out: WriteOnlyWorksheet
    cell: Any  # openpyxl.cell.WriteOnlyCell
    errors: frozenset[str]

    @classmethod
    def for_sheet(cls, out: WriteOnlyWorksheet) -> _Cells:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES

        return cls(out=out, cell=WriteOnlyCell, errors=frozenset(ERROR_CODES))

    def writer(self, column: ColumnHead | Column) -> Callable[[Cell], Any]:
        """How one column's values become cells: plain values where openpyxl writes them
        right by itself (cheaper than a cell object each), cell objects where not."""
        number_format = column.number_format
        if column.kind is ColumnKind.TEXT:
            return lambda value: None if value is None else self.text(str(value))
        if column.kind in (ColumnKind.DATE, ColumnKind.DATETIME):
            default = DATE_FORMAT if column.kind is ColumnKind.DATE else DATETIME_FORMAT
            return partial(self.date, number_format or default)
        if number_format is None:
            return lambda value: value
        return partial(self.formatted, number_format)

    def text(self, value: str, *, font: Font | None = None) -> Any:
        text = ILLEGAL_XML.sub("", value)[:MAX_CELL_TEXT]
        if font is None and not formula_like(text) and text not in self.errors:
            return text  # a plain value: cheaper than a cell object, and stored as text anyway
        # openpyxl would write "=..." as a formula and "#N/A" as an error; as string cells,
        # Excel shows them as the text they are.
        cell = self.cell(self.out, value=text)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def date(self, number_format: str, value: Cell) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            # Excel has no time zones (openpyxl refuses aware values): the model's
            # datetimes are wall-clock times in the reader's zone already.
            value = value.replace(tzinfo=None)
        return self.formatted(number_format, value)

    def formatted(self, number_format: str, value: Cell) -> Any:
        if value is None:
            return None
        cell = self.cell(self.out, value=value)
        cell.number_format = number_format
        return cell


def column_widths(
    heads: Sequence[ColumnHead | Column], samples: Sequence[Sequence[Cell]]
) -> list[float]:
    """Fitted to the labels and a sample of each column's values (the first WIDTH_SAMPLE
    rows): a width is a matter of looks, not worth a pass over 100,000 rows."""
    widths = []
    for head, sample in zip(heads, samples, strict=True):
        width = head.width
        if width is None:
            longest = max(_longest_line(head.title), _longest_line(head.hxl or ""))
            if head.kind is ColumnKind.TEXT:
                longest = max([longest, *(_longest_line(v) for v in sample if v is not None)])
            elif head.kind is ColumnKind.DATE:
                longest = max(longest, 10)
            elif head.kind is ColumnKind.DATETIME:
                longest = max(longest, 16)
            else:
                longest = max([longest, *(len(str(v)) for v in sample if v is not None)])
            width = float(min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, longest + 2)))
        widths.append(width)
    return widths


def _longest_line(value: object) -> int:
    return max(len(part) for part in str(value).split("\n"))
