"""Where a view may be shown, on Matrix against a real Synapse: the transport classifies a room
(direct: at most two joined and not the team room) and the engine's one rule does the rest, so
a view typed in a group room or in the configured team room is refused there and answered in
the direct chat."""

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
    join,
    unique_localpart,
    wait_for_invite,
    wait_until_joined,
)

pytestmark = pytest.mark.slow

ADDRESS = "вул. Тестова, 1"  # MatrixBot.add_org's address


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


async def test_views_in_a_group_room_or_the_team_room_point_to_the_direct_chat(
    rooms: Rooms,
) -> None:
    bot, admin = rooms.bot, rooms.admin
    refusal = bot.app.ctx.t("uk", "policy.private_only")
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
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    group = created.room_id
    await join(colleague.client, await wait_for_invite(colleague.client))
    await wait_until_joined(coord.client, group, bot.user_id)

    for text in ("!show R-1001", "!open", "!export csv", "!whoami"):
        answer = bodies(await coord.say(bot, text, room_id=group))
        assert answer.startswith(refusal) and bot.user_id in answer, text
        assert ADDRESS not in answer and coord.user_id not in answer, text
    # The team room is a group even with only the admin and the bot in it.
    answer = bodies(await admin.say(bot, "!members", room_id=rooms.team_room))
    assert answer.startswith(refusal) and nurse.user_id not in answer
    # What a group may see still answers there; the direct chat shows the views.
    assert "08:00" in bodies(await coord.say(bot, "!subscribe daily 08:00", room_id=group))
    assert ADDRESS in bodies(await coord.say(bot, "!show R-1001"))
    assert nurse.user_id in bodies(await admin.say(bot, "!members"))
