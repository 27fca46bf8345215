"""/lang moves everything a person receives to the new language (issue 9).

A coordinator who joined in Ukrainian from the team room had their critical-alert subscription
addressed to their user id; once they wrote to the bot in a direct room the member row moved to
that room, and /lang then updated only subscriptions of the room: the alerts stayed Ukrainian.
"""

from __future__ import annotations

from handlers.core.events import ChatRef, Incoming, Reply
from storage.models import Identity, Role
from tests.engine_harness import EngineHarness, find_payload

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="matrix", user_id="@olena:hs.example")
TEAM_ROOM = ChatRef(transport="matrix", chat_id="!team:hs.example")
DIRECT_ROOM = ChatRef(transport="matrix", chat_id="!direct:hs.example")


async def coord_says(h: EngineHarness, text: str, chat: ChatRef, *, private: bool) -> list[Reply]:
    h.clock.advance(seconds=5)
    incoming = Incoming(
        chat=chat,
        sender=COORD,
        update_id=f"m{h.clock().timestamp()}",
        text=text,
        language_code=None,
        private=private,
    )
    return await h.engine.handle(incoming)


async def file_critical(h: EngineHarness) -> None:
    h.clock.advance(seconds=5)
    replies = await h.send(NURSE, "/need 2 генератор !critical")
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))


async def alert_texts(h: EngineHarness) -> list[tuple[str, str]]:
    rows = await h.rows("SELECT chat_id, text FROM outbox WHERE kind = 'alert' ORDER BY id")
    return [(str(chat), str(text)) for chat, text in rows]


async def test_critical_alert_follows_lang_after_joining_from_the_team_room(
    harness: EngineHarness,
) -> None:
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id)
    code = await h.invite_code(org.id, Role.COORDINATOR)
    joined = await coord_says(h, f"!start {code}", TEAM_ROOM, private=False)
    assert "✅" in joined[0].text  # Ukrainian: the server's default language
    await coord_says(h, "/whoami", DIRECT_ROOM, private=True)  # the member row moves here
    await coord_says(h, "/lang de", DIRECT_ROOM, private=True)
    assert await h.rows("SELECT language FROM subscriptions") == [("de",)]

    await file_critical(h)
    [(chat, text)] = await alert_texts(h)
    assert chat == COORD.user_id
    assert "Kritische Anfrage R-1001" in text and "Stromerzeuger" in text


async def test_every_own_subscription_follows_lang_and_back(harness: EngineHarness) -> None:
    """Join in Ukrainian, add a digest, switch to German, then to English: all follow."""
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id)
    coord = Identity(transport="telegram", user_id="301")
    await h.join(coord, org.id, Role.COORDINATOR, lang="uk")
    h.clock.advance(seconds=5)
    await h.send(coord, "/subscribe daily 08:00")
    h.clock.advance(seconds=5)
    await h.send(coord, "/lang de")
    assert await h.rows("SELECT language FROM subscriptions ORDER BY id") == [("de",), ("de",)]
    await file_critical(h)
    h.clock.advance(seconds=5)
    await h.press(coord, "lang:en")
    assert await h.rows("SELECT language FROM subscriptions ORDER BY id") == [("en",), ("en",)]
    h.clock.advance(seconds=5)
    await h.need_and_submit(NURSE, "/need 1 генератор !critical")
    texts = [text for _, text in await alert_texts(h)]
    assert "Kritische Anfrage R-1001" in texts[0]
    assert "Critical request R-1002" in texts[1]
    # Other notices to the coordinator (a colleague filed) are in the member's language too.
    notices = await h.rows("SELECT text FROM outbox WHERE kind = 'colleague' AND chat_id = '301'")
    assert "R-1002" in str(notices[-1][0]) and "Generator" in str(notices[-1][0])
