"""The real `aidbridge run` process SIGKILLed between a shipment's departure and the notices
(issue 14): after the restart each requester is told exactly once, in their language."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import lifecycle, members, organisations, requests, shipments
from storage.db import open_db
from storage.migrations import migrate
from storage.models import Identity, NeedItemDraft, OrgKind, Role, Status, Urgency
from storage.shipment_models import NewLine, ShipmentDraft, ShipmentStatus
from tests.bot.telegram_harness import TOKEN
from tests.fakes.bot_api import FakeBotApi
from tests.process.test_kill_restart import BotProcess

pytestmark = pytest.mark.slow

COORD = 301
# user id -> language; each one a requester of its own hospital.
NURSES = {101: "uk", 102: "de", 103: "en"}
DEPARTED = {"uk": "вирушив", "de": "abgefahren", "en": "has left"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def seed(db_path: Path) -> None:
    """Three hospitals' pledged requests on shipment S-1, loading, no hub."""
    now = datetime.now(UTC)
    db = await open_db(db_path)
    try:
        await migrate(db)
        async with db.transaction() as conn:
            ngo = await organisations.add_organisation(
                conn,
                kind=OrgKind.NGO,
                name="Hilfswerk",
                raion="-",
                settlement="Köln",
                code=None,
                address=None,
                now=now,
            )
            coord = await members.add_member(
                conn,
                identity=Identity(transport="telegram", user_id=str(COORD)),
                chat_id=str(COORD),
                org_id=ngo.id,
                roles=frozenset({Role.COORDINATOR}),
                language="de",
                display_name=None,
                now=now,
            )
            shipment = await shipments.add_shipment(
                conn, ShipmentDraft(name="NRW 48/2026"), created_by=coord.id, now=now
            )
            lines: list[NewLine] = []
            for user, lang in NURSES.items():
                org = await organisations.add_organisation(
                    conn,
                    kind=OrgKind.HOSPITAL,
                    name=f"Hospital {user}",
                    raion="Дніпровський",
                    settlement="Дніпро",
                    code=None,
                    address=None,
                    now=now,
                )
                await members.add_member(
                    conn,
                    identity=Identity(transport="telegram", user_id=str(user)),
                    chat_id=str(user),
                    org_id=org.id,
                    roles=frozenset({Role.REQUESTER}),
                    language=lang,
                    display_name=None,
                    now=now,
                )
                request = await requests.add_request(
                    conn,
                    org_id=org.id,
                    created_by=None,
                    urgency=Urgency.HIGH,
                    needed_by=None,
                    delivery_place=None,
                    note=None,
                    items=[NeedItemDraft(item_key="bandages", quantity=100, unit="packs")],
                    now=now,
                )
                item = request.items[0]
                await lifecycle.add_pledge(
                    conn,
                    request_id=request.id,
                    item_id=item.id,
                    org_id=ngo.id,
                    member_id=coord.id,
                    quantity=100,
                    note=None,
                    now=now,
                )
                await requests.set_status(
                    conn, request.id, Status.PLEDGED, actor_id=coord.id, note=None, now=now
                )
                lines.append(
                    NewLine(
                        request_id=request.id,
                        item_id=item.id,
                        dest_org_id=org.id,
                        item_key="bandages",
                        unit="packs",
                        quantity=100,
                    )
                )
            await shipments.add_lines(
                conn,
                shipment.id,
                lines,
                status=ShipmentStatus.PLANNED,
                actor_id=coord.id,
                now=now,
            )
    finally:
        await db.close()


def departed_notices(fake: FakeBotApi) -> Counter[str]:
    return Counter(
        str(c.params["chat_id"])
        for c in fake.calls("sendMessage")
        if any(word in str(c.params.get("text")) for word in DEPARTED.values())
        and "S-1" in str(c.params.get("text"))
    )


async def test_sigkill_between_departure_and_notices(fake: FakeBotApi, tmp_path: Path) -> None:
    db_path = tmp_path / "aidbridge.db"
    await seed(db_path)
    bot = BotProcess(fake, db_path)
    await bot.start()
    try:
        # From here no send is accepted: the departure commits, its notices wait in the outbox.
        fake.fail_next("sendMessage", "timeout", count=1_000_000, timeout_seconds=60)
        update_id = fake.push_text(COORD, "/shipment depart S-1")
        await bot.until(f"SELECT 1 FROM processed_updates WHERE update_id = '{update_id}'")
        assert bot.query("SELECT status FROM shipments") == [("departed",)]
        queued = bot.query(
            "SELECT chat_id, text FROM outbox WHERE kind = 'notice' AND sent_at IS NULL"
            " AND text LIKE '%S-1%' ORDER BY chat_id"
        )
        assert [chat for chat, _ in queued] == [str(u) for u in NURSES]
        assert not departed_notices(fake)
        bot.kill()
        await bot.wait_dead()

        fake.clear_faults()
        await bot.start()
        await bot.until(
            "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM outbox"
            " WHERE sent_at IS NULL AND failed_at IS NULL)",
            timeout=30,
        )
    finally:
        await bot.stop()
    # Exactly once each, in each one's language; the coordinator's answer arrived once too.
    assert departed_notices(fake) == Counter(str(u) for u in NURSES)
    for user, lang in NURSES.items():
        texts = [
            str(c.params["text"])
            for c in fake.calls("sendMessage")
            if str(c.params["chat_id"]) == str(user)
        ]
        assert len(texts) == 1 and DEPARTED[lang] in texts[0], texts
    answers = [c for c in fake.calls("sendMessage") if str(c.params["chat_id"]) == str(COORD)]
    assert len(answers) == 1 and "Unterwegs" in str(answers[0].params["text"])
    assert bot.query("SELECT COUNT(*) FROM requests WHERE status = 'in_transit'") == [(3,)]
