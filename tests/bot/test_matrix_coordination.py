"""Coordinators on Matrix against a real Synapse: the request lifecycle with the requester
told of every change, and digests in a direct chat, in a group room and in the configured
team room."""

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

from handlers.coordination.digest_jobs import run_digest
from storage import outbox
from tests.bot.matrix_bot_harness import (
    E2EPerson,
    MatrixBot,
    Person,
    bodies,
    invite_code,
    join_with_invite,
)
from tests.engine_harness import scalar
from tests.matrix_harness import (
    Homeserver,
    join,
    unique_localpart,
    wait_for_invite,
    wait_until_joined,
)

pytestmark = pytest.mark.slow


@dataclass
class Team:
    bot: MatrixBot
    admin: Person
    team_room: str  # configured as AIDBRIDGE_MATRIX_TEAM_ROOM


@pytest_asyncio.fixture(loop_scope="session")
async def team(homeserver: Homeserver, tmp_path: Path) -> AsyncIterator[Team]:
    admin = await Person.register(homeserver, "admin")
    bot_user = await homeserver.register(unique_localpart("aidbridge"))
    # The team room exists before the bot starts; the bot joins it on start-up.
    created = await admin.client.room_create(
        visibility=nio.RoomVisibility.private, name="NRW Koordination", invite=[bot_user.user_id]
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
        yield Team(bot, admin, created.room_id)
    finally:
        await bot.stop()


async def submit(bot: MatrixBot, nurse: Person, line: str) -> None:
    await nurse.say(bot, line)
    typed, _ = await bot.option(nurse.room_id, "w:submit:")
    assert "R-" in bodies(await nurse.say(bot, typed))


async def collect_until(
    person: Person, bot: MatrixBot, phrase: str, room_id: str | None = None, timeout: float = 15
) -> str:
    """Everything the bot sends the person until ``phrase`` appears."""
    told: list[str] = []
    deadline = time.monotonic() + timeout
    while not any(phrase in t for t in told):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{phrase!r} never arrived; got {told}")
        told.extend(bodies([c]) for c in await person.told(bot, room_id=room_id, timeout=remaining))
    return "\n".join(told)


async def test_lifecycle_commands_with_the_requester_notified(team: Team) -> None:
    bot, admin = team.bot, team.admin
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    await submit(bot, nurse, "!need 2 генератор; 200 уп бинти !high")
    coord = await join_with_invite(bot, admin, "coordinator", "coord")
    assert "Deutsch" in bodies(await coord.say(bot, "!lang de"))
    steps = [
        ("!transit R-1001", "nicht möglich"),  # refused: nothing acknowledged or pledged yet
        ("!ack R-1001", "Bearbeitung"),
        ("!pledge R-1001 1 2; 2 300", "mehr"),  # more bandages than requested: refused
        ("!pledge R-1001 1 2; 2 200; Lager Köln", "Zusage"),
        ("/transit R-1001 LKW <Düsseldorf> & Co", "unterwegs"),
        ("!note R-1001 Ankunft Freitag", "Anmerkung"),
        ("!delivered R-1001 1 2", "teilweise"),
        ("!delivered R-1001", "vollständig"),
        ("!decline R-1001 zu spät", "nicht möglich"),
    ]
    for command, expected in steps:
        answer = bodies(await coord.say(bot, command))
        assert expected in answer, (command, answer)
    # The answer comes with whatever notifications reached the nurse's chat meanwhile.
    told = bodies(await nurse.say(bot, "!received R-1001"))
    assert "R-1001" in told
    # The hospital heard of every change in Ukrainian, delivered by the outbox worker in order,
    # so once the last one is there all are.
    if "Підтвердіть отримання" not in told:
        told += await collect_until(nurse, bot, "Підтвердіть отримання")
    for phrase in [
        "прийняли до роботи",
        "обіцянка",
        "в дорозі",
        "<Düsseldorf> & Co",
        "Ankunft Freitag",
        "доставлено частину",
        "усе доставлено",
    ]:
        assert phrase in told, phrase
    # The coordinator's own notices share the account's pace with every answer: the last may
    # still be on its way when the nurse's last one arrived.
    deadline = time.monotonic() + 10
    while await scalar(bot.app.db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") != 0:
        assert time.monotonic() < deadline, "outbox not drained"
        await asyncio.sleep(0.05)


async def test_digests_in_a_direct_chat_a_group_room_and_the_team_room(team: Team) -> None:
    bot, admin = team.bot, team.admin
    coord = await join_with_invite(bot, admin, "coordinator", "coord")
    colleague = await join_with_invite(bot, admin, "coordinator", "colleague")

    # A group room a coordinator makes for the team, with the bot invited by a member.
    created = await coord.client.room_create(
        visibility=nio.RoomVisibility.private,
        name="Team Köln",
        invite=[bot.user_id, colleague.user_id],
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    group = created.room_id
    await join(colleague.client, await wait_for_invite(colleague.client))
    await wait_until_joined(coord.client, group, bot.user_id)
    # In a group, plain chat is not for the bot: only commands are answered.
    assert await coord.say(bot, "Guten Morgen zusammen", room_id=group) == []

    assert "08:00" in bodies(await coord.say(bot, "!subscribe daily 08:00"))
    assert "09:00" in bodies(await coord.say(bot, "!subscribe daily 09:00", room_id=group))
    # The configured team room counts as a group even with only the admin and the bot in it:
    # a command there answers there and leaves the admin's own chat as it was.
    assert bodies(await admin.say(bot, "!help", room_id=team.team_room))
    assert (
        await scalar(bot.app.db, "SELECT chat_id FROM members WHERE user_id = ?", admin.user_id)
        == admin.room_id
    )
    invited = await admin.client.room_invite(team.team_room, coord.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    await join(coord.client, await wait_for_invite(coord.client))
    assert "10:00" in bodies(await coord.say(bot, "!subscribe daily 10:00", room_id=team.team_room))
    targets = {
        row[0] for row in await _rows(bot, "SELECT chat_id FROM subscriptions WHERE kind = 'daily'")
    }
    assert targets == {coord.room_id, group, team.team_room}
    # Typing in a group never moves the coordinator's own notifications there.
    assert (
        await scalar(bot.app.db, "SELECT chat_id FROM members WHERE user_id = ?", coord.user_id)
        == coord.room_id
    )

    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    await submit(bot, nurse, "!need 3 намет !normal")
    window_end = bot.app.ctx.clock() + timedelta(seconds=1)
    for (sub_id,) in await _rows(bot, "SELECT id FROM subscriptions WHERE kind = 'daily'"):
        assert await run_digest(bot.app.ctx, int(str(sub_id)), window_end)
    bot.app.worker.wake()
    for room in (coord.room_id, group, team.team_room):
        assert "R-1001" in await collect_until(coord, bot, "R-1001", room_id=room)
    # The colleague reads the group's digest too.
    assert "R-1001" in await collect_until(colleague, bot, "R-1001", room_id=group)


async def _rows(bot: MatrixBot, sql: str) -> list[tuple[object, ...]]:
    async with bot.app.db.read() as conn:
        return [tuple(r) for r in await conn.execute_fetchall(sql)]


async def test_member_who_joined_in_a_group_is_reached_in_a_new_direct_chat(
    team: Team, tmp_path: Path
) -> None:
    bot, admin = team.bot, team.admin
    org_id = await bot.add_org()
    code = invite_code(await admin.say(bot, f"!invite {org_id} coordinator"))
    # On an encrypting client, as on Element: the direct chat the bot opens is encrypted.
    coord = await E2EPerson.register_e2e(bot.hs, "coord", tmp_path)
    invited = await admin.client.room_invite(team.team_room, coord.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    await join(coord.client, await wait_for_invite(coord.client))
    assert "✅" in bodies(await coord.say(bot, f"!start {code}", room_id=team.team_room))
    # Joined from a group: no direct chat is known yet, so the member's chat is their user id.
    member_id = await scalar(bot.app.db, "SELECT id FROM members WHERE user_id = ?", coord.user_id)
    assert (
        await scalar(bot.app.db, "SELECT chat_id FROM members WHERE id = ?", member_id)
        == coord.user_id
    )
    async with bot.app.db.transaction() as conn:
        await outbox.add_outbox(
            conn,
            transport="matrix",
            chat_id=coord.user_id,
            text="Neue <b>kritische</b> Anfrage",
            now=bot.app.ctx.clock(),
            member_id=int(str(member_id)),
        )
    bot.app.worker.wake()
    # The bot opens a direct chat with them and says it there; replies there are private.
    dm = await wait_for_invite(coord.client)
    await join(coord.client, dm)
    [told] = await coord.told(bot, room_id=dm)
    assert told["body"] == "Neue kritische Anfrage"
    assert coord.user_id in bodies(await coord.say(bot, "!whoami", room_id=dm))
    assert await scalar(bot.app.db, "SELECT chat_id FROM members WHERE id = ?", member_id) == dm
