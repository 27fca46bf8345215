"""Default subscriptions come from one place, however a member comes to coordinate."""

from __future__ import annotations

from storage.models import Identity, Role
from tests.engine_harness import EngineHarness
from tests.handlers.admin_steps import COORD, NURSE, say

SECOND = Identity(transport="telegram", user_id="777")


async def kinds(h: EngineHarness, who: Identity) -> list[tuple[str, int]]:
    rows = await h.rows(
        "SELECT s.kind, s.active FROM subscriptions s JOIN members m ON m.id = s.member_id"
        " WHERE m.user_id = ? ORDER BY s.id",
        who.user_id,
    )
    return [(str(kind), int(active)) for kind, active in rows]


async def test_joining_and_role_changes_start_critical_alerts_once(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    await h.join(COORD, org.id, Role.COORDINATOR)
    assert await kinds(h, COORD) == [("critical", 1)]
    # A second coordinator invite for the same person does not double the alerts.
    await h.join(COORD, org.id, Role.COORDINATOR)
    assert await kinds(h, COORD) == [("critical", 1)]
    # An admin can use the coordinator commands: joining as one brings the same default.
    await h.join(SECOND, org.id, Role.ADMIN)
    assert await kinds(h, SECOND) == [("critical", 1)]
    # A requester gets none, and the alerts once an admin makes them a coordinator.
    await h.join(NURSE, org.id)
    assert await kinds(h, NURSE) == []
    [(nurse_id,)] = await h.rows("SELECT id FROM members WHERE user_id = ?", NURSE.user_id)
    await say(h, SECOND, f"/role {nurse_id} coordinator add")
    assert await kinds(h, NURSE) == [("critical", 1)]
    await say(h, SECOND, f"/role {nurse_id} admin add")
    assert await kinds(h, NURSE) == [("critical", 1)]
