"""Many hospitals at once against a homeserver's default rate limits (issue 12).

Used by tests/bot/test_matrix_rate_limits.py and bench/matrix_burst.py. Each hospital is a
member already (its organisation and membership written straight into the database, so that
the bot's messages are the preview and the confirmation only); it opens a direct chat with the
bot, sends ``!need`` at once (before the bot has joined: the bot reads it after joining),
waits for the preview, answers with the Submit option and waits for the confirmation. The
people's accounts are exempt from the limits (override_ratelimit), so that only the bot meets
them, as in a real deployment where each hospital sends a few messages and the bot all of them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from storage import members, organisations
from storage.db import fetch_one
from storage.models import Identity, OrgKind, Role
from tests.bot.matrix_bot_harness import MatrixBot, Person, bodies
from tests.matrix_harness import (
    Homeserver,
    create_dm,
    drain_messages,
    joined_user_ids,
    next_messages,
    override_unlimited,
    send_text,
    unique_localpart,
)

NEED = "!need 2 генератор; 200 уп бинти !high"


@dataclass
class BurstResult:
    hospitals: int
    # From the first DM being opened to the last confirmation arriving.
    seconds_to_last_confirmation: float
    # M_LIMIT_EXCEEDED answers the bot got (each waited out and retried).
    rate_limited: int
    joined: int
    # Per hospital: what the bot said in its room, in order.
    said: list[list[str]] = field(default_factory=list)
    requests: int = 0
    outbox_pending: int = 0
    outbox_failed: int = 0


async def _one(
    bot: MatrixBot, person: Person, org_id: int, timeout: float
) -> tuple[float, list[str]]:
    room = await create_dm(person.client, bot.user_id)
    person.room_id = room
    async with bot.app.db.transaction() as conn:
        await members.add_member(
            conn,
            identity=Identity(transport="matrix", user_id=person.user_id),
            chat_id=room,
            org_id=org_id,
            roles=frozenset({Role.REQUESTER}),
            language="uk",
            display_name=None,
            now=bot.app.ctx.clock(),
        )
    await send_text(person.client, room, NEED)
    preview = await next_messages(person.client, room, sender=bot.user_id, timeout=timeout)
    typed, _ = await bot.option(room, "w:submit:")
    await send_text(person.client, room, typed)
    confirmation = await next_messages(person.client, room, sender=bot.user_id, timeout=timeout)
    return time.monotonic(), [bodies(preview), bodies(confirmation)]


async def run_burst(
    hs: Homeserver, db_path: Path, *, hospitals: int = 15, timeout: float = 300.0
) -> BurstResult:
    """The scenario on ``hs`` (which should have default rate limits); the bot is stopped
    before returning."""
    operator = await hs.register(unique_localpart("operator"), admin=True)
    people = [await Person.register(hs, f"hospital{n}") for n in range(hospitals)]
    for person in people:
        await override_unlimited(hs, operator, person.user_id)
    bot = await MatrixBot.start(hs, db_path)
    try:
        org_ids = []
        async with bot.app.db.transaction() as conn:
            for n in range(hospitals):
                org = await organisations.add_organisation(
                    conn,
                    kind=OrgKind.HOSPITAL,
                    name=f"Лікарня №{n + 1}",
                    raion="Дніпровський",
                    settlement="Дніпро",
                    code=None,
                    address=f"вул. Тестова, {n + 1}",
                    now=bot.app.ctx.clock(),
                )
                org_ids.append(org.id)
        began = time.monotonic()
        finished = await asyncio.gather(
            *(_one(bot, p, org_id, timeout) for p, org_id in zip(people, org_ids, strict=True))
        )
        last = max(at for at, _ in finished)
        # Anything said twice would arrive after the confirmation: give it a moment.
        await asyncio.sleep(2.0)
        said = []
        joined = 0
        for person, (_, answers) in zip(people, finished, strict=True):
            extra = await drain_messages(person.client, person.room_id, sender=bot.user_id)
            said.append(answers + [bodies([c]) for c in extra])
            if bot.user_id in await joined_user_ids(person.client, person.room_id):
                joined += 1
        async with bot.app.db.read() as conn:
            requests = await _count(conn, "SELECT COUNT(*) FROM requests")
            pending = await _count(conn, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            failed = await _count(conn, "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL")
        return BurstResult(
            hospitals=hospitals,
            seconds_to_last_confirmation=last - began,
            rate_limited=bot.transport.metrics.rate_limited,
            joined=joined,
            said=said,
            requests=requests,
            outbox_pending=pending,
            outbox_failed=failed,
        )
    finally:
        await bot.stop()


async def _count(conn: aiosqlite.Connection, sql: str) -> int:
    row = await fetch_one(conn, sql, ())
    return int(row[0]) if row else 0
