"""The authorisation matrix: every registered command x six kinds of sender, over Telegram.

The commands come from handlers.core.engine.build_registry(), so a command added later is covered
without touching this file. Whether a cell is allowed comes from the command's declared roles,
and for the commands named below (the issue's admin-only list among them) from expectations
written here independently, so a wrongly declared role fails the test rather than defining it.

A denied cell must answer exactly the generic text (not-allowed, stranger or revoked), leak no
request id, organisation name or address, and write nothing but the claim of its update id.
Everything runs through python-telegram-bot and the fake Bot API, one app for the whole matrix.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.config import Settings
from handlers.admin.invites import issue_invite
from handlers.core.context import BotLinks
from handlers.core.engine import build_registry
from handlers.core.registry import (
    ADMIN,
    ANY_MEMBER,
    COORDINATOR,
    DONOR,
    PUBLIC,
    REQUESTER,
    Command,
)
from handlers.text.i18n import Language
from storage import members, organisations
from storage.models import Identity, OrgKind, Role
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button
from tests.engine_harness import db_snapshot, scalar
from tests.fakes.bot_api import FakeBotApi, RecordedCall

ORG_A = "Лікарня Секретна №7"
ADDRESS_A = "вул. Прихована, 13"
ORG_B = "Громада Відкрита"
ADDRESS_B = "пл. Центральна, 2"
NGO = "Hilfswerk Geheim e.V."
DONOR_ORG = "Stadtwerke Geheim GmbH"

# The issue's admin-only commands; those registered must be ADMIN-only, whoever adds them.
ADMIN_ONLY = frozenset(
    {
        "org_add",
        "orgs",
        "org",
        "invite",
        "invites",
        "uninvite",
        "members",
        "role",
        "revoke",
        "restore",
        "audit",
        "broadcast",
        "stats",
        "backup",
        "forget",
    }
)
# Who may use the other commands, written down independently of their register() calls.
EXPECTED_ROLES: dict[str, frozenset[Role]] = {
    "start": PUBLIC,
    **{name: ANY_MEMBER for name in ("help", "lang", "whoami", "cancel", "show", "note")},
    **{name: ANY_MEMBER for name in ("forget_me",)},
    **{name: REQUESTER for name in ("new", "need", "my", "received")},
    # /withdraw R-1042 (a requester's request) or /withdraw O-7 (the rest of a donor's offer).
    "withdraw": REQUESTER | DONOR,
    "offer": DONOR,
    "offers": DONOR | COORDINATOR,
    "matches": COORDINATOR,
    "allocate": COORDINATOR,
    **{
        name: COORDINATOR
        for name in (
            "open",
            "ack",
            "pledge",
            "transit",
            "delivered",
            "decline",
            "subscribe",
            "subscriptions",
            "unsubscribe",
            "digest",
            "export",
            "chart",
            "shipment",
            "shipments",
            "meeting",
        )
    },
    **{name: ADMIN for name in ADMIN_ONLY},
}

# Arguments that reach past the usage message; "{ref}" is requester A's request, "{org_b}"
# organisation B's id. A command missing here is sent without arguments.
ARGS: dict[str, str] = {
    "start": "WRNGC0DE99",
    "show": "{ref}",
    "withdraw": "{ref}",
    "received": "{ref}",
    "note": "{ref} matrix note",
    "ack": "{ref}",
    "pledge": "{ref} 1 1",
    "transit": "{ref}",
    "delivered": "{ref}",
    "decline": "{ref} matrix test",
    "need": "2 генератор",
    "offer": "12 Notstromaggregat 20 kVA",
    "matches": "{ref}",
    "allocate": "O-1 {ref} 1",
    "open": "",
    "export": "csv",
    "invite": "{org_b} requester",
    "org": "{org_b}",
    "audit": "",
}


@dataclass(frozen=True)
class Sender:
    name: str
    user_id: int
    roles: frozenset[Role]
    language: Language
    deny_key: str  # the generic answer this sender gets for a command they may not use


STRANGER = Sender("stranger", 666, frozenset(), "uk", "account.stranger")
REVOKED = Sender("revoked", 401, frozenset(), "uk", "account.revoked")
REQUESTER_A = Sender("requester A", 101, frozenset({Role.REQUESTER}), "uk", "error.not_allowed")
REQUESTER_B = Sender("requester B", 102, frozenset({Role.REQUESTER}), "uk", "error.not_allowed")
COORD = Sender("coordinator", 301, frozenset({Role.COORDINATOR}), "de", "error.not_allowed")
ADMIN_USER = Sender("admin", 900, frozenset({Role.ADMIN}), "uk", "error.not_allowed")
DONOR_USER = Sender("donor", 501, frozenset({Role.DONOR}), "de", "error.not_allowed")
# Those who change most go last, so earlier cells see the request as it was set up.
SENDERS = [STRANGER, REVOKED, REQUESTER_B, DONOR_USER, REQUESTER_A, COORD, ADMIN_USER]


@dataclass
class World:
    tg: TelegramHarness
    ref: str
    org_a: int
    org_b: int


def allowed(command: Command, sender: Sender) -> bool:
    roles = EXPECTED_ROLES.get(command.name, command.roles)
    return not roles or bool(roles & sender.roles)


async def invite(tg: TelegramHarness, org_id: int, role: Role) -> str:
    async with tg.app.db.transaction() as conn:
        issued = await issue_invite(
            conn,
            key=tg.app.ctx.invite_key,
            org_id=org_id,
            role=role,
            days=7,
            actor_id=None,
            actor_label="test",
            links=BotLinks(),
            now=tg.app.ctx.clock(),
        )
    assert issued is not None
    return issued.code


async def add_org(tg: TelegramHarness, name: str, address: str | None, kind: OrgKind) -> int:
    async with tg.app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=kind,
            name=name,
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address=address,
            now=tg.app.ctx.clock(),
        )
    return org.id


async def join(tg: TelegramHarness, sender: Sender, org_id: int, role: Role) -> None:
    code = await invite(tg, org_id, role)
    sent = await tg.say(sender.user_id, f"/start {code}", language_code=sender.language)
    assert "✅" in sent[-1].params["text"], sent


async def build_world(tg: TelegramHarness) -> World:
    org_a = await add_org(tg, ORG_A, ADDRESS_A, OrgKind.HOSPITAL)
    org_b = await add_org(tg, ORG_B, ADDRESS_B, OrgKind.MUNICIPALITY)
    ngo = await add_org(tg, NGO, None, OrgKind.NGO)
    donor_org = await add_org(tg, DONOR_ORG, None, OrgKind.COMPANY)
    await join(tg, REQUESTER_A, org_a, Role.REQUESTER)
    await join(tg, REQUESTER_B, org_b, Role.REQUESTER)
    await join(tg, COORD, ngo, Role.COORDINATOR)
    await join(tg, DONOR_USER, donor_org, Role.DONOR)
    await join(tg, REVOKED, org_a, Role.REQUESTER)
    async with tg.app.db.transaction() as conn:
        gone = await members.get_member_by_identity(
            conn, Identity(transport="telegram", user_id=str(REVOKED.user_id))
        )
        assert gone is not None
        await members.set_membership(
            conn, gone.id, org_id=gone.org_id, roles=gone.roles, active=False
        )
    sent = await tg.say(REQUESTER_A.user_id, "/need 2 генератор; 10 бинти")
    sent = await tg.press(
        REQUESTER_A.user_id, button(sent[-1], "w:submit:"), int(sent[-1].result["message_id"])
    )
    ref = "R-1001"
    assert ref in sent[-1].params["text"]
    # One message from everyone first: the bootstrap admin becomes a member and everyone's
    # last-seen is fresh, so the matrix's own turns have nothing else to record.
    for sender in SENDERS:
        await tg.say(sender.user_id, "/help", language_code=sender.language)
    return World(tg=tg, ref=ref, org_a=org_a, org_b=org_b)


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    base = tmp_path_factory.mktemp("matrix")
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    extra: dict[str, Any] = {"rate_limit_per_minute": 1000}
    if "backup_dir" in Settings.model_fields:
        extra["backup_dir"] = base / "backups"  # an admin's /backup must stay in tmp
    tg = await TelegramHarness.start(fake, base / "bot.db", **extra)
    try:
        yield await build_world(tg)
    finally:
        await tg.stop()
        await fake.stop()


def answers(calls: list[RecordedCall]) -> list[str]:
    return [str(c.params.get("text") or c.params.get("caption") or "") for c in calls]


async def writes_nothing_but_the_claim(
    world: World, before: dict[str, Any], claims_before: int, outbox_before: int
) -> None:
    db = world.tg.app.db
    # The outbox worker may mark earlier rows sent meanwhile: compare its row count only.
    assert await db_snapshot(db, skip=("processed_updates", "outbox")) == before
    assert await scalar(db, "SELECT COUNT(*) FROM outbox") == outbox_before
    assert await scalar(db, "SELECT COUNT(*) FROM processed_updates") == claims_before + 1


def test_the_issues_admin_commands_are_admin_only() -> None:
    registry = build_registry()
    for name in sorted(ADMIN_ONLY & set(registry.commands)):
        assert registry.commands[name].roles == ADMIN, name
    # The commands this file knows are declared as it expects; new ones use their own.
    for name, command in registry.commands.items():
        if name in EXPECTED_ROLES:
            assert command.roles == EXPECTED_ROLES[name], name


async def test_every_command_for_every_kind_of_sender(world: World) -> None:
    tg = world.tg
    t = tg.app.ctx.t
    registry = build_registry()
    assert len(registry.commands) >= 20
    secrets = [ORG_A, ADDRESS_A, ORG_B, ADDRESS_B, NGO, DONOR_ORG, world.ref, world.ref.lower()]
    cells = 0
    denied = 0
    for sender in SENDERS:
        deny_text = t(sender.language, sender.deny_key)
        for name in sorted(registry.commands):
            command = registry.commands[name]
            args = ARGS.get(name, "").format(ref=world.ref, org_b=world.org_b)
            text = f"/{name} {args}".strip()
            cell = f"{sender.name}: {text}"
            db = tg.app.db
            before = await db_snapshot(db, skip=("processed_updates", "outbox"))
            claims = await scalar(db, "SELECT COUNT(*) FROM processed_updates")
            outbox_rows = await scalar(db, "SELECT COUNT(*) FROM outbox")
            sent = answers(await tg.say(sender.user_id, text, language_code=sender.language))
            cells += 1
            if allowed(command, sender):
                assert deny_text not in sent, cell
                assert sent, f"{cell}: no answer"
                continue
            denied += 1
            assert sent == [deny_text], cell
            assert not any(secret in sent[0] for secret in secrets), cell
            await writes_nothing_but_the_claim(world, before, claims, outbox_rows)
    assert cells == len(SENDERS) * len(registry.commands)
    assert denied >= 3 * len(registry.commands)  # strangers and revoked members: every one


async def test_another_organisations_request_looks_like_a_missing_one(world: World) -> None:
    tg = world.tg
    missing = "R-9999"
    for name in ("show", "withdraw", "note"):
        tail = " x" if name == "note" else ""
        theirs = answers(await tg.say(REQUESTER_B.user_id, f"/{name} {world.ref}{tail}"))
        absent = answers(await tg.say(REQUESTER_B.user_id, f"/{name} {missing}{tail}"))
        assert len(theirs) == 1, theirs
        assert theirs == [a.replace(missing, world.ref) for a in absent], name
        assert ORG_A not in theirs[0] and ADDRESS_A not in theirs[0]


async def outbox_drained(tg: TelegramHarness, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    while await scalar(tg.app.db, pending):
        assert loop.time() < deadline, "the outbox did not drain"
        await asyncio.sleep(0.02)


async def test_a_document_over_the_limit_is_refused_over_telegram(world: World) -> None:
    tg = world.tg
    t = tg.app.ctx.t
    limit = tg.app.ctx.policy.max_attachment_bytes
    await outbox_drained(tg)  # notifications from the matrix must not mix with the answers
    seq = tg.fake.last_seq
    requests_before = await scalar(tg.app.db, "SELECT COUNT(*) FROM requests")
    update_id = tg.fake.push_document(
        REQUESTER_A.user_id, "scan.pdf", limit + 1, caption="/need 2 генератор"
    )
    await tg._wait(update_id)
    sent = [c for c in tg.fake.calls(chat_id=REQUESTER_A.user_id) if c.seq > seq]
    assert [c.params["text"] for c in sent if c.method == "sendMessage"] == [
        t("uk", "security.attachment_too_large", size="10,1", limit="10,0")
    ]
    seq = tg.fake.last_seq
    update_id = tg.fake.push_document(REQUESTER_A.user_id, "photo.jpg", 2_000)
    await tg._wait(update_id)
    sent = [c for c in tg.fake.calls(chat_id=REQUESTER_A.user_id) if c.seq > seq]
    assert [c.params["text"] for c in sent] == [t("uk", "security.attachment_not_kept")]
    assert await scalar(tg.app.db, "SELECT COUNT(*) FROM requests") == requests_before
