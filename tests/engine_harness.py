"""Drive the transport-free engine directly: Incoming in, Replies and rows out, frozen clock."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.file_renderers import FileRenderers
from bot.sheet_files import SheetFiles
from handlers.admin.invites import issue_invite
from handlers.coordination.file_renderers import Renderers
from handlers.core.context import BotLinks, HandlerContext, Policy
from handlers.core.engine import Engine
from handlers.core.events import ChatRef, Incoming, Reply
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Translator
from storage import organisations, outbox
from storage.db import Database, open_database
from storage.invites import InviteKey
from storage.migrations import migrate
from storage.models import Identity, Organisation, OrgKind, Role
from storage.places import codifier
from storage.places.placing import placement_for

ADMIN = Identity(transport="telegram", user_id="900")
# The city of Дніпро (its hromada Дніпровська, its raion Дніпровський) by KATOTTH codes.
DNIPRO = placement_for(codifier()["UA12020010010037010"])


@dataclass
class FrozenClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class EngineHarness:
    def __init__(self, db: Database, engine: Engine, clock: FrozenClock) -> None:
        self.db = db
        self.engine = engine
        self.clock = clock
        self._ids = itertools.count(1)

    @classmethod
    async def create(
        cls,
        path: Path,
        *,
        url: str | None = None,
        start: datetime | None = None,
        renderers: Renderers | None = None,
        **policy: Any,
    ) -> EngineHarness:
        """``policy`` overrides Policy fields (e.g. rate_limit_per_minute) for one test;
        ``url`` a postgresql:// URL to run on PostgreSQL instead of the SQLite file ``path``."""
        db = await open_database(path, url)
        await migrate(db)
        clock = FrozenClock(start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        ctx = HandlerContext(
            db=db,
            t=Translator(),
            catalog=Catalog.default(),
            clock=clock,
            policy=Policy(bootstrap_admins=frozenset({ADMIN}), **policy),
            links=BotLinks(telegram_username="aidbridge_test_bot"),
            renderers=renderers or FileRenderers(),
            sheets=SheetFiles(),
            invite_key=InviteKey.generate(),
        )
        return cls(db, Engine(ctx), clock)

    async def close(self) -> None:
        await self.db.close()

    def incoming(
        self,
        who: Identity,
        *,
        text: str | None = None,
        choice: str | None = None,
        update_id: str | None = None,
        buttons: bool = True,
        lang: str | None = "uk",
    ) -> Incoming:
        return Incoming(
            chat=ChatRef(transport=who.transport, chat_id=who.user_id),
            sender=who,
            update_id=update_id or str(next(self._ids)),
            text=text,
            choice=choice,
            buttons=buttons,
            language_code=lang,
            sender_name="Test Person",
        )

    async def send(self, who: Identity, text: str, **kw: Any) -> list[Reply]:
        return await self.engine.handle(self.incoming(who, text=text, **kw))

    async def report(self, who: Identity, text: str, **kw: Any) -> list[Reply]:
        """A command answered by a report (/export, /chart, /digest): the turn's replies, then
        the report's, read back from the outbox as the worker would deliver them."""
        last = await self.last_outbox_id()
        replies = await self.send(who, text, **kw)
        return replies + await self.reported(who.user_id, after=last)

    async def last_outbox_id(self) -> int:
        return int((await self.rows("SELECT COALESCE(MAX(id), 0) FROM outbox"))[0][0])

    async def reported(self, chat_id: str, *, after: int) -> list[Reply]:
        """Once the reports started so far are done: what they queued for ``chat_id``."""
        await self.engine.wait_reports()
        ids = await self.rows(
            "SELECT id FROM outbox WHERE id > ? AND kind = 'reply' AND chat_id = ? ORDER BY id",
            after,
            chat_id,
        )
        replies: list[Reply] = []
        async with self.db.read() as conn:
            for (row_id,) in ids:
                row = await outbox.get_outbox(conn, int(row_id))
                assert row is not None
                document = await outbox.get_outbox_document(conn, row.id)
                if document is not None:  # a big file is kept beside the database
                    document = await outbox.load_document_file(self.db.path, document)
                replies.append(outbox.decode_reply(row, document))
        return replies

    async def press(self, who: Identity, payload: str, **kw: Any) -> list[Reply]:
        return await self.engine.handle(self.incoming(who, choice=payload, **kw))

    async def need_and_submit(self, who: Identity, text: str) -> list[Reply]:
        """Send a /need line, answer the preview's questions as asked (a separate request,
        keep as written, the quantity is right, the catalog's unit), then Submit."""
        replies = await self.send(who, text)
        for _ in range(40):
            options = payloads(replies[0])
            if any(p.startswith("w:submit:") for p in options):
                break
            answer = next(
                (
                    p
                    for want in ("w:q:anyway", "w:q:keep", "w:q:ok", "w:q:u:")
                    for p in options
                    if p.startswith(want)
                ),
                None,
            )
            if answer is None:
                break
            replies = await self.press(who, answer)
        return await self.press(who, find_payload(replies[0], "w:submit:"))

    async def add_org(
        self,
        name: str = "Лікарня №4",
        address: str | None = "вул. Тестова, 1",
        *,
        placed: bool = True,
    ) -> Organisation:
        """An organisation in Дніпро, placed by its KATOTTH codes unless ``placed`` is False
        (as organisations typed before places had codes may be)."""
        async with self.db.transaction() as conn:
            return await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name=name,
                raion="Дніпровський",
                settlement="Дніпро",
                code=None,
                address=address,
                now=self.clock(),
                place=DNIPRO if placed else None,
            )

    async def invite_code(self, org_id: int, role: Role = Role.REQUESTER, days: int = 7) -> str:
        async with self.db.transaction() as conn:
            issued = await issue_invite(
                conn,
                key=self.engine.ctx.invite_key,
                org_id=org_id,
                role=role,
                days=days,
                actor_id=None,
                actor_label="test",
                links=BotLinks(),
                now=self.clock(),
            )
        assert issued is not None
        return issued.code

    async def join(
        self, who: Identity, org_id: int, role: Role = Role.REQUESTER, lang: str = "uk"
    ) -> None:
        code = await self.invite_code(org_id, role)
        replies = await self.send(who, f"/start {code}", lang=lang)
        assert replies and "✅" in replies[0].text, replies

    async def rows(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        async with self.db.read() as conn:
            cur = await conn.execute(sql, args)
            return [tuple(r) for r in await cur.fetchall()]

    async def count(self, table: str) -> int:
        rows = await self.rows(f"SELECT COUNT(*) FROM {table}")
        return int(rows[0][0])


def payloads(reply: Reply) -> list[str]:
    return [c.payload for c in reply.flat_choices()]


def find_payload(reply: Reply, prefix: str) -> str:
    for payload in payloads(reply):
        if payload.startswith(prefix):
            return payload
    raise AssertionError(f"no button {prefix!r} in {payloads(reply)}")


async def scalar(db: Database, sql: str, *args: object) -> Any:
    """The first column of the first row (None when there is no row)."""
    async with db.read() as conn:
        cur = await conn.execute(sql, args)
        row = await cur.fetchone()
    return None if row is None else row[0]


async def db_snapshot(
    db: Database, skip: tuple[str, ...] = ("processed_updates",)
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but ``skip``): equal snapshots mean nothing was written."""
    tables = [name for name in await db.table_names() if name not in skip]
    async with db.read() as conn:
        snapshot: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            cur = await conn.execute(f"SELECT * FROM {table}")
            snapshot[table] = sorted((tuple(r) for r in await cur.fetchall()), key=repr)
    return snapshot
