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
# Inches around the panels: left (y label, y ticks), right without and with the legend, top
# (title, a panel's title), bottom (rotated week ticks, x label); between panels.
_LEFT, _RIGHT, _LEGEND, _TOP, _BOTTOM = 0.9, 0.2, 1.3, 0.65, 0.85
_GAP_X, _GAP_Y = 0.7, 0.85


def draw_weekly_chart(
    chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
) -> bytes:
    """The PNG of ``handlers.coordination.file_renderers.Renderers.weekly_chart``."""
    # Imported here: matplotlib costs about a second to import, and most runs of the bot
    # never draw a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    keys = _panel_keys(chart, labels)
    rows = max(1, -(-len(keys) // _PANEL_COLUMNS))
    columns = min(max(1, len(keys)), _PANEL_COLUMNS)
    size = (max(7.0, 2.9 * columns + 2.2), 2.5 * rows + 1.6)
    figure = Figure(figsize=size, dpi=_DPI)
    FigureCanvasAgg(figure)
    # Margins in inches for what surrounds the panels (title, y labels, rotated week ticks,
    # the legend), fixed: matplotlib's constrained layout measured every tick label of every
    # panel to find them, a third of the drawing's time (cProfile), for the same result at
    # these fixed font sizes.
    width, height = size
    figure.subplots_adjust(
        left=_LEFT / width,
        right=1 - (_LEGEND if keys else _RIGHT) / width,
        top=1 - _TOP / height,
        bottom=_BOTTOM / height,
        wspace=_GAP_X / ((width - _LEFT - _LEGEND) / columns - _GAP_X),
        hspace=_GAP_Y / ((height - _TOP - _BOTTOM) / rows - _GAP_Y),
    )
    figure.suptitle(title, fontsize=12, fontweight="bold", y=1 - 0.1 / height, va="top")
    ticks = [week.end.strftime("%d.%m") for week in chart.weeks]
    positions = list(range(len(chart.weeks)))
    separator = _THOUSANDS.get(lang, ",")
    thousands = FuncFormatter(lambda value, _pos: f"{int(value):,}".replace(",", separator))
    if not keys:
        axes = figure.add_axes((0.0, 0.0, 1.0, 1 - _TOP / height))
        axes.text(0.5, 0.5, labels.get("empty", ""), ha="center", va="center")
        axes.set_axis_off()
    for index, key in enumerate(keys):
        axes = figure.add_subplot(rows, columns, index + 1)
        bottoms = [0] * len(chart.weeks)
        for urgency in Urgency:
            heights = _series(chart, key, urgency)
            axes.bar(positions, heights, bottom=bottoms, color=URGENCY_COLOURS[urgency], width=0.75)
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
            loc="center right",
            fontsize=8,
            title_fontsize=8,
            frameon=False,
        )
        figure.supxlabel(labels.get("x_axis", ""), fontsize=9, y=0.08 / height, va="bottom")
        figure.supylabel(labels.get("y_axis", ""), fontsize=9, x=0.08 / width, ha="left")
    buffer = io.BytesIO()
    # No Software/date metadata: the same data gives the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


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
