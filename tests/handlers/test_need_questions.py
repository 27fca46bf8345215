"""The /need preview asks before it stores what the reader could not settle alone (issue 9)."""

from __future__ import annotations

from storage.models import Identity
from tests.engine_harness import EngineHarness, find_payload, payloads

NURSE = Identity(transport="telegram", user_id="301")


async def _nurse(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)


async def test_unknown_thing_offers_candidates_and_keep_as_written(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 5 фільтри до кисневого концентратора")
    assert not any(p.startswith("w:submit:") for p in payloads(replies[0]))
    # "Which filters?" offers filters, never the concentrator the filters are for.
    assert "w:q:k:water_filter" in payloads(replies[0])
    assert "w:q:k:oxygen_concentrator" not in payloads(replies[0])
    replies = await harness.press(NURSE, "w:q:keep")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    rows = await harness.rows("SELECT item_key, free_text, quantity FROM request_items")
    assert [tuple(r) for r in rows] == [(None, "фільтри до кисневого концентратора", 5)]


async def test_choosing_a_candidate_keeps_the_typed_words(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 3 катетери")
    assert "w:q:k:foley_catheter" in payloads(replies[0])
    replies = await harness.press(NURSE, "w:q:k:foley_catheter")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    rows = await harness.rows("SELECT item_key, spec FROM request_items")
    assert [tuple(r) for r in rows] == [("foley_catheter", "катетери")]


async def test_implausible_quantity_is_confirmed_first(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 200000 апаратів ШВЛ")
    assert "w:q:ok" in payloads(replies[0])
    assert await harness.count("requests") == 0
    replies = await harness.press(NURSE, "w:q:ok")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    assert await harness.count("requests") == 1


async def test_bulk_good_without_unit_asks_for_it(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need дизель 500")
    assert "w:q:u:kg" in payloads(replies[0])
    replies = await harness.press(NURSE, "w:q:u:kg")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    rows = await harness.rows("SELECT item_key, quantity, unit FROM request_items")
    assert [tuple(r) for r in rows] == [("diesel_fuel", 500, "kg")]


async def test_count_without_unit_is_pieces_with_a_one_tap_switch(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 300 рукавичок")
    assert "штуках" in replies[0].text
    replies = await harness.press(NURSE, find_payload(replies[0], "w:qu:0:"))
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    rows = await harness.rows("SELECT quantity, unit FROM request_items")
    assert [tuple(r) for r in rows] == [(300, "boxes")]


async def test_pack_size_is_kept_as_count_times_size(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 40 каністр по 20 л дизпалива терміново")
    assert "800" in replies[0].text
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    rows = await harness.rows(
        "SELECT item_key, quantity, unit, pack_size, pack_unit FROM request_items"
    )
    assert [tuple(r) for r in rows] == [("diesel_fuel", 40, "pcs", 20, "l")]
    rows = await harness.rows("SELECT urgency FROM requests")
    assert rows[0][0] == "high"


async def test_same_item_open_asks_add_anyway_or_add_to_it(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 4 генератори")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    replies = await harness.send(NURSE, "/need 4 генератори")
    assert "R-1001" in replies[0].text
    assert not any(p.startswith("w:submit:") for p in payloads(replies[0]))
    await harness.press(NURSE, "w:q:add")
    assert await harness.count("requests") == 1
    assert await harness.count("request_items") == 2
    replies = await harness.send(NURSE, "/need 1 генератор")
    replies = await harness.press(NURSE, "w:q:anyway")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    assert await harness.count("requests") == 2


async def test_submit_is_refused_while_a_question_is_open(harness: EngineHarness) -> None:
    await _nurse(harness)
    replies = await harness.send(NURSE, "/need 200000 апаратів ШВЛ")
    await harness.press(NURSE, "w:submit:00000000")
    replies = await harness.send(NURSE, "/new")
    assert "w:q:ok" in payloads(replies[0])
    assert await harness.count("requests") == 0
