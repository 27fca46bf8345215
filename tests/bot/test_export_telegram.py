"""/export csv, xlsx and hxl asked through python-telegram-bot and the fake Bot API by a
German coordinator: each file as German Excel and HXL tools will open it."""

from __future__ import annotations

import csv
import io

import hxl
from openpyxl import load_workbook

from tests.bot.telegram_harness import TelegramHarness, button, message_id
from tests.bot.test_telegram_intake import ADMIN, NURSE, join_as_requester, tg

__all__ = ["tg"]  # the fixture, used by name

COORDINATOR = 777


async def german_coordinator(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need 2 генератор; 200 уп бинти !critical")
    await tg.press(NURSE, button(sent[-1], "w:submit:"), message_id(sent[-1]))
    sent = await tg.say(ADMIN, "/invite 1 coordinator")
    code = sent[-1].params["text"].split("?start=")[1].split()[0]
    await tg.say(COORDINATOR, f"/start {code}", language_code="de")


async def upload(tg: TelegramHarness, command: str) -> tuple[str, bytes]:
    sent = await tg.say(COORDINATOR, command)
    [document] = [c for c in sent if c.method == "sendDocument"]
    file = next(iter(document.files.values()))
    assert file.file_name is not None
    return file.file_name, file.content


async def test_a_german_coordinator_gets_files_in_german(tg: TelegramHarness) -> None:
    await german_coordinator(tg)

    name, data = await upload(tg, "/export csv")
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Anfrage", "Gemeldet am"] and rows[1][0] == "#meta+id"
    lines = [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]
    assert [(x["#item+name+i_de"], x["#item+num+requested"]) for x in lines] == [
        ("Stromerzeuger", "2"),
        ("Mullbinde", "200"),
    ]
    assert {x["#severity"] for x in lines} == {"Kritisch"}
    assert {x["#status"] for x in lines} == {"Neu"}
    assert [x["#item+unit"] for x in lines] == ["Stk.", "Pkg."]

    name, data = await upload(tg, "/export xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Bedarfe", "Erläuterungen"]
    sheet = book.worksheets[0]
    assert sheet["B3"].is_date and sheet["B3"].number_format == "dd.mm.yyyy"
    assert sheet["S3"].value == 2 and sheet["S3"].data_type == "n"

    name, data = await upload(tg, "/export hxl")
    assert name.endswith(".hxl.csv")
    dataset = hxl.data(io.BytesIO(data)).cache()
    assert [row.get("#severity+code") for row in dataset] == ["critical", "critical"]
    assert [row.get("#adm1+code") for row in dataset] == ["UA12", "UA12"]
