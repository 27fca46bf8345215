"""The weekly chart drawn with matplotlib: a pure function of its data.

The running bot draws it in the render process (bot/render_process.py, ``ChartRequest``): a
chart leaves some 35,000 objects in reference cycles behind, and collecting them holds the
interpreter lock for 30-110 ms (measured), in which a bot that drew it in a thread answers
nobody. matplotlib is used through ``Figure`` + ``FigureCanvasAgg`` (never pyplot, whose figure
registry and backend switch are process-wide), and each call builds its own objects, so
threads may call ``draw_weekly_chart`` too (tests, the CLI).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from storage.charts import ChartData
from storage.models import Urgency

if TYPE_CHECKING:
    from handlers.text.i18n import Language

URGENCY_COLOURS: Final[Mapping[Urgency, str]] = {
    Urgency.CRITICAL: "#c62828",
    Urgency.HIGH: "#ef6c00",
    Urgency.NORMAL: "#1565c0",
    Urgency.LOW: "#9e9e9e",
}
_THOUSANDS: Final[Mapping[str, str]] = {"uk": "\u00a0", "de": ".", "en": ","}
_PANEL_COLUMNS: Final = 4
_DPI: Final = 100
_BAR: Final = 0.75  # a bar's width, a week apart


def draw_weekly_chart(
    chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
) -> bytes:
    """The PNG of ``handlers.coordination.file_renderers.Renderers.weekly_chart``."""
    # Imported here: matplotlib costs about a second to import, and most runs of the bot
    # never draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    keys = _panel_keys(chart, labels)
    rows = max(1, -(-len(keys) // _PANEL_COLUMNS))
    columns = min(max(1, len(keys)), _PANEL_COLUMNS)
    size = (max(7.0, 2.9 * columns + 2.2), 2.5 * rows + 1.6)
    figure = Figure(figsize=size, dpi=_DPI)
    FigureCanvasAgg(figure)
    grid = _grid(figure, size, rows, columns)
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
        axes = figure.add_subplot(grid[index // columns, index % columns])
        # The stacked bars as one collection of rectangles: 32 bar patches per panel, each
        # an artist of its own, cost a fifth of the chart (issue 17).
        bottoms = [0] * len(chart.weeks)
        boxes: list[list[tuple[float, float]]] = []
        colours: list[str] = []
        for urgency in Urgency:
            heights = _series(chart, key, urgency)
            for x, bottom, height in zip(positions, bottoms, heights, strict=True):
                if height:
                    left, right, top = x - _BAR / 2, x + _BAR / 2, bottom + height
                    boxes.append([(left, bottom), (left, top), (right, top), (right, bottom)])
                    colours.append(URGENCY_COLOURS[urgency])
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        axes.add_collection(PolyCollection(boxes, facecolors=colours, linewidths=0), autolim=False)
        # The limits bar() would have set: 5 % margins, the bottom held at zero.
        span = len(positions) - 1 + _BAR
        axes.set_xlim(-_BAR / 2 - 0.05 * span, len(positions) - 1 + _BAR / 2 + 0.05 * span)
        axes.set_ylim(0, max(bottoms) * 1.05)
        # A title given its height: matplotlib otherwise measures the panel's every label to
        # place it clear of ticks on top, which have none here (a fifth of the chart's time).
        axes.set_title(labels.get(f"category.{key}", key), fontsize=10, y=1.0)
        axes.set_xticks(positions, ticks, rotation=60, fontsize=7)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(thousands)
        axes.tick_params(axis="y", labelsize=7)
        axes.spines[["top", "right"]].set_visible(False)
        # The panels have no axis labels of their own (the figure's are shared): placed by
        # hand, matplotlib does not measure every tick label again to place them.
        axes.xaxis.set_label_coords(0.5, 0.0)
        axes.yaxis.set_label_coords(0.0, 0.5)
    if keys:
        handles: list[Any] = [
            Patch(color=URGENCY_COLOURS[u], label=labels.get(f"urgency.{u.value}", u.value))
            for u in Urgency
        ]
        figure.legend(
            handles=handles,
            title=labels.get("legend"),
            loc="center right",
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


def _grid(figure: Any, size: tuple[float, float], rows: int, columns: int) -> Any:
    """The panels' grid with fixed margins in inches, room for what surrounds the panels:
    the title above, the axis labels, each panel's title, value and week labels, and the
    legend on the right. A layout engine (constrained layout) measured every text to find
    them and drew the figure twice: 1.0-1.5 s of a chart's 1.3-2 s (issue 17)."""
    width, height = size
    left, right, top, bottom = 1.1, 1.25, 0.65, 0.75
    across, down = 0.75, 0.8  # between panels: values' labels; week labels and a title
    panel_width = (width - left - right - (columns - 1) * across) / columns
    panel_height = (height - top - bottom - (rows - 1) * down) / rows
    return figure.add_gridspec(
        rows,
        columns,
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=across / panel_width,
        hspace=down / panel_height,
    )


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
