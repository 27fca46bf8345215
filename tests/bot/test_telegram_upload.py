"""Needs lists sent as files through python-telegram-bot and the fake Bot API (issue 15).

The document goes the way Telegram hands files to bots: the update names a file_id, the bot
calls getFile and downloads the file path. A 40-row XLSX made with openpyxl and a Windows-1251
CSV with semicolons become /need's preview with the unreadable rows listed by number; Submit
stores one request exactly once. Every hostile file is refused in the reader's words and
leaves nothing: no request, no draft, not a byte of the file in the database.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import openpyxl

from tests.bot.telegram_harness import TelegramHarness, button, message_id
from tests.bot.test_telegram_intake import NURSE, join_as_requester, tg
from tests.engine_harness import scalar
from tests.fakes.bot_api import RecordedCall

__all__ = ["tg"]  # the fixture, used by name

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Written into a column the bot does not read: it must never reach the database.
MARKER = "MARKER-file-content-7f3a"

CLEAN = [
    ("бинти стерильні", "уп"),
    ("шприци 5 мл", "шт"),
    ("рукавички нітрилові", "пар"),
    ("маски медичні", "шт"),
    ("пластир", "шт"),
    ("катетер венозний", "шт"),
    ("серветки марлеві", "уп"),
    ("генератор дизельний 30 кВт", "шт"),
    ("павербанк", "шт"),
    ("ковдри", "шт"),
    ("спальні мішки", "шт"),
    ("намети", "шт"),
    ("тонометр", "шт"),
    ("ліхтарик", "шт"),
    ("батарейки АА", "шт"),
]


def forty_rows() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["КНП «Лікарня №4», аптека"])  # a title above the header
    sheet.append(["№", "Найменування", "Кількість", "Од. вим.", "Терміновість", "Ціна"])
    for n in range(1, 41):
        name, unit = CLEAN[n % len(CLEAN)]
        sheet.append([n, name, 10 * n, unit, "терміново" if n == 7 else None, MARKER])
    # Rows 3.. are data (row 3 is item 1): three of them cannot be read.
    sheet["C12"] = "кілька"  # a vague amount (item 10)
    sheet["C20"] = "=5*4"  # a formula (item 18): never evaluated
    sheet["E30"] = "вчора"  # an urgency nobody can read (item 28)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


WORKBOOK_PARTS = {
    "[Content_Types].xml": b'<Types><Default ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    "xl/workbook.xml": b"<workbook/>",
}


async def send_file(
    tg: TelegramHarness, name: str, data: bytes | None, *, size: int | None = None
) -> list[RecordedCall]:
    seq = tg.fake.last_seq
    update_id = tg.fake.push_document(
        NURSE,
        name,
        size if size is not None else len(data or b""),
        content=data,
        mime_type=XLSX_MIME if name.endswith(".xlsx") else None,
    )
    await tg._wait(update_id)
    return tg._since(seq, NURSE)


async def database_bytes(tg: TelegramHarness) -> bytes:
    path = Path(str(tg.app.settings.db_path))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def counts(tg: TelegramHarness) -> tuple[int, int, int]:
    db = tg.app.db
    return (
        await scalar(db, "SELECT COUNT(*) FROM requests"),
        await scalar(db, "SELECT COUNT(*) FROM request_items"),
        await scalar(db, "SELECT COUNT(*) FROM conversations WHERE flow = 'intake'"),
    )


async def test_a_forty_row_xlsx_becomes_one_request_exactly_once(tg: TelegramHarness) -> None:
    t = tg.app.ctx.t
    await join_as_requester(tg)
    downloads = len(tg.fake.downloads())
    sent = await send_file(tg, "потреби.xlsx", forty_rows())
    assert len(tg.fake.calls("getFile")) == 1 and len(tg.fake.downloads()) == downloads + 1
    report, preview = (c.params["text"] for c in sent)
    assert t("uk", "upload.read", name="потреби.xlsx", count=37) in report
    assert t("uk", "upload.rows_not_read", count=3) in report
    for row in (12, 20, 30):
        assert f"• рядок {row}: " in report
    assert "C20" in report and "формула" in report
    # The preview is /need's, with its buttons; urgency from row 9 ("терміново").
    assert preview.startswith(f"<b>{t('uk', 'wizard.summary_title')}</b>")
    # 37 lines: shown twenty at a time, paged with buttons.
    assert t("uk", "upload.page", first=1, last=20, total=37) in preview
    assert "20. " in preview and "21. " not in preview
    assert t("uk", "urgency.high") in preview
    paged = await tg.press(NURSE, button(sent[-1], "w:pg:1"), message_id(sent[-1]))
    [page] = [c.params["text"] for c in paged]
    assert t("uk", "upload.page", first=21, last=37, total=37) in page
    assert "37. " in page and "20. " not in page
    submit = button(paged[-1], "w:submit:")

    done = await tg.press(NURSE, submit, message_id(sent[-1]))
    assert "✅" in done[-1].params["text"]
    again = await tg.press(NURSE, submit, message_id(sent[-1]))
    assert all("✅" not in c.params.get("text", "") for c in again)
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM requests") == 1
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM request_items") == 37
    assert await scalar(tg.app.db, "SELECT urgency FROM requests") == "high"
    # The file is not kept: what the bot did not read is nowhere in the database.
    assert MARKER.encode() not in await database_bytes(tg)


async def test_a_windows_1251_csv_with_semicolons_is_read(tg: TelegramHarness) -> None:
    t = tg.app.ctx.t
    await join_as_requester(tg)
    today = tg.app.ctx.clock().date()
    later, sooner = today + timedelta(days=20), today + timedelta(days=10)
    text = (
        "Найменування;Кількість;Одиниця;Потрібно до;Примітка\r\n"
        f"Ковдри;60;шт;{later:%d.%m.%Y};для евакуйованих\r\n"
        f"Генератор 30 кВт;2;шт;{sooner:%d.%m.%Y};\r\n"
        "Намети;;шт;;\r\n"
        f"Павербанк;12;шт;31.02.{today.year + 1};\r\n"
        "Ліхтарик;25;шт;;\r\n"
    )
    sent = await send_file(tg, "list.csv", text.encode("cp1251"))
    report, preview = (c.params["text"] for c in sent)
    assert t("uk", "upload.read", name="list.csv", count=3) in report
    assert "• рядок 4: " in report and "• рядок 5: " in report
    assert "для евакуйованих" in preview and "Ковдр" in preview
    # The rows' dates differ: the request takes the earliest, and says so.
    assert t("uk", "upload.date_earliest", date=f"{sooner:%d.%m.%Y}") in report
    done = await tg.press(NURSE, button(sent[-1], "w:submit:"), message_id(sent[-1]))
    assert "✅" in done[-1].params["text"]
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM request_items") == 3
    assert await scalar(tg.app.db, "SELECT needed_by FROM requests") == sooner.isoformat()


def too_many_rows() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Item", "Quantity"])
    for n in range(501):
        sheet.append(["blankets", n + 1])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def only_formulas() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Artikel", "Menge"])
    sheet.append(['=HYPERLINK("http://evil.example","Decken")', 5])
    sheet.append(["Zelte", "=2+2"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_hostile_files_are_refused_and_leave_nothing(tg: TelegramHarness) -> None:
    t = tg.app.ctx.t
    await join_as_requester(tg)
    limit = tg.app.ctx.policy.max_attachment_bytes
    marker = MARKER.encode()
    bomb = zip_with({**WORKBOOK_PARTS, "xl/worksheets/sheet1.xml": b"\0" * 60_000_000 + marker})
    macros = zip_with({**WORKBOOK_PARTS, "xl/vbaProject.bin": marker})
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + marker + b"\0" * 2000
    picture = b"\x89PNG\r\n\x1a\n" + marker + b"\0" * 2000
    cases: list[tuple[str, bytes | None, str, dict[str, object]]] = [
        ("big.xlsx", None, "security.attachment_too_large", {"size": "10,1", "limit": "10,0"}),
        ("long.xlsx", too_many_rows(), "upload.refused.too_many_rows", {"limit": 500}),
        ("bomb.xlsx", bomb, "upload.refused.bomb", {}),
        ("macros.xlsm", macros, "upload.refused.macros", {}),
        ("macros.xlsx", macros, "upload.refused.macros", {}),
        ("old.xls", old_xls, "upload.refused.xls", {}),
        ("old.xlsx", old_xls, "upload.refused.xls", {}),
        ("photo.xlsx", picture, "upload.refused.not_spreadsheet", {}),
        ("photo.csv", picture, "upload.refused.not_spreadsheet", {}),
        ("formulas.xlsx", only_formulas(), "upload.nothing_read", {}),
    ]
    before = await counts(tg)
    folder = Path(str(tg.app.settings.db_path)).parent
    files_before = sorted(p.name for p in folder.rglob("*"))
    for name, data, key, args in cases:
        size = limit + 1 if data is None else None
        sent = await send_file(tg, name, data, size=size)
        assert len(sent) == 1, name
        text = sent[0].params["text"]
        expected = t("uk", key, name=name, **args)
        assert text.startswith(expected), (name, text)
        assert not sent[0].params.get("reply_markup"), name
        assert await counts(tg) == before, name
    # Refused by its declared size: never fetched at all.
    assert not any(p.endswith("_1.xlsx") for p in tg.fake.downloads())
    formulas = tg.fake.sent_texts(NURSE)[-1]
    assert "A2" in formulas and "B3" in formulas
    assert marker not in await database_bytes(tg)
    # Nor on disk: no file appeared beside the database.
    assert sorted(p.name for p in folder.rglob("*")) == files_before
    # A file that is not a spreadsheet by its name is answered as before.
    sent = await send_file(tg, "scan.pdf", b"%PDF-1.4 " + marker)
    assert [c.params["text"] for c in sent] == [t("uk", "security.attachment_not_kept")]


async def test_template_is_the_form_uploads_read(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/template")
    [document] = [c for c in sent if c.method == "sendDocument"]
    file = next(iter(document.files.values()))
    assert file.file_name == "aidbridge-потреби.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(file.content))
    sheet = book.worksheets[0]
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in values if "Найменування" in row)
    assert header == [
        "Найменування",
        "Кількість",
        "Одиниця",
        "Терміновість",
        "Потрібно до",
        "Примітка",
    ]
    # Sent back as it is, its example row reads as one item.
    sent = await send_file(tg, "aidbridge-потреби.xlsx", file.content)
    assert (
        tg.app.ctx.t("uk", "upload.read", name="aidbridge-потреби.xlsx", count=1)
        in (sent[0].params["text"])
    )
    assert "генератор" in sent[1].params["text"].casefold()
