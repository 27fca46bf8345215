"""/members, /role, /revoke and /restore through the engine."""

from __future__ import annotations

from datetime import timedelta

from storage import members
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload, payloads
from tests.handlers.admin_steps import (
    COORD,
    NURSE,
    admin_in_english,
    audit_rows,
    say,
    tap,
    text_of,
)

SECOND_ADMIN = Identity(transport="matrix", user_id="@olha:example.org")


async def setup(h: EngineHarness) -> None:
    """#1 the bootstrap admin (English), #2 a nurse (Ukrainian), #3 a coordinator (German)."""
    await admin_in_english(h)
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, Role.COORDINATOR, lang="de")


async def notices_to(h: EngineHarness, chat_id: str) -> list[str]:
    rows = await h.rows(
        "SELECT text FROM outbox WHERE chat_id = ? AND kind = 'notice' ORDER BY id", chat_id
    )
    return [str(r[0]) for r in rows]


async def test_members_lists_everyone_with_state(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    async with h.db.transaction() as conn:
        await members.set_unreachable(conn, 3, h.clock() + timedelta(days=1))
    text = text_of(await say(h, ADMIN, "/members"))
    assert "Members: 3 (page 1/1)" in text
    assert "<b>#2</b> Test Person · <code>telegram:101</code>" in text
    assert "Лікарня №4 · requester · ✅ active · seen 24.11.2026 10:0" in text
    assert "Hilfswerk NRW · coordinator · ✅ active" in text
    assert "📵 unreachable since 25.11.2026" in text
    assert "no organisation · admin" in text
    only_ngo = text_of(await say(h, ADMIN, "/members 2"))
    assert "Members of “Hilfswerk NRW”: 1" in only_ngo and "#2" not in only_ngo
    assert "Organisation 9 not found" in text_of(await say(h, ADMIN, "/members 9"))
    assert "Usage: /members" in text_of(await say(h, ADMIN, "/members all"))


async def test_members_page_through_many(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    async with h.db.transaction() as conn:
        for n in range(24):
            await members.add_member(
                conn,
                identity=Identity(transport="telegram", user_id=str(1000 + n)),
                chat_id=str(1000 + n),
                org_id=org.id,
                roles=frozenset({Role.REQUESTER}),
                language="uk",
                display_name=f"Person {n}",
                now=h.clock(),
            )
    first = await say(h, ADMIN, "/members")
    assert "Members: 25 (page 1/3)" in first[0].text and "#10" in first[0].text
    assert "#11" not in first[0].text and payloads(first[-1]) == ["mp:1:-"]
    replies = await tap(h, ADMIN, "mp:2:-")
    assert replies[0].replace and "(page 3/3)" in replies[0].text
    assert "#21" in replies[0].text and "#25" in replies[0].text
    assert payloads(replies[0]) == ["mp:1:-"]
    replies = await tap(h, ADMIN, "mp:1:1")
    assert "Members of “Лікарня №4”: 24 (page 2/3)" in replies[0].text
    assert (await tap(h, ADMIN, "mp:x:-"))[0].toast


async def test_role_add_and_remove(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    replies = await say(h, ADMIN, "/role 2 coordinator add")
    assert "#2 Test Person: role “coordinator” added. Roles now: coordinator, requester." in (
        replies[0].text
    )
    assert "has been told" in replies[0].text
    assert await h.rows("SELECT roles FROM members WHERE id = 2") == [("coordinator,requester",)]
    # Told in their own language; and, like a coordinator joining, subscribed to critical alerts.
    assert any("координатор" in t for t in await notices_to(h, "101"))
    assert await h.rows("SELECT kind, active FROM subscriptions WHERE member_id = 2") == [
        ("critical", 1)
    ]
    assert "/open" in text_of(await say(h, NURSE, "/help"))

    await say(h, ADMIN, "/role #2 coordinator remove")
    assert await h.rows("SELECT roles FROM members WHERE id = 2") == [("requester",)]
    assert await h.rows("SELECT active FROM subscriptions WHERE member_id = 2") == [(0,)]
    assert "недоступна" in (await say(h, NURSE, "/open"))[0].text
    params = [r[2] for r in await audit_rows(h, "member.role")]
    assert params[0] == {
        "roles_from": ["requester"],
        "roles_to": ["coordinator", "requester"],
        "subscriptions_added": [2],
    }
    assert params[1] == {
        "roles_from": ["coordinator", "requester"],
        "roles_to": ["requester"],
        "subscriptions_stopped": [2],
    }
    assert [r[1] for r in await audit_rows(h, "member.role")] == ["member:2", "member:2"]

    wrong = {
        "/role 2 requester remove": "only role of #2",
        "/role 2 requester add": "already has the role “requester”",
        "/role 2 admin remove": "does not have the role “admin”",
        "/role 1 admin remove": "from the configuration (AIDBRIDGE_ADMINS)",
        "/role 99 admin add": "No member “99”",
        "/role telegram:777 admin add": "No member “telegram:777”",
        "/role 2 boss add": "Unknown role “boss”",
        "/role 2 admin maybe": "Usage: /role",
        "/role 2": "Usage: /role",
        "/role 1 requester add": "belongs to no organisation",
    }
    for command, expected in wrong.items():
        assert expected in text_of(await say(h, ADMIN, command)), command
    assert len(await audit_rows(h, "member.role")) == 2
    assert await h.rows("SELECT id, roles FROM members ORDER BY id") == [
        (1, "admin"),
        (2, "requester"),
        (3, "coordinator"),
    ]


async def test_an_admin_cannot_demote_or_revoke_themselves(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.join(SECOND_ADMIN, 2, Role.ADMIN, lang="en")  # member #4, not from the config
    text = text_of(await say(h, SECOND_ADMIN, "/role @olha:example.org admin remove"))
    assert "No member" in text  # an identity needs its transport
    text = text_of(await say(h, SECOND_ADMIN, "/role matrix:@olha:example.org admin remove"))
    assert "cannot remove your own admin role" in text
    assert "cannot end your own access" in text_of(await say(h, SECOND_ADMIN, "/revoke 4"))
    # The configured admin cannot be revoked by another admin either: the engine re-grants it.
    assert "AIDBRIDGE_ADMINS" in text_of(await say(h, SECOND_ADMIN, "/revoke 1"))
    assert "AIDBRIDGE_ADMINS" in text_of(await tap(h, SECOND_ADMIN, "rv:y:1"))
    assert await h.rows("SELECT active FROM members WHERE id IN (1, 4)") == [(1,), (1,)]
    # But the bootstrap admin can demote the second one.
    await say(h, ADMIN, "/role 4 coordinator add")
    await say(h, ADMIN, "/role 4 admin remove")
    assert "not available" in (await say(h, SECOND_ADMIN, "/members"))[0].text


async def test_revoke_during_the_wizard_drops_the_draft_and_refuses_the_member(
    harness: EngineHarness,
) -> None:
    h = harness
    await setup(h)
    wizard = await say(h, NURSE, "/new")
    category = find_payload(wizard[0], "w:")
    await tap(h, NURSE, category)
    assert await h.rows("SELECT flow FROM conversations WHERE user_id = '101'") == [("intake",)]

    confirm = await say(h, ADMIN, "/revoke telegram:101")
    assert "End the access of #2 Test Person (Лікарня №4; requester)?" in confirm[0].text
    assert payloads(confirm[0]) == ["rv:y:2", "rv:n:2"]
    assert await h.rows("SELECT active FROM members WHERE id = 2") == [(1,)]  # not yet
    done = await tap(h, ADMIN, "rv:y:2")
    assert done[0].replace and "Access of #2 Test Person ended" in done[0].text
    assert "/restore 2" in done[0].text
    assert await h.rows("SELECT active, roles FROM members WHERE id = 2") == [(0, "requester")]
    assert await h.rows("SELECT COUNT(*) FROM conversations WHERE user_id = '101'") == [(0,)]
    # Told politely, in Ukrainian.
    assert any("доступ до бота завершено" in t for t in await notices_to(h, "101"))
    [(actor, target, params)] = await audit_rows(h, "member.revoke")
    assert (actor, target) == (1, "member:2")
    assert params == {
        "roles": ["requester"],
        "subscriptions_stopped": [],
        "messages_dropped": 0,
        "invites_revoked": 0,
    }

    # Whatever they do next is refused and creates nothing.
    for text in ("10 уп бинти", "/need 2 генератор", "/new", "/my"):
        replies = await say(h, NURSE, text)
        assert "доступ до бота завершено" in replies[0].text, text
    assert "доступ до бота завершено" in (await tap(h, NURSE, category))[0].text
    assert await h.count("requests") == 0
    assert await h.rows("SELECT COUNT(*) FROM conversations WHERE user_id = '101'") == [(0,)]

    assert "has no access already" in text_of(await say(h, ADMIN, "/revoke 2"))
    assert "has no access already" in text_of(await tap(h, ADMIN, "rv:y:2"))
    assert len(await audit_rows(h, "member.revoke")) == 1


async def test_revoke_can_be_cancelled_and_unknown_members_are_refused(
    harness: EngineHarness,
) -> None:
    h = harness
    await setup(h)
    await say(h, ADMIN, "/revoke 2")
    replies = await tap(h, ADMIN, "rv:n:2")
    assert "Nothing changed; #2 keeps their access" in replies[0].text
    assert "No member “42”" in text_of(await say(h, ADMIN, "/revoke 42"))
    assert "No member “matrix:@x:y”" in text_of(await say(h, ADMIN, "/revoke matrix:@x:y"))
    assert "Usage: /revoke" in text_of(await say(h, ADMIN, "/revoke"))
    for payload in ("rv:y:42", "rv:maybe:2", "rv:y:x"):
        assert (await tap(h, ADMIN, payload))[0].toast, payload
    assert await h.rows("SELECT COUNT(*) FROM members WHERE active = 0") == [(0,)]
    assert await audit_rows(h, "member.revoke") == []
    # Not for requesters, and their pressing a forged button reveals nothing.
    assert "недоступна" in (await say(h, NURSE, "/revoke 3"))[0].text
    assert (await tap(h, NURSE, "rv:y:3"))[0].toast
    assert await h.rows("SELECT active FROM members WHERE id = 3") == [(1,)]


async def test_revoked_coordinator_gets_no_more_alerts_and_restore_works(
    harness: EngineHarness,
) -> None:
    h = harness
    await setup(h)
    await say(h, ADMIN, "/revoke 3")
    await tap(h, ADMIN, "rv:y:3")
    assert await h.rows("SELECT active FROM subscriptions WHERE member_id = 3") == [(0,)]
    assert any("Zugang zu diesem Bot wurde beendet" in t for t in await notices_to(h, "301"))
    replies = await say(h, NURSE, "/need 2 генератор !critical")
    await tap(h, NURSE, find_payload(replies[0], "w:submit:"))
    assert await h.count("requests") == 1
    alerts = await h.rows("SELECT COUNT(*) FROM outbox WHERE chat_id = '301' AND kind = 'alert'")
    assert alerts == [(0,)]
    assert "Zugang" in (await say(h, COORD, "/open"))[0].text

    replies = await say(h, ADMIN, "/restore 3")
    text = replies[0].text
    assert "Access of #3 Test Person restored with roles: coordinator" in text
    assert "/subscribe again" in text
    assert await h.rows("SELECT active, roles FROM members WHERE id = 3") == [(1, "coordinator")]
    assert any("wiederhergestellt" in t for t in await notices_to(h, "301"))
    assert "R-1001" in (await say(h, COORD, "/open"))[0].text
    [(_, target, params)] = await audit_rows(h, "member.restore")
    assert target == "member:3" and params == {"roles": ["coordinator"]}
    assert "has access already" in text_of(await say(h, ADMIN, "/restore 3"))
    assert "No member" in text_of(await say(h, ADMIN, "/restore 77"))
    assert "Usage: /restore" in text_of(await say(h, ADMIN, "/restore"))
    assert len(await audit_rows(h, "member.restore")) == 1


async def test_revoke_drops_what_was_still_queued_for_the_member(harness: EngineHarness) -> None:
    """An alert queued before the revoke carries request data: it must not be delivered after
    access ended. The revoke notice itself is queued after the drop, so it still goes out."""
    h = harness
    await setup(h)
    replies = await say(h, NURSE, "/need 2 генератор !critical")
    await tap(h, NURSE, find_payload(replies[0], "w:submit:"))
    queued = (
        "SELECT COUNT(*) FROM outbox WHERE chat_id = '301' AND kind = 'alert' AND sent_at IS NULL"
    )
    assert await h.rows(queued) == [(1,)]

    await say(h, ADMIN, "/revoke 3")
    await tap(h, ADMIN, "rv:y:3")
    assert await h.rows(queued) == [(0,)]
    assert any("Zugang zu diesem Bot wurde beendet" in t for t in await notices_to(h, "301"))
    [(_, _, params)] = await audit_rows(h, "member.revoke")
    assert isinstance(params, dict) and params["messages_dropped"] == 1


async def test_revoking_an_admin_revokes_the_invites_they_handed_out(
    harness: EngineHarness,
) -> None:
    h = harness
    await setup(h)
    await say(h, ADMIN, "/role 3 admin add")
    # The second admin hands out a code, then loses access before anyone uses it.
    issued = text_of(await say(h, COORD, "/invite 1 requester"))
    code = issued.split("<code>", 1)[1].split("</code>", 1)[0]
    kept = text_of(await say(h, ADMIN, "/invite 1 requester"))
    kept_code = kept.split("<code>", 1)[1].split("</code>", 1)[0]
    replies = await say(h, ADMIN, "/revoke 3")
    await tap(h, ADMIN, find_payload(replies[0], "rv:y:3"))
    params = (await audit_rows(h, "member.revoke"))[0][2]
    assert isinstance(params, dict) and params["invites_revoked"] == 1

    newcomer = Identity(transport="telegram", user_id="555")
    refused = text_of(await say(h, newcomer, f"/start {code}"))
    assert "✅" not in refused
    # Invites from admins who still have access keep working.
    assert "✅" in text_of(await say(h, newcomer, f"/start {kept_code}"))
