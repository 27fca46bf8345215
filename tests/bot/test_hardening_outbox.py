"""Issue 10, the outbox's hardening, through the real stack: python-telegram-bot's Application
over HTTP against the fake Bot API, and real SQLite files.

- Lengths as Telegram counts them (UTF-16 units): a long emoji preview arrives in full, and a
  "message is too long" refusal is re-split, or at worst answered with a notice, never silent.
- A delivered reply is marked sent however long the database stays locked, and is never sent
  a second time because of the lock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import storage.db as storage_db
from bot.transports.telegram import TelegramTransport
from handlers.text.i18n import Translator
from handlers.text.split import TELEGRAM_LIMIT, utf16_units
from storage import outbox
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, message_id
from tests.bot.test_telegram_intake import NURSE, join_as_requester
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi, RecordedCall

AMBULANCE = "🚑"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def tg(fake: FakeBotApi, tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    harness = await TelegramHarness.start(fake, tmp_path / "bot.db")
    transport = harness.app.transports["telegram"]
    assert isinstance(transport, TelegramTransport)
    # The fake enforces no flood limit here: parts need not wait Telegram's second apart.
    transport.part_gap = 0.01
    try:
        yield harness
    finally:
        await harness.stop()


def texts(fake: FakeBotApi, chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in fake.calls("sendMessage", chat_id=chat_id)]


async def queue_row(
    tg: TelegramHarness, chat_id: int, text: str, choices: str | None = None
) -> int:
    async with tg.app.db.transaction() as conn:
        row_id = await outbox.add_outbox(
            conn,
            transport="telegram",
            chat_id=str(chat_id),
            text=text,
            now=tg.app.ctx.clock(),
            choices_json=choices,
        )
    tg.app.worker.wake()
    return row_id


async def wait_sent(tg: TelegramHarness, row_id: int, timeout: float = 10.0) -> None:
    """Until the worker marked the row sent (or failed): its delivery is then complete."""
    deadline = asyncio.get_running_loop().time() + timeout
    sql = f"SELECT sent_at IS NOT NULL OR failed_at IS NOT NULL FROM outbox WHERE id = {row_id}"
    while not await scalar(tg.app.db, sql):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"outbox row {row_id} still pending after {timeout}s")
        await asyncio.sleep(0.05)


async def test_a_preview_of_4000_emoji_arrives_in_full(tg: TelegramHarness) -> None:
    # Characters fit (under 4,096) but UTF-16 units do not (twice as many): Telegram refuses
    # such a message, and the preview used to be lost with it.
    await join_as_requester(tg)
    typed = AMBULANCE * 3950
    sent = await tg.say(NURSE, f"/need 2 генератор; 5 {typed}")
    assert tg.fake.errors == []
    parts = [str(c.params["text"]) for c in sent]
    assert len(parts) >= 2
    assert all(utf16_units(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(parts).count(AMBULANCE) == len(typed)
    # A part cut inside the person's <code> text closes it and the next opens it again.
    assert all(p.count("<code>") == p.count("</code>") for p in parts)


async def test_an_outbox_row_of_4000_emoji_goes_in_two_parts_with_its_buttons(
    tg: TelegramHarness,
) -> None:
    choices = '[[{"label": "OK", "payload": "x:ok"}]]'
    row_id = await queue_row(tg, 701, AMBULANCE * 4000, choices)
    await wait_sent(tg, row_id)
    assert await scalar(tg.app.db, f"SELECT sent_at IS NOT NULL FROM outbox WHERE id = {row_id}")
    calls = tg.fake.calls("sendMessage", chat_id=701)
    assert [str(c.params["text"]).count(AMBULANCE) for c in calls] == [2048, 1952]
    assert "reply_markup" not in calls[0].params and "reply_markup" in calls[1].params
    assert tg.fake.errors == []


async def test_a_part_refused_as_too_long_is_sent_again_in_halves(
    tg: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram and our measure disagree (the fake refuses as scripted): the part is cut in
    # halves and everything arrives, with an error in the log for the operator.
    text = "\n".join(f"Zeile {n}: " + "ж" * 40 for n in range(60))
    tg.fake.fail_next("sendMessage", "too_long")
    with caplog.at_level(logging.ERROR):
        row_id = await queue_row(tg, 702, text, '[[{"label": "OK", "payload": "x:ok"}]]')
        await wait_sent(tg, row_id)
    assert "\n".join(texts(tg.fake, 702)) == text
    assert len(texts(tg.fake, 702)) >= 2
    assert any("too long" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


async def test_a_part_refused_at_any_size_becomes_a_notice_in_three_languages(
    tg: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    # 600 units refused, then its first half (300) too, which is too small to cut again:
    # the person is told in place of that half, and the second half still goes.
    text = "\n".join("ж" * 59 for _ in range(10))
    assert utf16_units(text) == 599
    tg.fake.fail_next("sendMessage", "too_long", count=2)
    with caplog.at_level(logging.ERROR):
        row_id = await queue_row(tg, 703, text, '[[{"label": "OK", "payload": "x:ok"}]]')
        await wait_sent(tg, row_id)
    got = texts(tg.fake, 703)
    notice = "\n".join(Translator().all_forms("outbox.too_long"))
    assert got == [notice, "\n".join("ж" * 59 for _ in range(5))]
    assert await scalar(tg.app.db, f"SELECT failed_at IS NULL FROM outbox WHERE id = {row_id}")
    assert any("lost" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


async def test_a_locked_database_delays_the_mark_but_never_causes_a_second_send(
    fake: FakeBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process (a backup, the CLI, a stuck connection) holds the write lock from the
    # moment Telegram has the confirmation until well after the reply's grace period.
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 100)  # give up on the lock quickly
    db_path = tmp_path / "bot.db"
    harness = await TelegramHarness.start(fake, db_path)
    engine = harness.app.engine
    engine.ctx = dataclasses.replace(
        engine.ctx, policy=dataclasses.replace(engine.ctx.policy, reply_grace_seconds=0.3)
    )
    # Used from a worker thread to take the lock and from the loop to let it go.
    locker = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30)
    released = asyncio.Event()
    taken = asyncio.Event()

    def release() -> None:
        locker.execute("ROLLBACK")
        released.set()

    async def lock_on_confirmation(call: RecordedCall) -> None:
        if "R-1001" in str(call.params.get("text")) and not taken.is_set():
            taken.set()
            # Taken in a thread, before the answer goes back: the bot's own transaction may
            # hold the lock this moment, and it needs the event loop to finish (taken on the
            # loop, BEGIN IMMEDIATE waited for it, stopping the loop, and failed as locked).
            await asyncio.to_thread(locker.execute, "BEGIN IMMEDIATE")
            # Several grace periods and many failed marks later.
            asyncio.get_running_loop().call_later(2.0, release)

    try:
        await join_as_requester(harness)
        sent = await harness.say(NURSE, "/need 2 генератор")
        preview = sent[-1]
        fake.before_answer = lock_on_confirmation
        await harness.press(NURSE, button(preview, "w:submit:"), message_id(preview))
        await asyncio.wait_for(released.wait(), timeout=30)
        await wait_until(harness, "SELECT COUNT(*) = 0 FROM outbox WHERE sent_at IS NULL")
        # Long enough for the worker to have taken the row up again had it been due.
        await asyncio.sleep(1.0)
    finally:
        fake.before_answer = None
        if locker.in_transaction:
            release()
        locker.close()
        await harness.stop()
    confirmations = [
        c
        for c in fake.calls()
        if c.method in ("sendMessage", "editMessageText") and "R-1001" in str(c.params["text"])
    ]
    assert len(confirmations) == 1, [c.method for c in confirmations]


async def wait_until(harness: TelegramHarness, sql: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await scalar(harness.app.db, sql):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not true after {timeout}s: {sql}")
        await asyncio.sleep(0.05)
