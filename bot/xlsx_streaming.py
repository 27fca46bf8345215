"""A big XLSX written row by row with XlsxWriter: the export's needs sheet.

openpyxl's write-only sheet keeps no rows, but it makes a cell object for each value and
writes it through lxml one call at a time: 100,000 rows of 30 columns took 25-30 s of CPU
(measured), and issue 17 wants an XLSX export of 100,000 lines under 15 s. XlsxWriter in
``constant_memory`` mode writes each row's XML as soon as the next row starts, and its
per-cell cost is a fraction of openpyxl's. Cells are written as ``render_workbook``
(bot/xlsx_drawing.py) writes them: text always as a string cell (``write_string``, never
``write``, which would turn ``=...`` into a formula), numbers as numbers, dates and
datetimes as date cells with the column's number format, bold titles and an italic HXL row
that stay in view. Everything else keeps openpyxl: small workbooks gain nothing here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.xlsx_drawing import DATE_FORMAT, DATETIME_FORMAT, WIDTH_SAMPLE, column_widths
from handlers.text.workbook import (
    ILLEGAL_XML,
    MAX_CELL_TEXT,
    Cell,
    Column,
    ColumnHead,
    ColumnKind,
    Sheet,
    sheet_title,
)

# Writes one value at (row, column); None leaves the cell empty.
CellWriter = Callable[[int, int, Cell], Any]


def write_streamed_workbook(
    path: Path,
    title: str,
    heads: Sequence[ColumnHead],
    rows: Iterator[Sequence[Cell]],
    *,
    after: Sequence[Sheet] = (),
) -> int:
    """An XLSX file at ``path`` whose first sheet is ``rows`` under ``heads``, taken one at
    a time from the iterator, then the sheets of ``after``; the number of rows written.
    Widths are fitted to the first ``WIDTH_SAMPLE`` rows, the only ones held at once; the
    library's own temporary files go beside ``path``."""
    from xlsxwriter import Workbook as XlsxWorkbook

    book = XlsxWorkbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    try:
        sample = list(itertools.islice(rows, WIDTH_SAMPLE))
        samples = [[row[index] for row in sample] for index in range(len(heads))]
        widths = column_widths(heads, samples)
        del samples
        count = _write_sheet(
            book, sheet_title(title), heads, widths, itertools.chain(sample, rows), notes=()
        )
        del sample
        for sheet in after:
            sheet_samples = [column.values[:WIDTH_SAMPLE] for column in sheet.columns]
            _write_sheet(
                book,
                sheet.title,
                sheet.columns,
                column_widths(sheet.columns, sheet_samples),
                sheet.rows(),
                notes=sheet.notes,
                freeze=sheet.freeze,
            )
    finally:
        book.close()
    return count


def _write_sheet(
    book: Any,
    title: str,
    heads: Sequence[ColumnHead | Column],
    widths: Sequence[float],
    rows: Iterable[Sequence[Cell]],
    *,
    notes: Sequence[str],
    freeze: bool = True,
) -> int:
    out = book.add_worksheet(title)
    has_hxl = any(head.hxl for head in heads)
    labels = len(notes) + 1 + (1 if has_hxl else 0)
    if freeze:
        # Header and HXL row stay in view while scrolling; both are labels, not data.
        out.freeze_panes(labels, 0)
    for index, width in enumerate(widths):
        out.set_column(index, index, width)
    line = 0
    for note in notes:
        out.write_string(line, 0, _text(note))
        line += 1
    bold, italic = book.add_format({"bold": True}), book.add_format({"italic": True})
    for index, head in enumerate(heads):
        out.write_string(line, index, _text(head.title), bold)
    line += 1
    if has_hxl:
        for index, head in enumerate(heads):
            out.write_string(line, index, _text(head.hxl or ""), italic)
        line += 1
    writers = [_writer(book, out, head) for head in heads]
    first = line
    for values in rows:
        for index, (write, value) in enumerate(zip(writers, values, strict=True)):
            if value is not None:
                write(line, index, value)
        line += 1
    return line - first


def _text(value: str) -> str:
    return ILLEGAL_XML.sub("", value)[:MAX_CELL_TEXT]


def _writer(book: Any, out: Any, head: ColumnHead | Column) -> CellWriter:
    """How one column's values become cells."""
    if head.kind is ColumnKind.TEXT:
        write_string = out.write_string

        def text(row: int, col: int, value: Cell) -> Any:
            # A string cell whatever the text: "=..." and "#N/A" stay text.
            return write_string(row, col, _text(str(value)))

        return text
    if head.kind in (ColumnKind.DATE, ColumnKind.DATETIME):
        default = DATE_FORMAT if head.kind is ColumnKind.DATE else DATETIME_FORMAT
        date_format = book.add_format({"num_format": head.number_format or default})
        write_datetime = out.write_datetime

        def when(row: int, col: int, value: Cell) -> Any:
            if isinstance(value, datetime) and value.tzinfo is not None:
                # Excel has no time zones: the model's datetimes are wall-clock times in
                # the reader's zone already.
                value = value.replace(tzinfo=None)
            return write_datetime(row, col, value, date_format)

        return when
    number_format = (
        book.add_format({"num_format": head.number_format}) if head.number_format else None
    )
    write_number = out.write_number

    def number(row: int, col: int, value: Cell) -> Any:
        return write_number(
            row, col, float(value) if isinstance(value, Decimal) else value, number_format
        )

    return number
