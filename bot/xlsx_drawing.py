"""The export's workbook written with openpyxl: a pure function of its table.

The running bot writes it in the render process (bot/render_process.py, ``XlsxRequest``):
openpyxl and lxml build and close a 100,000-row sheet in long stretches of C that hold the
interpreter lock (60-80 ms measured), which in a worker thread of the bot stopped every chat
for as long. Each call builds its own objects, so threads may call ``write_xlsx`` too (tests,
the CLI).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any, Final

from handlers.coordination.hxl_export import ExportTable, formula_like

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MAX_COLUMN_WIDTH: Final = 60
MIN_COLUMN_WIDTH: Final = 6
# Characters XML 1.0 cannot carry; openpyxl refuses them rather than writing a broken file.
_ILLEGAL_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(table: ExportTable, *, sheet_title: str) -> bytes:
    """The workbook of ``handlers.coordination.file_renderers.Renderers.xlsx``."""
    from openpyxl import Workbook

    # Write-only mode streams rows to the file instead of keeping a cell object per
    # value, so memory does not grow with the export beyond the table itself.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    # Header and HXL row stay in view while scrolling; both are labels, not data.
    sheet.freeze_panes = "A3"
    for letter, width in _column_widths(table).items():
        sheet.column_dimensions[letter].width = width
    sheet.append(_styled_row(sheet, table.header, bold=True))
    sheet.append(_styled_row(sheet, table.hxl, bold=False, italic=True))
    for row in table.rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", _ILLEGAL_XML.sub("", title)).strip()
    return cleaned[:31] or "Sheet"


def _text(value: object) -> str:
    return _ILLEGAL_XML.sub("", str(value))


def _cell(sheet: WriteOnlyWorksheet, value: str | int | None) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    if value is None or isinstance(value, int):
        return value
    text = _text(value)
    if not formula_like(text) and text not in ERROR_CODES:
        return text  # a plain value: cheaper than a cell object, and stored as text anyway
    # openpyxl would write "=..." as a formula and "#N/A" as an error; as string cells,
    # Excel shows them as the text they are.
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _styled_row(
    sheet: WriteOnlyWorksheet, values: tuple[str, ...], *, bold: bool, italic: bool = False
) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    font = Font(bold=bold, italic=italic)
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=_text(value))
        cell.data_type = "s"
        cell.font = font
        cells.append(cell)
    return cells


def _column_widths(table: ExportTable) -> dict[str, float]:
    from openpyxl.utils import get_column_letter

    longest = [0] * len(table.header)
    for row in (table.header, table.hxl, *table.rows):
        for index, value in enumerate(row):
            if value is None:
                continue
            size = max(len(part) for part in str(value).split("\n"))
            longest[index] = max(longest[index], size)
    return {
        get_column_letter(index + 1): float(min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, size + 2)))
        for index, size in enumerate(longest)
    }
