"""An export written row by row from the database file: the render process's half of
``handlers.coordination.hxl_export.ExportSpec``.

One read-only connection, one read transaction (every part of an export shows the same
committed state), the cursor's rows built one at a time (``export_layout``) and handed
straight to the CSV writer or openpyxl's write-only sheet, which keep none of them: memory
is flat in the number of rows. The files go to a folder the caller gives (beside the
database, not /tmp, which may be memory), and the caller reads and deletes them.

Past ``max_bytes`` the export is split into parts, each a whole file with its header rows.
A CSV's size is known as it is written; an XLSX's only once it is zipped, so a part that
came out too big is written again with fewer rows (about what fits, less a tenth), from
the same snapshot.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from bot.xlsx_streaming import write_streamed_workbook
from handlers.coordination.hxl_export import SUFFIXES, ExportLayout, ExportSpec, export_layout
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Translator
from handlers.text.workbook import Cell, write_csv
from storage.exports import ExportQuery, ExportSnapshot, export_snapshot
from storage.fileperms import create_private
from storage.models import Frozen

# A part that came out too big is written again with this share of what would just fit.
MARGIN: Final = 0.9


class WrittenPart(Frozen):
    path: str
    rows: int


class ExportWritten(Frozen):
    """The parts written, in order (the answer that crosses the pipe: paths, not bytes)."""

    parts: tuple[WrittenPart, ...]


def write_export(spec: ExportSpec, *, db_path: str, out_dir: str) -> ExportWritten:
    """``spec``'s export from the database at ``db_path`` as files in ``out_dir``."""
    layout = export_layout(spec, t=Translator(), catalog=Catalog.default())
    query = spec.query()
    write = _xlsx_writer(layout) if spec.fmt == "xlsx" else _csv_writer(layout, spec)
    folder = Path(out_dir)
    # Rows are built and dropped one at a time and hold no cycles: the collector would only
    # walk the young objects again and again, for nothing.
    gc.disable()
    try:
        with export_snapshot(db_path) as snapshot:
            parts = _parts(spec, layout, snapshot, query, folder, write)
    finally:
        gc.enable()
    return ExportWritten(parts=tuple(parts))


# Writes rows to a path; returns how many it wrote.
Writer = Callable[[Path, Iterator[Sequence[Cell]]], int]


def _parts(
    spec: ExportSpec,
    layout: ExportLayout,
    snapshot: ExportSnapshot,
    query: ExportQuery | None,
    folder: Path,
    write: Writer,
) -> list[WrittenPart]:
    parts: list[WrittenPart] = []
    done = 0
    per_part = spec.limit
    while True:
        wanted = min(per_part, spec.limit - done)
        path = folder / f"part-{len(parts) + 1}.{SUFFIXES[spec.fmt]}"
        lines = () if query is None else snapshot.lines(query, limit=wanted, offset=done)
        create_private(path)  # the folder is the caller's private one; the file is too
        count = write(path, (layout.row(line) for line in lines))
        size = path.stat().st_size
        if spec.max_bytes is not None and size > spec.max_bytes and count > 1:
            # Too big: the same rows again in a smaller part. One row that alone passes the
            # limit is sent as it is, and the platform's refusal says so: never cut.
            per_part = max(1, min(count - 1, int(count * spec.max_bytes / size * MARGIN)))
            path.unlink()
            continue
        if count == 0 and parts:
            path.unlink()  # the last part ended exactly at a part's size: nothing more
            break
        parts.append(WrittenPart(path=str(path), rows=count))
        done += count
        if count < wanted or done >= spec.limit:
            break
    return parts


def _csv_writer(layout: ExportLayout, spec: ExportSpec) -> Writer:
    encoding = "utf-8-sig" if spec.bom else "utf-8"

    def write(path: Path, rows: Iterator[Sequence[Cell]]) -> int:
        with path.open("w", encoding=encoding, newline="") as out:
            return write_csv(out, layout.heads, rows, delimiter=spec.delimiter)

    return write


def _xlsx_writer(layout: ExportLayout) -> Writer:
    def write(path: Path, rows: Iterator[Sequence[Cell]]) -> int:
        return write_streamed_workbook(
            path, layout.title, layout.heads, rows, after=(layout.about,)
        )

    return write
