"""Who is in a room decides what is shown there (handlers/core/room_policy.py), through the
engine, with a transport source that says who is in each chat (as Matrix's does). The same
rules run on the real Synapse in tests/bot/test_matrix_room_policy.py; here every case is
exact and quick."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from handlers.core.events import ChatRef, Incoming
from handlers.core.room_people import RoomFacts
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload

COORD = Identity(transport="telegram", user_id="201")
COLLEAGUE = Identity(transport="telegram", user_id="202")
NURSE = Identity(transport="telegram", user_id="101")
STRANGER = Identity(transport="telegram", user_id="666")
GROUP = "-100"
_ids = itertools.count(1)


class Rooms:
    """A transport's answer to "who is in this chat?", set per test."""

    def __init__(self) -> None:
        self.facts: dict[str, RoomFacts] = {}

    async def __call__(self, chat_id: str) -> RoomFacts | None:
        return self.facts.get(chat_id)

    def set(self, chat_id: str, *people: Identity, open_history: bool = False) -> None:
        self.facts[chat_id] = RoomFacts(people=frozenset(people), open_history=open_history)


@pytest.fixture
async def rooms(harness: EngineHarness) -> Rooms:
    source = Rooms()
    harness.engine.ctx.rooms.register("telegram", source)
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await harness.join(COORD, org.id, Role.COORDINATOR)
    await harness.join(COLLEAGUE, org.id, Role.COORDINATOR)
    await harness.send(ADMIN, "/help")  # the bootstrap admin exists from here
    replies = await harness.send(NURSE, "/need 2 генератор")
    harness.clock.advance(seconds=1)
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    return source


async def say(h: EngineHarness, who: Identity, text: str, chat: str = GROUP) -> str:
    h.clock.advance(seconds=5)
    replies = await h.engine.handle(
        Incoming(
            chat=ChatRef(transport="telegram", chat_id=chat),
            sender=who,
            update_id=f"room-{next(_ids)}",
            text=text,
            language_code="en",
            private=chat == who.user_id,
        )
    )
    return "\n".join(r.text for r in replies)


def refusal(h: EngineHarness, key: str) -> Callable[[str], bool]:
    text = h.engine.ctx.t("uk", key)  # everyone here joined speaking Ukrainian
    return lambda answer: answer.startswith(text)


async def test_a_room_of_coordinators_with_closed_history_sees_coordinator_views(
    harness: EngineHarness, rooms: Rooms
) -> None:
    h = harness
    rooms.set(GROUP, COORD, COLLEAGUE)
    assert "R-1001" in await say(h, COORD, "/open")
    assert "R-1001" in await say(h, COORD, "/show R-1001")


@pytest.mark.parametrize(
    ("present", "open_history", "key"),
    [
        ((COLLEAGUE, STRANGER), False, "rooms.outsiders_coordinator"),  # someone unknown
        ((COLLEAGUE, NURSE), False, "rooms.outsiders_coordinator"),  # a member, not a coordinator
        ((COLLEAGUE,), True, "rooms.open_history"),  # whoever joins later reads it
    ],
)
async def test_coordinator_views_are_refused_with_the_reason(
    harness: EngineHarness,
    rooms: Rooms,
    present: tuple[Identity, ...],
    open_history: bool,
    key: str,
) -> None:
    h = harness
    rooms.set(GROUP, COORD, *present, open_history=open_history)
    for command in ("/open", "/show R-1001", "/export csv", "/digest"):
        answer = await say(h, COORD, command)
        assert refusal(h, key)(answer), (command, answer)
        assert "R-1001" not in answer and "Тестова" not in answer, (command, answer)


async def test_other_views_and_unknown_rooms_stay_private(
    harness: EngineHarness, rooms: Rooms
) -> None:
    h = harness
    private_only = refusal(h, "policy.private_only")
    # A requester's view in a room of members only: still a direct chat's business.
    rooms.set(GROUP, NURSE, COORD)
    assert private_only(await say(h, NURSE, "/my"))
    # A group the transport cannot see into (a Telegram group): refused as before.
    assert private_only(await say(h, COORD, "/open", chat="-555"))
    # An admin's view needs admins only: a coordinator in the room is one too many.
    rooms.set(GROUP, ADMIN, COORD)
    answer = await say(h, ADMIN, "/members")
    assert refusal(h, "rooms.outsiders_admin")(answer) and "Test Person" not in answer
    rooms.set(GROUP, ADMIN)
    assert "Test Person" in await say(h, ADMIN, "/members")


async def test_a_direct_chat_with_someone_invited_is_a_room(
    harness: EngineHarness, rooms: Rooms
) -> None:
    h = harness
    assert "R-1001" in await say(h, COORD, "/open", chat=COORD.user_id)
    rooms.set(COORD.user_id, COORD, STRANGER)
    answer = await say(h, COORD, "/open", chat=COORD.user_id)
    assert refusal(h, "rooms.outsiders_coordinator")(answer) and "R-1001" not in answer
    rooms.set(NURSE.user_id, NURSE, STRANGER)
    answer = await say(h, NURSE, "/my", chat=NURSE.user_id)
    assert refusal(h, "rooms.others_present")(answer) and "R-1001" not in answer


