"""Two outbox workers (two replicas) on one database (an SQLite file, a PostgreSQL database)
against the fake Bot API (issue 16):
every row delivered once, each chat's rows in order, a dead replica's expired claims taken
over and counted, and Telegram's limits kept by both together."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.transports.telegram import TelegramTransport
from storage import outbox
from storage.db import open_database
from storage.migrations import migrate
from tests.bot.telegram_harness import TOKEN, make_settings
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi

CHATS = 20
PER_CHAT = 8
GHOST_ROWS = 5


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    server.enforce_rate_limits(global_per_second=30, per_chat_per_second=1)
    try:
        yield server
    finally:
        await server.stop()


async def seed(db_path: Path, url: str | None) -> list[int]:
    """The rows, and the first GHOST_ROWS chats' heads claimed by a replica that died (its
    claims expired a second ago)."""
    db = await open_database(db_path, url)
    await migrate(db)
    now = datetime.now(UTC)
    heads: list[int] = []
    try:
        async with db.transaction() as conn:
            for k in range(PER_CHAT):
                for c in range(CHATS):
                    row = await outbox.add_outbox(
                        conn,
                        transport="telegram",
                        chat_id=str(30_000 + c),
                        text=f"row {k} to {30_000 + c}",
                        now=now,
                    )
                    if k == 0 and c < GHOST_ROWS:
                        heads.append(row)
            await conn.execute(
                "UPDATE outbox SET claimed_by = 'ghost', claim_until = ?"
                f" WHERE id IN ({', '.join('?' for _ in heads)})",
                ((now - timedelta(seconds=1)).isoformat(timespec="microseconds"), *heads),
            )
    finally:
        await db.close()
    return heads


async def replica(fake: FakeBotApi, db_path: Path, url: str | None) -> App:
    # Webhook mode, as replicas run (the HTTP server is built, never started: only the
    # outbox works here).
    settings = make_settings(
        fake,
        db_path,
        replicas=True,
        telegram_webhook_url="http://127.0.0.1:9/telegram",
        http_listen="127.0.0.1:9",
        database_url=url,
    )
    app = await build_app(settings)
    transport = app.transports["telegram"]
    assert isinstance(transport, TelegramTransport)
    assert transport.shared_pace is not None
    await transport.app.initialize()  # the bot's HTTP client; no poller: only the outbox
    await app.worker.start()
    return app


async def test_two_replicas_share_one_outbox(
    fake: FakeBotApi, tmp_path: Path, engine_url: str | None
) -> None:
    db_path = tmp_path / "bot.db"
    await seed(db_path, engine_url)
    apps = [await replica(fake, db_path, engine_url), await replica(fake, db_path, engine_url)]
    try:
        deadline = time.monotonic() + 120
        while await scalar(
            apps[0].db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ):
            assert time.monotonic() < deadline, fake.stats()
            await asyncio.sleep(0.2)
    finally:
        for app in apps:
            await app.worker.stop()
            transport = app.transports["telegram"]
            assert isinstance(transport, TelegramTransport)
            await transport.app.shutdown()
            await app.db.close()
    sent = fake.calls("sendMessage")
    for c in range(CHATS):
        chat = 30_000 + c
        texts = [str(call.params["text"]) for call in sent if call.chat_id == chat]
        assert texts == [f"row {k} to {chat}" for k in range(PER_CHAT)], texts
    assert len(sent) == CHATS * PER_CHAT
    assert sum(app.worker.retaken for app in apps) == GHOST_ROWS
    assert fake.rate_limit_violations == 0, fake.stats()
