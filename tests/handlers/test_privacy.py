"""Being forgotten: /forget_me and an admin's /forget, end to end through the engine."""

from __future__ import annotations

import dataclasses

from handlers.core.engine import Engine
from handlers.core.events import Reply
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload, payloads

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
NAME = "Olena Kovalenko"
COORD_NAME = "Jens Wagner"


async def say(h: EngineHarness, who: Identity, text: str, *, name: str = NAME) -> list[Reply]:
    # A few seconds apart, as people type: the per-minute limit never interferes.
    h.clock.advance(seconds=5)
    incoming = h.incoming(who, text=text).model_copy(update={"sender_name": name})
    return await h.engine.handle(incoming)


async def tap(h: EngineHarness, who: Identity, payload: str, *, name: str = NAME) -> list[Reply]:
    h.clock.advance(seconds=1)
    incoming = h.incoming(who, choice=payload).model_copy(update={"sender_name": name})
    return await h.engine.handle(incoming)


async def join(h: EngineHarness, who: Identity, org_id: int, role: Role, name: str) -> None:
    code = await h.invite_code(org_id, role)
    replies = await say(h, who, f"/start {code}", name=name)
    assert "✅" in replies[0].text, replies


async def setup(h: EngineHarness) -> None:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await join(h, NURSE, hospital.id, Role.REQUESTER, NAME)
    await join(h, COORD, ngo.id, Role.COORDINATOR, COORD_NAME)
    replies = await say(h, NURSE, "/need 2 генератор")
    await tap(h, NURSE, find_payload(replies[0], "w:submit:"))
    await say(h, ADMIN, "/help", name="Admin")


async def member_id(h: EngineHarness, who: Identity) -> int:
    rows = await h.rows(
        "SELECT id FROM members WHERE transport = ? AND user_id = ?", who.transport, who.user_id
    )
    assert rows, who
    return int(rows[0][0])


async def traces(h: EngineHarness, who: Identity, name: str) -> dict[str, int]:
    """Rows anywhere that still name the person or carry their platform id."""
    like = f"%{name}%"
    queries = {
        "members": (
            "SELECT COUNT(*) FROM members WHERE user_id = ? OR chat_id = ? OR display_name LIKE ?",
            (who.user_id, who.user_id, like),
        ),
        "outbox": (
            "SELECT COUNT(*) FROM outbox WHERE chat_id = ? OR text LIKE ?",
            (who.user_id, like),
        ),
        "conversations": ("SELECT COUNT(*) FROM conversations WHERE user_id = ?", (who.user_id,)),
        "subscriptions": ("SELECT COUNT(*) FROM subscriptions WHERE chat_id = ?", (who.user_id,)),
        "chat_menus": ("SELECT COUNT(*) FROM chat_menus WHERE chat_id = ?", (who.user_id,)),
        "audit": (
            "SELECT COUNT(*) FROM audit"
            " WHERE actor_label LIKE ? OR summary LIKE ? OR params LIKE ?",
            (like, like, like),
        ),
    }
    found = {}
    for table, (sql, args) in queries.items():
        found[table] = (await h.rows(sql, *args))[0][0]
    return found


async def export_text(h: EngineHarness) -> str:
    last = await h.last_outbox_id()
    assert await say(h, ADMIN, "/export csv", name="Admin") == []
    replies = await h.reported(ADMIN.user_id, after=last)
    document = replies[0].document
    assert document is not None, replies
    return document.data.decode("utf-8-sig")


