"""A confirmation that replaces the preview stays one message when Telegram's answer to the
edit is lost (issue 16's crash windows): the edit is repeated, never sent as a new message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, message_id
from tests.bot.test_telegram_intake import NURSE, join_as_requester
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi


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


def confirmations(fake: FakeBotApi) -> list[tuple[str, object]]:
    return [
        (c.method, c.params.get("message_id"))
        for c in fake.calls(chat_id=NURSE)
        if c.method in ("sendMessage", "editMessageText") and "R-1001" in str(c.params.get("text"))
    ]


async def test_lost_answers_to_the_edit_repeat_the_edit_not_a_new_message(
    tg: TelegramHarness,
) -> None:
    await join_as_requester(tg)
    sent = await tg.say(NURSE, "/need 5 намет")
    preview = sent[-1]
    # Every answer to the confirmation's edit is lost for a while: Telegram applied it, the
    # bot cannot know.
    tg.fake.fail_next("editMessageText", "lost_answer", count=2, timeout_seconds=0.2)
    await tg.press(NURSE, button(preview, "w:submit:"), message_id(preview))
    pending = (
        "SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND sent_at IS NULL AND failed_at IS NULL"
    )
    for _ in range(300):
        if not await scalar(tg.app.db, pending):
            break
        await asyncio.sleep(0.05)
    assert not await scalar(tg.app.db, pending)
    seen = confirmations(tg.fake)
    # Only edits of the preview: never a second message with the confirmation.
    assert seen and {m for m, _ in seen} == {"editMessageText"}
    assert {ref for _, ref in seen} == {message_id(preview)}
    shown = tg.fake.message(NURSE, message_id(preview))
    assert shown is not None and "R-1001" in str(shown.get("text"))
    # The edit was repeated after the lost answer, and Telegram saw nothing new in it.
    repeats = [
        c
        for c in tg.fake.errors
        if c.method == "editMessageText" and "not modified" in str(c.description)
    ]
    assert repeats
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM requests") == 1
