"""The fake Bot API server against the real python-telegram-bot, over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.fakes.echo_bot import build_echo_app

REPO_ROOT = Path(__file__).resolve().parents[2]
USER = 42

TestApp: TypeAlias = Application[
    ExtBot[None], ContextTypes.DEFAULT_TYPE, dict[Any, Any], dict[Any, Any], dict[Any, Any], None
]


@dataclass
class RunningBot:
    app: TestApp
    seen_update_ids: list[int] = field(default_factory=list)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    """A bare PTB Bot for calling methods directly, without polling."""
    async with Bot(
        fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot"
    ) as api_bot:
        yield api_bot


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on every RetryAfter unless it may hand out timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def build_app(fake: FakeBotApi) -> RunningBot:
    app: TestApp = (
        Application.builder()
        .token(fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .concurrent_updates(False)
        .job_queue(None)
        .build()
    )
    running = RunningBot(app)

    async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        running.seen_update_ids.append(update.update_id)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Вода", callback_data="need:water")]]
        )
        await context.bot.send_message(
            update.effective_chat.id, "Що потрібно?", reply_markup=keyboard
        )

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await context.bot.send_message(
            update.effective_chat.id, f"Отримано: {update.effective_message.text}"
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Записано")
        await query.edit_message_text(f"Обрано: {query.data}")

    app.add_handler(TypeHandler(Update, remember), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, reply))
    app.add_handler(CallbackQueryHandler(button))
    return running


async def start_polling(app: TestApp) -> None:
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def stop_app(app: TestApp) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


@pytest.fixture
async def running(fake: FakeBotApi) -> AsyncIterator[RunningBot]:
    bot_under_test = build_app(fake)
    await bot_under_test.app.initialize()
    await bot_under_test.app.start()
    await start_polling(bot_under_test.app)
    yield bot_under_test
    await stop_app(bot_under_test.app)


async def test_text_message_gets_a_reply(fake: FakeBotApi, running: RunningBot) -> None:
    update_id = fake.push_text(USER, "Потрібні ліки для лікарні")

    [sent] = await fake.wait_for("sendMessage")

    assert sent.params == {"chat_id": USER, "text": "Отримано: Потрібні ліки для лікарні"}
    assert sent.result["chat"] == {"id": USER, "type": "private", "first_name": "Olena"}
    assert running.seen_update_ids == [update_id]
    assert fake.sent_texts(USER) == ["Отримано: Потрібні ліки для лікарні"]
    assert [c.method for c in fake.calls()][:2] == ["getMe", "deleteWebhook"]


async def test_callback_query_round_trip(fake: FakeBotApi, running: RunningBot) -> None:
    fake.push_text(USER, "/start")
    [menu] = await fake.wait_for("sendMessage")
    button = menu.params["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "Вода", "callback_data": "need:water"}
    message_id = menu.result["message_id"]

    fake.push_callback(USER, button["callback_data"], message_id=message_id)

    [edit] = await fake.wait_for("editMessageText")
    [answer] = fake.calls("answerCallbackQuery")
    assert answer.params["text"] == "Записано"
    assert edit.params["message_id"] == message_id
    assert fake.sent_texts(USER) == ["Що потрібно?", "Обрано: need:water"]
    # Editing without reply_markup drops the keyboard, as on Telegram.
    assert "reply_markup" not in edit.result
    assert fake.message(USER, message_id) == edit.result
    assert fake.errors == []


async def test_unconfirmed_updates_are_redelivered_confirmed_ones_are_not(
    fake: FakeBotApi, running: RunningBot, bot: Bot
) -> None:
    updater = running.app.updater
    assert updater is not None
    await updater.stop()
    first, second = fake.push_text(USER, "перше"), fake.push_text(USER, "друге")

    # A poller that fetched but crashed before confirming: no offset ever acknowledged them.
    fetched = await bot.get_updates(timeout=0)
    assert [u.update_id for u in fetched] == [first, second]
    assert fake.pending_updates() == 2

    await start_polling(running.app)
    await fake.wait_for("sendMessage", count=2)
    assert running.seen_update_ids == [first, second]

    await updater.stop()  # PTB confirms what it fetched on the way out
    assert fake.last_confirmed_offset == second + 1
    assert fake.pending_updates() == 0

    await start_polling(running.app)
    third = fake.push_text(USER, "третє")
    await fake.wait_for("sendMessage", count=3)
    assert running.seen_update_ids == [first, second, third]

    # A deliberate replay of a confirmed id still reaches the bot (for de-duplication tests).
    replayed = fake.push_text(USER, "перше", update_id=first)
    await fake.wait_for("sendMessage", count=4)
    assert replayed == first
    assert running.seen_update_ids == [first, second, third, first]
    fourth = fake.push_text(USER, "четверте")
    await fake.wait_for("sendMessage", count=5)
    assert running.seen_update_ids == [first, second, third, first, fourth]


async def test_get_updates_limit_offset_and_long_poll(fake: FakeBotApi, bot: Bot) -> None:
    ids = [fake.push_text(USER, f"m{i}") for i in range(3)]

    assert [u.update_id for u in await bot.get_updates(limit=2, timeout=0)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1] + 1, timeout=0)] == ids[2:]
    assert fake.pending_updates() == 1

    waiting = asyncio.create_task(bot.get_updates(offset=ids[2] + 1, timeout=5))
    await fake.wait_until_polling()
    assert not waiting.done()  # a real long poll, not an immediate empty answer
    started = time.monotonic()
    late = fake.push_text(USER, "пізно")
    assert [u.update_id for u in await waiting] == [late]
    assert time.monotonic() - started < 1
    assert fake.last_confirmed_offset == ids[2] + 1


async def test_a_newer_poll_terminates_a_waiting_one(fake: FakeBotApi) -> None:
    url = f"{fake.url}/bot{fake.token}/getUpdates"
    async with aiohttp.ClientSession() as http:

        async def poll(timeout: int) -> int:
            async with http.post(url, data={"timeout": str(timeout)}) as response:
                return response.status

        older = asyncio.create_task(poll(5))
        await fake.wait_until_polling()
        assert await poll(0) == 200
        assert await older == 409  # "Conflict: terminated by other getUpdates request"
    assert fake.poll_conflicts == 1


@pytest.mark.usefixtures("ptb_timedelta")
async def test_scripted_429_raises_retry_after(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendMessage", "429", retry_after=3)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(USER, "x")

    assert raised.value.retry_after == dtm.timedelta(seconds=3)
    assert fake.calls("sendMessage") == []
    assert [(c.fault, c.error_code) for c in fake.faulted] == [("429", 429)]
    await bot.send_message(USER, "x")  # only the next call was scripted to fail
    assert fake.sent_texts(USER) == ["x"]


async def test_scripted_500_raises_network_error(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next("sendMessage", "500")

    with pytest.raises(NetworkError) as raised:
        await bot.send_message(USER, "x")

    assert not isinstance(raised.value, RetryAfter | BadRequest | TimedOut)
    assert "Internal Server Error" in str(raised.value)
    assert fake.calls("sendMessage") == []


async def test_timeout_fault_times_out_and_is_not_delivered(fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", "timeout", timeout_seconds=30)
    impatient = Bot(fake.token, base_url=f"{fake.url}/bot", request=HTTPXRequest(read_timeout=0.2))
    async with impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(USER, "x")
    assert fake.calls("sendMessage") == []
    assert [c.fault for c in fake.faulted] == ["timeout"]
    started = time.monotonic()
    await fake.stop()  # the handler still sleeping must not hold up shutdown
    assert time.monotonic() - started < 1


async def test_random_faults_with_retries_lose_and_duplicate_nothing(
    fake: FakeBotApi, bot: Bot
) -> None:
    fake.set_faults(0.5, kinds=("500",), seed=7)
    texts = [f"потреба {i}" for i in range(20)]
    for text in texts:
        while True:
            try:
                await bot.send_message(USER, text)
                break
            except NetworkError:
                continue

    assert fake.sent_texts(USER) == texts
    assert len(fake.faulted) > 0
    assert all(c.fault == "500" for c in fake.faulted)


async def test_send_document_multipart_round_trip(fake: FakeBotApi, bot: Bot) -> None:
    data = b"PK\x03\x04 needs export \x00\xff" * 100

    message = await bot.send_document(
        USER, document=data, filename="needs.xlsx", caption="Потреби на тиждень"
    )

    [call] = fake.calls("sendDocument")
    upload = call.files["document"]
    assert (upload.file_name, upload.content) == ("needs.xlsx", data)
    assert call.params["caption"] == "Потреби на тиждень"
    assert message.document is not None
    assert (message.document.file_name, message.document.file_size) == ("needs.xlsx", len(data))
    assert message.caption == "Потреби на тиждень"

    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == data


async def test_pushed_document_can_be_downloaded(fake: FakeBotApi, bot: Bot) -> None:
    fake.push_document(USER, "scan.pdf", 1000, caption="Заявка")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    assert (document.file_name, document.file_size, document.mime_type) == (
        "scan.pdf",
        1000,
        "application/pdf",
    )
    downloaded = await (await bot.get_file(document.file_id)).download_as_bytearray()
    assert len(downloaded) == 1000


async def test_blocked_chat_raises_forbidden(fake: FakeBotApi, bot: Bot) -> None:
    fake.block_chat(USER)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")

    assert fake.calls("sendMessage") == []
    assert [c.fault for c in fake.faulted] == ["blocked"]
    await bot.send_message(USER + 1, "x")  # other chats are unaffected


async def test_api_errors_telegram_would_give(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(USER, "<b>Вода</b> &amp; хліб", parse_mode="HTML")
    assert sent.text == "Вода & хліб"

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Вода</b> &amp; хліб", USER, sent.message_id, parse_mode="HTML"
        )
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "ліжок < 5", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", USER, 999)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        button = InlineKeyboardButton("x", callback_data="x" * 65)
        await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup([[button]]))
    fake.mark_chat_not_found(7)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(7, "x")

    assert len(fake.errors) == 4
    assert fake.sent_texts(USER) == ["<b>Вода</b> &amp; хліб"]


async def test_text_limit_counts_utf16_units_after_entities(fake: FakeBotApi, bot: Bot) -> None:
    # As Telegram: 4,096 UTF-16 code units of the text after entity parsing. An emoji beyond
    # U+FFFF is two units, a Cyrillic letter one, "&amp;" one.
    await bot.send_message(USER, "🚑" * 2048)
    await bot.send_message(USER, "ж" * 4096)
    await bot.send_message(USER, "<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")
    for text in ("🚑" * 2049, "ж" * 4097, "a" + "🚑" * 2048):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, text)
    fake.fail_next("sendMessage", "too_long")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "short, but refused as scripted")
    assert len(fake.sent_texts(USER)) == 3


async def test_raw_http_parameter_parsing(fake: FakeBotApi) -> None:
    base = f"{fake.url}/bot{fake.token}"
    async with aiohttp.ClientSession() as http:
        # PTB's encoding: strings raw, everything else JSON, so text "42" stays a string.
        markup = '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}'
        form = {"chat_id": "42", "text": "42", "reply_markup": markup}
        async with http.post(f"{base}/sendMessage", data=form) as response:
            assert response.status == 200
        async with http.post(f"{base}/sendMessage", json={"chat_id": 43, "text": "42"}):
            pass
        async with http.get(f"{base}/getMe") as response:
            assert (await response.json())["result"]["username"] == "aidbridge_test_bot"
        async with http.post(f"{base}/noSuchMethod") as response:
            assert response.status == 404
            assert (await response.json())["ok"] is False
        async with http.post(f"{fake.url}/bot1:WRONG/getMe") as response:
            assert response.status == 401

    first, second = fake.calls("sendMessage")
    assert first.params["chat_id"] == 42 and first.params["text"] == "42"
    assert first.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    assert first.result["reply_markup"] == first.params["reply_markup"]
    assert (second.params["chat_id"], second.params["text"]) == (43, "42")


async def test_my_commands_per_language(fake: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Почати")], language_code="uk")
    await bot.set_my_commands([("start", "Start")])

    assert fake.my_commands("uk") == [{"command": "start", "description": "Почати"}]
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    await bot.delete_my_commands(language_code="uk")
    assert fake.my_commands("uk") == []


@pytest.mark.usefixtures("ptb_timedelta")
async def test_rate_enforcement_rejects_a_burst_to_one_chat(fake: FakeBotApi, bot: Bot) -> None:
    fake.enforce_rate_limits(global_per_second=30, per_chat_per_second=1)

    results = await asyncio.gather(
        *(bot.send_message(USER, f"m{i}") for i in range(40)), return_exceptions=True
    )

    delivered = [r for r in results if isinstance(r, Message)]
    limited = [r for r in results if isinstance(r, RetryAfter)]
    assert (len(delivered), len(limited)) == (1, 39)
    assert all(r.retry_after == dtm.timedelta(seconds=1) for r in limited)
    assert fake.rate_limit_violations == 39
    assert len(fake.calls("sendMessage")) == 1


@pytest.mark.usefixtures("ptb_timedelta")
async def test_rate_enforcement_global_limit(fake: FakeBotApi, bot: Bot) -> None:
    fake.enforce_rate_limits(global_per_second=30, per_chat_per_second=1)

    results = await asyncio.gather(
        *(bot.send_message(1000 + i, "m") for i in range(40)), return_exceptions=True
    )

    assert sum(isinstance(r, Message) for r in results) == 30
    assert sum(isinstance(r, RetryAfter) for r in results) == 10
    assert fake.rate_limit_violations == 10


async def test_wait_for_times_out_with_a_useful_message(fake: FakeBotApi) -> None:
    with pytest.raises(TimeoutError, match="sendPhoto"):
        await fake.wait_for("sendPhoto", timeout=0.05)


async def test_echo_bot_echoes(fake: FakeBotApi) -> None:
    app = build_echo_app(fake.url, fake.token)
    await app.initialize()
    await app.start()
    try:
        await start_polling(app)
        fake.push_text(USER, "луна")
        await fake.wait_for("sendMessage")
        assert fake.sent_texts(USER) == ["луна"]
    finally:
        await stop_app(app)


async def test_shutdown_is_fast(fake: FakeBotApi) -> None:
    running_bot = build_app(fake)
    await running_bot.app.initialize()
    await running_bot.app.start()
    await start_polling(running_bot.app)
    await fake.wait_until_polling()  # shut down while a long poll is held open, the slow case

    started = time.monotonic()
    await stop_app(running_bot.app)
    await fake.stop()
    assert time.monotonic() - started < 1


async def test_restart_keeps_the_url(fake: FakeBotApi, bot: Bot) -> None:
    url = fake.url
    await fake.stop()
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "під час збою")
    await fake.start()

    assert fake.url == url
    await bot.send_message(USER, "після збою")
    assert fake.sent_texts(USER) == ["після збою"]


async def test_out_of_process_server(bot: Bot) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.bot_api_server",
        "--port",
        "0",
        "--enforce-rate-limits",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=10)).decode()
        assert line.startswith("READY http://127.0.0.1:")
        url = line.split()[1]
        async with aiohttp.ClientSession() as http:
            update = {"message": {"chat": {"id": USER, "type": "private"}, "text": "hi"}}
            async with http.post(f"{url}/control/push_updates", json=[update]) as response:
                assert (await response.json())["update_ids"] == [1]
            async with Bot(DEFAULT_TOKEN, base_url=f"{url}/bot") as remote_bot:
                await remote_bot.send_message(USER, "відповідь")
            async with http.get(
                f"{url}/control/calls", params={"method": "sendMessage", "min_count": "1"}
            ) as response:
                calls = (await response.json())["calls"]
            async with http.get(f"{url}/control/stats") as response:
                stats = await response.json()
        assert [c["params"]["text"] for c in calls] == ["відповідь"]
        assert stats["calls"]["sendMessage"] == 1
        assert stats["pending_updates"] == 1
        assert stats["rate_limit_violations"] == 0
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=5)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode == 0
