"""What handlers need drawn into files, implemented in bot/ (openpyxl, CSV, matplotlib).

Handlers stay free of those libraries: bot/app.py injects an implementation through
``HandlerContext.renderers``. Implementations must be safe to call from a worker thread, since
handlers render off the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from handlers.text.i18n import Language

if TYPE_CHECKING:
    from handlers.coordination.hxl_export import ExportFiles, ExportSpec, ExportTable
    from handlers.shipments.packing_list import PackingFiles, PackingSpec
    from handlers.text.workbook import Sheet, Workbook
    from storage.charts import ChartData


class Renderers(Protocol):
    def workbook(self, book: Workbook) -> bytes:
        """The XLSX file of ``book`` (handlers/text/workbook.py): text as text, never a
        formula; numbers as numbers; dates as date cells."""
        ...

    def xlsx(self, table: ExportTable, *, sheet_title: str) -> bytes:
        """A workbook with one sheet: header row, HXL row (both frozen), data rows.

        Text cells are written as text, never as formulas; integers as numbers.
        """
        ...

    def csv(self, sheet: Sheet, *, delimiter: str = ",", bom: bool = True) -> bytes:
        """``handlers.text.workbook.to_csv(sheet, ...)``, drawn where encoding a big sheet
        (one long call holding the interpreter lock) stalls no chat."""
        ...

    def export(self, spec: ExportSpec, *, db_path: str) -> ExportFiles:
        """The export ``spec`` describes, read from the database file at ``db_path`` (one
        read-only snapshot) and written row by row, in parts when a file would pass
        ``spec.max_bytes``. Memory stays flat in the number of rows."""
        ...

    def packing_list(self, spec: PackingSpec, *, db_path: str) -> PackingFiles | None:
        """The packing list ``spec`` describes, read from the database at ``db_path`` (one
        read-only snapshot) and written row by row, in parts when a file would pass
        ``spec.max_bytes``; None when there is no such shipment. Memory stays flat in the
        number of lines."""
        ...

    def weekly_chart(
        self, chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
    ) -> bytes:
        """A PNG of outstanding quantities: a panel per key (category), a bar per week,
        stacked by urgency.

        ``labels`` holds the translated texts: ``x_axis``, ``y_axis``, ``legend``, ``empty``,
        ``urgency.<value>`` and ``category.<key>``; panels follow the order of the
        ``category.*`` entries.
        """
        ...
