"""The whole bot on PostgreSQL (AIDBRIDGE_DATABASE_URL), through python-telegram-bot and the
fake Bot API: the Telegram intake tests, collected here a second time with a ``tg`` on
PostgreSQL, and a restart that finds everything where it was left."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, message_id
from tests.bot.test_telegram_intake import (  # noqa: F401 - collected here, on PostgreSQL
    NURSE,
    join_as_requester,
    test_bad_input_never_crashes,
    test_coordinator_exports_xlsx_through_telegram,
    test_lifecycle_commands_through_telegram,
    test_need_one_liner_and_my,
    test_need_preview_questions_answered_with_buttons,
    test_replayed_update_is_ignored,
    test_reused_and_expired_invites,
    test_stranger_tries_every_command,
    test_wizard_with_buttons_to_stored_request,
)
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi(token=TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
async def tg(tmp_path: Path, pg_url: str, fake: FakeBotApi) -> AsyncIterator[TelegramHarness]:
    # An empty database: the bot migrates it at start, as `aidbridge run` does.
    harness = await TelegramHarness.start(fake, tmp_path / "bot.db", database_url=pg_url)
    try:
        yield harness
    finally:
        await harness.stop()


async def test_the_bot_runs_on_postgresql_and_a_restart_keeps_everything(
    tmp_path: Path, pg_url: str, fake: FakeBotApi
) -> None:
    first = await TelegramHarness.start(fake, tmp_path / "bot.db", database_url=pg_url)
    try:
        assert first.app.db.engine == "postgresql"
        assert not (tmp_path / "bot.db").exists()  # nothing went to SQLite
        await join_as_requester(first)
        sent = await first.say(NURSE, "/need 3 генератор !critical")
        sent = await first.press(NURSE, button(sent[-1], "w:submit:"), message_id(sent[-1]))
        assert "R-1001" in sent[-1].params["text"]
    finally:
        await first.stop()
    second = await TelegramHarness.start(fake, tmp_path / "bot.db", database_url=pg_url)
    try:
        sent = await second.say(NURSE, "/my")
        assert "R-1001" in sent[-1].params["text"]
        assert await scalar(second.app.db, "SELECT COUNT(*) FROM requests") == 1
        # Every reply the outbox holds was delivered and marked so.
        assert await scalar(second.app.db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
    finally:
        await second.stop()
