"""The render process: requests through the pipe in pieces, the same files as in a thread."""

from __future__ import annotations

import csv
import io
import os

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import Field

from bot.file_renderers import FileRenderers
from bot.render_process import NICENESS, SLICE, RenderProcess, json_pieces
from bot.render_requests import RENDER_REQUEST, CsvRequest, XlsxRequest
from handlers.coordination.hxl_export import ExportTable
from storage.models import Frozen

# More rows than a slice, and cells that JSON, CSV and XLSX must each carry as they are.
ROWS = tuple(
    (
        f"R-{1000 + n}",
        n,
        None if n % 3 else "=SUM(A1:A2)",
        'Лікарня "№4"\nвул. Тестова, 1' if n % 2 else "+380 56 000",
        -n,
    )
    for n in range(4 * SLICE + 7)
)
TABLE = ExportTable(
    header=("Запит", "N", "Формула", "Адреса", "Мінус"),
    hxl=("#meta+id", "#item+num", "#description", "#loc", "#x"),
    rows=ROWS,
)


def sheet_values(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_request_is_written_in_small_pieces_and_reads_back_the_same() -> None:
    request = XlsxRequest(table=TABLE, sheet_title="Потреби")
    pieces = list(json_pieces(request))
    whole = request.model_dump_json().encode()
    assert b"".join(pieces) == whole
    # No piece is the whole table: each is one slice of rows at the most.
    assert max(len(piece) for piece in pieces) < len(whole) / 3
    back = RENDER_REQUEST.validate_json(b"".join(pieces))
    assert isinstance(back, XlsxRequest)
    assert back.sheet_title == "Потреби"
    assert back.table.header == TABLE.header and back.table.hxl == TABLE.hxl
    assert tuple(back.table.rows) == ROWS


class Workbook(Frozen):
    """A shape the export may take: more than one sheet."""

    sheets: tuple[ExportTable, ...]


def test_each_of_a_few_big_things_is_cut_too() -> None:
    book = Workbook(sheets=(TABLE, TABLE))
    pieces = list(json_pieces(book))
    whole = book.model_dump_json().encode()
    assert b"".join(pieces) == whole
    assert max(len(piece) for piece in pieces) < len(whole) / 6


class Renamed(Frozen):
    """A model whose JSON is not its fields under their own names."""

    cells: tuple[int, ...] = Field(serialization_alias="values")
    note: str


def test_a_model_with_its_own_json_is_written_whole() -> None:
    model = Renamed(cells=tuple(range(3 * SLICE)), note="x")
    pieces = list(json_pieces(model))
    assert pieces == [model.model_dump_json(by_alias=True).encode()]
    # Long lists inside a plain container are still cut.
    assert b"".join(json_pieces([model, list(range(3 * SLICE))])) == (
        b"["
        + model.model_dump_json(by_alias=True).encode()
        + b","
        + (str(list(range(3 * SLICE))).replace(" ", "").encode())
        + b"]"
    )


def test_the_process_draws_the_same_workbook_and_csv_as_a_thread() -> None:
    in_thread = FileRenderers()
    process = FileRenderers(process=True)
    try:
        assert process.csv(TABLE) == in_thread.csv(TABLE)
        drawn = sheet_values(process.xlsx(TABLE, sheet_title="Потреби"))
        assert drawn == sheet_values(in_thread.xlsx(TABLE, sheet_title="Потреби"))
    finally:
        process.close()
    assert len(drawn) == 2 + len(ROWS)
    assert drawn[2] == ["R-1000", 0, "=SUM(A1:A2)", "+380 56 000", 0]
    rows = list(csv.reader(io.StringIO(in_thread.csv(TABLE).decode("utf-8-sig"), newline="")))
    # The formula-like text is quoted; a negative number stays a number.
    assert rows[2] == ["R-1000", "0", "'=SUM(A1:A2)", "'+380 56 000", "0"]
    assert rows[3] == ["R-1001", "1", "", 'Лікарня "№4"\nвул. Тестова, 1', "-1"]


def test_a_csv_request_is_the_handlers_csv() -> None:
    from handlers.coordination.hxl_export import to_csv

    assert CsvRequest(table=TABLE).render() == to_csv(TABLE)


def test_the_child_draws_below_the_bots_priority() -> None:
    process = RenderProcess()
    small = ExportTable(header=("a",), hxl=("#a",), rows=((1,),))
    try:
        assert process.render(CsvRequest(table=small)) == CsvRequest(table=small).render()
        child = process._child
        assert child is not None
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(19, ours + NICENESS)
    finally:
        process.close()
