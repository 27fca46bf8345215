"""The workbook model: typed columns, checked on the way in, and the same after JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from handlers.text.workbook import (
    Cell,
    ColumnHead,
    ColumnKind,
    DateColumn,
    IntColumn,
    Sheet,
    TextColumn,
    Workbook,
    formula_like,
    sheet_title,
)

HEADS = (
    ColumnHead(title="Item", hxl="#item+name"),
    ColumnHead(title="Qty", kind=ColumnKind.INT, hxl="#item+num"),
    ColumnHead(title="Weight", kind=ColumnKind.DECIMAL, number_format="0.000"),
    ColumnHead(title="Share", kind=ColumnKind.FLOAT),
    ColumnHead(title="Needed", kind=ColumnKind.DATE, number_format="dd.mm.yyyy"),
    ColumnHead(title="Sent", kind=ColumnKind.DATETIME, width=18),
)
ROWS = (
    ("=HYPERLINK(1)", 200, Decimal("12.345"), 0.25, date(2026, 12, 1), datetime(2026, 11, 25, 9)),
    (None, None, None, None, None, None),
    ("Бинт", 0, Decimal("0.001"), 1.0, date(2027, 1, 31), datetime(2026, 11, 25, 9, tzinfo=UTC)),
)


def book() -> Workbook:
    data = Sheet.from_rows("Needs", HEADS, ROWS, notes=("Export of 2026-11-25",))
    about = Sheet.from_rows(
        "About", (ColumnHead(title="Column"), ColumnHead(title="Meaning")), [("Qty", "count")]
    )
    return Workbook(sheets=(data, about))


def test_json_round_trip_keeps_every_type() -> None:
    original = book()
    again = Workbook.model_validate_json(original.model_dump_json())
    assert again == original
    rows = list(again.sheets[0].rows())
    assert rows == list(ROWS)
    # Each value comes back as its own type, not as the string JSON carried.
    assert [type(v) for v in rows[0]] == [str, int, Decimal, float, date, datetime]
    assert rows[2][5] == datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert again.sheets[0].notes == ("Export of 2026-11-25",)
    assert again.sheets[0].columns[4].head() == HEADS[4]


def test_rows_and_columns() -> None:
    sheet = book().sheets[0]
    assert sheet.height == 3
    assert sheet.header() == ("Item", "Qty", "Weight", "Share", "Needed", "Sent")
    assert sheet.hxl_row() == ("#item+name", "#item+num", "", "", "", "")
    assert sheet.has_hxl and not book().sheets[1].has_hxl
    empty = Sheet.from_rows("Empty", HEADS, [])
    assert empty.height == 0 and list(empty.rows()) == []


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (ColumnKind.TEXT, 5),
        (ColumnKind.INT, "5"),
        (ColumnKind.INT, True),
        (ColumnKind.INT, 1.5),
        (ColumnKind.FLOAT, float("nan")),
        (ColumnKind.FLOAT, float("inf")),
        (ColumnKind.DECIMAL, Decimal("NaN")),
        (ColumnKind.DATE, "next week"),
        (ColumnKind.DATE, datetime(2026, 11, 25, 9)),
        (ColumnKind.DATETIME, "soon"),
    ],
)
def test_a_value_of_another_type_is_refused(kind: ColumnKind, value: Cell) -> None:
    with pytest.raises(ValidationError):
        Sheet.from_rows("S", [ColumnHead(title="c", kind=kind)], [(value,)])


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="one value per column"):
        Sheet.from_rows("S", HEADS[:2], [("a",)])
    with pytest.raises(ValidationError, match="same number"):
        Sheet(
            title="S",
            columns=(TextColumn(title="a", values=("x",)), IntColumn(title="b", values=())),
        )
    with pytest.raises(ValidationError):
        Sheet(title="S", columns=())
    with pytest.raises(ValidationError):
        Workbook(sheets=())
    one = Sheet(title="Needs", columns=(DateColumn(title="d", values=()),))
    with pytest.raises(ValidationError, match="share a title"):
        Workbook(sheets=(one, one.model_copy(update={"title": "NEEDS"})))


def test_sheet_titles_are_made_fit_for_excel() -> None:
    assert sheet_title("Потреби: [1/2]?") == "Потреби   1 2"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("\x07/") == "Sheet"
    sheet = Sheet(title="a/b" * 20, columns=(TextColumn(title="t", values=()),))
    assert sheet.title == ("a b" * 20)[:31]


def test_formula_like() -> None:
    for text in ("=1+1", "+380", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        assert formula_like(text), text
    for text in ("1+1", "a=b", "", "R-1001"):
        assert not formula_like(text), text
