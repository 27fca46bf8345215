"""Uploaded spreadsheets to rows of text: the hostile-file checks, openpyxl and CSV decoding.

Implements handlers.requests.spreadsheet_reader.SheetFiles. Every upload is treated as
hostile until proved otherwise, and nothing here writes a byte anywhere:

- .xlsx: the bytes must be a zip (an old .xls, which is an OLE2 file, and a picture renamed
  to .xlsx are not) holding a workbook ([Content_Types].xml, xl/workbook.xml) and no macros
  (vbaProject.bin, a macro-enabled content type). Before openpyxl opens it, every member is
  decompressed here in bounded chunks: the zip's declared sizes, each member's ratio and the
  sizes actually produced must stay under the bounds below, because a zip bomb may lie about
  its sizes. Then openpyxl reads the first sheet in read-only mode with ``data_only=False``:
  a formula comes back as its text ("=SUM(B2:B9)"), never evaluated, and is flagged.
  With defusedxml installed (pyproject.toml) openpyxl parses the XML through it.
- .csv: UTF-8 (a BOM is dropped) is tried strictly first; only bytes that are not UTF-8 are
  read as Windows-1251, and only if every byte is defined there. The delimiter is the one of
  ";", "," and tab that gives the header row an item and a quantity column; none does, no
  header (handlers say so), rather than a guess.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from typing import Final

from handlers.requests.spreadsheet_reader import (
    BOMB,
    ENCODING,
    HEADER_SEARCH_ROWS,
    MACROS,
    MAX_COLUMNS,
    MAX_ROWS,
    NOT_SPREADSHEET,
    OLD_XLS,
    REFUSED_SUFFIXES,
    TOO_MANY_ROWS,
    RawRow,
    RawSheet,
    header_columns,
    suffix,
)

# Non-empty rows read at most: the data rows' limit, plus room for a title and the header.
MAX_READ_ROWS: Final = MAX_ROWS + HEADER_SEARCH_ROWS
# A 500-row needs list is a few hundred kilobytes unpacked; these leave a wide margin.
MAX_UNCOMPRESSED_BYTES: Final = 50_000_000
MAX_MEMBER_RATIO: Final = 200  # XML compresses well, but not 1000 to 1
RATIO_CHECK_FROM: Final = 1_000_000  # small members may compress at any ratio
MAX_MEMBERS: Final = 500
CHUNK: Final = 64 * 1024

OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC: Final = b"PK\x03\x04"


class SheetFiles:
    """Stateless: safe to call from any worker thread."""

    def read(self, data: bytes, filename: str) -> RawSheet:
        kind = suffix(filename)
        if kind in REFUSED_SUFFIXES:
            return RawSheet(refusal=REFUSED_SUFFIXES[kind])
        if kind == ".csv":
            return read_csv(data)
        return read_xlsx(data)


# --- XLSX ----------------------------------------------------------------------------------


def check_xlsx(data: bytes) -> str | None:
    """Why these bytes must not reach openpyxl, or None when they may."""
    if data.startswith(OLE2_MAGIC):
        # An old .xls, or a password-protected workbook (also an OLE2 container).
        return OLD_XLS
    if not data.startswith(ZIP_MAGIC):
        return NOT_SPREADSHEET
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                return BOMB
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                return NOT_SPREADSHEET
            if any(name.casefold().endswith("vbaproject.bin") for name in names):
                return MACROS
            if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                return BOMB
            for member in members:
                if (
                    member.file_size > RATIO_CHECK_FROM
                    and member.file_size > member.compress_size * MAX_MEMBER_RATIO
                ):
                    return BOMB
            # The declared sizes may lie: count what decompression really produces.
            produced = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        produced += len(chunk)
                        if produced > MAX_UNCOMPRESSED_BYTES:
                            return BOMB
            types = archive.read("[Content_Types].xml").lower()
            if b"macroenabled" in types:
                return MACROS
            if b"spreadsheetml" not in types:
                return NOT_SPREADSHEET
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        # NotImplementedError: a compression method zipfile does not know.
        return NOT_SPREADSHEET
    except RuntimeError:
        # An encrypted member ("password required").
        return NOT_SPREADSHEET
    return None


def read_xlsx(data: bytes) -> RawSheet:
    refusal = check_xlsx(data)
    if refusal is not None:
        return RawSheet(refusal=refusal)
    import openpyxl  # only once the bytes passed the checks

    try:
        with warnings.catch_warnings():
            # "Data Validation extension is not supported" and the like: not our concern.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
            try:
                sheet = book.worksheets[0]
                rows = _collect(_xlsx_rows(sheet.iter_rows(max_col=MAX_COLUMNS)))
            finally:
                book.close()
    except Exception:
        return RawSheet(refusal=NOT_SPREADSHEET)
    return rows


def _xlsx_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[RawRow]:
    for number, row in enumerate(rows, 1):
        cells: list[str] = []
        formulas: list[int] = []
        for index, cell in enumerate(row):
            value = getattr(cell, "value", None)
            kind = getattr(cell, "data_type", None)
            text = _xlsx_text(value)
            if kind == "f" or (isinstance(value, str) and value.startswith("=")):
                formulas.append(index)
            elif value is not None and not isinstance(
                value, str | int | float | dt.date | dt.datetime | dt.time | bool
            ):
                # An array or table formula object: a formula all the same.
                formulas.append(index)
            cells.append(text)
        if any(cells):
            yield RawRow(
                number=getattr(row[0], "row", None) or number,
                cells=tuple(cells),
                formulas=tuple(formulas),
            )


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _collect(rows: Iterator[RawRow]) -> RawSheet:
    """The rows, refused as a whole once there are more than a list can have."""
    out: list[RawRow] = []
    for row in rows:
        out.append(row)
        if len(out) > MAX_READ_ROWS:
            return RawSheet(refusal=TOO_MANY_ROWS)
    return RawSheet(rows=tuple(out))


# --- CSV -----------------------------------------------------------------------------------

DELIMITERS: Final = (";", ",", "\t")


def decode_csv(data: bytes) -> str | None:
    """UTF-8 (with or without BOM) when the bytes are UTF-8, else Windows-1251 when every
    byte is one of its characters, else None."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8", errors="strict")
    try:
        text = data.decode("cp1251", errors="strict")
    except UnicodeDecodeError:
        return None
    # Control characters other than line ends and tabs mean a binary file, not a list.
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        return None
    return text


