"""Who is in a room decides what is shown there, on Matrix against a real Synapse (issue 12).

A coordinators' group room sees coordinator views and gets its digest; once a stranger is in
it (invited is enough: they could read it on joining), the views are refused with the reason
and the digests stop, the room told why; when the stranger is gone, both come back. A
stranger's group invitation is declined with the reason in the decline, and the direct chats
the bot opens itself are encrypted as Element's are.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import nio
import pytest
import pytest_asyncio

from handlers.core.events import Reply
from storage.timefmt import to_db
from tests.bot.matrix_bot_harness import E2EPerson, MatrixBot, Person, bodies, join_with_invite
from tests.engine_harness import scalar
from tests.matrix_harness import (
    Homeserver,
    join,
    next_messages,
    wait_for_invite,
    wait_until_joined,
)

pytestmark = pytest.mark.slow

JOINED_HISTORY = {
    "type": "m.room.history_visibility",
    "state_key": "",
    "content": {"history_visibility": "joined"},
}


@dataclass
class Team:
    bot: MatrixBot
    admin: Person
    coord: Person
    colleague: Person
    group: str
    ref: str


@pytest_asyncio.fixture(loop_scope="session")
async def team(homeserver: Homeserver, tmp_path: Path) -> AsyncIterator[Team]:
    """Two coordinators and the bot in a group room; a request on file."""
    admin = await Person.register(homeserver, "admin")
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db", admins=f"matrix:{admin.user_id}")
    try:
        await admin.open_dm(bot)
        coord = await join_with_invite(bot, admin, "coordinator", "coord")
        colleague = await join_with_invite(bot, admin, "coordinator", "colleague")
        nurse = await join_with_invite(bot, admin, "requester", "nurse")
        await nurse.say(bot, "!need 3 намет")
        typed, _ = await bot.option(nurse.room_id, "w:submit:")
        assert "R-1001" in bodies(await nurse.say(bot, typed))
        created = await coord.client.room_create(
            visibility=nio.RoomVisibility.private,
            name="Team Köln",
            invite=[bot.user_id, colleague.user_id],
            # History for members since they joined, or no view is shown there at all.
            initial_state=[JOINED_HISTORY],
        )
        assert isinstance(created, nio.RoomCreateResponse), created
        await join(colleague.client, await wait_for_invite(colleague.client))
        await wait_until_joined(coord.client, created.room_id, bot.user_id)
        yield Team(bot, admin, coord, colleague, created.room_id, "R-1001")
    finally:
        await bot.stop()


def text(bot: MatrixBot, key: str) -> str:
    # Everyone here speaks the default language (Matrix tells no language).
    return bot.app.ctx.t("uk", key)


async def digest_due(bot: MatrixBot, sub_id: int) -> None:
    """Make the subscription's 08:00 digest due: its window as if it began two days ago."""
    earlier = to_db(bot.app.ctx.clock() - timedelta(days=2))
    async with bot.app.db.transaction() as conn:
        await conn.execute(
            "UPDATE subscriptions SET created_at = ?, last_window_end = ? WHERE id = ?",
            (earlier, earlier, sub_id),
        )


async def digests_queued(bot: MatrixBot, room: str) -> int:
    return int(
        await scalar(
            bot.app.db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND chat_id = ?",
            room,
        )
    )


