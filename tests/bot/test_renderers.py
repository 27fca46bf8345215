"""FileRenderers: the XLSX opened again with openpyxl, the chart checked as PNG bytes."""

from __future__ import annotations

import io
import struct
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.file_renderers import FileRenderers
from bot.render_process import RenderFailed, RenderProcess, serve
from bot.render_requests import ChartRequest
from bot.xlsx_drawing import MAX_COLUMN_WIDTH
from handlers.coordination.charts import chart_by_category, chart_document, chart_labels
from handlers.coordination.hxl_export import ExportTable
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Translator
from storage.charts import ChartCell, ChartData, ChartWeek
from storage.models import Filters, Urgency
from tests.engine_harness import EngineHarness
from tests.handlers.test_export import history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def open_sheet(data: bytes) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    return sheet


def values(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_guards_and_widths() -> None:
    long_text = "довгий текст " * 20
    table = ExportTable(
        header=("a", "b", "c", "d"),
        hxl=("#a", "#b", "#c", "#d"),
        rows=(
            ("=1+1", "+380", long_text, 7),
            ("@SUM(A1:A2)", "bell\x07char", "-2", None),
            ("#N/A", "", "12", 0),
        ),
    )
    sheet = open_sheet(FileRenderers().xlsx(table, sheet_title="Потреби: [1/2]?" * 3))
    assert len(sheet.title) <= 31 and not set("[]:*?/\\") & set(sheet.title)
    assert values(sheet)[2:] == [
        ["=1+1", "+380", long_text, 7],
        ["@SUM(A1:A2)", "bellchar", "-2", None],
        ["#N/A", None, "12", 0],
    ]
    for coordinate in ("A3", "B3", "A4", "C4", "A5", "C5"):
        assert sheet[coordinate].data_type == "s", coordinate
    assert sheet["D3"].data_type == "n"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["C"] == MAX_COLUMN_WIDTH
    assert 6 <= widths["A"] < 20


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def full_chart() -> ChartData:
    end = datetime(2026, 11, 24, 9, tzinfo=UTC)
    catalog = Catalog.default()
    keys = [c.key for c in catalog.categories()]
    weeks = []
    for week in range(8):
        cells = tuple(
            ChartCell(key=key, urgency=urgency, outstanding=(week + 1) * (n + 1) * 137)
            for n, key in enumerate(keys)
            for urgency in Urgency
        )
        weeks.append(ChartWeek(end=end - timedelta(weeks=7 - week), cells=cells))
    return ChartData(weeks=tuple(weeks))


def test_weekly_chart_png() -> None:
    catalog = Catalog.default()
    labels = chart_labels(Translator(), catalog, "uk")
    png = FileRenderers().weekly_chart(
        full_chart(), lang="uk", title="Невиконані потреби, 8 тижнів", labels=labels
    )
    width, height = png_size(png)
    assert 600 <= width <= 2000 and 300 <= height <= 1500
    assert 5_000 < len(png) < 150_000
    # Same data, same bytes: no timestamps in the file.
    assert png == FileRenderers().weekly_chart(
        full_chart(), lang="uk", title="Невиконані потреби, 8 тижнів", labels=labels
    )


def test_weekly_chart_without_data() -> None:
    weeks = tuple(ChartWeek(end=datetime(2026, 11, 24, tzinfo=UTC)) for _ in range(8))
    labels = chart_labels(Translator(), Catalog.default(), "en")
    png = FileRenderers().weekly_chart(
        ChartData(weeks=weeks), lang="en", title="Nothing", labels=labels
    )
    png_size(png)
    assert len(png) < 150_000


async def test_chart_document_from_history(harness: EngineHarness) -> None:
    end, _ = await history(harness)
    catalog = Catalog.default()
    doc = await chart_document(harness.engine.ctx, Filters(), lang="de", now=end)
    assert doc.filename == "aidbridge-chart-2026-11-24.png"
    assert doc.mime_type == "image/png"
    assert doc.caption == "Offene Bedarfe nach Kategorie, letzte 8 Wochen"
    png_size(doc.data)
    assert len(doc.data) < 150_000
    assert chart_by_category(ChartData(weeks=()), catalog).weeks == ()


def test_the_chart_process_draws_the_same_bytes_and_survives_its_child() -> None:
    labels = chart_labels(Translator(), Catalog.default(), "de")
    in_thread = FileRenderers().weekly_chart(full_chart(), lang="de", title="T", labels=labels)
    renderers = FileRenderers(process=True)
    process = RenderProcess()
    request = ChartRequest(chart=full_chart(), lang="de", title="T", labels=labels)
    try:
        drawn = renderers.weekly_chart(full_chart(), lang="de", title="T", labels=labels)
        assert drawn == in_thread
        # A child that died (killed, out of memory) is replaced at the next chart.
        assert process.render(request) == in_thread
        child = process._child
        assert child is not None
        child.kill()
        child.wait()
        assert process.render(request) == in_thread
        assert process._child is not None and process._child is not child
    finally:
        renderers.close()
        process.close()
    assert process._child is None


def test_the_render_server_answers_a_bad_request_and_goes_on() -> None:
    labels = chart_labels(Translator(), Catalog.default(), "en")
    good = ChartRequest(chart=full_chart(), lang="en", title="T", labels=labels)
    bad = b'{"kind": "chart", "chart": "nonsense"}\n'
    requests = io.BytesIO(bad + good.model_dump_json().encode() + b"\n")
    answers = io.BytesIO()
    serve(requests, answers)
    first, rest = answers.getvalue().split(b"\n", 1)
    assert first.startswith(b"ERR ValidationError")
    head, png = rest.split(b"\n", 1)
    assert head == f"OK {len(png)}".encode()
    png_size(png)


def test_a_chart_the_process_refuses_raises() -> None:
    process = RenderProcess()
    # A title matplotlib cannot lay out: mathtext with an unknown command.
    request = ChartRequest(chart=full_chart(), lang="en", title=r"$\nosuchcommand$", labels={})
    try:
        with pytest.raises(RenderFailed):
            process.render(request)
        assert process._child is not None  # a refused chart leaves the child running
    finally:
        process.close()
