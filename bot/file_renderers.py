"""Files drawn for handlers: XLSX with openpyxl, CSV, the weekly chart with matplotlib.

Those libraries stay out of handlers/, which see only the ``Renderers`` protocol. Each file is
a request model (bot/render_requests.py) drawn in the calling thread, or (the running bot) in
the render process (bot/render_process.py), where neither the garbage a chart leaves nor
openpyxl's long stretches of C hold the interpreter lock the event loop needs. Handlers call
these methods from worker threads, so nothing here touches module-level or library-global
state, and each call builds its own objects.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from bot.export_writer import ExportWritten
from bot.packing_writer import PackingWritten
from bot.render_process import RenderProcess
from bot.render_requests import (
    ChartRequest,
    CsvRequest,
    ExportRequest,
    PackingRequest,
    RenderRequest,
    WorkbookRequest,
)
from handlers.coordination.hxl_export import ExportFiles, ExportPart, ExportSpec, ExportTable
from handlers.shipments.packing_list import PackingFiles, PackingPart, PackingSpec
from handlers.text.i18n import Language
from handlers.text.workbook import ColumnHead, ColumnKind, Sheet, Workbook
from storage.charts import ChartData
from storage.db import is_postgres_url


class FileRenderers:
    """The production ``handlers.coordination.file_renderers.Renderers``.

    ``process``: draw in processes of their own (``RenderProcess``); call ``close()`` when
    done. Without it files are drawn in the calling thread (tests, the CLI).

    Charts and tables (XLSX, CSV) have a process each: a process draws one file at a time, and
    the round's pack (/meeting) asks for its workbook and its chart side by side. In one
    process the two waited for each other (~0.7 s of openpyxl, then ~0.7 s of matplotlib,
    issue 14's bench); in two they are drawn at once on a second core. Each child imports
    only its own library (the imports are in ``render()``), so the second costs little memory.
    """

    def __init__(self, *, process: bool = False) -> None:
        self._charts = RenderProcess() if process else None
        self._tables = RenderProcess() if process else None

    def workbook(self, book: Workbook) -> bytes:
        return self._render(self._tables, WorkbookRequest(book=book))

    def xlsx(self, table: ExportTable, *, sheet_title: str) -> bytes:
        """The one-sheet table as a workbook (the older call; new callers build a Workbook)."""
        heads = [
            ColumnHead(title=title, kind=_kind_of(table.rows, index), hxl=tag or None)
            for index, (title, tag) in enumerate(zip(table.header, table.hxl, strict=True))
        ]
        sheet = Sheet.from_rows(sheet_title, heads, table.rows)
        return self.workbook(Workbook(sheets=(sheet,)))

    def csv(self, sheet: Sheet, *, delimiter: str = ",", bom: bool = True) -> bytes:
        return self._render(self._tables, CsvRequest(sheet=sheet, delimiter=delimiter, bom=bom))

    def export(self, spec: ExportSpec, *, db_path: str) -> ExportFiles:
        """Written where the rows never reach this process (``ExportRequest``), into a
        private folder beside the database (0700; not /tmp, which may be memory), read back
        and deleted here."""
        # On PostgreSQL ``db_path`` is the URL (Database.location): no folder of its own.
        beside = None if is_postgres_url(db_path) else Path(db_path).absolute().parent
        folder = tempfile.mkdtemp(prefix=".export-", dir=beside)
        source = db_path if beside is None else str(Path(db_path).absolute())
        try:
            answer = self._render(
                self._tables, ExportRequest(spec=spec, db_path=source, out_dir=folder)
            )
            written = ExportWritten.model_validate_json(answer)
            return ExportFiles(
                parts=tuple(
                    ExportPart(data=Path(part.path).read_bytes(), rows=part.rows)
                    for part in written.parts
                )
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def packing_list(self, spec: PackingSpec, *, db_path: str) -> PackingFiles | None:
        """Written where the lines never reach this process (``PackingRequest``), as an
        export is: files in a private folder beside the database, read back and deleted."""
        with _private_folder(db_path) as (folder, source):
            answer = self._render(
                self._tables, PackingRequest(spec=spec, db_path=source, out_dir=folder)
            )
            written = PackingWritten.model_validate_json(answer)
            if not written.found:
                return None
            return PackingFiles(
                total=written.total,
                parts=tuple(
                    PackingPart(
                        data=Path(part.path).read_bytes(), lines=part.lines, first=part.first
                    )
                    for part in written.parts
                ),
            )

    def weekly_chart(
        self, chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
    ) -> bytes:
        return self._render(
            self._charts, ChartRequest(chart=chart, lang=lang, title=title, labels=labels)
        )

    def close(self) -> None:
        """Stop the render processes, if they were started."""
        for process in (self._charts, self._tables):
            if process is not None:
                process.close()

    @staticmethod
    def _render(process: RenderProcess | None, request: RenderRequest) -> bytes:
        if process is None:
            return request.render()
        return process.render(request)


@contextlib.contextmanager
def _private_folder(db_path: str) -> Iterator[tuple[str, str]]:
    """A private folder (0700) beside the database for a render's files, removed after,
    and the database as the render process opens it (``export`` does the same inline). On
    PostgreSQL ``db_path`` is the URL (Database.location): no folder of its own, so the
    system's temporary one."""
    beside = None if is_postgres_url(db_path) else Path(db_path).absolute().parent
    folder = tempfile.mkdtemp(prefix=".packing-", dir=beside)
    source = db_path if beside is None else str(Path(db_path).absolute())
    try:
        yield folder, source
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _kind_of(rows: Sequence[tuple[str | int | None, ...]], index: int) -> ColumnKind:
    """An ExportTable column holding only ints and None is a number column."""
    if any(isinstance(row[index], str) for row in rows):
        return ColumnKind.TEXT
    if any(isinstance(row[index], int) for row in rows):
        return ColumnKind.INT
    return ColumnKind.TEXT
