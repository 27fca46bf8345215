"""Files drawn for handlers: XLSX with openpyxl, the weekly chart with matplotlib.

Both libraries stay out of handlers/, which see only the ``Renderers`` protocol. Handlers call
these methods from worker threads, so nothing here touches module-level or library-global
state, and each call builds its own objects. The chart is drawn by bot/chart_drawing.py: in
the calling thread, or (the running bot) in a process of its own, whose garbage collector
then pauses nobody's chats.
"""

from __future__ import annotations

import io
import re
import selectors
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from bot.chart_drawing import ChartRequest, draw_weekly_chart
from handlers.coordination.hxl_export import ExportTable, formula_like
from handlers.text.i18n import Language
from storage.charts import ChartData

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# A chart takes about a second; the first one also waits for the child's imports.
CHART_TIMEOUT_SECONDS: Final = 60.0
MAX_COLUMN_WIDTH: Final = 60
MIN_COLUMN_WIDTH: Final = 6
# Characters XML 1.0 cannot carry; openpyxl refuses them rather than writing a broken file.
_ILLEGAL_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")


class FileRenderers:
    """The production ``handlers.coordination.file_renderers.Renderers``.

    ``chart_process``: draw charts in a process of their own (``ChartProcess``); call
    ``close()`` when done. Without it they are drawn in the calling thread (tests, the CLI).
    """

    def __init__(self, *, chart_process: bool = False) -> None:
        self._chart_process = ChartProcess() if chart_process else None

    def xlsx(self, table: ExportTable, *, sheet_title: str) -> bytes:
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

    def weekly_chart(
        self, chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
    ) -> bytes:
        if self._chart_process is None:
            return draw_weekly_chart(chart, lang=lang, title=title, labels=labels)
        return self._chart_process.draw(chart, lang=lang, title=title, labels=labels)

    def close(self) -> None:
        """Stop the chart's process, if one was started."""
        if self._chart_process is not None:
            self._chart_process.close()


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


class ChartFailed(RuntimeError):
    """The chart process could not draw a chart (it said why, died, or took too long)."""


class ChartProcess:
    """``python -m bot.chart_drawing`` as a child, started at the first chart and kept.

    Called from worker threads, one chart at a time. A child that dies or hangs is replaced
    at the next chart.
    """

    def __init__(self, timeout: float = CHART_TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    def draw(
        self, chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
    ) -> bytes:
        request = ChartRequest(chart=chart, lang=lang, title=title, labels=dict(labels))
        with self._lock:
            child = self._started()
            try:
                return self._ask(child, request.model_dump_json().encode() + b"\n")
            except ChartFailed:
                raise
            except (OSError, ValueError) as exc:
                self._stop()
                raise ChartFailed(f"the chart process failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "bot.chart_drawing"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._child

    def _ask(self, child: subprocess.Popen[bytes], request: bytes) -> bytes:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(request)
        child.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            # The first chart waits for matplotlib's import in the child too.
            if not selector.select(self._timeout):
                self._stop()
                raise ChartFailed(f"no chart within {self._timeout:g} s")
        head = child.stdout.readline().decode()
        status, _, rest = head.partition(" ")
        if status == "OK":
            png = child.stdout.read(int(rest))
            if len(png) == int(rest):
                return png
        elif status == "ERR":
            raise ChartFailed(rest.strip())
        self._stop()  # it died mid-answer or said something else: start afresh next time
        raise ChartFailed(f"the chart process ended (answer {head[:80]!r})")

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if child.stdin is not None:
            child.stdin.close()  # end of input: it exits
        try:
            child.wait(timeout=2)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
