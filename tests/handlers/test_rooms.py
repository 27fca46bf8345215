"""The room policy the Matrix transport asks (Engine.accepts_invite, Engine.may_stay)."""

from __future__ import annotations

from storage.models import Identity
from tests.engine_harness import ADMIN, EngineHarness, find_payload
from tests.handlers.admin_steps import NURSE, say, tap

STRANGER = Identity(transport="matrix", user_id="@someone:example.org")


async def test_invites_and_staying_follow_the_members_table_at_once(
    harness: EngineHarness,
) -> None:
    h = harness
    engine = h.engine
    org = await h.add_org()
    # A direct chat is joined whoever asks; a group room only on a member's invitation.
    assert await engine.accepts_invite(STRANGER, True)
    assert not await engine.accepts_invite(STRANGER, False)
    assert not await engine.accepts_invite(NURSE, False)
    # A stranger is left after anything but /start (a mistyped code gets another try).
    assert not await engine.may_stay([STRANGER], "hello")
    assert await engine.may_stay([STRANGER], "!start WRONG-CODE")
    assert await engine.may_stay([STRANGER], "/start@aidbridge_bot")
    assert not await engine.may_stay([STRANGER], "!starter")
    assert not await engine.may_stay([], None)

    await h.join(NURSE, org.id)
    assert await engine.accepts_invite(NURSE, False)
    assert await engine.may_stay([NURSE], "hello")
    assert await engine.may_stay([STRANGER, NURSE], None)

    [(nurse_id,)] = await h.rows("SELECT id FROM members WHERE user_id = ?", NURSE.user_id)
    replies = await say(h, ADMIN, f"/revoke {nurse_id}")
    await tap(h, ADMIN, find_payload(replies[0], f"rv:y:{nurse_id}"))
    # Revoked: a stranger again, with no delay.
    assert not await engine.accepts_invite(NURSE, False)
    assert not await engine.may_stay([NURSE], "hello")
    assert await engine.accepts_invite(NURSE, True)  # they may bring a new code
