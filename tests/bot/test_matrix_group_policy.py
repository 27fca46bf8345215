"""Where a view may be shown, on Matrix against a real Synapse: the transport tells who is in a
room (joined or invited) and the engine's one rule does the rest (handlers/core/room_policy.py):
coordinator and admin views answer in a room only while everyone in it holds the role; anything
else is refused there and answered in the direct chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nio
import pytest
import pytest_asyncio

from tests.bot.matrix_bot_harness import MatrixBot, Person, bodies, join_with_invite
from tests.matrix_harness import (
    Homeserver,
    drain_messages,
    join,
    unique_localpart,
    wait_for_invite,
    wait_until_joined,
)

pytestmark = pytest.mark.slow

ADDRESS = "вул. Тестова, 1"  # MatrixBot.add_org's address
JOINED_HISTORY = {
    "type": "m.room.history_visibility",
    "state_key": "",
    "content": {"history_visibility": "joined"},
}


@dataclass
class Rooms:
    bot: MatrixBot
    admin: Person
    team_room: str


@pytest_asyncio.fixture(loop_scope="session")
async def rooms(homeserver: Homeserver, tmp_path: Path) -> AsyncIterator[Rooms]:
    admin = await Person.register(homeserver, "admin")
    bot_user = await homeserver.register(unique_localpart("aidbridge"))
    created = await admin.client.room_create(
        visibility=nio.RoomVisibility.private, name="Team", invite=[bot_user.user_id]
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    bot = await MatrixBot.start(
        homeserver,
        tmp_path / "bot.db",
        user=bot_user,
        admins=f"matrix:{admin.user_id}",
        matrix_team_room=created.room_id,
    )
    await admin.open_dm(bot)
    try:
        yield Rooms(bot, admin, created.room_id)
    finally:
        await bot.stop()


async def test_views_in_a_room_follow_who_is_in_it(rooms: Rooms) -> None:
    """A room of coordinators sees coordinator views; once a requester is in it (invited is
    enough), they are refused with the reason and the pointer to the direct chat."""
    bot, admin = rooms.bot, rooms.admin
    refusal = bot.app.ctx.t("uk", "rooms.outsiders_coordinator")
    private_only = bot.app.ctx.t("uk", "policy.private_only")
    coord = await join_with_invite(bot, admin, "coordinator", "coord")
    colleague = await join_with_invite(bot, admin, "coordinator", "colleague")
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    await nurse.say(bot, "!need 3 намет")
    typed, _ = await bot.option(nurse.room_id, "w:submit:")
    assert "R-1001" in bodies(await nurse.say(bot, typed))
    # Element's default for a new room: its history open to whoever joins later.
    shared = await coord.client.room_create(
        visibility=nio.RoomVisibility.private,
        name="Shared",
        invite=[bot.user_id, colleague.user_id],
    )
    assert isinstance(shared, nio.RoomCreateResponse), shared
    await join(colleague.client, await wait_for_invite(colleague.client))
    await wait_until_joined(coord.client, shared.room_id, bot.user_id)
    answer = bodies(await coord.say(bot, "!open", room_id=shared.room_id))
    assert answer.startswith(bot.app.ctx.t("uk", "rooms.open_history")) and "R-1001" not in answer
    # History for members since they joined: what is said now stays with those here now.
    created = await coord.client.room_create(
        visibility=nio.RoomVisibility.private,
        name="Team Köln",
        invite=[bot.user_id, colleague.user_id],
        initial_state=[JOINED_HISTORY],
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    group = created.room_id
    await join(colleague.client, await wait_for_invite(colleague.client))
    await wait_until_joined(coord.client, group, bot.user_id)

    # Coordinators only: their views answer in the room.
    assert ADDRESS in bodies(await coord.say(bot, "!show R-1001", room_id=group))
    assert "R-1001" in bodies(await coord.say(bot, "!open", room_id=group))
    # The team room (shared history, as created) with only the admin and the bot in it: nobody
    # else reads it now; the next one invited would read it all, so it shows no view either.
    answer = bodies(await admin.say(bot, "!members", room_id=rooms.team_room))
    assert answer.startswith(bot.app.ctx.t("uk", "rooms.open_history"))
    assert nurse.user_id not in answer

    # A requester invited into the room: nothing of the views reaches it any more.
    invited = await coord.client.room_invite(group, nurse.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    await join(nurse.client, await wait_for_invite(nurse.client))
    for text in ("!show R-1001", "!open", "!export csv", "!whoami"):
        answer = bodies(await coord.say(bot, text, room_id=group))
        assert answer.startswith(refusal) and bot.user_id in answer, text
        assert ADDRESS not in answer and coord.user_id not in answer, text
    # What the bot said in the room before the requester came is not theirs to read.
    seen = bodies(await drain_messages(nurse.client, group, sender=bot.user_id))
    assert seen and "R-1001" not in seen and ADDRESS not in seen, seen
    # A requester's views stay in direct chats, whoever is in the room.
    answer = bodies(await nurse.say(bot, "!my", room_id=group))
    assert answer.startswith(private_only) and "R-1001" not in answer
    # The direct chat shows the views as ever.
    assert ADDRESS in bodies(await coord.say(bot, "!show R-1001"))
    assert nurse.user_id in bodies(await admin.say(bot, "!members"))