def read_csv(data: bytes) -> RawSheet:
    if data.startswith((ZIP_MAGIC, OLE2_MAGIC)) or b"\x00" in data[:4096]:
        return RawSheet(refusal=NOT_SPREADSHEET)
    text = decode_csv(data)
    if text is None:
        return RawSheet(refusal=ENCODING)
    lines = text.splitlines()
    if len([line for line in lines if line.strip()]) > MAX_READ_ROWS:
        return RawSheet(refusal=TOO_MANY_ROWS)
    best: RawSheet | None = None
    for delimiter in sorted(DELIMITERS, key=lambda d: -lines[0].count(d) if lines else 0):
        sheet = _csv_rows(text, delimiter)
        if any(header_columns(row.cells) for row in sheet.rows[:HEADER_SEARCH_ROWS]):
            return sheet
        best = best or sheet
    return best if best is not None else RawSheet()


def _csv_rows(text: str, delimiter: str) -> RawSheet:
    rows: list[RawRow] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, 1):
            cells = tuple(cell.strip() for cell in row[:MAX_COLUMNS])
            if not any(cells):
                continue
            # A CSV cell has no formulas, but a spreadsheet opening the file would run one.
            formulas = tuple(i for i, cell in enumerate(cells) if cell.startswith("="))
            rows.append(
                RawRow(
                    # The record's number, as a spreadsheet opening the file numbers its rows
                    # (a quoted cell may span lines).
                    number=number,
                    cells=cells,
                    formulas=formulas,
                )
            )
    except csv.Error:
        return RawSheet(refusal=NOT_SPREADSHEET)
    return RawSheet(rows=tuple(rows))
