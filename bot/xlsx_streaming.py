"""A big XLSX written row by row: the export's needs sheet.

openpyxl's write-only sheet keeps no rows, but makes a cell object for each value and writes
it through lxml one call at a time: 100,000 lines of 30 columns took 25-30 s of CPU
(measured), where issue 17 wants under 15 s. XlsxWriter (constant_memory) still took 15-20 s
in its per-cell calls. So XlsxWriter writes all a spreadsheet program checks (styles, the
columns' widths and date formats, frozen labels, the bold header and italic HXL rows, the
about sheet) into a skeleton file, and the data rows' XML is written here into a copy's
first sheet, one formatted string per cell, in the cell types XlsxWriter writes itself:
inline strings (text is always a string cell, never a formula, whatever it starts with),
numbers, dates as serial numbers in their column's style. 100,000 lines: about 6 s of CPU.
"""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from xlsxwriter.utility import xl_col_to_name

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

    XlsxWriter writes the workbook (styles, widths fitted to the first ``WIDTH_SAMPLE``
    rows, frozen labels, the header and HXL rows, the other sheets) into a skeleton file;
    the data rows' XML is then written here straight into the copy's first sheet, as it
    comes: a cell is one formatted string, where XlsxWriter's per-cell calls took 15-20 s
    of CPU for 100,000 lines (measured). Only values, in the cell types XlsxWriter itself
    writes (inline strings, numbers, dates as serial numbers in the column's style).
    """
    from xlsxwriter import Workbook as XlsxWorkbook

    skeleton = path.with_name(path.name + ".skeleton")
    book = XlsxWorkbook(str(skeleton), {"constant_memory": True, "tmpdir": str(path.parent)})
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    samples = [[row[index] for row in sample] for index in range(len(heads))]
    widths = column_widths(heads, samples)
    del samples
    # Each date or formatted number column's style, set on the column so that XlsxWriter
    # writes it into the styles; its index is known once the book is closed.
    formats: dict[str, Any] = {}
    styles = {index: _style(book, head, formats) for index, head in enumerate(heads)}
    _write_sheet(book, sheet_title(title), heads, widths, (), notes=(), styles=styles)
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
    book.close()
    try:
        cells = [
            _cell_xml(head, None if styles[index] is None else styles[index].xf_index)
            for index, head in enumerate(heads)
        ]
        labels = 1 + (1 if any(head.hxl for head in heads) else 0)
        return _with_rows(skeleton, path, cells, itertools.chain(sample, rows), labels)
    finally:
        skeleton.unlink(missing_ok=True)


def _style(book: Any, head: ColumnHead, formats: dict[str, Any]) -> Any:
    """The column's Format, one per number format: XlsxWriter gives a second Format of the
    same properties no index of its own."""
    if head.kind in (ColumnKind.DATE, ColumnKind.DATETIME):
        default = DATE_FORMAT if head.kind is ColumnKind.DATE else DATETIME_FORMAT
        number_format = head.number_format or default
    elif head.kind is not ColumnKind.TEXT and head.number_format:
        number_format = head.number_format
    else:
        return None
    if number_format not in formats:
        formats[number_format] = book.add_format({"num_format": number_format})
    return formats[number_format]


# Writes one value's cell XML at a column's letters and a row's number (None: no cell).
CellXml = Callable[[str, Cell], str]
_FIRST_SHEET: Final = "xl/worksheets/sheet1.xml"
_DIMENSION: Final = re.compile(r"<dimension ref=\"[^\"]*\"/>")
# Texts per column whose cell XML is kept while an export is written.
_TEXTS_KEPT: Final = 4096
# Excel's day 0 (its serial dates count from here, 1900's leap-year bug included).
_EPOCH: Final = date(1899, 12, 30)


def _with_rows(
    skeleton: Path,
    path: Path,
    cells: Sequence[CellXml],
    rows: Iterable[Sequence[Cell]],
    labels: int,
) -> int:
    """Copy ``skeleton`` to ``path`` with ``rows`` written into its first sheet after the
    ``labels`` rows XlsxWriter wrote.

    The rows' XML goes to a file of its own first: the sheet's dimension (its used range,
    which readers such as openpyxl's read-only mode size rows by) comes before them and
    is known only once they are all written."""
    letters = [xl_col_to_name(index) for index in range(len(cells))]
    spool = path.with_name(path.name + ".rows")
    count = 0
    try:
        with spool.open("wb") as out:
            number = labels
            for row in rows:
                number += 1
                line = str(number)
                xml = "".join(
                    [
                        cell(letter + line, value)
                        for cell, letter, value in zip(cells, letters, row, strict=True)
                        if value is not None
                    ]
                )
                out.write(f'<row r="{line}">{xml}</row>'.encode())
                count += 1
        dimension = f'<dimension ref="A1:{letters[-1]}{labels + count}"/>'
        with (
            zipfile.ZipFile(skeleton) as source,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                data = source.read(info)
                if info.filename != _FIRST_SHEET:
                    target.writestr(info, data)
                    continue
                head, tail = _DIMENSION.sub(dimension, data.decode(), count=1).split(
                    "</sheetData>", 1
                )
                entry = zipfile.ZipInfo(_FIRST_SHEET, date_time=info.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with target.open(entry, "w", force_zip64=True) as sheet, spool.open("rb") as body:
                    sheet.write(head.encode())
                    shutil.copyfileobj(body, sheet, 1 << 20)
                    sheet.write(("</sheetData>" + tail).encode())
    finally:
        spool.unlink(missing_ok=True)
    return count


def _cell_xml(head: ColumnHead, style: int | None, *, kept: int = _TEXTS_KEPT) -> CellXml:
    """How one column's values become cell XML, as XlsxWriter would write them. ``kept``:
    how many of a column's texts keep their XML (0: none, for sheets whose texts are mostly
    one-offs, like a packing list's)."""
    s = "" if style is None else f' s="{style}"'
    if head.kind is ColumnKind.TEXT:
        # A column's texts repeat (organisations, places, items, units, words): each one's
        # XML is made once per export and kept, a few thousand of them at most (making it
        # for each of 1.7 million text cells was a third of a 100,000-row export).
        @functools.lru_cache(maxsize=kept)
        def inline(value: str) -> str:
            body = _escape(_text(value))
            space = ' xml:space="preserve"' if body != body.strip() else ""
            return f' t="inlineStr"><is><t{space}>{body}</t></is></c>'

        def text(ref: str, value: Cell) -> str:
            # Always a string cell: "=..." and "#N/A" stay text.
            return f'<c r="{ref}"{s}{inline(str(value))}'

        return text
    if head.kind in (ColumnKind.DATE, ColumnKind.DATETIME):

        def when(ref: str, value: Cell) -> str:
            return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'

        return when

    def number(ref: str, value: Cell) -> str:
        shown = str(value) if isinstance(value, int) else repr(float(value))  # type: ignore[arg-type]
        return f'<c r="{ref}"{s}><v>{shown}</v></c>'

    return number


def _serial(value: Cell) -> str:
    """A date or datetime as Excel's serial number (a datetime's zone dropped: Excel has
    none, and the model's datetimes are wall-clock times in the reader's zone already)."""
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
        delta = naive - datetime.combine(_EPOCH, datetime.min.time())
        return repr(delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400e6)
    if isinstance(value, date):
        return str((value - _EPOCH).days)
    raise TypeError(f"not a date: {value!r}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_sheet(
    book: Any,
    title: str,
    heads: Sequence[ColumnHead | Column],
    widths: Sequence[float],
    rows: Iterable[Sequence[Cell]],
    *,
    notes: Sequence[str],
    freeze: bool = True,
    styles: Mapping[int, Any] | None = None,
) -> int:
    out = book.add_worksheet(title)
    has_hxl = any(head.hxl for head in heads)
    labels = len(notes) + 1 + (1 if has_hxl else 0)
    if freeze:
        # Header and HXL row stay in view while scrolling; both are labels, not data.
        out.freeze_panes(labels, 0)
    for index, width in enumerate(widths):
        out.set_column(index, index, width, (styles or {}).get(index))
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
