"""Files drawn for handlers: XLSX with openpyxl, the weekly chart with matplotlib.

Both libraries stay out of handlers/, which see only the ``Renderers`` protocol. Handlers call
these methods from worker threads, so nothing here touches module-level or library-global
state: matplotlib is used through ``Figure`` + ``FigureCanvasAgg`` (never pyplot, whose
figure registry and backend switch are process-wide), and each call builds its own objects.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from handlers.coordination.hxl_export import ExportTable, formula_like
from handlers.text.i18n import Language
from storage.charts import ChartData
from storage.models import Urgency

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

MAX_COLUMN_WIDTH: Final = 60
MIN_COLUMN_WIDTH: Final = 6
# Characters XML 1.0 cannot carry; openpyxl refuses them rather than writing a broken file.
_ILLEGAL_XML: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")

URGENCY_COLOURS: Final[Mapping[Urgency, str]] = {
    Urgency.CRITICAL: "#c62828",
    Urgency.HIGH: "#ef6c00",
    Urgency.NORMAL: "#1565c0",
    Urgency.LOW: "#9e9e9e",
}
_THOUSANDS: Final[Mapping[str, str]] = {"uk": "\u00a0", "de": ".", "en": ","}
_PANEL_COLUMNS: Final = 4
_DPI: Final = 100


class FileRenderers:
    """The production ``handlers.coordination.file_renderers.Renderers``."""

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
        # Imported here: matplotlib costs about a second to import, and most runs of the bot
        # never draw a chart.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        keys = _panel_keys(chart, labels)
        rows = max(1, -(-len(keys) // _PANEL_COLUMNS))
        columns = min(max(1, len(keys)), _PANEL_COLUMNS)
        # Constrained layout fits titles, shared axis labels and the legend without overlaps.
        size = (max(7.0, 2.9 * columns + 2.2), 2.5 * rows + 1.6)
        figure = Figure(figsize=size, dpi=_DPI, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(title, fontsize=12, fontweight="bold")
        ticks = [week.end.strftime("%d.%m") for week in chart.weeks]
        positions = list(range(len(chart.weeks)))
        separator = _THOUSANDS.get(lang, ",")
        thousands = FuncFormatter(lambda value, _pos: f"{int(value):,}".replace(",", separator))
        if not keys:
            axes = figure.add_subplot(1, 1, 1)
            axes.text(0.5, 0.5, labels.get("empty", ""), ha="center", va="center")
            axes.set_axis_off()
        for index, key in enumerate(keys):
            axes = figure.add_subplot(rows, columns, index + 1)
            bottoms = [0] * len(chart.weeks)
            for urgency in Urgency:
                heights = _series(chart, key, urgency)
                axes.bar(
                    positions, heights, bottom=bottoms, color=URGENCY_COLOURS[urgency], width=0.75
                )
                bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
            axes.set_title(labels.get(f"category.{key}", key), fontsize=10)
            axes.set_xticks(positions, ticks, rotation=60, fontsize=7)
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
            axes.yaxis.set_major_formatter(thousands)
            axes.tick_params(axis="y", labelsize=7)
            axes.spines[["top", "right"]].set_visible(False)
        if keys:
            handles: list[Any] = [
                Patch(color=URGENCY_COLOURS[u], label=labels.get(f"urgency.{u.value}", u.value))
                for u in Urgency
            ]
            figure.legend(
                handles=handles,
                title=labels.get("legend"),
                loc="outside right center",
                fontsize=8,
                title_fontsize=8,
                frameon=False,
            )
            figure.supxlabel(labels.get("x_axis", ""), fontsize=9)
            figure.supylabel(labels.get("y_axis", ""), fontsize=9)
        buffer = io.BytesIO()
        # No Software/date metadata: the same data gives the same bytes.
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()


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


def _panel_keys(chart: ChartData, labels: Mapping[str, str]) -> list[str]:
    """Keys with anything outstanding, in the order of the labels, unknown keys last."""
    present: dict[str, int] = defaultdict(int)
    for week in chart.weeks:
        for cell in week.cells:
            present[cell.key or "other"] += cell.outstanding
    order = [k.removeprefix("category.") for k in labels if k.startswith("category.")]
    known = [k for k in order if present.get(k)]
    return known + sorted(k for k, total in present.items() if total and k not in order)


def _series(chart: ChartData, key: str, urgency: Urgency) -> list[int]:
    return [
        sum(c.outstanding for c in week.cells if (c.key or "other") == key and c.urgency is urgency)
        for week in chart.weeks
    ]
