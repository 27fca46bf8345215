"""Each member's Telegram command menu: their roles, their /lang language (issue 9).

The menu used to be one per phone language and only ever the requesters' commands. Now the
bot sets a menu for each member's chat (BotCommandScopeChat) when they join, on /lang, and when
an admin changes their roles, revokes or restores them. The fake records every setMyCommands
with its scope and language; ``menu_shown`` resolves scopes the way Telegram does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage import organisations
from storage.models import OrgKind
from tests.bot.telegram_harness import TOKEN, TelegramHarness
from tests.fakes.bot_api import FakeBotApi, RecordedCall

ADMIN = 900
COORD = 301


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    harness = await TelegramHarness.start(fake, tmp_path / "bot.db")
    try:
        yield harness
    finally:
        await harness.stop()
        await fake.stop()


def chat_menus(chat_id: int) -> Any:
    def matches(call: RecordedCall) -> bool:
        scope = call.params.get("scope") or {}
        return call.method == "setMyCommands" and scope.get("chat_id") == chat_id

    return matches


async def next_menu(tg: TelegramHarness, chat_id: int, count: int) -> RecordedCall:
    """The ``count``-th menu set for ``chat_id`` (the outbox worker sets it after the turn)."""
    calls = await tg.fake.wait_for(chat_menus(chat_id), count=count)
    call = calls[count - 1]
    assert call.params["scope"] == {"type": "chat", "chat_id": chat_id}
    # No language_code: the chat's menu is in the /lang language whatever the phone says.
    assert not call.params.get("language_code")
    return call


def descriptions(call: RecordedCall) -> dict[str, str]:
    return {c["command"]: c["description"] for c in call.params["commands"]}


async def join_coordinator(tg: TelegramHarness) -> None:
    async with tg.app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.NGO,
            name="Hilfswerk NRW",
            raion="—",
            settlement="Köln",
            code=None,
            address=None,
            now=tg.app.ctx.clock(),
        )
    sent = await tg.say(ADMIN, f"/invite {org.id} coordinator")
    code = sent[-1].params["text"].split("?start=")[1].split()[0]
    sent = await tg.say(COORD, f"/start {code}", language_code="uk")
    assert "✅" in sent[-1].params["text"]


async def test_menu_follows_roles_and_lang(tg: TelegramHarness) -> None:
    await join_coordinator(tg)
    joined = descriptions(await next_menu(tg, COORD, 1))
    assert {"open", "ack", "subscribe", "help", "lang"} <= set(joined)
    assert "new" not in joined and "invite" not in joined
    assert joined["open"].startswith("відкриті запити")
    # What the coordinator's phone (in English) shows: their own menu, not the default one.
    assert "open" in tg.fake.menu_shown(COORD, "en")

    await tg.say(COORD, "/lang de", language_code="uk")
    german = descriptions(await next_menu(tg, COORD, 2))
    assert set(german) == set(joined) and german["open"].startswith("offene Anfragen")

    await tg.say(ADMIN, "/role 2 admin add")
    as_admin = descriptions(await next_menu(tg, COORD, 3))
    assert {"invite", "members", "open"} <= set(as_admin)
    assert as_admin["members"] == "Mitglieder"

    sent = await tg.say(ADMIN, "/revoke 2")
    confirm = next(
        b["callback_data"]
        for row in sent[-1].params["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("rv:y:")
    )
    await tg.press(ADMIN, confirm, message_id=int(sent[-1].result["message_id"]))
    revoked = descriptions(await next_menu(tg, COORD, 4))
    assert list(revoked) == ["start"]  # a new invite code is all that helps now
    assert tg.fake.menu_shown(COORD, "uk") == ["start"]

    await tg.say(ADMIN, "/restore 2")
    restored = descriptions(await next_menu(tg, COORD, 5))
    assert {"invite", "open"} <= set(restored) and restored["open"].startswith("offene")


async def test_strangers_keep_the_default_menu(tg: TelegramHarness) -> None:
    """Chats without a menu of their own see the requesters' default menu, per language."""
    default = tg.fake.menu_shown(666, "de")
    assert "new" in default and "invite" not in default and "open" not in default


async def test_members_from_before_get_their_menu_at_start_once(tmp_path: Path) -> None:
    """A coordinator who joined before per-chat menus existed (no menu row), and a configured
    admin, get their own menus when the bot starts, without waiting for /lang; a second start
    sets nothing again."""
    from datetime import UTC, datetime

    from storage import members
    from storage.db import open_db
    from storage.migrations import migrate
    from storage.models import Identity, Role

    db_path = tmp_path / "bot.db"
    db = await open_db(db_path)
    await migrate(db)
    async with db.transaction() as conn:
        await members.add_member(
            conn,
            identity=Identity(transport="telegram", user_id=str(COORD)),
            chat_id=str(COORD),
            org_id=None,
            roles=frozenset({Role.COORDINATOR}),
            language="de",
            display_name="Koordination",
            now=datetime(2026, 11, 1, tzinfo=UTC),
        )
    await db.close()

    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    try:
        harness = await TelegramHarness.start(fake, db_path)
        call = await next_menu(harness, COORD, 1)
        names = descriptions(call)
        assert "open" in names and "export" in names  # the coordinator's commands
        assert "Offene" in names["open"] or "offen" in names["open"].lower()  # in German
        # A configured admin gets theirs on the first message, before any /lang.
        await harness.say(ADMIN, "/help")
        admin_menu = descriptions(await next_menu(harness, ADMIN, 1))
        assert "invite" in admin_menu
        await harness.stop()
        before = len([c for c in fake.calls("setMyCommands") if chat_menus(COORD)(c)])
        harness = await TelegramHarness.start(fake, db_path)
        await harness.say(ADMIN, "/help")
        after = len([c for c in fake.calls("setMyCommands") if chat_menus(COORD)(c)])
        assert after == before  # nothing new to set
        await harness.stop()
    finally:
        await fake.stop()
