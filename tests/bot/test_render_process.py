"""The render process: requests through the pipe in pieces, the same files as in a thread."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from pydantic import Field

from bot.file_renderers import FileRenderers
from bot.render_process import NICENESS, SLICE, RenderProcess, json_pieces
from bot.render_requests import RENDER_REQUEST, CsvRequest, WorkbookRequest
from handlers.text.workbook import ColumnHead, ColumnKind, Sheet, Workbook, to_csv
from storage.models import Frozen

HEADS = (
    ColumnHead(title="Запит", hxl="#meta+id"),
    ColumnHead(title="N", kind=ColumnKind.INT, hxl="#item+num"),
    ColumnHead(title="Формула", hxl="#description"),
    ColumnHead(title="Адреса", hxl="#loc"),
    ColumnHead(title="Мінус", kind=ColumnKind.INT),
    ColumnHead(title="Дата", kind=ColumnKind.DATE, hxl="#date"),
    ColumnHead(title="Час", kind=ColumnKind.DATETIME),
    ColumnHead(title="кг", kind=ColumnKind.DECIMAL, number_format="#,##0.000"),
)
# More rows than a slice, and cells that JSON, CSV and XLSX must each carry as they are.
ROWS = tuple(
    (
        f"R-{1000 + n}",
        n,
        None if n % 3 else "=SUM(A1:A2)",
        'Лікарня "№4"\nвул. Тестова, 1' if n % 2 else "+380 56 000",
        -n,
        date(2026, 11, 1 + n % 28),
        datetime(2026, 11, 29, n % 24, n % 60),
        Decimal(n) / 1000,
    )
    for n in range(4 * SLICE + 7)
)
SHEET = Sheet.from_rows("Потреби", HEADS, ROWS)
BOOK = Workbook(sheets=(SHEET,))


def sheet_values(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_request_is_written_in_small_pieces_and_reads_back_the_same() -> None:
    request = WorkbookRequest(book=BOOK)
    pieces = list(json_pieces(request))
    whole = request.model_dump_json().encode()
    assert b"".join(pieces) == whole
    # No piece is the whole table: each is one slice of a column at the most.
    assert max(len(piece) for piece in pieces) < len(whole) / 10
    back = RENDER_REQUEST.validate_json(b"".join(pieces))
    assert back == request
    assert isinstance(back, WorkbookRequest)
    assert tuple(back.book.sheets[0].rows()) == ROWS  # dates, datetimes, decimals as they were


class Renamed(Frozen):
    """A model whose JSON is not its fields under their own names."""

    cells: tuple[int, ...] = Field(serialization_alias="values")
    note: str


def test_a_model_with_its_own_json_is_written_whole() -> None:
    model = Renamed(cells=tuple(range(3 * SLICE)), note="x")
    pieces = list(json_pieces(model))
    assert pieces == [model.model_dump_json(by_alias=True).encode()]
    # Long lists inside a plain container are still cut.
    numbers = list(range(3 * SLICE))
    assert b"".join(json_pieces([model, numbers])) == (
        b"["
        + model.model_dump_json(by_alias=True).encode()
        + b","
        + str(numbers).replace(" ", "").encode()
        + b"]"
    )


def test_each_of_a_few_big_things_is_cut_too() -> None:
    book = Workbook(sheets=(SHEET, SHEET.model_copy(update={"title": "Інший"})))
    pieces = list(json_pieces(book))
    whole = book.model_dump_json().encode()
    assert b"".join(pieces) == whole
    assert max(len(piece) for piece in pieces) < len(whole) / 20


def test_the_process_draws_the_same_workbook_and_csv_as_a_thread() -> None:
    in_thread = FileRenderers()
    process = FileRenderers(process=True)
    try:
        for delimiter, bom in ((",", True), (";", True), (",", False)):
            drawn_csv = process.csv(SHEET, delimiter=delimiter, bom=bom)
            assert drawn_csv == in_thread.csv(SHEET, delimiter=delimiter, bom=bom)
        drawn = sheet_values(process.workbook(BOOK))
        assert drawn == sheet_values(in_thread.workbook(BOOK))
    finally:
        process.close()
    assert len(drawn) == 2 + len(ROWS)
    assert drawn[2][:5] == ["R-1000", 0, "=SUM(A1:A2)", "+380 56 000", 0]
    rows = list(csv.reader(io.StringIO(in_thread.csv(SHEET).decode("utf-8-sig"), newline="")))
    # The formula-like text is quoted; a negative number stays a number.
    assert rows[2][:5] == ["R-1000", "0", "'=SUM(A1:A2)", "'+380 56 000", "0"]
    assert rows[3][:5] == ["R-1001", "1", "", 'Лікарня "№4"\nвул. Тестова, 1', "-1"]


def test_a_csv_request_is_the_handlers_csv() -> None:
    request = CsvRequest(sheet=SHEET, delimiter=";", bom=False)
    assert request.render() == to_csv(SHEET, delimiter=";", bom=False)


def test_the_child_draws_below_the_bots_priority() -> None:
    process = RenderProcess()
    small = Sheet.from_rows("S", (ColumnHead(title="a", kind=ColumnKind.INT),), ((1,),))
    try:
        assert process.render(CsvRequest(sheet=small)) == to_csv(small)
        child = process._child
        assert child is not None
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(19, ours + NICENESS)
    finally:
        process.close()
