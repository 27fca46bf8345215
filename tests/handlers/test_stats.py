"""/stats against rows inserted with known figures."""

from __future__ import annotations

import re
from datetime import timedelta

from storage import members, organisations, outbox, subscriptions
from storage.models import Filters, Identity, OrgKind, Role, SubscriptionKind
from storage.timefmt import to_db
from tests.engine_harness import ADMIN, EngineHarness

# (status, urgency, how many)
REQUESTS = [
    ("new", "critical", 3),
    ("new", "normal", 2),
    ("acknowledged", "high", 4),
    ("in_transit", "critical", 1),
    ("delivered", "critical", 5),
    ("declined", "low", 1),
    ("withdrawn", "normal", 2),
]


async def insert_data(h: EngineHarness) -> dict[str, int]:
    now = h.clock()
    ids: dict[str, int] = {}
    async with h.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Лікарня №4",
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address=None,
            now=now,
        )
        for status, urgency, count in REQUESTS:
            for _ in range(count):
                await conn.execute(
                    "INSERT INTO requests (org_id, urgency, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (org.id, urgency, status, to_db(now), to_db(now)),
                )
        # Seen 1, 3 and 6 days ago (recent); 8 and 30 days ago (not); one revoked.
        for number, days in enumerate((1, 3, 6, 8, 30)):
            member = await members.add_member(
                conn,
                identity=Identity(transport="telegram", user_id=str(500 + number)),
                chat_id=str(500 + number),
                org_id=org.id,
                roles=frozenset({Role.COORDINATOR}),
                language="de",
                display_name=None,
                now=now - timedelta(days=days),
            )
            ids[f"seen_{days}"] = member.id
        await members.set_unreachable(conn, ids["seen_8"], now - timedelta(days=2))
        await members.set_unreachable(conn, ids["seen_30"], now - timedelta(days=20))
        await members.set_membership(
            conn, ids["seen_30"], org_id=org.id, roles=frozenset(), active=False
        )
        # Backlog: three pending rows, the oldest 3 hours old; one sent, one failed.
        for hours in (3, 1, 0):
            await outbox.add_outbox(
                conn,
                transport="telegram",
                chat_id="501",
                text="x",
                now=now - timedelta(hours=hours),
            )
        sent = await outbox.add_outbox(
            conn, transport="telegram", chat_id="501", text="x", now=now - timedelta(days=5)
        )
        await outbox.set_outbox_sent(conn, sent, now)
        failed = await outbox.add_outbox(
            conn, transport="telegram", chat_id="502", text="x", now=now - timedelta(days=5)
        )
        await conn.execute("UPDATE outbox SET failed_at = ? WHERE id = ?", (to_db(now), failed))
        for kind, cron in (("daily", "0 8 * * *"), ("weekly", "0 8 * * mon")):
            sub = await subscriptions.add_subscription(
                conn,
                member_id=ids["seen_1"],
                transport="telegram",
                chat_id="501",
                language="de",
                kind=SubscriptionKind(kind),
                cron=cron,
                timezone="Europe/Berlin",
                filters=Filters(),
                now=now - timedelta(days=10),
            )
            ids[kind] = sub.id
        for days in (3, 2):  # the daily digest's last run: 2 days ago, 07:00 UTC = 08:00 Berlin
            await subscriptions.claim_digest_run(
                conn,
                sub_id=ids["daily"],
                run_key=f"k{days}",
                window_start=now - timedelta(days=days + 1),
                window_end=now - timedelta(days=days),
                parts=1,
                now=now - timedelta(days=days, hours=2),
            )
    return ids


def figure(text: str, label: str) -> int:
    found = re.search(rf"^{re.escape(label)}: (\d+)$", text, re.MULTILINE)
    assert found, (label, text)
    return int(found.group(1))


async def test_stats_figures_match_the_data(harness: EngineHarness) -> None:
    h = harness
    ids = await insert_data(h)
    h.clock.advance(seconds=5)
    await h.send(ADMIN, "/help", lang="en")  # the admin is a member seen now
    h.clock.advance(seconds=5)
    text = (await h.send(ADMIN, "/stats", lang="en"))[0].text

    assert figure(text, "New") == 5
    assert figure(text, "Acknowledged") == 4
    assert figure(text, "In transit") == 1
    assert figure(text, "Delivered") == 5
    assert figure(text, "Declined") == 1
    assert figure(text, "Withdrawn") == 2
    assert figure(text, "Pledged") == 0
    # Only open requests count by urgency: 3 + 1 critical, 4 high, 2 normal, 0 low.
    assert figure(text, "🔴 Critical") == 4
    assert figure(text, "🟠 High") == 4
    assert figure(text, "🔵 Normal") == 2
    assert figure(text, "⚪ Low") == 0
    # Four active coordinators and the admin; seen within 7 days: three and the admin.
    assert "5 active, 4 seen in the last 7 days, 1 unreachable" in text
    # three notices and the configured admin's command menu, queued on their first message
    assert "4 waiting, oldest 3 h ago; 1 undeliverable" in text
    assert f"No. {ids['daily']} (daily, member #{ids['seen_1']}): 22.11.2026 08:00" in text
    assert f"No. {ids['weekly']} (weekly, member #{ids['seen_1']}): none yet" in text
    # The organisation was added by its typed place only: one to place by code.
    assert "Organisations without a KATOTTH code: 1 (aidbridge org unplaced" in text
    async with h.db.transaction() as conn:
        await conn.execute("UPDATE organisations SET hromada_code = 'UA12020010000033698'")
    h.clock.advance(seconds=5)
    text = (await h.send(ADMIN, "/stats", lang="en"))[0].text
    assert "KATOTTH" not in text


async def test_stats_is_for_admins_only(harness: EngineHarness) -> None:
    h = harness
    await insert_data(h)
    text = (await h.send(Identity(transport="telegram", user_id="500"), "/stats", lang="en"))[0]
    assert "Statistics" not in text.text
