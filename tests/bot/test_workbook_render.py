"""render_workbook: any Workbook opened again with openpyxl, cell by cell."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.file_renderers import FileRenderers
from bot.xlsx_drawing import DATE_FORMAT, DATETIME_FORMAT, render_workbook
from handlers.text.workbook import ColumnHead, ColumnKind, Sheet, Workbook

HEADS = (
    ColumnHead(title="Item", hxl="#item+name"),
    ColumnHead(title="Qty", kind=ColumnKind.INT, hxl="#item+num"),
    ColumnHead(title="Weight", kind=ColumnKind.DECIMAL, number_format="0.000"),
    ColumnHead(title="Share", kind=ColumnKind.FLOAT),
    ColumnHead(title="Needed", kind=ColumnKind.DATE, number_format="dd.mm.yyyy"),
    ColumnHead(title="Sent", kind=ColumnKind.DATETIME, width=18),
    ColumnHead(title="Reported", kind=ColumnKind.DATE),
)
INJECTIONS = ('=HYPERLINK("http://x")', "+380", "-2", "@SUM(A1:A2)", "#N/A", "\t=1")


def sheet_of(data: bytes, index: int = 0) -> Worksheet:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[index]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_every_kind_of_cell() -> None:
    rows = [
        (
            "Бинт",
            200,
            Decimal("12.345"),
            0.25,
            date(2026, 12, 1),
            datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
            date(2026, 11, 24),
        ),
        (None, None, None, None, None, None, None),
    ]
    book = Workbook(
        sheets=(
            Sheet.from_rows("Needs", HEADS, rows, notes=("AidBridge export",)),
            Sheet.from_rows("About", (ColumnHead(title="Column"),), [("Qty",)], freeze=False),
        )
    )
    data = FileRenderers().workbook(book)
    assert data == render_workbook(Workbook.model_validate_json(book.model_dump_json()))
    sheet = sheet_of(data)
    assert sheet.title == "Needs"
    assert sheet["A1"].value == "AidBridge export"
    assert [c.value for c in sheet[2]] == [h.title for h in HEADS]
    assert all(c.font.bold for c in sheet[2])
    assert [c.value for c in sheet[3]] == ["#item+name", "#item+num", None, None, None, None, None]
    assert sheet.freeze_panes == "A4"
    item, qty, weight, share, needed, sent, reported = sheet[4]
    assert (item.value, item.data_type) == ("Бинт", "s")
    assert (qty.value, qty.data_type) == (200, "n")
    assert weight.data_type == "n" and weight.value == 12.345 and weight.number_format == "0.000"
    assert (share.value, share.data_type) == (0.25, "n")
    # Dates are date cells with a number format, not text.
    assert needed.is_date and needed.value == datetime(2026, 12, 1)
    assert needed.number_format == "dd.mm.yyyy"
    assert sent.is_date and sent.value == datetime(2026, 11, 25, 9, 30)
    assert sent.number_format == DATETIME_FORMAT
    assert reported.is_date and reported.number_format == DATE_FORMAT
    assert [c.value for c in sheet[5]] == [None] * 7
    assert sheet.column_dimensions["F"].width == 18
    about = sheet_of(data, 1)
    assert about.title == "About" and about.freeze_panes is None
    assert [[c.value for c in row] for row in about.iter_rows()] == [["Column"], ["Qty"]]


def test_text_is_never_a_formula() -> None:
    heads = (ColumnHead(title="=title", hxl="#x"), ColumnHead(title="n", kind=ColumnKind.INT))
    rows = [(text, 1) for text in INJECTIONS] + [("bell\x07char", None)]
    sheet = sheet_of(render_workbook(Workbook(sheets=(Sheet.from_rows("S", heads, rows),))))
    assert sheet["A1"].value == "=title" and sheet["A1"].data_type == "s"
    for offset, text in enumerate(INJECTIONS):
        cell = sheet.cell(row=3 + offset, column=1)
        assert (cell.value, cell.data_type) == (text, "s"), text
    assert sheet.cell(row=3 + len(INJECTIONS), column=1).value == "bellchar"
