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

from handlers.coordination.hxl_export import ExportTable
from handlers.text.i18n import Language
from storage.charts import ChartData
from storage.models import Frozen

# A chart takes about a second; the first one also waits for the child's imports.
CHART_TIMEOUT_SECONDS = 60.0
# 100,000 rows take 10-20 s on a busy 2-core machine; far beyond that the child is stuck.
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


class XlsxRequest(Frozen):
    """The export's table as a workbook (``Renderers.xlsx``)."""

    timeout_seconds: ClassVar[float] = TABLE_TIMEOUT_SECONDS
    kind: Literal["xlsx"] = "xlsx"
    table: ExportTable
    sheet_title: str

    def render(self) -> bytes:
        from bot.xlsx_drawing import write_xlsx

        return write_xlsx(self.table, sheet_title=self.sheet_title)


class CsvRequest(Frozen):
    """The export's table as CSV (``Renderers.csv``): handlers' own ``to_csv``, drawn here
    because encoding 100,000 rows is one 40 ms call that holds the interpreter lock."""

    timeout_seconds: ClassVar[float] = TABLE_TIMEOUT_SECONDS
    kind: Literal["csv"] = "csv"
    table: ExportTable

    def render(self) -> bytes:
        from handlers.coordination.hxl_export import to_csv

        return to_csv(self.table)


RenderRequest = Annotated[ChartRequest | XlsxRequest | CsvRequest, Field(discriminator="kind")]
RENDER_REQUEST: TypeAdapter[RenderRequest] = TypeAdapter(RenderRequest)
