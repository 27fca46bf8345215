"""Webhook mode, /healthz, /readyz and /metrics (issue 16), on the whole bot: build_app on
python-telegram-bot, the fake Bot API posting updates to the bot's HTTP server as Telegram
does, and a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError, load_settings
from bot.transports.telegram import TelegramTransport
from bot.transports.webhook import SECRET_HEADER
from tests.bot.telegram_harness import TOKEN, TelegramHarness
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.updates import make_text_update

ADMIN = 900


def free_port() -> int:
    # The webhook URL names the port before the server binds it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as api:
        yield api


async def start_webhook_bot(fake: FakeBotApi, db: Path, **extra: object) -> TelegramHarness:
    port = free_port()
    return await TelegramHarness.start(
        fake,
        db,
        http_listen=f"127.0.0.1:{port}",
        telegram_webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        **extra,
    )


def base(harness: TelegramHarness) -> str:
    assert harness.app.http is not None
    return f"http://127.0.0.1:{harness.app.http.port}"


async def posted(fake: FakeBotApi, count: int) -> list[tuple[int, int]]:
    """The webhook POSTs once ``count`` have been answered (the answer follows the handling
    that the harness waits for)."""
    for _ in range(200):
        if len(fake.webhook_posts) >= count:
            return fake.webhook_posts
        await asyncio.sleep(0.02)
    raise AssertionError(f"{len(fake.webhook_posts)} webhook posts, expected {count}")


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


async def test_updates_arrive_by_webhook_and_replays_are_dropped(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    harness = await start_webhook_bot(fake, tmp_path / "bot.db")
    try:
        assert fake.webhook_url.endswith("/tg/hook")
        # Telegram's secret token was set, and is not the bot token.
        assert fake.webhook_secret and fake.webhook_secret not in fake.token
        answers = await harness.say(ADMIN, "/help")
        assert answers and answers[0].method == "sendMessage"
        first = (await posted(fake, 1))[-1]
        assert first[1] == 200
        # Telegram sends an update again when it did not get the answer: the bot answers 200
        # and does nothing twice.
        again = await harness.replay(first[0], ADMIN, "/help")
        assert again == []
        assert (await posted(fake, 2))[-1] == (first[0], 200)
        # No long polling beside the webhook.
        assert not fake.calls(method="getUpdates")
    finally:
        await harness.stop()


async def test_webhook_calls_without_the_secret_are_refused(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    harness = await start_webhook_bot(fake, tmp_path / "bot.db")
    try:
        url = fake.webhook_url
        update = make_text_update(ADMIN, "/help")
        update["update_id"] = 4242
        update["message"]["message_id"] = 77
        seq = fake.last_seq
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
                async with session.post(url, data=json.dumps(update), headers=headers) as answer:
                    assert answer.status == 403
            # With the secret the same update is handled: the refusals left no trace.
            assert fake.webhook_secret is not None
            headers = {SECRET_HEADER: fake.webhook_secret, "Content-Type": "application/json"}
            async with session.post(url, data=json.dumps(update), headers=headers) as answer:
                assert answer.status == 200
        sent = [c for c in fake.calls(chat_id=ADMIN) if c.seq > seq and c.method == "sendMessage"]
        assert len(sent) == 1
        transport = harness.app.transports["telegram"]
        assert isinstance(transport, TelegramTransport)
        assert transport.metrics.refused_calls == 2
    finally:
        await harness.stop()


async def test_health_readiness_and_metrics(fake: FakeBotApi, tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    harness = await start_webhook_bot(fake, db)
    try:
        await harness.say(ADMIN, "/help")
        assert await get(base(harness) + "/healthz") == (200, "ok\n")
        status, body = await get(base(harness) + "/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {
            "database": True,
            "outbox": True,
            "transport:telegram": True,
        }
        status, page = await get(base(harness) + "/metrics")
        assert status == 200
        families = {f.name: f for f in text_string_to_metric_families(page)}
        handled = [
            s.value
            for s in families["aidbridge_updates"].samples
            if s.name == "aidbridge_updates_total"
            and s.labels == {"transport": "telegram", "result": "handled"}
        ]
        assert handled and handled[0] >= 1
        counts = [
            s.value
            for s in families["aidbridge_turn_seconds"].samples
            if s.name == "aidbridge_turn_seconds_count"
        ]
        assert counts and counts[0] >= 1
        assert families["aidbridge_outbox_pending"].samples[0].value >= 0
        connected = families["aidbridge_transport_connected"].samples[0]
        assert connected.labels == {"transport": "telegram"} and connected.value == 1
        commits = [
            s.value
            for s in families["aidbridge_group_commit_turns"].samples
            if s.name == "aidbridge_group_commit_turns_count"
        ]
        assert commits and commits[0] >= 1
        # Nothing personal on the page: no token, no message text.
        assert fake.token not in page and "/help" not in page

        # Another process holds the write lock: not ready (the check gives up after its
        # timeout), ready again once the lock is gone.
        # Taken in a thread: the bot may hold the lock this moment and needs the loop to let
        # it go (taken on the loop, with no wait, it failed as locked now and then).
        other = sqlite3.connect(db, timeout=30, check_same_thread=False)
        await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
        try:
            status, body = await get(base(harness) + "/readyz")
            assert status == 503
            assert json.loads(body)["checks"]["database"] is False
        finally:
            other.rollback()
            other.close()
        status, _ = await get(base(harness) + "/readyz")
        assert status == 200
    finally:
        await harness.stop()


async def test_not_ready_while_telegram_cannot_be_reached(fake: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    harness = await TelegramHarness.start(
        fake, tmp_path / "bot.db", http_listen=f"127.0.0.1:{port}"
    )
    try:
        transport = harness.app.transports["telegram"]
        assert isinstance(transport, TelegramTransport)
        for _ in range(100):
            if transport.metrics.connected():
                break
            await asyncio.sleep(0.05)
        status, _ = await get(base(harness) + "/readyz")
        assert status == 200
        # Telegram refuses every poll from now on; the last contact then ages past the window
        # (moved back rather than waited for).
        fake.refuse_token(seconds=None)
        await asyncio.sleep(1.5)
        assert transport.metrics.last_contact is not None
        window = transport.metrics.contact_window
        assert window is not None
        transport.metrics.last_contact -= window + 1
        status, body = await get(base(harness) + "/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["transport:telegram"] is False
        fake.accept_token()
    finally:
        await harness.stop()


def test_webhook_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="AIDBRIDGE_HTTP_LISTEN"):
        load_settings(
            telegram_token="1:x", telegram_webhook_url="https://bot.example.org/tg", _env_file=None
        )
    with pytest.raises(ConfigError, match="https"):
        load_settings(
            telegram_token="1:x",
            telegram_webhook_url="http://bot.example.org/tg",
            http_listen="0.0.0.0:8080",
            _env_file=None,
        )
    with pytest.raises(ConfigError, match="HTTP_LISTEN"):
        load_settings(http_listen="8080", _env_file=None)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(telegram_webhook_secret="has spaces", _env_file=None)


def test_replicas_need_the_webhook_and_no_matrix() -> None:
    with pytest.raises(ConfigError, match="AIDBRIDGE_TELEGRAM_WEBHOOK_URL"):
        load_settings(telegram_token="1:x", replicas=True, _env_file=None)
    with pytest.raises(ConfigError, match="Matrix runs in one process"):
        load_settings(
            telegram_token="1:x",
            telegram_webhook_url="https://bot.example.org/tg",
            http_listen="0.0.0.0:8080",
            matrix_homeserver="https://matrix.example.org",
            matrix_user_id="@bot:example.org",
            matrix_password="x",
            replicas=True,
            _env_file=None,
        )
    settings = load_settings(
        telegram_token="1:x",
        telegram_webhook_url="https://bot.example.org/tg",
        http_listen="0.0.0.0:8080",
        replicas=True,
        _env_file=None,
    )
    assert settings.replicas and settings.lease_seconds == 30.0
