"""Logs hold no message text, invite code, address or token (issue 10): the whole bot at
DEBUG through python-telegram-bot and the fake Bot API, its log file read afterwards."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.logsetup import LIBRARY_LEVELS, RedactSecrets, setup_logging
from storage import organisations
from storage.models import OrgKind
from tests.bot.telegram_harness import TOKEN, TelegramHarness
from tests.fakes.bot_api import FakeBotApi

ADMIN = 900
NURSE = 101
STRANGER = 666
TEXT_UK = "Секретне повідомлення про склад"
TEXT_ASCII = "recognisable-text-4711"
ADDRESS = "вул. Потаємна, 13"
WRONG_CODE = "SOMECODE123"
TOKEN_SECRET = TOKEN.split(":", 1)[1]


@contextmanager
def logging_to(path: Path, *, log_text: bool) -> Iterator[None]:
    """setup_logging() as the CLI calls it, at DEBUG, undone afterwards for the other tests."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in LIBRARY_LEVELS}
    handler = setup_logging("DEBUG", [TOKEN], log_file=path, log_text=log_text)
    assert root.getEffectiveLevel() == logging.DEBUG
    try:
        yield
    finally:
        handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


async def conversation(tg: TelegramHarness) -> str:
    """An invite, its use, a wrong code, free text and a request; returns the good code."""
    async with tg.app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Лікарня №4",
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address=ADDRESS,
            now=tg.app.ctx.clock(),
        )
    sent = await tg.say(ADMIN, f"/invite {org.id} requester")
    code = str(sent[-1].params["text"]).split("?start=")[1].split()[0]
    assert "✅" in (await tg.say(NURSE, f"/start {code}"))[-1].params["text"]
    await tg.say(STRANGER, f"/start {WRONG_CODE}")
    await tg.say(STRANGER, f"{TEXT_ASCII} {TEXT_UK}")
    await tg.say(NURSE, f"{TEXT_ASCII} {TEXT_UK}")
    sent = await tg.say(NURSE, "/need 2 генератор")
    assert any(ADDRESS in c.params.get("text", "") for c in sent)  # the bot did show it
    return code


async def test_debug_logs_hold_no_text_code_address_or_token(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    log_file = tmp_path / "bot.log"
    with logging_to(log_file, log_text=False):
        tg = await TelegramHarness.start(fake, tmp_path / "bot.db")
        try:
            code = await conversation(tg)
        finally:
            await tg.stop()
    logged = log_file.read_text(encoding="utf-8")
    assert "telegram transport started" in logged
    for secret in (TEXT_UK, TEXT_ASCII, ADDRESS, code, WRONG_CODE, TOKEN, TOKEN_SECRET):
        assert secret not in logged, secret
    # No statement parameters either (aiosqlite prints them at DEBUG).
    assert "executing" not in logged


async def test_log_text_opt_in_shows_texts_but_still_no_code_or_token(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    log_file = tmp_path / "bot.log"
    with logging_to(log_file, log_text=True):
        tg = await TelegramHarness.start(fake, tmp_path / "bot.db")
        try:
            code = await conversation(tg)
        finally:
            await tg.stop()
    logged = log_file.read_text(encoding="utf-8")
    assert TEXT_ASCII in logged  # what the opt-in is for
    for secret in (code, WRONG_CODE, TOKEN, TOKEN_SECRET):
        assert secret not in logged, secret
    assert "/start [redacted]" in logged


def test_log_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    log_file = tmp_path / "console.log"
    with logging_to(log_file, log_text=False):
        logging.getLogger("bot").warning("hello")
    assert log_file.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("GET /_matrix/client/v3/sync?since=s1&access_token=syt_Ym90_abcdefghij_0123", "abcdef"),
        ("Authorization: Bearer mct_0123456789abcdef", "0123456789"),
        ('{"access_token": "opaque-token-value", "device_id": "X"}', "opaque-token-value"),
        ('{"type": "m.login.password", "password": "hunter2hunter2"}', "hunter2"),
        ("POST http://127.0.0.1/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe", "AAHdq"),
        ("text='/start@aidbridge_bot K7PX2M9Q'", "K7PX2M9Q"),
        ("!start K7PX2M9Q", "K7PX2M9Q"),
        ("https://t.me/aidbridge_bot?start=K7PX2M9Q", "K7PX2M9Q"),
        ("code:\n<code>3QQFHN-HSVE27-K7PX2M</code>", "3QQFHN"),
        ("code:\n<code>3QQFHNHSVE27K7PX2M</code>", "3QQFHNHSVE"),
    ],
)
def test_tokens_and_codes_are_redacted_from_any_line(line: str, secret: str) -> None:
    record = logging.LogRecord("nio", logging.DEBUG, __file__, 1, "%s", (line,), None)
    RedactSecrets([]).filter(record)
    assert secret not in record.getMessage()
    assert "[redacted]" in record.getMessage()
