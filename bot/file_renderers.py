"""Files drawn for handlers: XLSX with openpyxl, the weekly chart with matplotlib.

Both libraries stay out of handlers/, which see only the ``Renderers`` protocol. Handlers call
these methods from worker threads, so nothing here touches module-level or library-global
state, and each call builds its own objects. The chart is drawn by bot/chart_drawing.py: in
the calling thread, or (the running bot) in a process of its own, whose garbage collector
then pauses nobody's chats.
"""

from __future__ import annotations

import io
import selectors
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from bot.chart_drawing import ChartRequest, draw_weekly_chart
from handlers.coordination.hxl_export import ExportTable
from handlers.text.i18n import Language
from handlers.text.workbook import (
    ILLEGAL_XML,
    MAX_CELL_TEXT,
    Cell,
    Column,
    ColumnHead,
    ColumnKind,
    Sheet,
    Workbook,
    formula_like,
)
from storage.charts import ChartData

if TYPE_CHECKING:
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# A chart takes about a second; the first one also waits for the child's imports.
CHART_TIMEOUT_SECONDS: Final = 60.0
MAX_COLUMN_WIDTH: Final = 60
MIN_COLUMN_WIDTH: Final = 6
WIDTH_SAMPLE: Final = 5_000
# Default number formats: ISO, which every Excel reads whatever its language.
DATE_FORMAT: Final = "yyyy-mm-dd"
DATETIME_FORMAT: Final = "yyyy-mm-dd hh:mm"


class FileRenderers:
    """The production ``handlers.coordination.file_renderers.Renderers``.

    ``chart_process``: draw charts in a process of their own (``ChartProcess``); call
    ``close()`` when done. Without it they are drawn in the calling thread (tests, the CLI).
    """

    def __init__(self, *, chart_process: bool = False) -> None:
        self._chart_process = ChartProcess() if chart_process else None

    def workbook(self, book: Workbook) -> bytes:
        return render_workbook(book)

    def xlsx(self, table: ExportTable, *, sheet_title: str) -> bytes:
        """The one-sheet table as a workbook (the older call; new callers build a Workbook)."""
        heads = [
            ColumnHead(title=title, kind=_kind_of(table.rows, index), hxl=tag or None)
            for index, (title, tag) in enumerate(zip(table.header, table.hxl, strict=True))
        ]
        sheet = Sheet.from_rows(sheet_title, heads, table.rows)
        return render_workbook(Workbook(sheets=(sheet,)))

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


def _kind_of(rows: Sequence[tuple[str | int | None, ...]], index: int) -> ColumnKind:
    """An ExportTable column holding only ints and None is a number column."""
    if any(isinstance(row[index], str) for row in rows):
        return ColumnKind.TEXT
    if any(isinstance(row[index], int) for row in rows):
        return ColumnKind.INT
    return ColumnKind.TEXT


def render_workbook(book: Workbook) -> bytes:
    """The XLSX file of ``book``: pure, and safe in any thread or process.

    Text is written as string cells, never as formulas; numbers as numbers; dates and
    datetimes as date cells with a number format (ISO unless the column says otherwise).
    """
    from openpyxl import Workbook as XlsxWorkbook

    # Write-only mode streams rows to the file instead of keeping a cell object per
    # value, so memory does not grow with the export beyond the model itself.
    workbook = XlsxWorkbook(write_only=True)
    for sheet in book.sheets:
        _render_sheet(workbook.create_sheet(title=sheet.title), sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _render_sheet(out: WriteOnlyWorksheet, sheet: Sheet) -> None:
    from openpyxl.styles import Font

    cells = _Cells.for_sheet(out)
    labels = len(sheet.notes) + 1 + (1 if sheet.has_hxl else 0)
    if sheet.freeze:
        # Header and HXL row stay in view while scrolling; both are labels, not data.
        out.freeze_panes = f"A{labels + 1}"
    for letter, width in _column_widths(sheet).items():
        out.column_dimensions[letter].width = width
    for note in sheet.notes:
        out.append([cells.text(note)])
    bold = Font(bold=True)
    out.append([cells.text(title, font=bold) for title in sheet.header()])
    if sheet.has_hxl:
        italic = Font(italic=True)
        out.append([cells.text(tag, font=italic) for tag in sheet.hxl_row()])
    writers = [cells.writer(column) for column in sheet.columns]
    for row in sheet.rows():
        out.append([write(value) for write, value in zip(writers, row, strict=True)])


@dataclass(frozen=True, slots=True)
class _Cells:
    """Cells of one sheet, with openpyxl's names looked up once: an import statement per
    cell cost more than a tenth of the rendering (measured)."""

    out: WriteOnlyWorksheet
    cell: Any  # openpyxl.cell.WriteOnlyCell
    errors: frozenset[str]

    @classmethod
    def for_sheet(cls, out: WriteOnlyWorksheet) -> _Cells:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES

        return cls(out=out, cell=WriteOnlyCell, errors=frozenset(ERROR_CODES))

    def writer(self, column: Column) -> Callable[[Cell], Any]:
        """How one column's values become cells: plain values where openpyxl writes them
        right by itself (cheaper than a cell object each), cell objects where not."""
        number_format = column.number_format
        if column.kind is ColumnKind.TEXT:
            return lambda value: None if value is None else self.text(str(value))
        if column.kind in (ColumnKind.DATE, ColumnKind.DATETIME):
            default = DATE_FORMAT if column.kind is ColumnKind.DATE else DATETIME_FORMAT
            return partial(self.date, number_format or default)
        if number_format is None:
            return lambda value: value
        return partial(self.formatted, number_format)

    def text(self, value: str, *, font: Font | None = None) -> Any:
        text = ILLEGAL_XML.sub("", value)[:MAX_CELL_TEXT]
        if font is None and not formula_like(text) and text not in self.errors:
            return text  # a plain value: cheaper than a cell object, and stored as text anyway
        # openpyxl would write "=..." as a formula and "#N/A" as an error; as string cells,
        # Excel shows them as the text they are.
        cell = self.cell(self.out, value=text)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def date(self, number_format: str, value: Cell) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            # Excel has no time zones (openpyxl refuses aware values): the model's
            # datetimes are wall-clock times in the reader's zone already.
            value = value.replace(tzinfo=None)
        return self.formatted(number_format, value)

    def formatted(self, number_format: str, value: Cell) -> Any:
        if value is None:
            return None
        cell = self.cell(self.out, value=value)
        cell.number_format = number_format
        return cell


def _column_widths(sheet: Sheet) -> dict[str, float]:
    """Fitted to the labels and the first WIDTH_SAMPLE rows: a width is a matter of looks,
    not worth a pass over 100,000 rows."""
    from openpyxl.utils import get_column_letter

    widths = {}
    for index, column in enumerate(sheet.columns):
        width = column.width
        if width is None:
            longest = max(_longest_line(column.title), _longest_line(column.hxl or ""))
            sample = column.values[:WIDTH_SAMPLE]
            if column.kind is ColumnKind.TEXT:
                longest = max([longest, *(_longest_line(v) for v in sample if v is not None)])
            elif column.kind is ColumnKind.DATE:
                longest = max(longest, 10)
            elif column.kind is ColumnKind.DATETIME:
                longest = max(longest, 16)
            else:
                longest = max([longest, *(len(str(v)) for v in sample if v is not None)])
            width = float(min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, longest + 2)))
        widths[get_column_letter(index + 1)] = width
    return widths


def _longest_line(value: object) -> int:
    return max(len(part) for part in str(value).split("\n"))


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
