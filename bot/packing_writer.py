"""A packing list written row by row from the database: the render process's half of
``handlers.shipments.packing_list.PackingSpec``.

One read-only connection, one read transaction (storage/packing_lines.py: every part shows
the same committed state), the lines read a page at a time in list order (destination,
then line), each line's two rows built (``PackingLayout``: the summary's, the delivery
note's) and written at once, so memory is flat in the number of lines. The files go to a
folder the caller gives (beside the database, not /tmp, which may be memory); the caller
reads and deletes them.

An XLSX is written as bot/xlsx_streaming.py writes the export's sheet: XlsxWriter writes
all a spreadsheet program checks (sheets, styles, widths, frozen labels, the bold header and
italic HXL rows, the notes) into a skeleton, and the data rows' XML, spooled while the
lines are read, goes into each sheet of a copy. The lines come grouped by destination, so
one pass writes the summary's rows to one spool and the delivery notes' rows, one run per
destination, to another.

Past ``max_bytes`` the list is split into parts by lines, in list order: each part is a
whole workbook (or CSV) with its summary's lines, numbered as on the whole list, and the
delivery notes of the destinations among them, a split one saying which of its lines it
holds. A part that came out too big is written again with fewer lines (about what fits,
less a tenth), from the same snapshot, as an export's part is (bot/export_writer.py).
"""

from __future__ import annotations

import gc
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from xlsxwriter.utility import xl_col_to_name

from bot.xlsx_drawing import WIDTH_SAMPLE, _longest_line, column_widths
from bot.xlsx_streaming import _DIMENSION, CellXml, _cell_xml
from handlers.requests.catalog import Catalog
from handlers.shipments.packing_list import PackingLayout, PackingSpec
from handlers.text.i18n import Translator
from handlers.text.workbook import (
    ILLEGAL_XML,
    MAX_CELL_TEXT,
    Cell,
    ColumnHead,
    ColumnKind,
    sheet_title,
    write_csv,
)
from storage.fileperms import create_private
from storage.models import Frozen
from storage.packing_lines import LineKey, PackingHead, PackingSnapshot, packing_snapshot
from storage.shipment_models import ShipmentLine

# A part that came out too big is written again with this share of what would just fit.
MARGIN: Final = 0.9
_COPY_CHUNK: Final = 1 << 16


class WrittenPart(Frozen):
    path: str
    lines: int
    first: int  # the number of its first line on the whole list


class PackingWritten(Frozen):
    """The answer that crosses the pipe: the parts' paths, not their bytes; ``found``
    False when there is no such shipment."""

    found: bool
    total: int = 0
    parts: tuple[WrittenPart, ...] = ()


def write_packing(spec: PackingSpec, *, db_path: str, out_dir: str) -> PackingWritten:
    """``spec``'s packing list from the database at ``db_path`` as files in ``out_dir``."""
    # Rows are built and dropped one at a time and hold no cycles: the collector would only
    # walk the young objects again and again, for nothing.
    gc.disable()
    try:
        with packing_snapshot(db_path) as snapshot:
            head = snapshot.head(spec.shipment_id)
            if head is None:
                return PackingWritten(found=False)
            layout = PackingLayout(spec, head, t=Translator(), catalog=Catalog.default())
            parts = _parts(spec, head, layout, snapshot, Path(out_dir))
    finally:
        gc.enable()
    return PackingWritten(found=True, total=head.total, parts=tuple(parts))


@dataclass(frozen=True, slots=True)
class _Part:
    """What a part's writer knows before its first line: where it starts on the whole
    list, how many lines it will hold, and each destination's lines in earlier parts."""

    number: int
    first: int
    lines: int  # exactly this many, read from the same snapshot as the counts
    total: int
    before: Mapping[int, int]
    counts: Mapping[int, int]
    index_of: Mapping[int, int]

    @property
    def whole(self) -> bool:
        return self.lines == self.total


