"""The export's sheet written row by row (bot/xlsx_streaming.py), read back by openpyxl:
each kind of cell as render_workbook writes it, text never a formula."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from bot.xlsx_streaming import write_streamed_workbook
from handlers.text.workbook import ColumnHead, ColumnKind, Sheet

HEADS = (
    ColumnHead(title="Text", hxl="#item+name"),
    ColumnHead(title="Int", kind=ColumnKind.INT, hxl="#item+num"),
    ColumnHead(title="Day", kind=ColumnKind.DATE, number_format="dd.mm.yyyy"),
    ColumnHead(title="Also a day", kind=ColumnKind.DATE, number_format="dd.mm.yyyy"),
    ColumnHead(title="When", kind=ColumnKind.DATETIME),
    ColumnHead(title="Amount", kind=ColumnKind.DECIMAL, number_format="#,##0.00"),
)
ROWS = [
    ('=HYPERLINK("http://x")', 3, date(2026, 11, 25), None, datetime(2026, 1, 2, 3, 4), None),
    ("  spaced & <b>bold</b> \x07", None, None, date(1900, 3, 1), None, Decimal("12.5")),
    ("#N/A", -7, date(2026, 2, 28), date(2026, 2, 28), None, Decimal("0.1")),
]


def test_cells_of_every_kind_read_back(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    about = Sheet.from_rows("About", [ColumnHead(title="Note")], [("ok",)])
    count = write_streamed_workbook(path, "Needs: all/", HEADS, iter(ROWS), after=(about,))
    assert count == 3
    book = load_workbook(path)
    assert book.sheetnames == ["Needs  all", "About"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A3"
    assert sheet.max_row == 5 and sheet.max_column == len(HEADS)
    assert [c.value for c in sheet[1]] == [h.title for h in HEADS]
    assert all(c.font.bold for c in sheet[1])
    assert [c.value for c in sheet[2]][:2] == ["#item+name", "#item+num"]
    assert all(c.font.italic for c in sheet[2][:2])
    first, second, third = sheet[3], sheet[4], sheet[5]
    # Text stays text, whatever it starts with; XML's special characters survive.
    assert (first[0].value, first[0].data_type) == ('=HYPERLINK("http://x")', "s")
    assert second[0].value == "  spaced & <b>bold</b> "
    assert (third[0].value, third[0].data_type) == ("#N/A", "s")
    assert (first[1].value, first[1].data_type) == (3, "n")
    assert third[1].value == -7 and second[1].value is None
    assert first[2].is_date and first[2].value == datetime(2026, 11, 25)
    assert first[2].number_format == "dd.mm.yyyy"
    assert second[3].is_date and second[3].value == datetime(1900, 3, 1)
    assert third[3].value == datetime(2026, 2, 28) and third[3].number_format == "dd.mm.yyyy"
    assert first[4].is_date and first[4].value == datetime(2026, 1, 2, 3, 4)
    assert first[4].number_format == "yyyy-mm-dd hh:mm"
    assert second[5].value == 12.5 and second[5].number_format == "#,##0.00"
    assert [[c.value for c in row] for row in book.worksheets[1].iter_rows()] == [["Note"], ["ok"]]
    # Nothing of the writer's own is left beside the file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_an_empty_export_is_a_sheet_of_labels(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    assert write_streamed_workbook(path, "Needs", HEADS, iter([])) == 0
    sheet = load_workbook(path).worksheets[0]
    assert sheet.max_row == 2
