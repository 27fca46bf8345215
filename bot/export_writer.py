"""An export written row by row from the database file: the render process's half of
``handlers.coordination.hxl_export.ExportSpec``.

One read-only connection, one read transaction (every part of an export shows the same
committed state), the cursor's rows read a batch at a time and written straight to the file:
a CSV line made from each row (``csv_line_builder``) and a batch's lines encoded and written
at once; for XLSX each row made its cells (``export_row_builder``) for the streamed sheet.
Nothing keeps them: memory is flat in the number of rows. The files go to a folder the
caller gives (beside the database, not /tmp, which may be memory), and the caller reads and
deletes them.

Past ``max_bytes`` the export is split into parts, each a whole file with its header rows.
A CSV's size is known as it is written; an XLSX's only once it is zipped, so a part that
came out too big is written again with fewer rows (about what fits, less a tenth), from
the same snapshot.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from bot.xlsx_streaming import write_streamed_workbook
from handlers.coordination.hxl_export import (
    SUFFIXES,
    ExportLayout,
    ExportSpec,
    csv_line_builder,
    export_layout,
    export_row_builder,
)
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Translator
from handlers.text.workbook import csv_heads
from storage.exports import ExportQuery, ExportRow, ExportSnapshot, export_snapshot
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
    t, catalog = Translator(), Catalog.default()
    layout = export_layout(spec, t=t, catalog=catalog)
    # Each organisation read once (ExportSnapshot.organisation), not with each of its rows.
    query = spec.query(org_columns=False)
    folder = Path(out_dir)
    # Rows are built and dropped one at a time and hold no cycles: the collector would only
    # walk the young objects again and again, for nothing.
    gc.disable()
    try:
        with export_snapshot(db_path) as snapshot:
            write = (
                _xlsx_writer(layout, spec, t, catalog, snapshot)
                if spec.fmt == "xlsx"
                else _csv_writer(layout, spec, t, catalog, snapshot)
            )
            parts = _parts(spec, snapshot, query, folder, write)
    finally:
        gc.enable()
    return ExportWritten(parts=tuple(parts))


# Writes the batches of rows to a path; returns how many rows it wrote.
Writer = Callable[[Path, Iterator[list[ExportRow]]], int]


def _parts(
    spec: ExportSpec,
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
        batches = (
            _no_rows() if query is None else snapshot.batches(query, limit=wanted, offset=done)
        )
        create_private(path)  # the folder is the caller's private one; the file is too
        with contextlib.closing(batches):  # its cursor closed now, even if a write fails
            count = write(path, batches)
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


def _no_rows() -> Generator[list[ExportRow], None, None]:
    yield from ()


def _csv_writer(
    layout: ExportLayout,
    spec: ExportSpec,
    t: Translator,
    catalog: Catalog,
    snapshot: ExportSnapshot,
) -> Writer:
    line = csv_line_builder(
        lang=spec.lang,
        t=t,
        catalog=catalog,
        include_contacts=spec.include_contacts,
        place_detail=spec.place_detail,
        delimiter=spec.delimiter,
        tz=ZoneInfo(spec.tz),
        organisation=snapshot.organisation,
    )
    # The BOM once, then plain UTF-8: what the utf-8-sig codec writes, without its call per
    # write.
    head = (codecs.BOM_UTF8 if spec.bom else b"") + csv_heads(
        layout.heads, delimiter=spec.delimiter
    ).encode()

    def write(path: Path, batches: Iterator[list[ExportRow]]) -> int:
        count = 0
        with path.open("wb") as out:
            out.write(head)
            for batch in batches:
                out.write("".join(map(line, batch)).encode())
                count += len(batch)
        return count

    return write


def _xlsx_writer(
    layout: ExportLayout,
    spec: ExportSpec,
    t: Translator,
    catalog: Catalog,
    snapshot: ExportSnapshot,
) -> Writer:
    cells = export_row_builder(
        lang=spec.lang,
        t=t,
        catalog=catalog,
        include_contacts=spec.include_contacts,
        place_detail=spec.place_detail,
        tz=ZoneInfo(spec.tz),
        organisation=snapshot.organisation,
    )

    def write(path: Path, batches: Iterator[list[ExportRow]]) -> int:
        rows = (cells(row) for batch in batches for row in batch)
        return write_streamed_workbook(
            path, layout.title, layout.heads, rows, after=(layout.about,)
        )

    return write