async def test_a_stranger_in_the_room_stops_coordinator_views_and_digests_until_gone(
    team: Team, homeserver: Homeserver
) -> None:
    bot, coord, group = team.bot, team.coord, team.group
    # Only coordinators in the room: their views are shown there, and it may be subscribed.
    assert team.ref in bodies(await coord.say(bot, "!open", room_id=group))
    assert "08:00" in bodies(await coord.say(bot, "!subscribe daily 08:00", room_id=group))
    sub_id = await scalar(bot.app.db, "SELECT id FROM subscriptions WHERE chat_id = ?", group)

    # A stranger is invited: the room is held at once and told why.
    stranger = await Person.register(homeserver, "stranger")
    invited = await coord.client.room_invite(group, stranger.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    held = bodies(await coord.told(bot, room_id=group))
    assert held.startswith(text(bot, "rooms.held")[:60]), held
    await join(stranger.client, await wait_for_invite(stranger.client))

    # Views are refused with the reason, and name nothing of the request.
    for command in ("!open", f"!show {team.ref}", "!export csv", "!digest"):
        answer = bodies(await coord.say(bot, command, room_id=group))
        assert answer.startswith(text(bot, "rooms.outsiders_coordinator")), (command, answer)
        assert team.ref not in answer and "Тестова" not in answer, (command, answer)
    refused = bodies(await coord.say(bot, "!subscribe weekly mon 09:00", room_id=group))
    assert refused.startswith(text(bot, "rooms.subscribe_outsiders")), refused

    # The digest's time comes: nothing is built or sent there.
    await digest_due(bot, sub_id)
    assert await bot.app.scheduler.fire(sub_id) is False
    assert await digests_queued(bot, group) == 0
    assert await scalar(bot.app.db, "SELECT COUNT(*) FROM digest_runs") == 0

    # The stranger leaves: the room is released, told so, and the digest goes there.
    left = await stranger.client.room_leave(group)
    assert isinstance(left, nio.RoomLeaveResponse), left
    released = bodies(await coord.told(bot, room_id=group))
    assert released.startswith(text(bot, "rooms.released")[:40]), released
    assert await bot.app.scheduler.fire(sub_id) is True
    digest = bodies(await coord.told(bot, room_id=group))
    # Its window ends at the last 08:00 passed; what it says is the digest's own business.
    assert text(bot, "digest.title") in digest, digest
    assert await digests_queued(bot, group) >= 1
    assert team.ref in bodies(await coord.say(bot, "!open", room_id=group))


async def test_a_stranger_invited_into_a_direct_chat_makes_it_a_room(
    team: Team, homeserver: Homeserver
) -> None:
    """A direct chat is private only while nobody else is in it: invited counts."""
    bot, admin = team.bot, team.admin
    assert team.ref in bodies(await admin.say(bot, "!open"))
    stranger = await Person.register(homeserver, "peeker")
    invited = await admin.client.room_invite(admin.room_id, stranger.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    # The invite is in the room's state before the next command is read.
    answer = bodies(await admin.say(bot, "!open"))
    assert answer.startswith(text(bot, "rooms.outsiders_coordinator")), answer
    assert team.ref not in answer
    answer = bodies(await admin.say(bot, "!members"))
    assert answer.startswith(text(bot, "rooms.outsiders_admin")), answer
    assert team.coord.user_id not in answer


async def test_a_strangers_group_invite_is_declined_with_the_reason(
    team: Team, homeserver: Homeserver
) -> None:
    bot = team.bot
    stranger = await Person.register(homeserver, "inviter")
    created = await stranger.client.room_create(
        visibility=nio.RoomVisibility.private, name="Hello", invite=[bot.user_id]
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    deadline = time.monotonic() + 15
    while True:
        state = await stranger.client.room_get_state_event(
            created.room_id, "m.room.member", bot.user_id
        )
        assert isinstance(state, nio.RoomGetStateEventResponse), state
        if state.content.get("membership") == "leave":
            break
        assert time.monotonic() < deadline, state.content
        await asyncio.sleep(0.05)
    assert state.content.get("reason") == bot.app.engine.invite_decline_reason()
    for lang in ("uk", "de", "en"):
        assert bot.app.ctx.t(lang, "rooms.invite_declined") in state.content["reason"]


async def test_a_direct_chat_the_bot_opens_is_encrypted(
    team: Team, homeserver: Homeserver, tmp_path: Path
) -> None:
    """Reaching someone with no direct chat yet (a member who joined in a group room), the
    bot creates one encrypted from the start, as Element does, and its message is readable."""
    bot = team.bot
    person = await E2EPerson.register_e2e(homeserver, "newdm", tmp_path)
    await bot.transport.deliver(person.user_id, Reply(text="Привіт 🔐"))
    room = await wait_for_invite(person.client)
    await join(person.client, room)
    person.room_id = room
    got = await next_messages(person.client, room, sender=bot.user_id)
    assert bodies(got) == "Привіт 🔐"
    state = await person.client.room_get_state_event(room, "m.room.encryption", "")
    assert isinstance(state, nio.RoomGetStateEventResponse), state
    assert state.content.get("algorithm") == "m.megolm.v1.aes-sha2"
    sent = [e for e in await homeserver.raw_events(person.user, room) if e["sender"] == bot.user_id]
    assert {e["type"] for e in sent if "state_key" not in e} == {"m.room.encrypted"}