@dataclass(slots=True)
class _Tracker:
    """Counts the lines a writer takes, and where the last one was."""

    count: int = 0
    last: LineKey | None = None
    per_dest: dict[int, int] = field(default_factory=dict)

    def follow(self, lines: Iterable[ShipmentLine]) -> Iterator[ShipmentLine]:
        for line in lines:
            self.count += 1
            self.last = (line.dest_org_id, line.id)
            self.per_dest[line.dest_org_id] = self.per_dest.get(line.dest_org_id, 0) + 1
            yield line


# Writes a part's lines to a path, through the tracker.
Writer = Callable[[Path, Iterator[ShipmentLine], _Part], None]


def _parts(
    spec: PackingSpec,
    head: PackingHead,
    layout: PackingLayout,
    snapshot: PackingSnapshot,
    folder: Path,
) -> list[WrittenPart]:
    write: Writer = _xlsx_writer(layout) if spec.fmt == "xlsx" else _csv_writer(layout)
    counts = {d.org_id: d.lines for d in head.destinations}
    index_of = {d.org_id: index for index, d in enumerate(head.destinations, start=1)}
    total = head.total
    parts: list[WrittenPart] = []
    before: dict[int, int] = {}
    done, anchor = 0, None
    per_part = max(1, total)
    while True:
        wanted = min(per_part, total - done)
        part = _Part(
            number=len(parts) + 1,
            first=done + 1,
            lines=wanted,
            total=total,
            before=before,
            counts=counts,
            index_of=index_of,
        )
        path = folder / f"part-{part.number}.{spec.fmt}"
        create_private(path)  # the folder is the caller's private one; the file is too
        tracker = _Tracker()
        lines = snapshot.lines(spec.shipment_id, after=anchor, limit=wanted)
        write(path, tracker.follow(lines), part)
        if tracker.count != wanted:
            raise RuntimeError("the shipment's lines changed within one read transaction")
        size = path.stat().st_size
        if spec.max_bytes is not None and size > spec.max_bytes and wanted > 1:
            # Too big: the same lines again in a smaller part. One line that alone passes
            # the limit is sent as it is, and the platform's refusal says so: never cut.
            per_part = max(1, min(wanted - 1, int(wanted * spec.max_bytes / size * MARGIN)))
            path.unlink()
            continue
        parts.append(WrittenPart(path=str(path), lines=wanted, first=done + 1))
        done += wanted
        anchor = tracker.last
        before = {d: before.get(d, 0) + tracker.per_dest.get(d, 0) for d in counts}
        if done >= total:
            return parts


def _csv_writer(layout: PackingLayout) -> Writer:
    """The summary's lines, as the old whole-sheet CSV had them (handlers.text.workbook)."""

    def write(path: Path, lines: Iterator[ShipmentLine], part: _Part) -> None:
        rows = (layout.summary_row(n, line) for n, line in enumerate(lines, start=part.first))
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            write_csv(out, layout.heads, rows, delimiter=layout.delimiter)

    return write


class _Widths:
    """A sheet's column widths fitted to its first WIDTH_SAMPLE rows, as
    ``column_widths`` fits them, keeping only each column's longest value's length."""

    def __init__(self, heads: Sequence[ColumnHead]) -> None:
        self._heads = heads
        self._text = [head.kind is ColumnKind.TEXT for head in heads]
        self._longest = [-1] * len(heads)
        self._rows = 0

    def add(self, row: Sequence[Cell]) -> None:
        if self._rows >= WIDTH_SAMPLE:
            return
        self._rows += 1
        for index, (text, value) in enumerate(zip(self._text, row, strict=True)):
            if value is not None:
                if not text:
                    length = len(str(value))
                elif isinstance(value, str) and "\n" not in value:
                    length = len(value)  # _longest_line's answer, without its split
                else:
                    length = _longest_line(value)
                if length > self._longest[index]:
                    self._longest[index] = length

    def widths(self) -> list[float]:
        # A stand-in value as long as the longest gives column_widths the same answer.
        samples = [["x" * n] if n >= 0 else [] for n in self._longest]
        return column_widths(self._heads, samples)


