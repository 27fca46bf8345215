"""Matrix delivery guarantees on a real Synapse: a restart neither replays nor misses events,
a replayed sync changes nothing, and M_LIMIT_EXCEEDED's retry_after_ms is honoured."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.app import build_app
from bot.config import Settings
from bot.transports.base import StartupError
from bot.transports.matrix import SYNC_KEY
from handlers.core.events import Reply
from storage import outbox, transport_state
from storage.db import open_db
from tests.bot.matrix_bot_harness import (
    MatrixBot,
    Person,
    bodies,
    join_with_invite,
    matrix_settings,
)
from tests.engine_harness import scalar
from tests.matrix_harness import (
    Homeserver,
    admin_post,
    drain_messages,
    next_messages,
    send_text,
    unique_localpart,
)

pytestmark = pytest.mark.slow


async def _token_in(db_path: Path) -> str | None:
    db = await open_db(db_path)
    try:
        async with db.read() as conn:
            return await transport_state.get_state(conn, SYNC_KEY)
    finally:
        await db.close()


async def test_restart_neither_replays_nor_misses(homeserver: Homeserver, tmp_path: Path) -> None:
    db_path = tmp_path / "bot.db"
    admin = await Person.register(homeserver, "admin")
    bot = await MatrixBot.start(homeserver, db_path, admins=f"matrix:{admin.user_id}")
    await admin.open_dm(bot)
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    assert "R-" not in bodies(await nurse.say(bot, "!my"))
    user = bot.user
    await bot.stop()
    before_downtime = await _token_in(db_path)
    assert before_downtime

    # Sent while the bot is down: more than one sync answer holds (the limit is lowered to 2
    # below), so the restarted bot must page the gap in.
    typed = ["!help", "!whoami", "!my", "!lang", "!help"]
    event_ids = [await send_text(nurse.client, nurse.room_id, text) for text in typed]

    bot = await MatrixBot.start(
        homeserver, db_path, user=user, admins=f"matrix:{admin.user_id}", timeline_limit=2
    )
    try:
        for event_id in event_ids:
            await bot.wait_handled(event_id)
        answers = await drain_messages(nurse.client, nurse.room_id, sender=bot.user_id)
        # One answer per message, in the order typed; nothing from before the stop again.
        assert len(answers) == len(typed), bodies(answers)
        assert nurse.user_id in answers[1]["body"]  # !whoami
        assert "!new" in answers[0]["body"] and "!new" in answers[4]["body"]
        assert await scalar(
            bot.app.db,
            "SELECT COUNT(*) FROM processed_updates WHERE transport = 'matrix' AND update_id IN"
            " (?, ?, ?, ?, ?)",
            *event_ids,
        ) == len(event_ids)
    finally:
        await bot.stop()

    # A crash after handling but before the new token was stored: the old token comes back,
    # the same events are synced again, and the engine recognises every one of them.
    db = await open_db(db_path)
    try:
        async with db.transaction() as conn:
            await transport_state.set_state(conn, SYNC_KEY, before_downtime, datetime.now(UTC))
    finally:
        await db.close()
    bot = await MatrixBot.start(homeserver, db_path, user=user, admins=f"matrix:{admin.user_id}")
    try:
        for event_id in event_ids:
            await bot.wait_handled(event_id)
        assert await drain_messages(nurse.client, nurse.room_id, sender=bot.user_id) == []
        # And the bot still listens.
        assert nurse.user_id in bodies(await nurse.say(bot, "!whoami"))
    finally:
        await bot.stop()


async def test_rate_limit_retry_after_is_honoured(homeserver: Homeserver, tmp_path: Path) -> None:
    operator = await homeserver.register(unique_localpart("operator"), admin=True)
    bot_user = await homeserver.register(unique_localpart("aidbridge"))
    # Synapse's per-user override: 2 messages a second after a burst of one.
    await admin_post(
        homeserver,
        operator,
        f"/_synapse/admin/v1/users/{quote(bot_user.user_id)}/override_ratelimit",
        {"messages_per_second": 2, "burst_count": 1},
    )
    person = await Person.register(homeserver, "reader")
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db", user=bot_user)
    try:
        await person.open_dm(bot)
        # Straight at the transport: the second send within the burst is refused with a wait,
        # which the transport waits out and then sends.
        await asyncio.sleep(1.0)  # the bot's join took the burst
        began = time.monotonic()
        await bot.transport.deliver(person.room_id, Reply(text="eins"))
        await bot.transport.deliver(person.room_id, Reply(text="zwei"))
        assert bot.transport.metrics.rate_limited >= 1
        assert time.monotonic() - began >= 0.3

        # Through the outbox: every row arrives, in order, the refusals waited out, none failed.
        async with bot.app.db.transaction() as conn:
            for n in range(6):
                await outbox.add_outbox(
                    conn,
                    transport="matrix",
                    chat_id=person.room_id,
                    text=f"Nachricht {n}",
                    now=bot.app.ctx.clock(),
                )
        began = time.monotonic()
        bot.app.worker.wake()
        got = await next_messages(
            person.client, person.room_id, sender=bot.user_id, count=8, timeout=20
        )
        assert [c["body"] for c in got] == ["eins", "zwei"] + [f"Nachricht {n}" for n in range(6)]
        assert time.monotonic() - began >= 2.0  # six messages at two a second
        assert await scalar(bot.app.db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0
        assert (
            await scalar(bot.app.db, "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL") == 0
        )
    finally:
        await bot.stop()


async def test_login_with_password_and_a_refused_token(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    user = await homeserver.register(unique_localpart("aidbridge"))
    wrong = Settings(
        **matrix_settings(homeserver, user, tmp_path / "a.db", matrix_access_token="syt_wrong")
    )
    app = await build_app(wrong)
    try:
        with pytest.raises(StartupError, match="AIDBRIDGE_MATRIX_ACCESS_TOKEN"):
            await app.start()
    finally:
        await app.stop()

    # A password instead of a token: the bot logs in and keeps one device across restarts.
    devices: list[object] = []
    for _ in range(2):
        bot = await MatrixBot.start(
            homeserver,
            tmp_path / "b.db",
            user=user,
            matrix_access_token=None,
            matrix_device_id=None,
            matrix_password=user.password,
        )
        person = await Person.register(homeserver, "p")
        await person.open_dm(bot)
        assert "Доступ лише за запрошенням" in bodies(await person.say(bot, "hi"))
        device = await scalar(
            bot.app.db, "SELECT value FROM transport_state WHERE name = 'matrix.device_id'"
        )
        assert device and bot.transport.client.device_id == device
        devices.append(device)
        await bot.stop()
    assert devices[0] == devices[1]