async def rows_for(h: EngineHarness, chat: str) -> list[tuple[str, str, bool]]:
    """(kind, text, withheld) of the outbox rows for ``chat``, oldest first."""
    return [
        (str(kind), str(text), failed is not None)
        for kind, text, failed in await h.rows(
            "SELECT kind, text, failed_at FROM outbox WHERE chat_id = ? ORDER BY id", chat
        )
    ]


async def file_critical(h: EngineHarness) -> None:
    replies = await h.send(NURSE, "/need 1 намет !critical")
    h.clock.advance(seconds=1)
    if not any(c.payload.startswith("w:submit:") for c in replies[0].flat_choices()):
        # The same item is open in an earlier request: file it all the same.
        replies = await h.press(NURSE, "w:q:anyway")
        h.clock.advance(seconds=1)
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))


async def test_a_subscribed_room_is_held_while_someone_else_is_in_it(
    harness: EngineHarness, rooms: Rooms
) -> None:
    h = harness
    t = h.engine.ctx.t
    rooms.set(GROUP, COORD, COLLEAGUE)
    assert "08:00" in await say(h, COORD, "/subscribe daily 08:00")
    await say(h, COORD, "/subscribe critical")
    await file_critical(h)  # R-1002: an alert queued for the room, not sent yet
    assert [kind for kind, _, _ in await rows_for(h, GROUP)] == ["alert"]

    # A stranger is invited: held, told why in the room's language, the alert withheld.
    rooms.set(GROUP, COORD, COLLEAGUE, STRANGER)
    await h.engine.room_changed(ChatRef(transport="telegram", chat_id=GROUP))
    assert await rows_for(h, GROUP) == [
        ("alert", (await rows_for(h, GROUP))[0][1], True),
        ("notice", t("uk", "rooms.held"), False),
    ]
    # Told once, however often people come and go while it is held.
    await h.engine.room_changed(ChatRef(transport="telegram", chat_id=GROUP))
    assert len(await rows_for(h, GROUP)) == 2
    # Nothing new is queued for it meanwhile, and it cannot be subscribed again.
    await file_critical(h)  # R-1003
    assert len(await rows_for(h, GROUP)) == 2
    assert refusal(h, "rooms.subscribe_outsiders")(
        await say(h, COORD, "/subscribe weekly mon 09:00")
    )
    audit = await h.rows("SELECT action FROM audit WHERE action LIKE 'room.%' ORDER BY id")
    assert audit == [("room.hold",)]
    listed = await say(h, COORD, "/subscriptions", chat=COORD.user_id)
    assert listed.count(h.engine.ctx.t("uk", "rooms.sub_paused")) == 2, listed

    # The stranger is gone: released, told so, and alerts come again.
    rooms.set(GROUP, COORD, COLLEAGUE)
    await h.engine.room_changed(ChatRef(transport="telegram", chat_id=GROUP))
    assert (await rows_for(h, GROUP))[-1] == ("notice", t("uk", "rooms.released"), False)
    await file_critical(h)  # R-1004
    kind, text, withheld = (await rows_for(h, GROUP))[-1]
    assert kind == "alert" and "R-1004" in text and not withheld
    assert not await h.rows("SELECT 1 FROM room_holds")


async def test_a_room_nobody_subscribed_is_never_held(harness: EngineHarness, rooms: Rooms) -> None:
    h = harness
    rooms.set(GROUP, COORD, STRANGER)
    await h.engine.room_changed(ChatRef(transport="telegram", chat_id=GROUP))
    assert not await h.rows("SELECT 1 FROM room_holds")
    assert await rows_for(h, GROUP) == []


async def test_a_role_lost_or_regained_holds_or_releases_the_room(
    harness: EngineHarness, rooms: Rooms
) -> None:
    """No one came or went, but a colleague in the room was revoked: the room is held all
    the same; restored, it is released."""
    h = harness
    rooms.set(GROUP, COORD, COLLEAGUE)
    assert "08:00" in await say(h, COORD, "/subscribe daily 08:00")
    asked = await h.send(ADMIN, "/revoke telegram:202")
    await h.press(ADMIN, find_payload(asked[0], "rv:"))
    assert await h.rows("SELECT chat_id FROM room_holds") == [(GROUP,)]
    await h.send(ADMIN, "/restore telegram:202")
    assert await h.rows("SELECT chat_id FROM room_holds") == []
    kinds = [text for kind, text, _ in await rows_for(h, GROUP) if kind == "notice"]
    assert kinds == [h.engine.ctx.t("uk", "rooms.held"), h.engine.ctx.t("uk", "rooms.released")]
