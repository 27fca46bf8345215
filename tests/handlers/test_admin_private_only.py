"""Admin commands answer only in a private chat: in a group room their answers (invite codes,
names, messenger ids) would be read by everyone there."""

from __future__ import annotations

from handlers.engine import build_registry
from handlers.events import ChatRef
from handlers.registry import ADMIN as ADMIN_ROLES
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, db_snapshot
from tests.handlers.admin_steps import NURSE, admin_in_english, say, text_of

GROUP = ChatRef(transport="telegram", chat_id="-100777")
# Arguments that would make each command do something real in a private chat.
ARGS = {
    "invite": "1 coordinator",
    "uninvite": "ABC",
    "org_add": "hospital; Klinik; Raion; Ort",
    "org": "1",
    "members": "",
    "role": "2 coordinator add",
    "revoke": "2",
    "restore": "2",
    "audit": "",
    "broadcast": "requester hello",
    "forget": "2",
}


async def in_group(h: EngineHarness, who: Identity, text: str) -> str:
    h.clock.advance(seconds=4)
    incoming = h.incoming(who, text=text, lang="en")
    incoming = incoming.model_copy(update={"chat": GROUP, "private": False})
    return "\n".join(r.text for r in await h.engine.handle(incoming))


async def test_every_admin_command_in_a_group_points_to_the_private_chat(
    harness: EngineHarness,
) -> None:
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    await h.join(NURSE, org.id)
    admin_commands = sorted(
        name for name, c in build_registry().commands.items() if c.roles == ADMIN_ROLES
    )
    assert {"invite", "members", "audit", "forget", "backup", "stats"} <= set(admin_commands)
    before = await db_snapshot(h.db)
    for name in admin_commands:
        text = f"/{name} {ARGS.get(name, '')}".strip()
        answer = await in_group(h, ADMIN, text)
        assert "only in a private chat" in answer, text
        assert "telegram:" not in answer and "<code>" not in answer, text
    # Nothing was created, changed or queued (the admin's last-seen time aside).
    after = await db_snapshot(h.db)
    for table in ("audit", "invites", "organisations", "outbox", "conversations"):
        assert after[table] == before[table], table
    assert await h.rows("SELECT roles, active FROM members WHERE id = 2") == [("requester", 1)]

    # A requester in the group still gets the generic denial, which names nothing.
    assert "only in a private chat" not in await in_group(h, NURSE, "/members")
    # And the same command works in the private chat.
    assert "<code>" in text_of(await say(h, ADMIN, "/invite 1 coordinator", lang="en"))
    assert await h.rows("SELECT role FROM invites ORDER BY id") == [
        (Role.REQUESTER.value,),
        (Role.COORDINATOR.value,),
    ]
