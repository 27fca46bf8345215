"""/broadcast: a preview with the recipient count, then exactly one message per recipient."""

from __future__ import annotations

import json

from handlers.core.events import Reply
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload, payloads

NURSE = Identity(transport="telegram", user_id="101")
NURSE_2 = Identity(transport="telegram", user_id="102")
COORD_DE = Identity(transport="telegram", user_id="301")
COORD_EN = Identity(transport="telegram", user_id="302")
COORD_GONE = Identity(transport="telegram", user_id="303")


async def say(h: EngineHarness, who: Identity, text: str, lang: str = "en") -> list[Reply]:
    # A few seconds apart, as people type: the per-minute limit never interferes.
    h.clock.advance(seconds=5)
    return await h.send(who, text, lang=lang)


async def tap(h: EngineHarness, who: Identity, payload: str) -> list[Reply]:
    h.clock.advance(seconds=1)
    return await h.press(who, payload, lang="en")


async def setup(h: EngineHarness) -> tuple[int, int]:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(NURSE_2, hospital.id)
    await h.join(COORD_DE, ngo.id, role=Role.COORDINATOR, lang="de")
    await h.join(COORD_EN, ngo.id, role=Role.COORDINATOR, lang="en")
    await h.join(COORD_GONE, ngo.id, role=Role.COORDINATOR, lang="en")
    # One coordinator asked to be forgotten: never a recipient.
    replies = await say(h, COORD_GONE, "/forget_me")
    await tap(h, COORD_GONE, find_payload(replies[0], "fgme:yes"))
    await say(h, ADMIN, "/help")
    return hospital.id, ngo.id


async def broadcasts(h: EngineHarness) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in await h.rows(
            "SELECT chat_id, text FROM outbox WHERE kind = 'broadcast' ORDER BY chat_id"
        )
    ]


async def test_preview_then_send_once(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await say(h, ADMIN, "/broadcast coordinator Depot <closed> on Monday & Tuesday")
    preview = replies[0]
    assert "recipients: 2" in preview.text
    assert "Depot &lt;closed&gt; on Monday &amp; Tuesday" in preview.text
    assert await broadcasts(h) == []  # a preview sends nothing
    send = find_payload(preview, "bc:send:")

    replies = await tap(h, ADMIN, send)
    assert "recipients: 2" in replies[0].text and replies[0].replace
    sent = await broadcasts(h)
    assert [chat for chat, _ in sent] == ["301", "302"]
    german, english = sent[0][1], sent[1][1]
    assert "AidBridge-Team" in german and "AidBridge team" in english
    assert all("Depot &lt;closed&gt; on Monday &amp; Tuesday" in text for _, text in sent)
    audit = await h.rows("SELECT action, target, params FROM audit WHERE action LIKE 'broad%'")
    assert [(a, t, json.loads(str(p))) for a, t, p in audit] == [
        (
            "broadcast.send",
            "role:coordinator",
            {"recipients": 2, "text": "Depot <closed> on Monday & Tuesday"},
        )
    ]

    # A second tap (or the same update replayed) sends nothing more.
    again = await tap(h, ADMIN, send)
    assert again[0].toast and "already" in again[0].text
    assert len(await broadcasts(h)) == 2
    assert len(await h.rows("SELECT 1 FROM audit WHERE action = 'broadcast.send'")) == 1


async def test_to_one_organisation_with_multiline_text(harness: EngineHarness) -> None:
    h = harness
    hospital_id, _ = await setup(h)
    replies = await say(h, ADMIN, f"/broadcast {hospital_id}\nLine one\nLine two")
    assert "recipients: 2" in replies[0].text and "Лікарня №4" in replies[0].text
    await tap(h, ADMIN, find_payload(replies[0], "bc:send:"))
    sent = await broadcasts(h)
    assert [chat for chat, _ in sent] == ["101", "102"]
    # Requesters read it in Ukrainian; the admin's own text is kept as typed.
    assert all("команди AidBridge" in text and "Line one\nLine two" in text for _, text in sent)


async def test_cancel_and_refusals(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await say(h, ADMIN, "/broadcast requester Water is back")
    cancel = find_payload(replies[0], "bc:cancel:")
    send = find_payload(replies[0], "bc:send:")
    assert "cancelled" in (await tap(h, ADMIN, cancel))[0].text
    assert (await tap(h, ADMIN, send))[0].toast
    assert await broadcasts(h) == []

    # A new preview replaces the old one: the old button is dead.
    first = await say(h, ADMIN, "/broadcast requester First")
    second = await say(h, ADMIN, "/broadcast admin Second")
    assert "Nobody" in second[0].text  # the only admin is the sender
    third = await say(h, ADMIN, "/broadcast coordinator Third")
    assert (await tap(h, ADMIN, find_payload(first[0], "bc:send:")))[0].toast
    await tap(h, ADMIN, find_payload(third[0], "bc:send:"))
    assert [text.endswith("Third") for _, text in await broadcasts(h)] == [True, True]

    for wrong in ("/broadcast", "/broadcast coordinator", "/broadcast pilots Hello"):
        assert not payloads((await say(h, ADMIN, wrong))[0]), wrong
    assert "99" in (await say(h, ADMIN, "/broadcast 99 Hello"))[0].text
    too_long = await say(h, ADMIN, "/broadcast coordinator " + "&" * 1000)
    assert "too long" in too_long[0].text and not payloads(too_long[0])

    # Nobody else may broadcast or press the button.
    refused = await say(h, COORD_EN, "/broadcast coordinator Hi")
    assert not payloads(refused[0])
    pending = await say(h, ADMIN, "/broadcast coordinator Last")
    await tap(h, COORD_EN, find_payload(pending[0], "bc:send:"))
    assert len(await broadcasts(h)) == 2
