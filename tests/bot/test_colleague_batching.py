"""Colleagues' notices about new requests are batched: one message per colleague per window.

The whole bot (build_app, python-telegram-bot) against the fake Bot API, on a frozen clock, so
"the window has passed" is a step of the test and not a wait. The batching lives in the outbox
(storage.outbox.batch_slot when a notice is written, bot/outbox.py when it is sent), so every
transport gets it alike; critical alerts are never held by it, and the held notices are rows
that survive a restart.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app
from storage import members, organisations, subscriptions
from storage.models import Filters, Identity, OrgKind, Role, SubscriptionKind
from storage.timefmt import to_db
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, make_settings, message_id
from tests.engine_harness import FrozenClock, scalar
from tests.fakes.bot_api import FakeBotApi

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
NURSE, COLLEAGUE, COORDINATOR = 101, 102, 200


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def people(app: App) -> None:
    """A hospital with two requesters, and a coordinator subscribed to critical alerts."""
    now = app.ctx.clock()
    async with app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Лікарня №4",
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address="вул. Тестова, 1",
            now=now,
        )
        for user, roles, org_id in (
            (NURSE, {Role.REQUESTER}, org.id),
            (COLLEAGUE, {Role.REQUESTER}, org.id),
            (COORDINATOR, {Role.COORDINATOR}, None),
        ):
            member = await members.add_member(
                conn,
                identity=Identity(transport="telegram", user_id=str(user)),
                chat_id=str(user),
                org_id=org_id,
                roles=frozenset(roles),
                language="uk",
                display_name=None,
                now=now,
            )
            if user == COORDINATOR:
                await subscriptions.add_subscription(
                    conn,
                    member_id=member.id,
                    transport="telegram",
                    chat_id=str(user),
                    language="uk",
                    kind=SubscriptionKind.CRITICAL,
                    cron=None,
                    timezone="Europe/Berlin",
                    filters=Filters(),
                    now=now,
                )


async def file_request(h: TelegramHarness, line: str) -> str:
    """File ``line`` with /need and Submit; returns the request's reference."""
    preview = (await h.say(NURSE, line))[-1]
    confirmation = await h.press(NURSE, button(preview, "w:submit:"), message_id(preview))
    found = re.search(r"R-\d+", str(confirmation[-1].params["text"]))
    assert found, confirmation
    return found.group(0)


async def settled(app: App, timeout: float = 10.0) -> None:
    """Until no row is due and unsent (held rows, due later, stay)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    due = (
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        " AND not_before <= ?"
    )
    while await scalar(app.db, due, to_db(app.ctx.clock())) or app.worker.in_flight:
        assert loop.time() < deadline, "due outbox rows were not delivered"
        await asyncio.sleep(0.05)


async def test_colleague_notices_are_batched_alerts_are_not_and_a_restart_loses_none(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    db_path = tmp_path / "bot.db"
    app = await build_app(make_settings(fake, db_path), clock=clock)
    await people(app)
    h = TelegramHarness(fake, app)
    await app.start()
    try:
        # The first notice after a quiet spell goes at once.
        first = await file_request(h, "/need 2 генератор")
        await settled(app)
        told = fake.sent_texts(COLLEAGUE)
        assert len(told) == 1 and first in told[0], told

        # Within the window: a normal request and a critical one. The colleague hears of
        # neither yet; the coordinator's critical alert goes at once all the same.
        clock.advance(seconds=30)
        second = await file_request(h, "/need 5 намет")
        clock.advance(seconds=30)
        third = await file_request(h, "/need 3 бинти !critical")
        await settled(app)
        assert fake.sent_texts(COLLEAGUE) == told
        alerts = fake.sent_texts(COORDINATOR)
        assert len(alerts) == 1 and third in alerts[0], alerts
        held = await scalar(
            app.db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'colleague' AND sent_at IS NULL"
            " AND not_before = ?",
            to_db(START.replace(minute=5)),
        )
        assert held == 2  # both wait for the colleague's next batch, 5 minutes after the first
    finally:
        await app.stop()

    # A restart in between: the held notices are rows, and the new process sends them when
    # their batch is due, together, in one message.
    clock.advance(seconds=239)
    app = await build_app(make_settings(fake, db_path), clock=clock)
    await app.start()
    try:
        await settled(app)
        assert len(fake.sent_texts(COLLEAGUE)) == 1  # not yet: 09:05 is still ahead
        clock.advance(seconds=1)
        app.worker.wake()
        await settled(app)
        sent = await scalar(
            app.db, "SELECT COUNT(*) FROM outbox WHERE kind = 'colleague' AND sent_at IS NULL"
        )
    finally:
        await app.stop()
    told = fake.sent_texts(COLLEAGUE)
    assert len(told) == 2, told
    batch = told[1]
    assert second in batch and third in batch and first not in batch, batch
    assert batch.index(second) < batch.index(third)  # in the order filed
    assert sent == 0
    # Nothing twice: each request in one of the colleague's messages only.
    for ref in (first, second, third):
        assert sum(ref in text for text in told) == 1, ref
