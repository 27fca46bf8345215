"""What the render process draws: one pydantic model per kind of file, each with its drawing.

A request is plain data that round-trips through JSON (``RENDER_REQUEST``), so the same model
is drawn in the calling thread (``request.render()``: tests, the CLI) or sent down the render
process's pipe (bot/render_process.py) and drawn there. A new kind of file is a new model here
with a ``kind`` of its own, added to ``RenderRequest``; the plumbing does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field, TypeAdapter

from handlers.coordination.hxl_export import ExportSpec
from handlers.shipments.packing_list import PackingSpec
from handlers.text.i18n import Language
from handlers.text.workbook import Sheet, Workbook, to_csv
from storage.charts import ChartData
from storage.models import Frozen

# A chart takes about a second; the first one also waits for the child's imports.
CHART_TIMEOUT_SECONDS = 60.0
# A 100,000-row table takes 10-30 s on a busy 2-core machine; far beyond that the child is stuck.
TABLE_TIMEOUT_SECONDS = 300.0


class ChartRequest(Frozen):
    """The weekly chart (``Renderers.weekly_chart``) as a PNG."""

    timeout_seconds: ClassVar[float] = CHART_TIMEOUT_SECONDS
    kind: Literal["chart"] = "chart"
    chart: ChartData
    lang: Language
    title: str
    labels: Mapping[str, str]

    def render(self) -> bytes:
        from bot.chart_drawing import draw_weekly_chart

        return draw_weekly_chart(self.chart, lang=self.lang, title=self.title, labels=self.labels)


class WorkbookRequest(Frozen):
    """A workbook (``Renderers.workbook``, handlers/text/workbook.py) as an XLSX file."""

    timeout_seconds: ClassVar[float] = TABLE_TIMEOUT_SECONDS
    kind: Literal["workbook"] = "workbook"
    book: Workbook

    def render(self) -> bytes:
        from bot.xlsx_drawing import render_workbook

        return render_workbook(self.book)


class CsvRequest(Frozen):
    """One sheet as CSV (``Renderers.csv``): handlers.text.workbook's own ``to_csv``, drawn
    here because encoding 100,000 rows is one 40 ms call that holds the interpreter lock."""

    timeout_seconds: ClassVar[float] = TABLE_TIMEOUT_SECONDS
    kind: Literal["csv"] = "csv"
    sheet: Sheet
    delimiter: str = ","
    bom: bool = True

    def render(self) -> bytes:
        return to_csv(self.sheet, delimiter=self.delimiter, bom=self.bom)


class ExportRequest(Frozen):
    """An export (``Renderers.export``) read from the database file and written here row by
    row, into files in ``out_dir``; the answer is ``ExportWritten``'s JSON: the parts' paths
    and row counts, a few hundred bytes, where the rows used to cross the pipe the other way.
    """

    timeout_seconds: ClassVar[float] = TABLE_TIMEOUT_SECONDS
    kind: Literal["export"] = "export"
    spec: ExportSpec
    db_path: str
    out_dir: str

    def render(self) -> bytes:
        from bot.export_writer import write_export

        written = write_export(self.spec, db_path=self.db_path, out_dir=self.out_dir)
        return written.model_dump_json().encode()


class PackingRequest(Frozen):
    """A shipment's packing list (``Renderers.packing_list``) read from the database and
    written here row by row, into files in ``out_dir``; the answer is ``PackingWritten``'s
    JSON (the parts' paths and line counts), where the lines used to cross the pipe whole."""

    timeout_seconds: ClassVar[float] = TABLE_TIMEOUT_SECONDS
    kind: Literal["packing"] = "packing"
    spec: PackingSpec
    db_path: str
    out_dir: str

    def render(self) -> bytes:
        from bot.packing_writer import write_packing

        written = write_packing(self.spec, db_path=self.db_path, out_dir=self.out_dir)
        return written.model_dump_json().encode()


RenderRequest = Annotated[
    ChartRequest | WorkbookRequest | CsvRequest | ExportRequest | PackingRequest,
    Field(discriminator="kind"),
]
RENDER_REQUEST: TypeAdapter[RenderRequest] = TypeAdapter(RenderRequest)
