"""The hub's part of a truck (issue 14): /hub S-12 confirms the arrival and records, per
destination, that its goods left the hub; each destination hears it once, in its language."""

from __future__ import annotations

from tests.engine_harness import EngineHarness, payloads
from tests.handlers.test_shipments import COORD, HUB, NURSE_A, NURSE_B, setup, told


async def test_the_hub_confirms_arrival_and_sends_each_hospitals_goods_on(
    harness: EngineHarness,
) -> None:
    h = harness
    orgs = await setup(h)
    await h.need_and_submit(NURSE_A, "/need 10 уп бинти")
    await h.need_and_submit(NURSE_B, "/need 2 генератор")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/pledge R-1002")
    await h.send(COORD, "/shipment new Truck 1; hub Полтавська")
    await h.send(COORD, "/shipment add S-1 R-1001")
    await h.send(COORD, "/shipment add S-1 R-1002")
    await h.send(COORD, "/shipment add S-1 hub 5 намет")

    # Another hospital's member learns nothing of the truck.
    replies = await h.send(NURSE_A, "/hub S-1")
    assert "S-1" in replies[0].text and not replies[0].choices and "Бинт" not in replies[0].text
    assert "/shipments" not in replies[0].text
    replies = await h.send(HUB, "/hub")
    assert "/hub S-12" in replies[0].text
    replies = await h.send(HUB, "/hub S-1")
    assert "ще не вирушив" in replies[0].text and not replies[0].choices
    mark = await h.last_outbox_id()
    await h.send(COORD, "/shipment depart S-1")
    incoming = await told(h, HUB, mark)
    assert len(incoming) == 1 and "/hub S-1" in incoming[0][1]

    # On a platform without buttons the view is a reply: "1" is its first button, Arrived.
    replies = await h.send(HUB, "/hub S-1", buttons=False)
    assert payloads(replies[0]) == ["shh:1"]
    replies = await h.send(HUB, "1", buttons=False)
    assert "/hub S-1" in replies[0].text
    assert await h.rows("SELECT status FROM shipments") == [("at_hub",)]

    replies = await h.send(HUB, "/hub S-1")
    # The hub's own tents are not sent on; each hospital's goods are, one button each.
    assert "Намет" not in replies[0].text
    assert payloads(replies[0]) == [f"sho:1:{orgs['a']}", f"sho:1:{orgs['b']}"]
    mark = await h.last_outbox_id()
    replies = await h.press(HUB, f"sho:1:{orgs['b']}")
    assert payloads(replies[0]) == [f"sho:1:{orgs['a']}"] and replies[0].durable
    assert "Відправлено далі 24.11.2026" in replies[0].text
    heard = await told(h, NURSE_B, mark)
    assert len(heard) == 1 and "vom Umschlaglager" in heard[0][1] and "Stromerzeuger" in heard[0][1]
    assert "(Poltavska oblasna likarnia)" in heard[0][1]
    # With the buttons to sign for them (the hospital has not yet).
    assert "/received S-1" in heard[0][1]
    choices = await h.rows(
        "SELECT choices FROM outbox WHERE chat_id = ? AND id > ? AND kind = 'notice'",
        NURSE_B.user_id,
        mark,
    )
    assert "shr:ok:" in str(choices[0][0])
    assert await told(h, NURSE_A, mark) == []
    # A second tap (or a colleague's) records and tells nothing more.
    replies = await h.press(HUB, f"sho:1:{orgs['b']}")
    assert replies[0].toast and "вже записано" in replies[0].text
    assert len(await told(h, NURSE_B, mark)) == 1
    assert await h.rows("SELECT dest_org_id FROM shipment_onward") == [(orgs["b"],)]
    assert await h.rows("SELECT status, detail FROM shipment_events WHERE kind = 'note'") == [
        ("at_hub", f'{{"onward_to": {orgs["b"]}}}')
    ]
    assert await h.rows("SELECT action, target FROM audit WHERE action = 'shipment.onward'") == [
        ("shipment.onward", "S-1")
    ]
    # The coordinator's card says so too; a stranger's forged button does nothing.
    replies = await h.send(COORD, "/shipment S-1")
    assert "Sent on 24.11.2026" in replies[0].text
    replies = await h.press(NURSE_A, f"sho:1:{orgs['a']}")
    assert replies[0].toast
    assert await h.count("shipment_onward") == 1


async def test_hub_on_a_truck_without_a_hub(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    await h.send(COORD, "/shipment new Direct")
    replies = await h.send(COORD, "/hub S-1")
    assert "without a hub" in replies[0].text
    replies = await h.send(COORD, "/hub S-9")
    assert "S-9" in replies[0].text and "not found" in replies[0].text


async def test_a_sub_command_without_its_shipment_says_so(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    for sub in ("depart", "cancel", "fill", "list", "load", "arrived"):
        replies = await h.send(COORD, f"/shipment {sub}")
        assert replies[0].text == f"Name the shipment: /shipment {sub} S-12", sub


async def test_details_are_set_until_the_truck_leaves(harness: EngineHarness) -> None:
    """/shipment set: what the guided form does not ask (vehicle, waybill, value, origin), or
    a new departure day, which the hospitals with goods on the truck hear once."""
    h = harness
    orgs = await setup(h)
    await h.need_and_submit(NURSE_B, "/need 2 генератор")
    await h.send(COORD, "/pledge R-1001")
    await h.send(COORD, "/shipment new Truck 1; hub Полтавська; departs 04.12.2026")
    await h.send(COORD, "/shipment add S-1 R-1001")
    replies = await h.send(COORD, "/shipment set S-1")
    assert replies[0].text.startswith("What to change: /shipment set S-12")
    replies = await h.send(COORD, "/shipment set S-1 colour red")
    assert "colour red" in replies[0].text
    replies = await h.send(COORD, "/shipment set S-1 departs 01.01.2020")
    assert "01.01.2020" in replies[0].text
    mark = await h.last_outbox_id()
    replies = await h.send(
        COORD, "/shipment set S-1 waybill CMR-4711; vehicle MAN TGX; value 150.000 €"
    )
    assert "details changed" in replies[0].text and "CMR-4711" in replies[0].text
    assert await told(h, NURSE_B, mark) == []  # nothing the hospital needs to know
    replies = await h.send(COORD, "/shipment set S-1 departs 11.12.2026")
    assert "Friday, 11.12.2026" in replies[0].text
    heard = await told(h, NURSE_B, mark)
    assert len(heard) == 1 and "Freitag, 11.12.2026" in heard[0][1]
    assert await h.rows(
        "SELECT waybill, vehicle, declared_value_eur, planned_departure, hub_org_id FROM shipments"
    ) == [("CMR-4711", "MAN TGX", 150_000, "2026-12-11", orgs["hub"])]
    await h.send(COORD, "/shipment add S-1 hub 5 намет")
    replies = await h.send(COORD, "/shipment set S-1 hub Лікарня А")
    assert "goods for its hub" in replies[0].text
    assert await h.rows("SELECT action, summary FROM audit WHERE action = 'shipment.details'") == [
        ("shipment.details", "declared_value_eur, vehicle, waybill"),
        ("shipment.details", "planned_departure"),
    ]
    await h.send(COORD, "/shipment depart S-1")
    replies = await h.send(COORD, "/shipment set S-1 waybill CMR-9")
    assert "“On the way”" in replies[0].text
