"""Shipments through the engine (issue 14): the forms, /shipment fill's order and preview, the
guided form, cancelling, a truck without a hub, and who may sign or confirm what."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.people.privacy import apply_retention
from handlers.shipments.forms import find_org, parse_new, read_date, read_euros
from storage import organisations
from storage.models import Identity, Organisation, OrgKind, Role
from tests.engine_harness import EngineHarness, find_payload, payloads

COORD = Identity(transport="telegram", user_id="301")
NURSE_A = Identity(transport="telegram", user_id="101")
NURSE_B = Identity(transport="telegram", user_id="102")
HUB = Identity(transport="telegram", user_id="104")


async def add_ngo(h: EngineHarness, name: str = "Hilfswerk NRW") -> Organisation:
    async with h.db.transaction() as conn:
        return await organisations.add_organisation(
            conn,
            kind=OrgKind.NGO,
            name=name,
            raion="-",
            settlement="Köln",
            code=None,
            address=None,
            now=h.clock(),
        )


async def setup(h: EngineHarness) -> dict[str, int]:
    ngo = await add_ngo(h)
    hub = await h.add_org(name="Полтавська обласна лікарня")
    a = await h.add_org(name="Лікарня А")
    b = await h.add_org(name="Лікарня Б")
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="en")
    await h.join(NURSE_A, a.id)
    await h.join(NURSE_B, b.id, lang="de")
    await h.join(HUB, hub.id)
    return {"ngo": ngo.id, "hub": hub.id, "a": a.id, "b": b.id}


async def told(h: EngineHarness, who: Identity, after: int = 0) -> list[tuple[str, str]]:
    rows = await h.rows(
        "SELECT kind, text FROM outbox WHERE chat_id = ? AND id > ?"
        " AND kind NOT IN ('reply', 'menu') ORDER BY id",
        who.user_id,
        after,
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def test_the_one_line_form_reads_fields_and_refuses_guesses() -> None:
    today = date(2026, 11, 24)
    orgs = [
        Organisation(
            id=i,
            kind=OrgKind.HOSPITAL,
            name=name,
            raion="r",
            settlement="s",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for i, name in ((1, "Лікарня Полтава"), (2, "Лікарня Дніпро"), (3, "Hilfswerk"))
    ]
    draft, error = parse_new(
        "NRW 48/2026; carrier 3; hub полтава; departs 04.12; vehicle MAN TGX;"
        " waybill CMR-1; value 150 000 EUR; from Aachen, Bonn",
        orgs,
        today,
    )
    assert error is None and draft is not None
    assert (draft.name, draft.carrier_org_id, draft.hub_org_id) == ("NRW 48/2026", 3, 1)
    assert draft.planned_departure == date(2026, 12, 4)
    assert (draft.vehicle, draft.waybill, draft.origin) == ("MAN TGX", "CMR-1", "Aachen, Bonn")
    assert draft.declared_value_eur == 150_000
    # Two hospitals fit "Лікарня": asked, never picked.
    _, error = parse_new("X; hub Лікарня", orgs, today)
    assert error is not None and error.key == "ship.form.ambiguous_org"
    assert error.options == ("1 Лікарня Полтава", "2 Лікарня Дніпро")
    for text, key in (
        ("X; colour red", "ship.form.unknown_field"),
        ("X; departs 01.01.2020", "ship.form.bad_date"),
        ("X; departs 31.02.2027", "ship.form.bad_date"),
        ("X; value lots", "ship.form.bad_value"),
        ("; carrier 3", "ship.form.no_name"),
        ("X; carrier 99", "ship.form.unknown_org"),
    ):
        draft, error = parse_new(text, orgs, today)
        assert draft is None and error is not None and error.key == key, text
    assert read_date("04.12", date(2026, 12, 5)) == date(2027, 12, 4)
    assert read_euros("150.000 €") == 150_000 and read_euros("-5") is None
    assert find_org(orgs, "hilfswerk")[0] == orgs[2]


async def test_fill_proposes_critical_then_overdue_then_oldest(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти")  # R-1001: oldest
    h.clock.advance(hours=1)
    await h.need_and_submit(NURSE_B, "/need 2 генератор by 30.11.2026")  # R-1002: overdue later
    h.clock.advance(hours=1)
    await h.need_and_submit(NURSE_A, "/need 5 турнікет !critical")  # R-1003: critical
    for ref in ("R-1001", "R-1002", "R-1003"):
        await h.send(COORD, f"/pledge {ref}")
    await h.send(COORD, "/shipment new Truck 1")
    await h.send(COORD, "/shipment new Truck 2")
    h.clock.advance(days=10)  # R-1002's date has passed

    replies = await h.send(COORD, "/shipment fill S-1")
    text = replies[0].text
    assert text.index("R-1003") < text.index("R-1002") < text.index("R-1001"), text
    # The English reader reads the hospitals' names in Latin letters too.
    assert "Лікарня А (Likarnia A)" in text and "Лікарня Б (Likarnia B)" in text
    assert await h.count("shipment_lines") == 0  # a preview adds nothing
    # Keep 1 and 2 only; 4 is no line of the preview.
    replies = await h.send(COORD, "4")
    assert "1 to 3" in replies[0].text
    replies = await h.send(COORD, "1-2")
    assert "R-1001" not in replies[0].text and "(2)" in replies[0].text
    # Meanwhile the critical tourniquets go on the other truck: the preview no longer holds.
    await h.send(COORD, "/shipment add S-2 R-1003")
    replies = await h.send(COORD, "/shipment S-2")
    assert "🏥 <b>Лікарня А (Likarnia A)</b>" in replies[0].text  # the card, likewise
    replies = await h.press(COORD, "shf:ok")
    assert "R-1003" in replies[0].text and "at most 0" in replies[0].text
    assert await h.rows("SELECT shipment_id, request_id FROM shipment_lines") == [(2, 1003)]
    # Typed fill filters work as /open's.
    replies = await h.send(COORD, "/shipment fill S-1 critical")
    assert "Nothing pledged" in replies[0].text
    replies = await h.send(COORD, "/shipment fill S-1 nonsenseword")
    assert "nonsenseword" in replies[0].text


async def test_fill_on_a_platform_without_buttons_keeps_line_one_when_told_1(
    harness: EngineHarness,
) -> None:
    """On Matrix and the console buttons are numbered options; the preview's "Add" and
    "Cancel" are words there, so a typed "1" keeps line 1 as the hint says, never adds all."""
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти; 2 генератор")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Truck 1")
    replies = await h.send(COORD, "/shipment fill S-1", buttons=False)
    assert "(2)" in replies[0].text
    assert all(choice.nav for choice in replies[0].flat_choices())
    replies = await h.send(COORD, "1", buttons=False)
    assert "(1)" in replies[0].text and "Generator" not in replies[0].text
    assert await h.count("shipment_lines") == 0
    replies = await h.send(COORD, "add", buttons=False)
    assert "S-1" in replies[0].text
    assert await h.rows("SELECT item_key, quantity FROM shipment_lines") == [("bandages", 10)]


async def test_the_guided_form(harness: EngineHarness) -> None:
    h = harness
    orgs = await setup(h)
    replies = await h.send(COORD, "/shipment new")
    assert "Name of the shipment" in replies[0].text
    replies = await h.send(COORD, "NRW-Hilfstransport 48/2026")
    assert f"shn:c:{orgs['ngo']}" in payloads(replies[0])
    replies = await h.press(COORD, f"shn:c:{orgs['ngo']}")
    replies = await h.send(COORD, "Полтавська")  # typed, fits one organisation
    assert "Planned departure" in replies[0].text
    replies = await h.send(COORD, "01.01.2020")
    assert "not in the past" in replies[0].text
    replies = await h.send(COORD, "04.12.2026")
    assert "Hilfswerk NRW" in replies[0].text and "Friday, 04.12.2026" in replies[0].text
    create = find_payload(replies[0], "shn:ok")
    replies = await h.press(COORD, create)
    assert "S-1" in replies[0].text and replies[0].durable
    assert await h.rows(
        "SELECT name, carrier_org_id, hub_org_id, planned_departure, status FROM shipments"
    ) == [("NRW-Hilfstransport 48/2026", orgs["ngo"], orgs["hub"], "2026-12-04", "planned")]
    replies = await h.press(COORD, create)  # a second tap creates nothing
    assert replies[0].toast and await h.count("shipments") == 1


async def test_cancel_tells_the_recipients_and_frees_the_goods(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Truck 1; hub Полтавська")
    await h.send(COORD, "/shipment add S-1 R-1001 1 4")
    replies = await h.send(COORD, "/shipment add S-1 R-1001 1 7")
    assert "at most 6" in replies[0].text
    mark = await h.last_outbox_id()
    replies = await h.press(COORD, "shc:can:1")
    assert "shc:cany:1" in payloads(replies[0])
    assert await h.rows("SELECT status FROM shipments") == [("planned",)]
    replies = await h.press(COORD, "shc:cany:1")
    assert "Cancelled" in replies[0].text
    heard = await told(h, NURSE_A, mark)
    assert len(heard) == 1 and "скасовано" in heard[0][1] and "Бинт — 4" in heard[0][1]
    replies = await h.send(COORD, "/shipment depart S-1")
    assert "“Cancelled”" in replies[0].text
    # The ten packs are free for another truck.
    await h.send(COORD, "/shipment new Truck 2")
    replies = await h.send(COORD, "/shipment fill S-2")
    assert "Bandage — 10" in replies[0].text
    assert await h.rows(
        "SELECT status FROM shipment_events WHERE shipment_id = 1 AND kind = 'status' ORDER BY id"
    ) == [("planned",), ("cancelled",)]


async def test_without_a_hub_the_destinations_sign_at_departure(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти; 2 генератор")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Direct")
    await h.send(COORD, "/shipment add S-1 R-1001")
    line_ids = [r[0] for r in await h.rows("SELECT id FROM shipment_lines ORDER BY id")]
    # Before departure nothing can be signed for.
    replies = await h.press(NURSE_A, f"shr:ok:{line_ids[0]}")
    assert "not on its way" in replies[0].text or "ще не в дорозі" in replies[0].text
    mark = await h.last_outbox_id()
    replies = await h.send(COORD, "/shipment depart S-1")
    rows = await h.rows(
        "SELECT text, choices FROM outbox WHERE id > ? AND chat_id = '101' AND kind = 'notice'",
        mark,
    )
    assert len(rows) == 1 and "вирушив" in rows[0][0]
    assert "shr:all:1:" in rows[0][1] and f"shr:ok:{line_ids[1]}" in rows[0][1]
    replies = await h.send(COORD, "/shipment arrived S-1")
    assert "no hub" in replies[0].text
    # Someone of another hospital cannot sign; the hospital can, all at once.
    before = await h.count("shipment_events")
    replies = await h.press(NURSE_B, f"shr:ok:{line_ids[0]}")
    assert replies[0].toast and await h.count("shipment_events") == before
    mark = await h.last_outbox_id()
    replies = await h.press(NURSE_A, find_payload_in(rows[0][1], "shr:all:"))
    assert "отримано 10" in replies[0].text and "отримано 2" in replies[0].text
    # The English coordinator hears who signed, the name in Latin letters too.
    told_coord = [text for _, text in await told(h, COORD, mark)]
    assert any("Лікарня А (Likarnia A)" in text for text in told_coord), told_coord
    assert await h.rows("SELECT status FROM shipments") == [("closed",)]
    assert await h.rows("SELECT status FROM requests") == [("delivered",)]


def find_payload_in(choices_json: str, prefix: str) -> str:
    start = choices_json.index(prefix)
    return choices_json[start : choices_json.index('"', start)]


async def test_who_may_confirm_arrival_and_use_the_commands(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Truck; hub Полтавська")
    await h.send(COORD, "/shipment add S-1 R-1001")
    replies = await h.send(NURSE_A, "/shipment S-1")
    assert "S-1" not in replies[0].text  # not allowed: the generic refusal
    await h.send(COORD, "/shipment depart S-1")
    replies = await h.press(NURSE_A, "shh:1")  # not the hub's member
    assert replies[0].toast
    assert await h.rows("SELECT status FROM shipments") == [("departed",)]
    replies = await h.press(HUB, "shh:1")
    assert "S-1" in replies[0].text
    assert await h.rows("SELECT status FROM shipments") == [("at_hub",)]
    replies = await h.press(HUB, "shh:1")  # twice: refused, nothing new
    assert "“At the hub”" in replies[0].text or "У хабі" in replies[0].text
    assert await h.count("shipment_events") == 4  # planned, lines, departed, at_hub
    replies = await h.send(COORD, "/shipments")
    assert "S-1" in replies[0].text and "lines: 1, recipients: 1" in replies[0].text


async def test_hub_goods_removal_and_a_withdrawn_request(harness: EngineHarness) -> None:
    h = harness
    orgs = await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти")
    await h.need_and_submit(NURSE_B, "/need 2 генератор")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/pledge R-1002")
    await h.send(COORD, "/shipment new Truck; hub Полтавська")
    # Goods for the hub, read as /need reads them; anything /need would ask about is refused.
    mark = await h.last_outbox_id()
    replies = await h.send(COORD, "/shipment add S-1 hub 370 генератор; 20 намет")
    assert "for the hub: Generator — 370" in replies[0].text and "Tent — 20" in replies[0].text
    heard = await told(h, HUB, mark)
    assert len(heard) == 1 and "для хабу: Генератор — 370" in heard[0][1]
    replies = await h.send(COORD, "/shipment add S-1 hub 40 каністр по 20 л дизпалива")
    assert "Could not read" in replies[0].text
    replies = await h.send(COORD, "/shipment add S-1 hub")
    assert "Could not read" in replies[0].text
    assert await h.rows(
        "SELECT request_id, item_id, dest_org_id, quantity FROM shipment_lines ORDER BY id"
    ) == [(None, None, orgs["hub"], 370), (None, None, orgs["hub"], 20)]

    await h.send(COORD, "/shipment add S-1 R-1001")
    await h.send(COORD, "/shipment add S-1 R-1002")
    # B withdraws: the truck may not leave with its goods.
    replies = await h.send(NURSE_B, "/withdraw R-1002")
    await h.press(NURSE_B, find_payload(replies[0], "wd:yes:"))
    replies = await h.send(COORD, "/shipment depart S-1")
    assert "R-1002" in replies[0].text and "withdrawn" in replies[0].text
    assert await h.rows("SELECT status FROM shipments") == [("planned",)]
    mark = await h.last_outbox_id()
    replies = await h.send(COORD, "/shipment remove S-1 R-1002")
    assert "Taken off S-1" in replies[0].text
    heard = await told(h, NURSE_B, mark)
    assert len(heard) == 1 and "genommen" in heard[0][1]
    replies = await h.send(COORD, "/shipment remove S-1 R-1002")
    assert "Nothing of R-1002" in replies[0].text
    replies = await h.send(COORD, "/shipment depart S-1")
    assert "On the way" in replies[0].text
    replies = await h.send(COORD, "/shipment remove S-1 R-1001")
    assert "“On the way”" in replies[0].text
    assert await h.count("shipment_lines") == 3
    # The hub signs for its own goods once the truck is there.
    await h.press(HUB, "shh:1")
    hub_lines = await h.rows("SELECT id FROM shipment_lines WHERE request_id IS NULL ORDER BY id")
    replies = await h.press(HUB, f"shr:all:1:{orgs['hub']}")
    assert "отримано 370" in replies[0].text and "отримано 20" in replies[0].text
    assert await h.rows(
        "SELECT status FROM shipment_lines WHERE id IN (?, ?)", *[r[0] for r in hub_lines]
    ) == [("received",), ("received",)]


async def test_signing_by_typing_on_a_platform_without_buttons(harness: EngineHarness) -> None:
    """Matrix and the console show choices as numbered options: /received S-1 lists them in a
    reply, so "3" means what the person saw as 3."""
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти; 2 генератор")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Direct")
    replies = await h.send(NURSE_A, "/received S-1", buttons=False)
    assert "S-1" in replies[0].text and not replies[0].choices  # nothing on it, nothing shown
    await h.send(COORD, "/shipment add S-1 R-1001")
    replies = await h.send(NURSE_A, "/received S-1", buttons=False)
    assert "ще не в дорозі" in replies[0].text
    await h.send(COORD, "/shipment depart S-1")
    replies = await h.send(NURSE_B, "/received S-1", buttons=False)  # not B's goods
    assert not replies[0].choices
    replies = await h.send(NURSE_A, "/received S-1", buttons=False)
    labels = [c.label for c in replies[0].flat_choices()]
    assert labels[0] == "✅ Усе отримано" and labels[2].startswith("✍️ 1")
    replies = await h.send(NURSE_A, "3", buttons=False)  # ✍️ for line 1, the bandages
    assert "Бинт — 10" in replies[0].text
    mark = await h.last_outbox_id()
    replies = await h.send(NURSE_A, "8 1 1 одна <пачка> & мокра", buttons=False)
    assert "отримано 8, пошкоджено 1, бракує 1 — одна &lt;пачка&gt; &amp; мокра" in replies[0].text
    # The coordinator is alerted at once, the hospital's note escaped; the audit row is plain.
    alert = await told(h, COORD, mark)
    assert [kind for kind, _ in alert] == ["alert"]
    assert "одна &lt;пачка&gt; &amp; мокра" in alert[0][1] and "damaged 1" in alert[0][1]
    audit = await h.rows("SELECT summary FROM audit WHERE action = 'shipment.receipt'")
    assert audit == [
        ("R-1001: Bandage — 10 packs: received 8, damaged 1, missing 1 — одна <пачка> & мокра",)
    ]
    replies = await h.send(NURSE_A, "/received S-1", buttons=False)
    assert replies[0].flat_choices()[0].label.startswith("✅ 1. Генератор")
    replies = await h.send(NURSE_A, "1", buttons=False)
    assert "отримано 2" in replies[0].text
    assert await h.rows("SELECT status FROM shipment_lines ORDER BY id") == [
        ("damaged",),
        ("received",),
    ]
    assert await h.rows("SELECT status FROM shipments") == [("closed",)]
    # The request counts what arrived whole as received, and whole or damaged as delivered.
    assert await h.rows("SELECT received, delivered FROM request_items ORDER BY position") == [
        (8, 9),
        (2, 2),
    ]
    replies = await h.send(NURSE_A, "/received S-1", buttons=False)
    assert "уже підтверджено" in replies[0].text


async def test_retention_clears_what_a_hospital_wrote_when_signing(
    harness: EngineHarness,
) -> None:
    h = harness
    await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Direct")
    await h.send(COORD, "/shipment add S-1 R-1001")
    await h.send(COORD, "/shipment depart S-1")
    line_id = (await h.rows("SELECT id FROM shipment_lines"))[0][0]
    await h.press(NURSE_A, f"shr:q:{line_id}")
    await h.send(NURSE_A, "9 0 1 ask Olena, +380 67 000 00 00")
    await h.send(NURSE_A, "/received R-1001 бинти 1")  # the last pack came later
    assert await h.rows("SELECT status FROM requests") == [("delivered",)]
    noted = "SELECT COUNT(*) FROM shipment_lines WHERE note IS NOT NULL"
    events = "SELECT COUNT(*) FROM shipment_events WHERE note IS NOT NULL"
    assert await h.rows(noted) == [(1,)] and await h.rows(events) == [(1,)]
    h.clock.advance(days=366)
    assert await apply_retention(h.engine.ctx) == 1
    assert await h.rows(noted) == [(0,)] and await h.rows(events) == [(0,)]
    assert await h.rows("SELECT received, missing FROM shipment_lines") == [(9, 1)]
