"""Files drawn for handlers: XLSX with openpyxl, CSV, the weekly chart with matplotlib.

Those libraries stay out of handlers/, which see only the ``Renderers`` protocol. Each file is
a request model (bot/render_requests.py) drawn in the calling thread, or (the running bot) in
the render process (bot/render_process.py), where neither the garbage a chart leaves nor
openpyxl's long stretches of C hold the interpreter lock the event loop needs. Handlers call
these methods from worker threads, so nothing here touches module-level or library-global
state, and each call builds its own objects.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.render_process import RenderProcess
from bot.render_requests import ChartRequest, CsvRequest, RenderRequest, XlsxRequest
from handlers.coordination.hxl_export import ExportTable
from handlers.text.i18n import Language
from storage.charts import ChartData


class FileRenderers:
    """The production ``handlers.coordination.file_renderers.Renderers``.

    ``process``: draw in a process of their own (``RenderProcess``); call ``close()`` when
    done. Without it files are drawn in the calling thread (tests, the CLI).
    """

    def __init__(self, *, process: bool = False) -> None:
        self._process = RenderProcess() if process else None

    def xlsx(self, table: ExportTable, *, sheet_title: str) -> bytes:
        return self._render(XlsxRequest(table=table, sheet_title=sheet_title))

    def csv(self, table: ExportTable) -> bytes:
        return self._render(CsvRequest(table=table))

    def weekly_chart(
        self, chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
    ) -> bytes:
        return self._render(ChartRequest(chart=chart, lang=lang, title=title, labels=labels))

    def close(self) -> None:
        """Stop the render process, if one was started."""
        if self._process is not None:
            self._process.close()

    def _render(self, request: RenderRequest) -> bytes:
        if self._process is None:
            return request.render()
        return self._process.render(request)
