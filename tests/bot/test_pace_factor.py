"""AIDBRIDGE_TELEGRAM_PACE_FACTOR (for bench/replicas.py): the replicas' shared pace is
reserved at that many times Telegram's rates. Read from what the reservations write to the
database, not from a clock."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import Settings
from bot.replicas import SHARED_CHAT_INTERVAL, SHARED_PER_SECOND
from bot.transports.telegram import TelegramTransport
from tests.bot.telegram_harness import TOKEN
from tests.engine_harness import scalar


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("factor", [1.0, 100.0])
async def test_the_shared_pace_is_reserved_at_the_factor(tmp_path: Path, factor: float) -> None:
    port = free_port()
    # The app is built, never started: nothing here calls the Bot API.
    settings = Settings(
        db_path=tmp_path / "bot.db",
        telegram_token=TOKEN,
        telegram_api_url="http://127.0.0.1:9",
        http_listen=f"127.0.0.1:{port}",
        telegram_webhook_url=f"http://127.0.0.1:{port}/tg",
        replicas=True,
        telegram_pace_factor=factor,
        _env_file=None,
    )
    app = await build_app(settings)
    try:
        telegram = app.transports["telegram"]
        assert isinstance(telegram, TelegramTransport) and telegram.shared_pace is not None
        # Two messages to one chat and one to another: the chat's next time is two
        # intervals on, the transport's one gap per message.
        before = time.time()
        await telegram.shared_pace("42")
        await telegram.shared_pace("42")
        await telegram.shared_pace("43")
        chat_next = float(
            await scalar(app.db, "SELECT next_at FROM chat_send_slots WHERE chat_id = '42'")
        )
        overall_next = float(await scalar(app.db, "SELECT next_at FROM send_pace"))
        interval, gap = SHARED_CHAT_INTERVAL / factor, 1.0 / (SHARED_PER_SECOND * factor)
        assert before + 2 * interval <= chat_next <= time.time() + interval
        assert before + 3 * gap <= overall_next <= time.time() + gap
    finally:
        await app.db.close()
