"""/invite, /invites and /uninvite through the engine."""

from __future__ import annotations

from storage.models import Identity
from tests.engine_harness import ADMIN, EngineHarness
from tests.handlers.admin_steps import (
    NURSE,
    admin_in_english,
    audit_rows,
    invite_code,
    say,
    text_of,
)

STRANGER = Identity(transport="telegram", user_id="555")


async def test_invites_lists_only_pending_ones_by_number(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    other = await h.add_org(name="Hilfswerk NRW", address=None)
    assert "No pending invites" in text_of(await say(h, ADMIN, "/invites"))
    short = invite_code(await say(h, ADMIN, f"/invite {org.id} requester 1"))
    pending = invite_code(await say(h, ADMIN, f"/invite {other.id} coordinator 30"))
    used = invite_code(await say(h, ADMIN, f"/invite {org.id} requester 30"))
    await say(h, ADMIN, f"/invite {org.id} admin 30")
    await say(h, NURSE, f"/start {used}")
    await say(h, ADMIN, "/uninvite 4")
    h.clock.advance(days=2)  # the one-day invite has expired
    text = text_of(await say(h, ADMIN, "/invites"))
    assert "Pending invites: 1" in text
    assert "<b>2</b> · Hilfswerk NRW (org #2) · coordinator · until 24.12.2026" in text
    assert "<b>1</b>" not in text and "<b>3</b>" not in text and "<b>4</b>" not in text
    assert "/uninvite NUMBER" in text
    # No code, and no part of one, is ever shown again: the bot does not have them.
    for code in (short, pending):
        for group in code.split("-"):
            assert group not in text


async def test_uninvite_by_number_revokes_and_the_code_stops_working(
    harness: EngineHarness,
) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    code = invite_code(await say(h, ADMIN, f"/invite {org.id} requester"))
    replies = await say(h, ADMIN, "/uninvite #1")
    assert "✅ Invite 1 to “Лікарня №4” (requester) revoked" in replies[0].text
    assert await h.rows("SELECT revoked_at IS NOT NULL FROM invites") == [(1,)]
    [(actor, target, params)] = await audit_rows(h, "invite.revoke")
    assert (actor, target, params) == (1, "org:1", {"invite": 1, "role": "requester"})
    replies = await say(h, STRANGER, f"/start {code}")
    assert "скасовано" in replies[0].text
    assert await h.count("members") == 1  # only the admin
    # Nothing pending any more; a second revocation changes nothing.
    assert "No pending invite number 1" in text_of(await say(h, ADMIN, "/uninvite 1"))
    assert len(await audit_rows(h, "invite.revoke")) == 1


async def test_uninvite_refuses_anything_but_a_number(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    code = invite_code(await say(h, ADMIN, f"/invite {org.id} coordinator"))
    for args in ("", "---", code, "ABC", "1 2", "R-1"):
        assert "Usage: /uninvite NUMBER" in text_of(await say(h, ADMIN, f"/uninvite {args}"))
    assert "No pending invite number 99" in text_of(await say(h, ADMIN, "/uninvite 99"))
    assert await h.rows("SELECT revoked_at FROM invites") == [(None,)]


async def test_invite_refusals(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await h.add_org()
    cases = {
        "/invite 9 requester": "Organisation 9 not found",
        "/invite 1 boss": "Unknown role “boss”",
        "/invite 1 requester 91": "1 to 90 days",
        "/invite one requester": "Usage: /invite",
    }
    for command, expected in cases.items():
        assert expected in text_of(await say(h, ADMIN, command)), command
    assert await h.count("invites") == 0


async def test_only_admins_see_and_revoke_invites(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id)
    code = await h.invite_code(org.id)
    for command in ("/invites", "/uninvite 2", f"/uninvite {code}"):
        assert "недоступна" in (await say(h, NURSE, command))[0].text
    assert await h.rows("SELECT COUNT(*) FROM invites WHERE revoked_at IS NOT NULL") == [(0,)]