@dataclass(slots=True)
class _NoteSheet:
    """One destination's delivery note in this part: its rows are the note spool's bytes
    ``start`` to ``end``."""

    title: str
    notes: tuple[str, ...]
    widths: _Widths
    start: int
    end: int = 0
    number: int = 0  # the last line's number on this recipient's note
    rows: int = 0

    @property
    def labels(self) -> int:
        return len(self.notes) + 2  # the header and HXL rows


def _xlsx_writer(layout: PackingLayout) -> Writer:
    def write(path: Path, lines: Iterator[ShipmentLine], part: _Part) -> None:
        # No texts kept: a packing list is a few thousand lines of mostly one-off texts, and
        # its memory is to stay flat in the lines (tests/handlers/test_packing_stream.py).
        summary_cells = [_cell_xml(head, None, kept=0) for head in layout.heads]
        note_cells = [_cell_xml(head, None, kept=0) for head in layout.note_heads]
        for head in (*layout.heads, *layout.note_heads):
            if head.number_format is not None or head.kind not in (
                ColumnKind.TEXT,
                ColumnKind.INT,
            ):
                raise ValueError("the packing list's cells are text and plain numbers")
        letters = [xl_col_to_name(index) for index in range(len(layout.heads))]
        summary_notes = layout.summary_notes
        if not part.whole:
            last = part.first + part.lines - 1
            summary_notes += (layout.summary_part_note(part.number, part.first, last, part.total),)
        summary_widths = _Widths(layout.heads)
        sheets: list[_NoteSheet] = []
        summary_spool = path.with_name(path.name + ".summary")
        note_spool = path.with_name(path.name + ".notes")
        skeleton = path.with_name(path.name + ".skeleton")
        try:
            with summary_spool.open("wb") as summary_out, note_spool.open("wb") as note_out:
                row_number = len(summary_notes) + 2
                taken = 0
                current: _NoteSheet | None = None
                dest_id: int | None = None
                for number, line in enumerate(lines, start=part.first):
                    row = layout.summary_row(number, line)
                    row_number += 1
                    summary_out.write(_row_xml(row_number, summary_cells, letters, row))
                    summary_widths.add(row)
                    if current is None or line.dest_org_id != dest_id:
                        if current is not None:
                            current.end = note_out.tell()
                        dest_id = line.dest_org_id
                        current = _open_note(layout, part, dest_id, taken, note_out.tell())
                        sheets.append(current)
                    current.number += 1
                    current.rows += 1
                    note_row = layout.note_row(current.number, line)
                    note_out.write(
                        _row_xml(current.labels + current.rows, note_cells, letters, note_row)
                    )
                    current.widths.add(note_row)
                    taken += 1
                if current is not None:
                    current.end = note_out.tell()
            _write_skeleton(skeleton, layout, summary_notes, summary_widths, sheets)
            _splice(
                skeleton,
                path,
                letters[-1],
                (summary_spool, 0, summary_spool.stat().st_size, len(summary_notes) + 2, taken),
                [(note_spool, s.start, s.end, s.labels, s.rows) for s in sheets],
            )
        finally:
            for spare in (summary_spool, note_spool, skeleton):
                spare.unlink(missing_ok=True)

    return write


def _open_note(
    layout: PackingLayout, part: _Part, dest_id: int, taken: int, start: int
) -> _NoteSheet:
    """A destination's note, begun after ``taken`` lines of the part: split when it had
    lines in an earlier part or has more than this part has room for."""
    seen = part.before.get(dest_id, 0)
    count = part.counts[dest_id]
    here = min(count - seen, part.lines - taken)
    notes = layout.note_notes(dest_id)
    if here < count:
        # Above the signature: the recipient signs for the lines this sheet holds.
        notes = (*notes[:-1], layout.note_part_note(seen + 1, seen + here, count), notes[-1])
    return _NoteSheet(
        title=layout.note_title(part.index_of[dest_id], dest_id),
        notes=notes,
        widths=_Widths(layout.note_heads),
        start=start,
        number=seen,
    )


