"""Going back in the admins' guided flows, from every step, and then finishing (issue 9).

/org_add has a Back on every question after the first. The confirmations (/broadcast,
/revoke, /forget, /forget_me) and the /org field edit are one step each: their way back is
Cancel, after which the same command must work as if nothing had happened.
"""

from __future__ import annotations

import pytest

from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload, payloads
from tests.handlers.admin_steps import admin_in_english, say, tap, text_of

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
STEPS = ("kind", "name", "raion", "hromada", "settlement", "code", "address")
TYPED = {
    "name": "Лікарня №9",
    "raion": "Дніпровський",
    "hromada": "Дніпровська",
    "settlement": "Дніпро",
    "code": "12345678",
    "address": "вул. Нова, 2",
}


async def org_add_step(h: EngineHarness) -> str | None:
    rows = await h.rows("SELECT flow, step FROM conversations")
    return str(rows[0][1]) if rows and rows[0][0] == "org_add" else None


async def answer(h: EngineHarness, step: str, *, buttons: bool = True) -> None:
    if step == "kind":
        if buttons:
            await tap(h, ADMIN, "oa:k:hospital")
        else:
            await say(h, ADMIN, "1", buttons=False)  # the first kind shown
    else:
        await say(h, ADMIN, TYPED[step], buttons=buttons)


async def finish(h: EngineHarness, *, buttons: bool = True) -> None:
    for _ in range(len(STEPS) + 1):
        step = await org_add_step(h)
        if step is None:
            break
        await answer(h, step, buttons=buttons)
    rows = await h.rows("SELECT kind, name, raion, settlement, code, address FROM organisations")
    # The place is stored by code; its text columns hold the codifier's names.
    assert rows == [("hospital", *(v for k, v in TYPED.items() if k != "hromada"))]
    codes = await h.rows("SELECT raion_code, hromada_code, settlement_code FROM organisations")
    assert codes == [("UA12020000000052809", "UA12020010000033698", "UA12020010010037010")]
    assert await h.count("conversations") == 0


@pytest.mark.parametrize("target", STEPS[1:])
async def test_org_add_back_from_each_step_then_create(harness: EngineHarness, target: str) -> None:
    h = harness
    await admin_in_english(h)
    await say(h, ADMIN, "/org_add")
    while (step := await org_add_step(h)) != target:
        assert step is not None
        await answer(h, step)
    replies = await tap(h, ADMIN, f"oa:b:{target}")
    previous = STEPS[STEPS.index(target) - 1]
    assert await org_add_step(h) == previous
    number = STEPS.index(previous) + 1
    assert f"step {number} of 7" in replies[0].text and replies[0].replace
    await finish(h)


async def test_org_add_first_step_has_no_back_and_an_old_back_is_stale(
    harness: EngineHarness,
) -> None:
    h = harness
    await admin_in_english(h)
    first = await say(h, ADMIN, "/org_add")
    assert not [p for p in payloads(first[0]) if p.startswith("oa:b:")]
    await answer(h, "kind")
    await answer(h, "name")
    # The Back under the name question, pressed when the raion is asked: it goes nowhere.
    replies = await tap(h, ADMIN, "oa:b:name")
    assert await org_add_step(h) == "raion" and "⚠️" in replies[0].text
    await finish(h)


async def test_org_add_back_typed_on_a_text_platform(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await say(h, ADMIN, "/org_add", buttons=False)
    await answer(h, "kind", buttons=False)
    await answer(h, "name", buttons=False)
    await say(h, ADMIN, "back", buttons=False)  # the word shown for the Back button
    assert await org_add_step(h) == "name"
    await finish(h, buttons=False)


async def test_org_field_edit_cancel_then_edit(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await h.add_org()
    await tap(h, ADMIN, "org:e:1:name")
    await tap(h, ADMIN, "org:x")
    assert await h.count("conversations") == 0
    await tap(h, ADMIN, "org:e:1:name")
    replies = await say(h, ADMIN, "Лікарня №5")
    assert "changed" in text_of(replies)
    assert await h.rows("SELECT name FROM organisations") == [("Лікарня №5",)]


async def members(h: EngineHarness) -> None:
    org = await h.add_org()
    await h.join(NURSE, org.id)
    await h.join(COORD, org.id, Role.COORDINATOR)
    await admin_in_english(h)


async def test_broadcast_cancel_then_send(harness: EngineHarness) -> None:
    h = harness
    await members(h)
    preview = await say(h, ADMIN, "/broadcast requester Water is back")
    await tap(h, ADMIN, find_payload(preview[0], "bc:cancel:"))
    preview = await say(h, ADMIN, "/broadcast requester Water is back")
    await tap(h, ADMIN, find_payload(preview[0], "bc:send:"))
    assert await h.rows("SELECT chat_id FROM outbox WHERE kind = 'broadcast'") == [("101",)]


async def test_revoke_cancel_then_revoke(harness: EngineHarness) -> None:
    h = harness
    await members(h)
    await say(h, ADMIN, "/revoke 2")
    await tap(h, ADMIN, "rv:n:2")
    assert await h.rows("SELECT active FROM members WHERE id = 2") == [(1,)]
    replies = await say(h, ADMIN, "/revoke 2")
    await tap(h, ADMIN, find_payload(replies[0], "rv:y:2"))
    assert await h.rows("SELECT active FROM members WHERE id = 2") == [(0,)]


async def test_forget_cancel_then_forget(harness: EngineHarness) -> None:
    h = harness
    await members(h)
    replies = await say(h, ADMIN, "/forget 2")
    await tap(h, ADMIN, find_payload(replies[0], "fgm:2:no"))
    assert await h.rows("SELECT forgotten_at IS NULL FROM members WHERE id = 2") == [(1,)]
    replies = await say(h, ADMIN, "/forget 2")
    await tap(h, ADMIN, find_payload(replies[0], "fgm:2:yes"))
    assert await h.rows("SELECT forgotten_at IS NULL FROM members WHERE id = 2") == [(0,)]


async def test_forget_me_cancel_then_forget_me(harness: EngineHarness) -> None:
    h = harness
    await members(h)
    replies = await say(h, NURSE, "/forget_me")
    await tap(h, NURSE, find_payload(replies[0], "fgme:no"))
    assert await h.rows("SELECT forgotten_at IS NULL FROM members WHERE id = 1") == [(1,)]
    replies = await say(h, NURSE, "/forget_me")
    await tap(h, NURSE, find_payload(replies[0], "fgme:yes"))
    assert await h.rows("SELECT forgotten_at IS NULL FROM members WHERE id = 1") == [(0,)]
