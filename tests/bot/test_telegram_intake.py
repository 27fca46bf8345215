"""Requests end to end through python-telegram-bot's Application and the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import organisations
from storage.models import OrgKind
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, buttons, message_id
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi

ADMIN = 900
NURSE = 101
STRANGER = 666


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    harness = await TelegramHarness.start(fake, tmp_path / "bot.db")
    try:
        yield harness
    finally:
        await harness.stop()
        await fake.stop()


async def add_org(tg: TelegramHarness, name: str = "Лікарня №4 <Дніпро> & Co") -> int:
    async with tg.app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name=name,
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address="вул. Тестова, 1",
            now=tg.app.ctx.clock(),
        )
    return org.id


async def join_as_requester(tg: TelegramHarness, user_id: int = NURSE) -> None:
    org_id = await add_org(tg)
    sent = await tg.say(ADMIN, f"/invite {org_id} requester")
    text = sent[-1].params["text"]
    assert "https://t.me/aidbridge_test_bot?start=" in text
    code = text.split("?start=")[1].split()[0]
    sent = await tg.say(user_id, f"/start {code}")
    assert "✅" in sent[-1].params["text"]
    # HTML parse mode, and the organisation's name escaped.
    assert sent[-1].params["parse_mode"] == "HTML"
    assert "&lt;Дніпро&gt; &amp; Co" in sent[-1].params["text"]


async def test_startup_sets_commands_per_language(tg: TelegramHarness) -> None:
    for lang in ("uk", "de", "en"):
        names = [c["command"] for c in tg.fake.my_commands(language_code=lang)]
        assert "new" in names and "need" in names and "my" in names
        # The menu everyone sees never advertises admin or coordinator commands.
        assert not {"invite", "revoke", "backup", "broadcast", "ack", "export"} & set(names)
    german = {c["command"]: c["description"] for c in tg.fake.my_commands(language_code="de")}
    assert "Schritt" in german["new"]


async def test_wizard_with_buttons_to_stored_request(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/new")
    wizard = message_id(sent[-1])
    sent = await tg.press(NURSE, button(sent[-1], "w:cat:power"), wizard)
    # The wizard edits its message in place instead of piling up new ones.
    assert sent[-1].method == "editMessageText" and message_id(sent[-1]) == wizard
    sent = await tg.press(NURSE, button(sent[-1], "w:item:generator"), wizard)
    sent = await tg.say(NURSE, "0")
    assert "щонайменше 1" in sent[-1].params["text"]
    sent = await tg.say(NURSE, "2")
    msg = message_id(sent[-1])
    sent = await tg.press(NURSE, button(sent[-1], "w:more:done"), msg)
    sent = await tg.press(NURSE, button(sent[-1], "w:urg:critical"), msg)
    sent = await tg.press(NURSE, button(sent[-1], "w:due:3"), msg)
    sent = await tg.press(NURSE, button(sent[-1], "w:place:org"), msg)
    sent = await tg.say(NURSE, "Нотатка з <b>тегами</b> & 🚑")
    summary = sent[-1]
    assert "&lt;b&gt;тегами&lt;/b&gt; &amp; 🚑" in summary.params["text"]
    submit = button(summary, "w:submit:")
    sent = await tg.press(NURSE, submit, message_id(summary))
    confirmation = sent[-1]
    assert "R-1001" in confirmation.params["text"]
    # A double tap on Submit: one request, one confirmation, and a short notice.
    before = len(tg.fake.sent_texts(NURSE))
    await tg.press(NURSE, submit, message_id(summary))
    assert len(tg.fake.sent_texts(NURSE)) == before
    answers = tg.fake.calls("answerCallbackQuery")
    assert "R-1001" in (answers[-1].params.get("text") or "")
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM requests") == 1
    assert await scalar(tg.app.db, "SELECT urgency FROM requests") == "critical"
    # The confirmation was marked delivered.
    assert (
        await scalar(
            tg.app.db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND kind='reply'"
        )
        == 0
    )


async def test_need_one_liner_and_my(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need 2 генератор 30 кВт; 200 уп бинти !critical by 01.12.2026")
    preview = sent[-1]
    assert "Генератор" in preview.params["text"] and "01.12.2026" in preview.params["text"]
    sent = await tg.press(NURSE, button(preview, "w:submit:"), message_id(preview))
    assert "R-1001" in sent[-1].params["text"]
    sent = await tg.say(NURSE, "/my")
    assert "R-1001" in sent[-1].params["text"]
    sent = await tg.say(NURSE, "/need 2 генератор by 01.01.2020")
    assert "не збережено" in sent[-1].params["text"]


async def test_bad_input_never_crashes(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    for text in [
        "/need -5 генератор",
        "/need 99999999999 antibiotics",
        "/show",
        "/show <b>",
        "/withdraw R-99999999999",
        "/lang xx",
        "🔥" * 50,
        "/nonsense & <i>",
        "x" * 4096,
    ]:
        sent = await tg.say(NURSE, text)
        assert sent, text
        reply = sent[-1].params["text"]
        assert "<i>" not in reply and "<b>\n" not in reply, (text, reply)
    assert not tg.fake.errors, [e.description for e in tg.fake.errors]


async def test_stranger_tries_every_command(tg: TelegramHarness) -> None:
    for command in [
        "/start",
        "/start WRONG",
        "/new",
        "/need 2 генератор",
        "/my",
        "/show R-1001",
        "/withdraw R-1001",
        "/invite 1 admin",
        "/orgs",
        "/help",
        "/lang de",
        "/whoami",
        "/cancel",
        "hello",
    ]:
        sent = await tg.say(STRANGER, command)
        assert len(sent) == 1, command
        assert "/start" in sent[0].params["text"]
        assert not buttons(sent[0])
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM members") == 0


async def test_replayed_update_is_ignored(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need 5 намет")
    preview = sent[-1]
    update_id = tg.fake.push_callback(
        NURSE, button(preview, "w:submit:"), message_id=message_id(preview)
    )
    await tg._wait(update_id)
    sent_before = len(tg.fake.sent_texts(NURSE))
    # Telegram delivers the same update again (say, after a network hiccup).
    tg._done.pop(update_id, None)
    tg.fake.push_callback(
        NURSE, button(preview, "w:submit:"), message_id=message_id(preview), update_id=update_id
    )
    await tg._wait(update_id)
    assert len(tg.fake.sent_texts(NURSE)) == sent_before
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM requests") == 1


async def test_reused_and_expired_invites(tg: TelegramHarness) -> None:
    org_id = await add_org(tg)
    sent = await tg.say(ADMIN, f"/invite {org_id} requester 1")
    code = sent[-1].params["text"].split("?start=")[1].split()[0]
    assert "✅" in (await tg.say(NURSE, f"/start {code}"))[-1].params["text"]
    sent = await tg.say(STRANGER, f"/start {code}")
    assert "вже використано" in sent[-1].params["text"]


async def test_token_never_reaches_logs(
    tg: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from bot.logsetup import RedactSecrets

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "POST %s/bot%s/getMe", (tg.fake.url, TOKEN), None
    )
    RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    for rec in caplog.records:
        assert TOKEN not in rec.getMessage()


async def test_coordinator_exports_xlsx_through_telegram(tg: TelegramHarness) -> None:
    import io

    from openpyxl import load_workbook

    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need 2 генератор; 200 уп бинти !critical")
    await tg.press(NURSE, button(sent[-1], "w:submit:"), message_id(sent[-1]))
    sent = await tg.say(ADMIN, "/invite 1 coordinator")
    code = sent[-1].params["text"].split("?start=")[1].split()[0]
    coordinator = 777
    await tg.say(coordinator, f"/start {code}", language_code="de")
    sent = await tg.say(coordinator, "/export xlsx")
    documents = [c for c in sent if c.method == "sendDocument"]
    assert len(documents) == 1
    upload = next(iter(documents[0].files.values()))
    assert upload.file_name and upload.file_name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(upload.content)).active
    assert sheet is not None
    assert sheet["A2"].value == "#meta+id"
    assert sheet["A3"].value == "R-1001" and sheet["A4"].value == "R-1001"
    row = [c.value for c in sheet[3]]
    assert "Stromerzeuger" in row and "Генератор" in row and "Generator" in row
    assert 2 in row  # quantities are numbers
    assert sheet.freeze_panes == "A3"


async def test_lifecycle_commands_through_telegram(tg: TelegramHarness) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need 2 генератор; 200 уп бинти !high")
    await tg.press(NURSE, button(sent[-1], "w:submit:"), message_id(sent[-1]))
    sent = await tg.say(ADMIN, "/invite 1 coordinator")
    code = sent[-1].params["text"].split("?start=")[1].split()[0]
    coord = 777
    await tg.say(coord, f"/start {code}", language_code="de")
    steps = [
        ("/transit R-1001", "nicht möglich"),  # refused: nothing acknowledged or pledged yet
        ("/ack R-1001", "Bearbeitung"),
        ("/pledge R-1001 1 2; 2 300", "mehr"),  # more bandages than requested: refused
        ("/pledge R-1001 1 2; 2 200; Lager Köln", "Zusage"),
        ("/transit R-1001 LKW <Düsseldorf> & Co", "unterwegs"),
        ("/note R-1001 Ankunft Freitag", "Anmerkung"),
        ("/delivered R-1001 1 2", "teilweise"),
        ("/delivered R-1001", "vollständig"),
        ("/decline R-1001 zu spät", "nicht möglich"),
    ]
    for command, expected in steps:
        sent = await tg.say(coord, command, language_code="de")
        assert expected in sent[-1].params["text"], (command, sent[-1].params["text"])
    sent = await tg.say(NURSE, "/received R-1001")
    assert "R-1001" in sent[-1].params["text"]
    # The hospital heard of every change in Ukrainian, delivered by the outbox worker.
    await tg.fake.wait_for(
        lambda c: (
            c.method == "sendMessage"
            and c.chat_id == NURSE
            and "Підтвердіть отримання" in str(c.params.get("text"))
        ),
        timeout=10,
    )
    told = "\n".join(tg.fake.sent_texts(NURSE))
    for phrase in [
        "прийняли до роботи",
        "обіцянка",
        "в дорозі",
        "&lt;Düsseldorf&gt; &amp; Co",
        "Ankunft Freitag",
        "доставлено частину",
        "усе доставлено",
    ]:
        assert phrase in told, phrase
    assert "Генератор ×2" in told
    assert not tg.fake.errors, [e.description for e in tg.fake.errors]


async def test_need_preview_questions_answered_with_buttons(tg: TelegramHarness) -> None:
    """Issue 9: the /need preview's questions, through PTB and the fake Bot API."""
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need паливо 500 л; Schläuche 20; 3 генератори терміново")
    preview = sent[-1]
    # The first question: which fuel. No Submit while a question is open.
    assert not any(data.startswith("w:submit:") for _, data in buttons(preview))
    assert "Дизельне паливо" in [label for label, _ in buttons(preview)]
    sent = await tg.press(NURSE, button(preview, "w:q:k:diesel_fuel"), message_id(preview))
    # Next: 20 hoses or 20 metres of hose.
    question = sent[-1]
    assert any(data == "w:q:u:m" for _, data in buttons(question))
    sent = await tg.press(NURSE, "w:q:u:m", message_id(question))
    submit = button(sent[-1], "w:submit:")
    sent = await tg.press(NURSE, submit, message_id(sent[-1]))
    assert "R-" in sent[-1].params["text"]
    async with tg.app.db.read() as conn:
        cursor = await conn.execute(
            "SELECT item_key, quantity, unit FROM request_items ORDER BY id"
        )
        rows = [tuple(row) for row in await cursor.fetchall()]
    assert rows == [("diesel_fuel", 500, "l"), ("hose", 20, "m"), ("generator", 3, "pcs")]
    assert await scalar(tg.app.db, "SELECT urgency FROM requests") == "high"
