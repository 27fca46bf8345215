"""Polling that survives what it cannot read, a garbled answer and a refused token
(issue 10), through python-telegram-bot's Application and the fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import run
from bot.transports.base import TokenRefused
from bot.transports.telegram import TelegramTransport
from tests.bot.telegram_harness import TOKEN, TelegramHarness, make_settings
from tests.fakes.bot_api import FakeBotApi, make_text_update

SECRET_TEXT = "Пароль від складу 4711"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


async def started(fake: FakeBotApi, tmp_path: Path, **extra: Any) -> TelegramHarness:
    harness = await TelegramHarness.start(fake, tmp_path / "bot.db", **extra)
    await fake.wait_until_polling()
    return harness


def transport(tg: TelegramHarness) -> TelegramTransport:
    found = tg.app.transports["telegram"]
    assert isinstance(found, TelegramTransport)
    return found


def without_date(user_id: int, text: str) -> dict[str, Any]:
    update = make_text_update(user_id, text)
    del update["message"]["date"]
    update["message"]["message_id"] = 77
    return update


def poll_missing_a_field(user_id: int) -> dict[str, Any]:
    update = make_text_update(user_id, "x")
    message = update["message"]
    del message["text"]
    message["message_id"] = 78
    # A poll without "options" (and more): PTB's Poll cannot be built from it.
    message["poll"] = {"id": "5", "question": SECRET_TEXT, "total_voter_count": 0}
    return update


async def test_an_unreadable_update_is_skipped_confirmed_and_the_rest_answered_once(
    fake: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    tg = await started(fake, tmp_path)
    try:
        # One batch: the pushes happen without yielding to the long poll in between.
        before = fake.push_text(201, "hello")
        no_date = fake.push_raw_update(without_date(202, SECRET_TEXT))
        bad_poll = fake.push_raw_update(poll_missing_a_field(203))
        after = [fake.push_text(204, "hello"), fake.push_text(205, "hello")]
        for update_id in (before, *after):
            await tg._wait(update_id)
        # The next poll confirms the whole batch, the unreadable updates with it.
        await fake.wait_until_polling()
        assert fake.last_confirmed_offset > max(no_date, bad_poll)
        assert fake.pending_updates() == 0
        # A later update is answered too, and nothing of the first batch came again.
        await tg.say(206, "hello")
        for user in (201, 204, 205, 206):
            assert len(fake.calls("sendMessage", chat_id=user)) == 1, user
        for user in (202, 203):
            assert fake.calls(chat_id=user) == []
        assert transport(tg).metrics.skipped_updates == 2
        assert transport(tg).metrics.loop_restarts == 0
    finally:
        await tg.stop()
    skipped = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(skipped) == 2
    assert f"telegram update {no_date} (message)" in skipped[0]
    assert "'date'" in skipped[0]
    assert f"telegram update {bad_poll} (message)" in skipped[1]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_TEXT not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]


async def test_a_restart_does_not_meet_the_unreadable_update_again(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    tg = await started(fake, tmp_path)
    try:
        fake.push_raw_update(without_date(202, SECRET_TEXT))
        await tg.say(201, "hello")
    finally:
        await tg.stop()
    # Stopping confirmed everything fetched; a new process starts clean.
    assert fake.pending_updates() == 0
    tg = await started(fake, tmp_path)
    try:
        await tg.say(201, "hello")
        assert transport(tg).metrics.skipped_updates == 0
    finally:
        await tg.stop()


async def test_a_garbled_answer_restarts_polling_after_a_backoff(
    fake: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tg = await started(fake, tmp_path)
    try:
        # The poll parked now answers normally; the one after it gets an HTML page.
        fake.fail_next("getUpdates", "garbage")
        await tg.say(201, "hello")
        await tg.say(202, "hello")
        assert [c.fault for c in fake.faulted] == ["garbage"]
        assert transport(tg).metrics.loop_restarts == 1
        assert len(fake.calls("sendMessage", chat_id=201)) == 1
    finally:
        await tg.stop()
    assert any("telegram polling failed" in r.getMessage() for r in caplog.records)


async def test_a_refused_token_is_retried_until_accepted_again(
    fake: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tg = await started(fake, tmp_path, token_retry_seconds=0.2, token_refused_exit_seconds=60)
    try:
        fake.refuse_token(seconds=2.0)
        # Sent while the token is refused: answered once Telegram accepts it again.
        update_id = fake.push_text(201, "hello")
        await tg._wait(update_id, timeout=15)
        assert len(fake.calls("sendMessage", chat_id=201)) == 1
        refused = [c for c in fake.faulted if c.fault == "token_refused"]
        assert len(refused) >= 2
        assert transport(tg).metrics.token_refusals == len(refused)
        assert tg.app.fatal is None
    finally:
        await tg.stop()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("refuses the bot token" in r.getMessage() for r in errors)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


async def test_a_token_refused_past_the_limit_ends_the_run_with_an_error(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    settings = make_settings(
        fake, tmp_path / "bot.db", token_retry_seconds=0.1, token_refused_exit_seconds=0.5
    )
    running = asyncio.create_task(run(settings))
    try:
        await fake.wait_until_polling()
        fake.refuse_token()
        with pytest.raises(TokenRefused, match="AIDBRIDGE_TELEGRAM_TOKEN"):
            await asyncio.wait_for(running, 15)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    # Stopped in order: the last poll was answered 401, nothing is left waiting.
    assert fake.waiting_polls == 0
