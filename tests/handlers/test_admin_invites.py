"""/invite, /invites and /uninvite through the engine."""

from __future__ import annotations

from collections import defaultdict

from storage.invites import HINT_LENGTH
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, payloads
from tests.handlers.admin_steps import (
    NURSE,
    admin_in_english,
    audit_rows,
    invite_code,
    say,
    tap,
    text_of,
)

STRANGER = Identity(transport="telegram", user_id="555")


async def test_invites_lists_only_pending_ones(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    other = await h.add_org(name="Hilfswerk NRW", address=None)
    assert "No pending invites" in text_of(await say(h, ADMIN, "/invites"))
    short = invite_code(await say(h, ADMIN, f"/invite {org.id} requester 1"))
    pending = invite_code(await say(h, ADMIN, f"/invite {other.id} coordinator 30"))
    used = invite_code(await say(h, ADMIN, f"/invite {org.id} requester 30"))
    revoked = invite_code(await say(h, ADMIN, f"/invite {org.id} admin 30"))
    await say(h, NURSE, f"/start {used}")
    await say(h, ADMIN, f"/uninvite {revoked}")
    h.clock.advance(days=2)  # the one-day invite has expired
    text = text_of(await say(h, ADMIN, "/invites"))
    assert "Pending invites: 1" in text
    assert f"<code>{pending[:HINT_LENGTH]}…</code> · Hilfswerk NRW (#2) · coordinator" in text
    assert "until 24.12.2026" in text
    assert text.count("<code>") == 1  # the expired, used and revoked ones are not listed
    assert all(code not in text for code in (short, pending))  # only hints are ever shown


async def test_uninvite_by_prefix_revokes_and_the_code_stops_working(
    harness: EngineHarness,
) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    code = invite_code(await say(h, ADMIN, f"/invite {org.id} requester"))
    replies = await say(h, ADMIN, f"/uninvite {code[:2].lower()}")  # case does not matter
    assert f"Invite <code>{code[:3]}…</code> to “Лікарня №4” (requester) revoked" in replies[0].text
    assert await h.rows("SELECT revoked_at IS NOT NULL FROM invites") == [(1,)]
    [(actor, target, summary)] = await audit_rows(h, "invite.revoke")
    assert (actor, target) == (1, "org:1") and "pending -> revoked" in str(summary)
    replies = await say(h, STRANGER, f"/start {code}")
    assert "скасовано" in replies[0].text
    assert await h.count("members") == 1  # only the admin
    # Nothing pending any more.
    assert "No pending invite starts with" in text_of(await say(h, ADMIN, f"/uninvite {code}"))


async def test_uninvite_whole_code_and_refused_lengths(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    code = invite_code(await say(h, ADMIN, f"/invite {org.id} coordinator"))
    text = text_of(await say(h, ADMIN, f"/uninvite {code[:5]}"))
    assert "Only the first 3 letters" in text
    assert "Usage: /uninvite" in text_of(await say(h, ADMIN, "/uninvite"))
    assert "Usage: /uninvite" in text_of(await say(h, ADMIN, "/uninvite ---"))
    assert await h.rows("SELECT revoked_at FROM invites") == [(None,)]
    spaced = f"{code[:4]}-{code[4:7]} {code[7:]}"  # as read out over the phone
    assert "revoked" in text_of(await say(h, ADMIN, f"/uninvite {spaced}"))
    assert await h.rows("SELECT revoked_at IS NOT NULL FROM invites") == [(1,)]


async def test_ambiguous_prefix_is_refused_and_a_button_picks_one(
    harness: EngineHarness,
) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    by_letter: dict[str, list[str]] = defaultdict(list)
    # 32 codes over a 31-letter alphabet: two of them must share their first letter.
    for _ in range(32):
        code = await h.invite_code(org.id, Role.REQUESTER)
        by_letter[code[0]].append(code)
    letter, codes = next((k, v) for k, v in by_letter.items() if len(v) > 1)
    replies = await say(h, ADMIN, f"/uninvite {letter}")
    text = text_of(replies)
    assert f"{len(codes)} pending invites start with {letter}; nothing was revoked" in text
    for code in codes:
        assert f"<code>{code[:3]}…</code>" in text
    assert await h.rows("SELECT COUNT(*) FROM invites WHERE revoked_at IS NOT NULL") == [(0,)]
    buttons = [p for p in payloads(replies[-1]) if p.startswith("ui:")]
    assert len(buttons) == len(codes)
    replies = await tap(h, ADMIN, buttons[0])
    assert replies[0].replace and "revoked" in replies[0].text
    assert await h.rows("SELECT COUNT(*) FROM invites WHERE revoked_at IS NOT NULL") == [(1,)]
    # The same button again, or a forged one, changes nothing.
    assert "no longer pending" in (await tap(h, ADMIN, buttons[0]))[0].text
    assert "no longer pending" in (await tap(h, ADMIN, "ui:999"))[0].text
    assert "no longer pending" in (await tap(h, ADMIN, "ui:x"))[0].text
    assert await h.rows("SELECT COUNT(*) FROM invites WHERE revoked_at IS NOT NULL") == [(1,)]
    assert len(await audit_rows(h, "invite.revoke")) == 1


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
    for command in ("/invites", f"/uninvite {code}"):
        assert "недоступна" in (await say(h, NURSE, command))[0].text
    assert (await tap(h, NURSE, "ui:2"))[0].toast
    assert await h.rows("SELECT COUNT(*) FROM invites WHERE revoked_at IS NOT NULL") == [(0,)]
