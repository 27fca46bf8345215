"""Where a view may be shown: every command x chat type x role, over Telegram.

Every registered command (from handlers.core.engine.build_registry(), so a later one is covered) is
typed by a requester, a coordinator, an admin and a stranger in a private chat, a group and a
supergroup, through python-telegram-bot and the fake Bot API. The commands a group may see are
written down here independently of their declarations, so a command flipped to "any chat"
fails this test until someone reviews what it shows.

In a group, a command the sender may use but that is private gets exactly the refusal (with
the link to the private chat) and writes nothing but the claim of its update id; a command the
sender may not use gets the generic denial; and nothing sent to either group, at any time,
carries an organisation's name, an address, a note, a person's name or messenger id, or the
request's number. In the private chat the same views do show those details, so the refusal is
what keeps them out of the group.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.config import Settings
from handlers.core.engine import build_registry
from handlers.core.registry import ADMIN, COORDINATOR, Command, Where
from handlers.text.i18n import Language
from storage.models import OrgKind, Role
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button
from tests.bot.test_authorization_matrix import add_org, invite
from tests.engine_harness import db_snapshot, scalar
from tests.fakes.bot_api import FakeBotApi, RecordedCall

ORG = "Лікарня Таємна №9"
ADDRESS = "вул. Невидима, 17"
NGO = "Hilfswerk Verborgen e.V."
NOTE = "ключ у сторожа Миколи"
GROUP = -4242  # a basic group
SUPERGROUP = -1004242  # a supergroup (Telegram sends both kinds)

# The commands whose answers a group may read, decided and explained at their registration.
GROUP_OK = frozenset(
    {"start", "help", "lang", "cancel", "subscribe", "subscriptions", "unsubscribe", "chart"}
)
# The examples, which must never answer in a group, whatever the declarations say.
NEVER_IN_GROUP = frozenset({"show", "export", "open", "my", "whoami", "digest", "audit", "meeting"})


@dataclass(frozen=True)
class Person:
    name: str
    user_id: int
    first_name: str  # what Telegram shows: a person's name must never reach a group
    roles: frozenset[Role]
    language: Language
    deny_key: str


REQUESTER = Person(
    "requester", 111, "Ярина Схована", frozenset({Role.REQUESTER}), "uk", "error.not_allowed"
)
COORD = Person(
    "coordinator", 311, "Greta Verdeckt", frozenset({Role.COORDINATOR}), "de", "error.not_allowed"
)
ADMIN_P = Person(
    "admin", 900, "Adam Unsichtbar", frozenset({Role.ADMIN}), "en", "error.not_allowed"
)
STRANGER = Person("stranger", 666, "Stepan Chuzhyi", frozenset(), "uk", "account.stranger")
PEOPLE = [STRANGER, REQUESTER, COORD, ADMIN_P]

REF = "R-1001"
# Arguments that make each command show or do the most; a command missing here has none.
ARGS: dict[str, str] = {
    "start": "WRNGC0DE99XY",
    "show": REF,
    "withdraw": REF,
    "received": REF,
    "note": f"{REF} ще одна примітка",
    "ack": REF,
    "transit": REF,
    "pledge": f"{REF} генератор 1",
    "delivered": f"{REF} генератор 1",
    "decline": f"{REF} немає на складі",
    "need": "2 генератор",
    "export": "xlsx",
    "org": "1",
    "members": "",
    "audit": "",
    "invite": "1 requester",
    "broadcast": "requester hello",
}


@dataclass
class World:
    tg: TelegramHarness
    secrets: list[str]


def allowed(command: Command, person: Person) -> bool:
    return not command.roles or bool(command.roles & person.roles)


async def say(tg: TelegramHarness, person: Person, text: str, chat: int | None = None) -> list[str]:
    sent = await tg.say(
        person.user_id,
        text,
        chat_id=chat,
        first_name=person.first_name,
        language_code=person.language,
    )
    return texts(sent)


def texts(calls: list[RecordedCall]) -> list[str]:
    return [str(c.params.get("text") or c.params.get("caption") or "") for c in calls]


def everything_sent_to(tg: TelegramHarness, chat: int) -> list[str]:
    """Every text, caption and file the bot ever sent to ``chat`` (toasts have no chat)."""
    found: list[str] = []
    for call in tg.fake.calls(chat_id=chat):
        found.append(str(call.params.get("text") or call.params.get("caption") or ""))
        found += [f.content.decode("utf-8", "replace") for f in call.files.values()]
    return found


async def build_world(tg: TelegramHarness) -> World:
    org = await add_org(tg, ORG, ADDRESS, OrgKind.HOSPITAL)
    ngo = await add_org(tg, NGO, None, OrgKind.NGO)
    for person, org_id, role in ((REQUESTER, org, Role.REQUESTER), (COORD, ngo, Role.COORDINATOR)):
        code = await invite(tg, org_id, role)
        assert "✅" in (await say(tg, person, f"/start {code}"))[-1]
    sent = await tg.say(
        REQUESTER.user_id,
        "/need 2 генератор; 10 бинти",
        first_name=REQUESTER.first_name,
        language_code=REQUESTER.language,
    )
    sent = await tg.press(
        REQUESTER.user_id,
        button(sent[-1], "w:submit:"),
        int(sent[-1].result["message_id"]),
        first_name=REQUESTER.first_name,
        language_code=REQUESTER.language,
    )
    assert REF in texts(sent)[-1]
    assert await say(tg, REQUESTER, f"/note {REF} {NOTE}")
    for person in PEOPLE:  # last-seen fresh, the bootstrap admin created
        await say(tg, person, "/help")
    # Menus queued by joining and by the admin's first message are delivered before the
    # matrix starts, so a cell's snapshot compares only what that cell did.
    await outbox_drained(tg)
    secrets = [ORG, ADDRESS, NGO, NOTE, REF, REF.lower()]
    for person in (REQUESTER, COORD, ADMIN_P):
        secrets += [person.first_name, person.first_name.split()[1], f"telegram:{person.user_id}"]
    return World(tg=tg, secrets=secrets)


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    base = tmp_path_factory.mktemp("policy")
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    extra: dict[str, Any] = {"rate_limit_per_minute": 1000}
    if "backup_dir" in Settings.model_fields:
        extra["backup_dir"] = base / "backups"
    tg = await TelegramHarness.start(fake, base / "bot.db", **extra)
    try:
        yield await build_world(tg)
    finally:
        await tg.stop()
        await fake.stop()


async def outbox_drained(tg: TelegramHarness, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    while await scalar(tg.app.db, pending):
        assert loop.time() < deadline, "the outbox did not drain"
        await asyncio.sleep(0.02)


def test_the_declared_policy_is_the_reviewed_one() -> None:
    commands = build_registry().commands
    anywhere = {name for name, c in commands.items() if c.where is Where.ANY_CHAT}
    assert anywhere == GROUP_OK & set(commands)
    assert set(commands) >= NEVER_IN_GROUP
    assert all(commands[name].where is Where.PRIVATE for name in NEVER_IN_GROUP)
    # Every admin and every export-like command is private.
    assert all(c.where is Where.PRIVATE for c in commands.values() if c.roles == ADMIN)
    assert commands["export"].roles == COORDINATOR


async def test_every_command_in_every_chat_for_every_role(world: World) -> None:
    tg = world.tg
    t = tg.app.ctx.t
    db = tg.app.db
    registry = build_registry()
    link = f"https://t.me/{tg.fake.username}"
    refused_cells = 0
    for person in PEOPLE:
        refusal = (
            t(person.language, "policy.private_only")
            + "\n"
            + t(person.language, "policy.private_only_link", link=link)
        )
        deny = t(person.language, person.deny_key)
        for name in sorted(registry.commands):
            command = registry.commands[name]
            text = f"/{name} {ARGS.get(name, '')}".strip()
            for chat in (GROUP, SUPERGROUP):
                cell = f"{person.name} in {chat}: {text}"
                before = await db_snapshot(db, skip=("processed_updates",))
                claims = await scalar(db, "SELECT COUNT(*) FROM processed_updates")
                sent = await say(tg, person, text, chat=chat)
                if not allowed(command, person):
                    assert sent == [deny], cell
                elif name in GROUP_OK:
                    assert sent and refusal not in sent, cell
                    continue
                else:
                    assert sent == [refusal], cell
                    refused_cells += 1
                # Refused or denied: the handler never ran, only the update was claimed.
                assert await db_snapshot(db, skip=("processed_updates",)) == before, cell
                assert await scalar(db, "SELECT COUNT(*) FROM processed_updates") == claims + 1
    # Members may use most commands; every one of those outside GROUP_OK was refused twice.
    assert refused_cells >= 2 * (len(registry.commands) - len(GROUP_OK))
    await outbox_drained(tg)
    for chat in (GROUP, SUPERGROUP):
        shown = "\n".join(everything_sent_to(tg, chat))
        assert shown, chat
        leaked = [secret for secret in world.secrets if secret in shown]
        assert leaked == [], chat


async def test_the_same_views_in_a_private_chat_show_the_details(world: World) -> None:
    """The contrast that makes the group test meaningful: privately, the views show exactly
    what the group never saw, and no private-chat answer is the refusal."""
    tg = world.tg
    t = tg.app.ctx.t
    shown = "\n".join(await say(tg, COORD, f"/show {REF}"))
    assert ORG in shown and NOTE in shown
    # Need-to-know (handlers/core/location_policy.py): the street address is for admins and
    # the organisation's own members, not for coordinators.
    assert ADDRESS not in shown
    assert ADDRESS in "\n".join(await say(tg, ADMIN_P, f"/show {REF}"))
    assert ADDRESS in "\n".join(await say(tg, REQUESTER, f"/show {REF}"))
    assert ORG in "\n".join(await say(tg, COORD, "/open"))
    assert REF in "\n".join(await say(tg, REQUESTER, "/my"))
    seq = tg.fake.last_seq
    await say(tg, ADMIN_P, "/export csv")
    files = [c for c in tg.fake.calls("sendDocument", chat_id=ADMIN_P.user_id) if c.seq > seq]
    content = b"".join(f.content for c in files for f in c.files.values()).decode()
    assert ORG in content and f"{REQUESTER.first_name} (telegram:111)" in content  # contacts
    registry = build_registry()
    for person in PEOPLE:
        refusal = t(person.language, "policy.private_only")
        for name in sorted(registry.commands):
            if name in ("forget_me", "revoke", "role", "forget", "broadcast", "decline"):
                continue  # they act; their private use is tested where they live
            sent = await say(tg, person, f"/{name}")
            assert sent and not any(refusal in s for s in sent), f"{person.name}: /{name}"


async def test_old_buttons_pressed_in_a_group_answer_only_a_toast(world: World) -> None:
    tg = world.tg
    t = tg.app.ctx.t
    db = tg.app.db
    await outbox_drained(tg)
    before = await db_snapshot(db, skip=("processed_updates",))
    for person, payload in ((COORD, "op:0"), (REQUESTER, "w:start"), (ADMIN_P, "mp:1")):
        seq = tg.fake.last_seq
        sent = await tg.press(
            person.user_id,
            payload,
            message_id=7,
            chat_id=GROUP,
            first_name=person.first_name,
            language_code=person.language,
        )
        assert sent == [], payload  # nothing posted or edited in the group
        [toast] = [c for c in tg.fake.calls("answerCallbackQuery") if c.seq > seq]
        assert toast.params.get("text") == t(person.language, "policy.private_only")
    assert await db_snapshot(db, skip=("processed_updates",)) == before