def _row_xml(
    number: int, cells: Sequence[CellXml], letters: Sequence[str], row: Sequence[Cell]
) -> bytes:
    line = str(number)
    xml = "".join(
        [
            cell(letter + line, value)
            for cell, letter, value in zip(cells, letters, row, strict=True)
            if value is not None
        ]
    )
    return f'<row r="{line}">{xml}</row>'.encode()


def _xlsx_title(title: str) -> str:
    """``sheet_title`` less the apostrophes XlsxWriter refuses at either end (Excel's rule
    for a name it quotes in references)."""
    return sheet_title(title).strip("'").strip() or "Sheet"


def _write_skeleton(
    skeleton: Path,
    layout: PackingLayout,
    summary_notes: Sequence[str],
    summary_widths: _Widths,
    sheets: Sequence[_NoteSheet],
) -> None:
    """Every sheet with its notes, labels, widths and frozen rows, and no data rows."""
    from xlsxwriter import Workbook as XlsxWorkbook

    book = XlsxWorkbook(str(skeleton), {"tmpdir": str(skeleton.parent)})
    bold, italic = book.add_format({"bold": True}), book.add_format({"italic": True})
    labels = (bold, italic)
    _labels(book, layout.summary_title, layout.heads, summary_widths, summary_notes, labels)
    for sheet in sheets:
        _labels(book, sheet.title, layout.note_heads, sheet.widths, sheet.notes, labels)
    book.close()


def _labels(
    book: Any,
    title: str,
    heads: Sequence[ColumnHead],
    widths: _Widths,
    notes: Sequence[str],
    formats: tuple[Any, Any],
) -> None:
    """A sheet's notes, bold header and italic HXL row (an untagged column's cell left
    empty, as openpyxl's workbooks have it), widths, and the labels frozen in view."""
    bold, italic = formats
    out = book.add_worksheet(_xlsx_title(title))
    line = len(notes)
    out.freeze_panes(line + 2, 0)
    for index, width in enumerate(widths.widths()):
        out.set_column(index, index, width)
    for number, note in enumerate(notes):
        out.write_string(number, 0, _text(note))
    for index, head in enumerate(heads):
        out.write_string(line, index, _text(head.title), bold)
        if head.hxl:
            out.write_string(line + 1, index, _text(head.hxl), italic)
        else:
            out.write_blank(line + 1, index, None, italic)


def _text(value: str) -> str:
    return ILLEGAL_XML.sub("", value)[:MAX_CELL_TEXT]


# A sheet's rows: the spool, the byte range in it, the label rows above, the data rows.
_Rows = tuple[Path, int, int, int, int]


def _splice(
    skeleton: Path, path: Path, last_column: str, summary: _Rows, notes: Sequence[_Rows]
) -> None:
    """Copy ``skeleton`` to ``path`` with each sheet's rows written in after its labels:
    the summary first (sheet1.xml), then the delivery notes in order."""
    rows = {f"xl/worksheets/sheet{n}.xml": r for n, r in enumerate([summary, *notes], 1)}
    with (
        zipfile.ZipFile(skeleton) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename not in rows:
                target.writestr(info, data)
                continue
            spool, start, end, labels, count = rows[info.filename]
            dimension = f'<dimension ref="A1:{last_column}{labels + count}"/>'
            head, tail = _DIMENSION.sub(dimension, data.decode(), count=1).split("</sheetData>", 1)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w", force_zip64=True) as sheet, spool.open("rb") as body:
                sheet.write(head.encode())
                body.seek(start)
                _copy(body, sheet, end - start)
                sheet.write(("</sheetData>" + tail).encode())


def _copy(source: IO[bytes], target: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = source.read(min(size, _COPY_CHUNK))
        if not chunk:
            raise OSError("spool ended early")
        target.write(chunk)
        size -= len(chunk)
