"""A digest, and a critical alert, follow their subscription's category.

Storage knows no catalog; a category reaches it as the catalog keys that belong to it. A
subscription row that holds the category alone (written before the keys were stored beside
it, or by another path than /subscribe) must still get only that category's requests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.coordination.digest_jobs import build_parts, run_digest
from storage import members, subscriptions
from storage.models import Filters, Identity, Role, SubscriptionKind
from tests.engine_harness import EngineHarness

BERLIN = ZoneInfo("Europe/Berlin")
NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
START = datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)
# The generator is "power"; bandages are "medical_supplies".
GENERATOR = "Stromerzeuger"
BANDAGES = "Mullbinde"


async def filed(h: EngineHarness) -> None:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Staatskanzlei NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    await h.need_and_submit(NURSE, "/need 2 генератор !critical")
    await h.need_and_submit(NURSE, "/need 40 уп бинти !critical")


async def category_only_subscription(
    h: EngineHarness, category: str, kind: SubscriptionKind = SubscriptionKind.DAILY
) -> int:
    """A subscription whose stored filter names the category and no item keys."""
    async with h.db.transaction() as conn:
        member = await members.get_member_by_identity(conn, COORD)
        assert member is not None
        sub = await subscriptions.add_subscription(
            conn,
            member_id=member.id,
            transport="telegram",
            chat_id=COORD.user_id,
            language="de",
            kind=kind,
            cron=None if kind is SubscriptionKind.CRITICAL else "0 8 * * *",
            timezone="Europe/Berlin",
            filters=Filters(category=category),
            now=START - timedelta(hours=1),
        )
    assert sub.filters.item_keys is None
    return sub.id


async def digest_text(h: EngineHarness) -> str:
    rows = await h.rows(
        "SELECT text FROM outbox WHERE kind = 'digest' AND chat_id = ? ORDER BY id", COORD.user_id
    )
    return "\n".join(str(r[0]) for r in rows)


@pytest.mark.parametrize(
    ("category", "shown", "left_out"),
    [
        ("power", GENERATOR, BANDAGES),
        ("medical_supplies", BANDAGES, GENERATOR),
    ],
)
async def test_scheduled_digest_keeps_to_the_category(
    harness: EngineHarness, category: str, shown: str, left_out: str
) -> None:
    h = harness
    h.clock.now = START
    await filed(h)
    sub_id = await category_only_subscription(h, category)
    h.clock.now = START + timedelta(days=1)
    assert await run_digest(h.engine.ctx, sub_id, h.clock.now)
    text = await digest_text(h)
    assert shown in text
    assert left_out not in text


async def test_digest_now_keeps_to_the_category(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = START
    await filed(h)
    parts = await build_parts(
        h.engine.ctx,
        language="de",
        filters=Filters(category="power"),
        window_start=START - timedelta(hours=1),
        window_end=START + timedelta(hours=1),
    )
    text = "\n".join(parts)
    assert GENERATOR in text
    assert BANDAGES not in text


async def test_critical_alert_keeps_to_the_category(harness: EngineHarness) -> None:
    h = harness
    h.clock.now = START
    hospital = await h.add_org()
    ngo = await h.add_org(name="Staatskanzlei NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    # Joining brought the unfiltered critical alerts; this coordinator wants power only.
    default = await h.rows("SELECT id FROM subscriptions WHERE kind = 'critical'")
    replies = await h.send(COORD, f"/unsubscribe {default[0][0]}")
    assert "beendet" in replies[0].text
    await category_only_subscription(h, "power", SubscriptionKind.CRITICAL)
    await h.need_and_submit(NURSE, "/need 40 уп бинти !critical")
    assert await h.rows("SELECT text FROM outbox WHERE kind = 'alert'") == []
    await h.need_and_submit(NURSE, "/need 2 генератор !critical")
    alerts = await h.rows("SELECT chat_id, text FROM outbox WHERE kind = 'alert'")
    assert [chat for chat, _ in alerts] == [COORD.user_id]
    assert GENERATOR in alerts[0][1]
