"""Rate limits honoured everywhere (issue 12), on real Synapses.

The burst runs on a Synapse of its own with Synapse's DEFAULT limits (0.2 messages/s after a
burst of 10, joins 0.1/s after 10): 15 hospitals open direct chats and file within seconds;
every join happens, every preview and confirmation arrives, nothing twice. The restart case
runs on the session's relaxed Synapse with a per-account override that makes the bot's joins
scarce.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
import pytest_asyncio

from tests.bot.matrix_bot_harness import MatrixBot, Person, bodies
from tests.bot.matrix_burst import run_burst
from tests.matrix_fixtures import synapse_python_or_fail
from tests.matrix_harness import (
    Homeserver,
    admin_post,
    create_dm,
    drain_messages,
    joined_user_ids,
    next_messages,
    send_text,
    unique_localpart,
)

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def default_limits_homeserver() -> AsyncIterator[Homeserver]:
    async with Homeserver(python=synapse_python_or_fail(), default_rate_limits=True) as hs:
        yield hs


async def test_fifteen_hospitals_at_once_under_default_limits(
    default_limits_homeserver: Homeserver, tmp_path: Path
) -> None:
    result = await run_burst(default_limits_homeserver, tmp_path / "bot.db", hospitals=15)
    assert result.joined == 15
    for said in result.said:
        # The preview, then the confirmation; nothing else, nothing twice.
        assert len(said) == 2, said
        assert "Надіслати" in said[0], said
        assert "R-" in said[1], said
    assert result.requests == 15
    assert result.outbox_pending == 0 and result.outbox_failed == 0
    # The limits were met (and waited out), not avoided: 30 answers and 15 joins are more
    # than Synapse's bursts of 10.
    assert result.rate_limited > 0
    print(
        f"15 hospitals: last confirmation after {result.seconds_to_last_confirmation:.1f} s,"
        f" {result.rate_limited} answers M_LIMIT_EXCEEDED"
    )


async def test_pending_invites_are_joined_after_a_restart(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    operator = await homeserver.register(unique_localpart("operator"), admin=True)
    bot_user = await homeserver.register(unique_localpart("aidbridge"))
    # The bot may do one thing a second after a burst of one (Synapse applies a user's
    # override to joins as to messages): the second and third joins are refused with a wait.
    await admin_post(
        homeserver,
        operator,
        f"/_synapse/admin/v1/users/{quote(bot_user.user_id)}/override_ratelimit",
        {"messages_per_second": 1, "burst_count": 1},
    )
    db_path = tmp_path / "bot.db"
    # Three invites waiting before the bot's first start: one join goes, the next must wait.
    people = [await Person.register(homeserver, f"p{n}") for n in range(3)]
    for person in people:
        person.room_id = await create_dm(person.client, bot_user.user_id)
        await send_text(person.client, person.room_id, "!start")
    bot = await MatrixBot.start(homeserver, db_path, user=bot_user)
    try:
        # Stopped while a join waits out its limit.
        deadline = time.monotonic() + 10
        while not (bot.transport.metrics.rate_limited and bot.transport.pending_joins):
            assert time.monotonic() < deadline, "no join was rate-limited"
            await asyncio.sleep(0.02)
    finally:
        await bot.stop()

    bot = await MatrixBot.start(homeserver, db_path, user=bot_user)
    try:
        for person in people:
            # Each hears the answer to what it said before the bot joined.
            told = await next_messages(
                person.client, person.room_id, sender=bot.user_id, timeout=30
            )
            assert "!start" in bodies(told), bodies(told)
            assert bot.user_id in await joined_user_ids(person.client, person.room_id)
        for person in people:
            assert await drain_messages(person.client, person.room_id, sender=bot.user_id) == []
    finally:
        await bot.stop()
