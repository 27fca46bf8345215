"""The Matrix sync loop survives what it cannot handle (issue 10), against a real Synapse:
an event the transport fails on is skipped and logged by id and type, a failed sync starts
again after a backoff, and a refused access token is retried, recovered from by logging in
again with the password, or ends the app past the limit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nio
import pytest
import pytest_asyncio

import bot.transports.matrix as matrix_module
from bot.transports import matrix_html
from bot.transports.base import TokenRefused
from tests.bot.matrix_bot_harness import MatrixBot, Person, bodies
from tests.matrix_harness import Homeserver, send_text, unique_localpart

pytestmark = pytest.mark.slow

SECRET_TEXT = "Код від воріт 4711"


async def started(hs: Homeserver, tmp_path: Path, **extra: Any) -> tuple[MatrixBot, Person]:
    admin = await Person.register(hs, "admin")
    bot = await MatrixBot.start(hs, tmp_path / "bot.db", admins=f"matrix:{admin.user_id}", **extra)
    await admin.open_dm(bot)
    return bot, admin


@pytest_asyncio.fixture(loop_scope="session")
async def setup(homeserver: Homeserver, tmp_path: Path) -> AsyncIterator[tuple[MatrixBot, Person]]:
    bot, admin = await started(homeserver, tmp_path)
    try:
        yield bot, admin
    finally:
        await bot.stop()


async def log_out(hs: Homeserver, user_id: str, device_id: str, token: str) -> None:
    """End the bot's session from elsewhere: its access token is refused from now on."""
    client = nio.AsyncClient(hs.url, user_id, device_id=device_id)
    client.restore_login(user_id, device_id, token)
    try:
        assert isinstance(await client.logout(), nio.LogoutResponse)
    finally:
        await client.close()


async def test_an_event_the_transport_fails_on_is_skipped_and_logged_without_its_text(
    setup: tuple[MatrixBot, Person],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot, admin = setup
    real = matrix_html.incoming_text

    def failing(content: dict[str, Any]) -> str | None:
        text = real(content)
        if text == SECRET_TEXT:
            raise ValueError(f"cannot read {text!r}")
        return text

    monkeypatch.setattr(matrix_module, "incoming_text", failing)
    event_id = await send_text(admin.client, admin.room_id, SECRET_TEXT)
    await bot.wait_handled(event_id)
    # The room goes on: the next message is answered, and the skipped one stays skipped.
    assert admin.user_id in bodies(await admin.say(bot, "!whoami"))
    assert bot.transport.metrics.skipped_updates == 1
    assert bot.transport.metrics.loop_restarts == 0
    [record] = [r for r in caplog.records if "not handled" in r.getMessage()]
    assert event_id in record.getMessage() and "(m.room.message)" in record.getMessage()
    assert "ValueError" in record.getMessage()
    assert SECRET_TEXT not in caplog.text


async def test_a_failing_sync_starts_again_after_a_backoff(
    setup: tuple[MatrixBot, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, admin = setup
    client = bot.transport.client
    real_sync = client.sync
    failures = [RuntimeError("a bug in the sync path")]

    async def sync_failing_once(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await real_sync(*args, **kwargs)

    monkeypatch.setattr(client, "sync", sync_failing_once)
    # Ends the sync parked now; the next one fails and the loop starts again.
    assert admin.user_id in bodies(await admin.say(bot, "!whoami"))
    assert admin.user_id in bodies(await admin.say(bot, "!whoami"))
    assert not failures
    assert bot.transport.metrics.loop_restarts == 1


async def test_a_password_login_recovers_from_a_refused_token(
    homeserver: Homeserver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = await homeserver.register(unique_localpart("aidbridge"))
    bot, admin = await started(
        homeserver,
        tmp_path,
        user=user,
        matrix_access_token=None,
        matrix_password=user.password,
        token_retry_seconds=0.2,
    )
    try:
        client = bot.transport.client
        await log_out(homeserver, user.user_id, client.device_id, client.access_token)
        # The parked sync ends with this message (or with the refusal); the next is refused,
        # the bot logs in again and reads on.
        await send_text(admin.client, admin.room_id, "!help")
        assert admin.user_id in bodies(await admin.say(bot, "!whoami"))
        assert bot.transport.metrics.token_refusals >= 1
        assert bot.app.fatal is None
    finally:
        await bot.stop()
    assert any(
        r.levelno == logging.ERROR and "refuses the bot's access token" in r.getMessage()
        for r in caplog.records
    )
    assert user.password not in caplog.text


async def test_an_access_token_refused_past_the_limit_ends_the_app(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot, admin = await started(
        homeserver, tmp_path, token_retry_seconds=0.1, token_refused_exit_seconds=0.5
    )
    try:
        await log_out(homeserver, bot.user.user_id, bot.user.device_id, bot.user.access_token)
        await send_text(admin.client, admin.room_id, "!help")
        await asyncio.wait_for(bot.app.failed.wait(), 15)
        assert isinstance(bot.app.fatal, TokenRefused)
        assert "AIDBRIDGE_MATRIX_ACCESS_TOKEN" in str(bot.app.fatal)
        assert bot.transport.metrics.token_refusals >= 2
    finally:
        await bot.stop()
