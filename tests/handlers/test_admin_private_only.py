"""Admin commands answer only in a private chat: in a group room their answers (invite codes,
names, messenger ids) would be read by everyone there. The engine enforces it for every command
declared private (handlers/registry.Where); tests/bot/test_group_policy_matrix.py covers every
command and role over Telegram, this file the admin commands and the button and conversation
paths at the engine."""

from __future__ import annotations

import json

from handlers.core.engine import build_registry
from handlers.core.events import ChatRef
from handlers.core.registry import ADMIN as ADMIN_ROLES
from handlers.core.registry import Where
from storage import conversations
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, db_snapshot
from tests.handlers.admin_steps import NURSE, admin_in_english, say, text_of

GROUP = ChatRef(transport="telegram", chat_id="-100777")
# Arguments that would make each command do something real in a private chat.
ARGS = {
    "invite": "1 coordinator",
    "uninvite": "1",
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


# The engine harness's bot is @aidbridge_test_bot: the refusal links to its private chat.
REFUSAL = (
    "🔒 This command works only in a private chat with the bot: its answer may show people's "
    "data, addresses, notes or invite codes. Please message me directly.\n"
    "Private chat: https://t.me/aidbridge_test_bot"
)


async def in_group(
    h: EngineHarness, who: Identity, text: str | None = None, choice: str | None = None
) -> str:
    h.clock.advance(seconds=4)
    incoming = h.incoming(who, text=text, choice=choice, lang="en")
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
        assert answer == REFUSAL, text
    # Nothing was created, changed or queued (the admin's last-seen time aside).
    after = await db_snapshot(h.db)
    for table in ("audit", "invites", "organisations", "outbox", "conversations"):
        assert after[table] == before[table], table
    assert await h.rows("SELECT roles, active FROM members WHERE id = 2") == [("requester", 1)]

    # A requester in the group still gets the generic denial, which names nothing.
    assert "private chat" not in await in_group(h, NURSE, "/members")
    # And the same command works in the private chat.
    assert "<code>" in text_of(await say(h, ADMIN, "/invite 1 coordinator", lang="en"))
    assert await h.rows("SELECT role FROM invites ORDER BY id") == [
        (Role.REQUESTER.value,),
        (Role.COORDINATOR.value,),
    ]


async def test_admin_commands_are_private_by_the_registry_not_by_a_wrapper() -> None:
    commands = build_registry().commands.values()
    assert all(c.where is Where.PRIVATE for c in commands if c.roles == ADMIN_ROLES)


async def test_a_button_or_a_conversation_in_a_group_is_refused_too(
    harness: EngineHarness,
) -> None:
    """A button under an old answer in a group, or a wizard begun there before the policy,
    runs nothing: the button gets the refusal as a toast, typed text the refusal."""
    h = harness
    await admin_in_english(h)
    org = await h.add_org()
    await h.join(NURSE, org.id)
    async with h.db.transaction() as conn:
        await conversations.set_conversation(
            conn,
            transport=GROUP.transport,
            chat_id=GROUP.chat_id,
            user_id=ADMIN.user_id,
            flow="intake",
            step="place",
            data_json=json.dumps({}),
            now=h.clock(),
        )
    before = await db_snapshot(h.db)
    for payload in ("op:0", "w:start", "mp:1", "org:1", "fgme:yes"):
        h.clock.advance(seconds=4)
        incoming = h.incoming(ADMIN, choice=payload, lang="en")
        replies = await h.engine.handle(
            incoming.model_copy(update={"chat": GROUP, "private": False})
        )
        assert [(r.text, r.toast) for r in replies] == [(REFUSAL.split("\n")[0], True)], payload
    assert await in_group(h, ADMIN, "вул. Садова, 3") == REFUSAL
    after = await db_snapshot(h.db)
    for table in ("audit", "requests", "outbox", "conversations", "members"):
        assert after[table] == before[table], table
