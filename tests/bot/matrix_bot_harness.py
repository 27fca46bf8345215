"""The whole bot (build_app) on the Matrix transport against the session's real Synapse.

People are matrix-nio clients driven by the helpers of tests/matrix_harness.py. ``Person.say``
sends a message and returns what the bot answered in that room: it waits until the transport
has handled the event (its ``after_event`` hook fires after the replies were sent), then one
sync brings every answer, however many there are.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nio

from bot.app import App, build_app
from bot.config import Settings
from bot.transports.matrix import MatrixTransport
from handlers.core.events import Choice
from handlers.core.text_menu import numbered
from storage import conversations, organisations
from storage.models import OrgKind
from tests.bot.telegram_harness import reports_delivered
from tests.matrix_harness import (
    Homeserver,
    RegisteredUser,
    create_dm,
    drain_messages,
    e2e_send_text,
    next_messages,
    send_text,
    unique_localpart,
    wait_until_joined,
)

HANDLED_TIMEOUT = 15.0


def matrix_settings(
    hs: Homeserver, bot: RegisteredUser, db_path: Path, **extra: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "db_path": db_path,
        "matrix_homeserver": hs.url,
        "matrix_user_id": bot.user_id,
        "matrix_access_token": bot.access_token,
        "matrix_device_id": bot.device_id,
        "_env_file": None,
    }
    values.update(extra)
    return values


class MatrixBot:
    def __init__(self, hs: Homeserver, user: RegisteredUser, app: App) -> None:
        self.hs = hs
        self.user = user
        self.app = app
        transport = app.transports["matrix"]
        assert isinstance(transport, MatrixTransport)
        self.transport = transport
        self.handled: dict[str, asyncio.Event] = {}
        transport.after_event = self._handled

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @classmethod
    async def start(
        cls,
        hs: Homeserver,
        db_path: Path,
        *,
        user: RegisteredUser | None = None,
        timeline_limit: int | None = None,
        **extra: Any,
    ) -> MatrixBot:
        user = user or await hs.register(unique_localpart("aidbridge"))
        app = await build_app(Settings(**matrix_settings(hs, user, db_path, **extra)))
        bot = cls(hs, user, app)
        if timeline_limit is not None:
            bot.transport.sync_filter["room"]["timeline"]["limit"] = timeline_limit
        await app.start()
        return bot

    async def stop(self) -> None:
        await self.app.stop()

    def _handled(self, event_id: str) -> None:
        self.handled.setdefault(event_id, asyncio.Event()).set()

    async def wait_handled(self, event_id: str, timeout: float = HANDLED_TIMEOUT) -> None:
        event = self.handled.setdefault(event_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)

    async def add_org(self, name: str = "Лікарня №4 <Дніпро> & Co") -> int:
        async with self.app.db.transaction() as conn:
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name=name,
                raion="Дніпровський",
                settlement="Дніпро",
                code=None,
                address="вул. Тестова, 1",
                now=self.app.ctx.clock(),
            )
        return org.id

    async def option(self, room_id: str, payload_prefix: str) -> tuple[str, str]:
        """(what to type, label) for the option the bot offered last in this room."""
        async with self.app.db.read() as conn:
            menu = await conversations.get_menu(conn, "matrix", room_id)
        choices = [Choice(**c) for c in json.loads(menu or "[]")]
        for number, choice in numbered(choices):
            if choice.payload.startswith(payload_prefix):
                return (str(number) if number is not None else choice.label), choice.label
        raise AssertionError(f"no option {payload_prefix!r} in {[c.payload for c in choices]}")


@dataclass
class Person:
    hs: Homeserver
    user: RegisteredUser
    client: nio.AsyncClient
    room_id: str = ""

    @property
    def user_id(self) -> str:
        return self.user.user_id

    @classmethod
    async def register(cls, hs: Homeserver, prefix: str) -> Person:
        user = await hs.register(unique_localpart(prefix))
        return cls(hs, user, hs.client(user))

    async def open_dm(self, bot: MatrixBot) -> str:
        """Invite the bot to a new direct chat and wait until it has joined."""
        self.room_id = await create_dm(self.client, bot.user_id)
        await wait_until_joined(self.client, self.room_id, bot.user_id)
        return self.room_id

    async def send(self, room_id: str, text: str) -> str:
        return await send_text(self.client, room_id, text)

    async def say(
        self, bot: MatrixBot, text: str, room_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Send ``text``; the contents of every message the bot answered with, in order."""
        room = room_id or self.room_id
        reports = bot.app.engine.reports_started
        event_id = await self.send(room, text)
        await bot.wait_handled(event_id)
        await reports_delivered(bot.app, reports)
        return await drain_messages(self.client, room, sender=bot.user_id)

    async def told(
        self, bot: MatrixBot, count: int = 1, room_id: str | None = None, timeout: float = 10
    ) -> list[dict[str, Any]]:
        """Wait for ``count`` messages the bot sends on its own (outbox notifications)."""
        return await next_messages(
            self.client,
            room_id or self.room_id,
            sender=bot.user_id,
            count=count,
            timeout=timeout,
        )


@dataclass
class E2EPerson(Person):
    """A person on an encrypting client (as Element): encrypted direct chats, every message
    encrypted, the bot's answers decrypted by the sync helpers."""

    @classmethod
    async def register_e2e(cls, hs: Homeserver, prefix: str, store_root: Path) -> E2EPerson:
        user = await hs.register(unique_localpart(prefix))
        client = await hs.e2e_client(user, store_root / f"{user.device_id}-store")
        return cls(hs, user, client)

    async def open_dm(self, bot: MatrixBot) -> str:
        self.room_id = await create_dm(self.client, bot.user_id, encrypted=True)
        await wait_until_joined(self.client, self.room_id, bot.user_id)
        return self.room_id

    async def send(self, room_id: str, text: str) -> str:
        return await e2e_send_text(self.client, room_id, text)


_CODE = re.compile(r"!start (\S+)")


def invite_code(contents: list[dict[str, Any]]) -> str:
    """The code from an /invite answer's Matrix hint ("!start CODE → @bot")."""
    for content in reversed(contents):
        match = _CODE.search(content.get("body", ""))
        if match:
            return match.group(1)
    raise AssertionError(f"no invite code in {[c.get('body') for c in contents]}")


async def join_with_invite(bot: MatrixBot, admin: Person, role: str, prefix: str) -> Person:
    """A new person who opens a direct chat and sends the code ``admin`` issued for org 1."""
    async with bot.app.db.read() as conn:
        orgs = await organisations.list_organisations(conn)
    org_id = orgs[0].id if orgs else await bot.add_org()
    code = invite_code(await admin.say(bot, f"!invite {org_id} {role}"))
    person = await Person.register(bot.hs, prefix)
    await person.open_dm(bot)
    answer = await person.say(bot, f"!start {code}")
    assert "✅" in bodies(answer), bodies(answer)
    return person


def bodies(contents: list[dict[str, Any]]) -> str:
    return "\n".join(str(c.get("body", "")) for c in contents)
