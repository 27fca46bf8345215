"""Spreadsheet reading without a transport: header rows in uk/de/en, CSV encodings and
delimiters, and the bounds that keep a hostile zip away from openpyxl."""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import date

import openpyxl
import pytest

from bot.sheet_files import MAX_UNCOMPRESSED_BYTES, SheetFiles, check_xlsx, decode_csv
from handlers.core.events import Incoming, Upload
from handlers.requests.catalog import Catalog
from handlers.requests.spreadsheet_reader import (
    BOMB,
    ENCODING,
    NO_HEADER,
    NOT_SPREADSHEET,
    ROW_QUANTITY_MISMATCH,
    ROW_URGENCY,
    SheetReading,
    fold_header,
    header_columns,
)
from handlers.requests.upload import read_file, template_workbook, vocabulary
from handlers.text.i18n import LANGUAGES, Translator
from storage.models import Identity, Role, Urgency
from tests.engine_harness import EngineHarness

TODAY = date(2026, 11, 24)
T = Translator()


def read(data: bytes, name: str) -> SheetReading:
    return read_file(SheetFiles(), data, name, TODAY, Catalog.default(), vocabulary(T))


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_templates_titles_are_header_words_in_every_language() -> None:
    for lang in LANGUAGES:
        heads = template_workbook(T, lang, TODAY).sheets[0].header()
        columns = header_columns(tuple(heads))
        assert columns is not None, lang
        assert sorted(columns.values()) == list(range(6)), (lang, heads)


@pytest.mark.parametrize(
    "header",
    [
        ["Artikel", "Menge", "Einheit", "Dringlichkeit", "Benötigt bis", "Anmerkung"],
        ["Item", "Qty", "Unit", "Priority", "Needed by", "Comment"],
        ["Найменування товару", "К-сть", "Од. вим.", "Терміновість", "Термін", "Примітка"],
    ],
)
def test_header_rows_in_german_english_and_ukrainian(header: list[object]) -> None:
    reading = read(xlsx([header, ["Decken", 40, "Stk", "kritisch", "15.12.2026", "OP"]]), "a.xlsx")
    assert reading.refusal is None and reading.problems == ()
    [line] = reading.lines
    assert (line.item.item_key, line.item.quantity) == ("blanket", 40)
    assert (line.urgency, line.needed_by) == (Urgency.CRITICAL, date(2026, 12, 15))


def test_a_sheet_without_item_and_quantity_columns_has_no_header() -> None:
    reading = read(xlsx([["Name", "Price"], ["Decken", 40]]), "a.xlsx")
    assert reading.refusal == NO_HEADER


def test_nothing_is_guessed_a_row_is_refused_rather_than_read_otherwise() -> None:
    rows: list[list[object]] = [
        ["Item", "Quantity", "Urgency"],
        ["generator 2 pcs", 5, None],  # which number is the count?
        ["blankets", 5, "yesterday"],  # an urgency nobody can read
        ["blankets", 5, "low"],
    ]
    reading = read(xlsx(rows), "a.xlsx")
    assert [(p.row, p.code) for p in reading.problems] == [
        (2, ROW_QUANTITY_MISMATCH),
        (3, ROW_URGENCY),
    ]
    assert [line.row for line in reading.lines] == [4]
    assert reading.lines[0].urgency is Urgency.LOW


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        ("\ufeffItem,Quantity\nblankets,40\n".encode(), ","),
        (b"Item;Quantity\r\nblankets;40\r\n", ";"),
        ("Найменування\tКількість\nковдри\t40\n".encode(), "\t"),
        ("Найменування;Кількість\nковдри;40\n".encode("cp1251"), ";"),
        ("\ufeffНайменування;Кількість\nковдри;40\n".encode(), ";"),
    ],
)
def test_csv_in_utf8_or_windows_1251_with_any_delimiter(data: bytes, delimiter: str) -> None:
    reading = read(data, "list.csv")
    assert [(line.item.item_key, line.item.quantity) for line in reading.lines] == [
        ("blanket", 40)
    ], delimiter


def test_utf8_is_tried_strictly_first() -> None:
    text = "Найменування;Кількість\n"
    assert decode_csv(text.encode()) == text
    assert decode_csv(text.encode("cp1251")) == text
    # 0x98 is not a character in Windows-1251 and the bytes are not UTF-8 either.
    assert decode_csv(b"Item;Quantity\n\x98\x98;1\n") is None
    assert read(b"Item;Quantity\n\x98\x98;1\n", "a.csv").refusal == ENCODING


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"spreadsheetml")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (MAX_UNCOMPRESSED_BYTES + 1))
    assert check_xlsx(out.getvalue()) == BOMB


def test_a_zip_that_lies_about_its_sizes_is_refused() -> None:
    """The central directory says 100 bytes; decompression would give 5 MB at a ratio far over
    the bound. zipfile stops at the declared size and the CRC fails: refused, not read."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"spreadsheetml")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    data = bytearray(out.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    local = data.rfind(b"PK\x03\x04")  # the last member's local header
    struct.pack_into("<I", data, local + 22, 100)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46 : central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, 100)
        central = data.find(b"PK\x01\x02", central + 4)
    assert check_xlsx(bytes(data)) == NOT_SPREADSHEET


def test_fold_header_ignores_case_marks_and_dots() -> None:
    assert fold_header(" Кількість*: ") == "кількість"
    assert fold_header("Од. вим.") == "од вим"
    assert fold_header("NEEDED_BY") == "needed by"


def test_a_renamed_picture_is_not_a_spreadsheet() -> None:
    assert read(b"\x89PNG\r\n\x1a\n" + bytes(100), "a.xlsx").refusal == NOT_SPREADSHEET


# --- through the engine: who may send a list, and where -----------------------------------

NURSE = Identity(transport="telegram", user_id="101")
COORDINATOR = Identity(transport="telegram", user_id="202")
STRANGER = Identity(transport="telegram", user_id="666")
LIST = b"Item;Quantity\nblankets;40\n"


def with_file(h: EngineHarness, who: Identity, *, private: bool = True) -> Incoming:
    upload = Upload(filename="list.csv", size=len(LIST), data=LIST)
    return h.incoming(who).model_copy(
        update={"upload": upload, "attachment_size": len(LIST), "private": private}
    )


async def test_only_a_requester_in_a_private_chat_gets_a_preview(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id)
    await h.join(COORDINATOR, org.id, Role.COORDINATOR)
    [stranger] = await h.engine.handle(with_file(h, STRANGER))
    assert "/start" in stranger.text
    [coordinator] = await h.engine.handle(with_file(h, COORDINATOR))
    assert coordinator.text == T("uk", "security.attachment_not_kept")
    # In a group: the requester views' refusal, as /my gets there; the file is not read.
    [group] = await h.engine.handle(with_file(h, NURSE, private=False))
    in_group = h.incoming(NURSE, text="/my").model_copy(update={"private": False})
    [my] = await h.engine.handle(in_group)
    assert group.text == my.text and not group.choices

    report, preview = await h.engine.handle(with_file(h, NURSE))
    assert report.text.startswith(T("uk", "upload.read", name="list.csv", count=1))
    assert any(c.payload.startswith("w:submit:") for c in preview.flat_choices())