async def test_forget_me_end_to_end(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    nurse_id = await member_id(h, NURSE)
    # Before: the admin's export names her, a draft is half-filled, a message waits for her.
    assert NAME in await export_text(h)
    await say(h, NURSE, "/new")
    await say(h, COORD, "/ack R-1001", name=COORD_NAME)
    assert (await traces(h, NURSE, NAME))["conversations"] == 1
    pending = await h.rows("SELECT COUNT(*) FROM outbox WHERE member_id = ?", nurse_id)
    assert pending[0][0] >= 1

    replies = await say(h, NURSE, "/forget_me")
    assert payloads(replies[0]) == ["fgme:yes", "fgme:no"]
    # Asking changes nothing.
    assert (await h.rows("SELECT active FROM members WHERE id = ?", nurse_id)) == [(1,)]
    replies = await tap(h, NURSE, "fgme:yes")
    assert "видалено" in replies[0].text and replies[0].replace

    row = await h.rows(
        "SELECT transport, user_id, chat_id, display_name, active, roles, forgotten_at"
        " FROM members WHERE id = ?",
        nurse_id,
    )
    transport, user_id, chat_id, display_name, active, roles, forgotten_at = row[0]
    assert (transport, display_name, active, roles) == ("telegram", None, 0, "")
    assert user_id == chat_id == f"forgotten-{nurse_id}"
    assert forgotten_at is not None
    assert await traces(h, NURSE, NAME) == {
        "members": 0,
        "outbox": 0,
        "conversations": 0,
        "subscriptions": 0,
        "chat_menus": 0,
        "audit": 0,
    }
    assert (await h.rows("SELECT COUNT(*) FROM outbox WHERE member_id = ?", nurse_id)) == [(0,)]
    # The request stays with the organisation, its author now a former member.
    assert (await h.rows("SELECT created_by, org_id, status FROM requests")) == [
        (nurse_id, 1, "acknowledged")
    ]
    exported = await export_text(h)
    assert NAME not in exported and "telegram:101" not in exported
    assert "колишній учасник" in exported
    # The audit row names the member by number only.
    audit = await h.rows(
        "SELECT actor_id, actor_label, target FROM audit WHERE action = 'member.forget'"
    )
    assert audit == [(nurse_id, f"member:{nurse_id}", f"member:{nurse_id}")]

    # A stranger again: every command gets the stranger's answer, a second tap too.
    stranger = (await say(h, NURSE, "/my"))[0].text
    assert "/start" in stranger and "R-1001" not in stranger
    assert (await tap(h, NURSE, "fgme:yes"))[0].text == stranger
    assert len(await h.rows("SELECT 1 FROM audit WHERE action = 'member.forget'")) == 1
    # ... who may join again with a new invite, as a new member.
    await join(h, NURSE, 1, Role.REQUESTER, NAME)
    assert await member_id(h, NURSE) != nurse_id
    my = await say(h, NURSE, "/my")
    assert "R-1001" in my[0].text  # the organisation's requests are still there


async def test_forget_me_cancel_keeps_everything(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await say(h, NURSE, "/forget_me")
    replies = await tap(h, NURSE, "fgme:no")
    assert "нічого не видалено" in replies[0].text
    assert (await traces(h, NURSE, NAME))["members"] == 1
    assert (await say(h, NURSE, "/my"))[0].text.count("R-1001") == 1


async def test_admin_forgets_a_coordinator(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    coord_id = await member_id(h, COORD)
    await say(h, COORD, "/ack R-1001", name=COORD_NAME)
    await say(h, COORD, "/subscribe daily 08:00", name=COORD_NAME)
    subs = await h.rows("SELECT id FROM subscriptions WHERE member_id = ?", coord_id)
    assert len(subs) == 2  # the critical alerts from joining, and the daily digest
    await h.db.raw.execute(
        "INSERT INTO digest_runs (subscription_id, window_end, window_start, created_at, parts)"
        " VALUES (?, 'k', 'a', 'b', 1)",
        (subs[1][0],),
    )

    # Not for other roles; strangers learn nothing.
    assert "/start" not in (await say(h, NURSE, f"/forget {coord_id}"))[0].text
    assert (await traces(h, COORD, COORD_NAME))["members"] == 1
    replies = await say(h, ADMIN, f"/forget {coord_id}", name="Admin")
    assert COORD_NAME in replies[0].text and "Hilfswerk NRW" in replies[0].text
    yes = find_payload(replies[0], f"fgm:{coord_id}:yes")
    assert (await traces(h, COORD, COORD_NAME))["members"] == 1  # nothing yet

    replies = await tap(h, ADMIN, yes, name="Admin")
    assert f"#{coord_id}" in replies[0].text
    assert await traces(h, COORD, COORD_NAME) == {
        "members": 0,
        "outbox": 0,
        "conversations": 0,
        "subscriptions": 0,
        "chat_menus": 0,
        "audit": 0,
    }
    assert (await h.rows("SELECT COUNT(*) FROM subscriptions WHERE member_id = ?", coord_id)) == [
        (0,)
    ]
    assert await h.count("digest_runs") == 0
    # The acknowledgement they recorded keeps its actor: the member row stays.
    assert (await h.rows("SELECT status FROM status_events WHERE actor_id = ?", coord_id)) == [
        ("acknowledged",)
    ]
    audit = await h.rows("SELECT actor_label, target FROM audit WHERE action = 'member.forget'")
    assert audit == [(str(ADMIN), f"member:{coord_id}")]
    # A double tap does nothing more; the coordinator is a stranger now.
    replies = await tap(h, ADMIN, yes, name="Admin")
    assert replies[0].toast
    assert len(await h.rows("SELECT 1 FROM audit WHERE action = 'member.forget'")) == 1
    assert "/start" in (await say(h, COORD, "/open", name=COORD_NAME))[0].text
    # Forgetting again by number is refused with a clear answer.
    again = await say(h, ADMIN, f"/forget #{coord_id}", name="Admin")
    assert not payloads(again[0])
    # A forgotten member cannot be brought back as a ghost: restore and roles refuse, and
    # /members shows a former member without the erased identity.
    for command in (f"/restore {coord_id}", f"/role {coord_id} coordinator add"):
        refused = await say(h, ADMIN, command, name="Admin")
        assert "/invite" in refused[0].text, command
    assert (await h.rows("SELECT active, roles FROM members WHERE id = ?", coord_id)) == [(0, "")]
    listing = "\n".join(r.text for r in await say(h, ADMIN, "/members", name="Admin"))
    assert f"#{coord_id}" in listing and "forgotten-" not in listing


async def test_forget_refusals(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    admin_id = await member_id(h, ADMIN)
    own = await say(h, ADMIN, f"/forget {admin_id}", name="Admin")
    assert "/forget_me" in own[0].text and not payloads(own[0])
    nobody = await say(h, ADMIN, "/forget telegram:<b>777", name="Admin")
    assert "&lt;b&gt;777" in nobody[0].text and not payloads(nobody[0])
    usage = await say(h, ADMIN, "/forget", name="Admin")
    assert not payloads(usage[0])
    by_identity = await say(h, ADMIN, "/forget telegram:101", name="Admin")
    assert NAME in by_identity[0].text and payloads(by_identity[0])


async def test_admins_named_in_the_configuration_are_not_forgotten(
    harness: EngineHarness,
) -> None:
    """The engine recreates an AIDBRIDGE_ADMINS identity on its next message, so erasing one
    would not stick: both /forget and /forget_me say what to do first, and erase nothing."""
    h = harness
    second = Identity(transport="matrix", user_id="@olha:example.org")
    ctx = h.engine.ctx
    policy = dataclasses.replace(ctx.policy, bootstrap_admins=frozenset({ADMIN, second}))
    h.engine = Engine(dataclasses.replace(ctx, policy=policy))
    await setup(h)
    await say(h, second, "/help", name="Olha")
    second_id = await member_id(h, second)

    refused = await say(h, ADMIN, f"/forget {second_id}", name="Admin")
    assert "AIDBRIDGE_ADMINS" in refused[0].text and not payloads(refused[0])
    forced = await tap(h, ADMIN, f"fgm:{second_id}:yes", name="Admin")
    assert "AIDBRIDGE_ADMINS" in forced[0].text
    own = await say(h, ADMIN, "/forget_me", name="Admin")
    assert "AIDBRIDGE_ADMINS" in own[0].text and not payloads(own[0])
    assert "AIDBRIDGE_ADMINS" in (await tap(h, ADMIN, "fgme:yes", name="Admin"))[0].text

    rows = await h.rows(
        "SELECT user_id, display_name FROM members WHERE user_id IN (?, ?) ORDER BY id",
        ADMIN.user_id,
        second.user_id,
    )
    assert rows == [(ADMIN.user_id, "Admin"), (second.user_id, "Olha")]
    assert await h.rows("SELECT COUNT(*) FROM audit WHERE action = 'member.forget'") == [(0,)]
    # Anyone else is still forgotten on request.
    nurse_id = await member_id(h, NURSE)
    assert payloads((await say(h, ADMIN, f"/forget {nurse_id}", name="Admin"))[0])
