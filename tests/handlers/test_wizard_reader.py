"""The /new wizard's item step reads a typed name as /need does: never a neighbour (issue 9)."""

from __future__ import annotations

from tests.engine_harness import EngineHarness, payloads
from tests.handlers.test_intake import NURSE, start_wizard


async def _to_item_step(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    await harness.press(NURSE, "w:cat:power")


async def _submit(harness: EngineHarness) -> None:
    await harness.press(NURSE, "w:more:done")
    await harness.press(NURSE, "w:urg:normal")
    await harness.press(NURSE, "w:due:7")
    await harness.press(NURSE, "w:place:org")
    replies = await harness.press(NURSE, "w:note:skip")
    submit = next(p for p in payloads(replies[-1]) if p.startswith("w:submit:"))
    await harness.press(NURSE, submit)


async def test_an_accessory_is_not_its_device(harness: EngineHarness) -> None:
    await _to_item_step(harness)
    replies = await harness.send(NURSE, "фільтри до кисневого концентратора")
    # "Which filters?" may be asked, but the concentrator itself is never offered.
    assert "w:item:oxygen_concentrator" not in payloads(replies[-1])
    if "w:item:=keep" in payloads(replies[-1]):
        replies = await harness.press(NURSE, "w:item:=keep")
    assert "немає в каталозі" in replies[-1].text
    await harness.send(NURSE, "20")
    await _submit(harness)
    rows = await harness.rows("SELECT item_key, free_text, quantity FROM request_items")
    assert rows == [(None, "фільтри до кисневого концентратора", 20)]


async def test_words_beside_the_name_are_kept_as_the_spec(harness: EngineHarness) -> None:
    await _to_item_step(harness)
    replies = await harness.send(NURSE, "генератор 30 кВт дизельний")
    assert "Генератор" in replies[-1].text and "30 кВт" in replies[-1].text
    await harness.send(NURSE, "2")
    await _submit(harness)
    rows = await harness.rows("SELECT item_key, spec, quantity FROM request_items")
    assert rows == [("generator", "дизельний 30 кВт", 2)] or rows[0][0] == "generator"
    assert "30 кВт" in (rows[0][1] or "") and "дизельний" in (rows[0][1] or "")


async def test_an_unsure_name_offers_candidates_and_keep_as_written(
    harness: EngineHarness,
) -> None:
    await _to_item_step(harness)
    replies = await harness.send(NURSE, "паливо")
    offered = payloads(replies[-1])
    assert "w:item:diesel_fuel" in offered and "w:item:petrol" in offered
    assert "w:item:=keep" in offered
    # Picking one stores that item; the quantity step names it.
    replies = await harness.press(NURSE, "w:item:diesel_fuel")
    assert "Дизельне паливо" in replies[-1].text
    await harness.send(NURSE, "200 л")
    await _submit(harness)
    rows = await harness.rows("SELECT item_key, quantity, unit FROM request_items")
    assert rows == [("diesel_fuel", 200, "l")]


async def test_keep_as_written_and_back_from_the_question(harness: EngineHarness) -> None:
    await _to_item_step(harness)
    await harness.send(NURSE, "паливо")
    # Back from the question leaves it: the categories again, and the question is gone
    # when the item step is opened once more.
    replies = await harness.press(NURSE, "w:back")
    assert "w:item:=keep" not in payloads(replies[-1])
    replies = await harness.press(NURSE, "w:cat:power")
    assert "w:item:=keep" not in payloads(replies[-1])
    assert "w:item:generator" in payloads(replies[-1])
    await harness.send(NURSE, "паливо")
    replies = await harness.press(NURSE, "w:item:=keep")
    assert "немає в каталозі" in replies[-1].text
    await harness.send(NURSE, "100 л")
    await _submit(harness)
    rows = await harness.rows("SELECT item_key, free_text, quantity FROM request_items")
    assert rows == [(None, "паливо", 100)]


async def test_the_quantity_step_reads_number_words(harness: EngineHarness) -> None:
    await _to_item_step(harness)
    await harness.press(NURSE, "w:item:generator")
    replies = await harness.send(NURSE, "три")
    assert "w:more:done" in payloads(replies[-1])
    await _submit(harness)
    rows = await harness.rows("SELECT item_key, quantity, unit FROM request_items")
    assert rows == [("generator", 3, "pcs")]
