"""Back from every step of the /new wizard, then on to a Submit that works (issue 9).

Back right after a quantity used to reopen the quantity step with no item ("?: скільки
потрібно?"); the next number added an item with neither key nor text, and every Submit after
that failed on the database's check. Each test here goes back from one step and carries on.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from handlers.core.events import Reply
from handlers.requests.intake import Draft
from storage.models import Identity, NeedItemDraft
from tests.engine_harness import EngineHarness, find_payload, payloads

NURSE = Identity(transport="telegram", user_id="101")

# One answer per step: enough to move the wizard along the ordinary path.
ANSWERS: dict[str, tuple[str, str]] = {
    "category": ("press", "w:cat:power"),
    "item": ("press", "w:item:generator"),
    "quantity": ("send", "2"),
    "more": ("press", "w:more:done"),
    "urgency": ("press", "w:urg:high"),
    "needed_by": ("press", "w:due:7"),
    "place": ("press", "w:place:org"),
    "note": ("press", "w:note:skip"),
    "edit": ("press", "w:ed:summary"),
}
PATH = ("category", "item", "quantity", "more", "urgency", "needed_by", "place", "note")


async def state(h: EngineHarness) -> tuple[str, Draft]:
    rows = await h.rows("SELECT flow, step, data FROM conversations")
    assert len(rows) == 1 and rows[0][0] == "intake", rows
    return str(rows[0][1]), Draft.model_validate_json(str(rows[0][2]))


async def answer(h: EngineHarness, step: str) -> list[Reply]:
    how, what = ANSWERS[step]
    h.clock.advance(seconds=3)  # a person's pace, so the message limit never interferes
    if how == "send":
        return await h.send(NURSE, what)
    return await h.press(NURSE, what)


async def back(h: EngineHarness) -> Reply:
    h.clock.advance(seconds=1)
    replies = await h.press(NURSE, "w:back")
    assert len(replies) == 1
    return replies[0]


async def go_to(h: EngineHarness, target: str) -> None:
    """From /new along the ordinary path until the wizard is at ``target``."""
    await h.send(NURSE, "/new")
    step, _ = await state(h)
    while step != target:
        await answer(h, step)
        step, _ = await state(h)


async def finish_and_submit(h: EngineHarness) -> None:
    """Answer whatever is asked until the summary, then Submit; the request must be stored."""
    for _ in range(20):
        step, draft = await state(h)
        assert_consistent(step, draft)
        if step == "summary":
            break
        await answer(h, step)
    else:
        raise AssertionError("the wizard never reached the summary")
    replies = await h.press(NURSE, f"w:submit:{draft.id}")
    assert "R-1001" in replies[0].text, replies[0].text
    items = await h.rows("SELECT item_key, free_text, quantity FROM request_items")
    assert items and all(key or text for key, text, _ in items), items


def assert_consistent(step: str, draft: Draft) -> None:
    if step == "quantity":
        assert draft.pending_key or draft.pending_text, draft
    if step == "item":
        assert draft.category, draft
    for item in draft.items:
        assert item.item_key or item.free_text, draft


@pytest.fixture
async def nurse(harness: EngineHarness) -> EngineHarness:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    return harness


@pytest.mark.parametrize("target", PATH[1:])
async def test_back_from_each_step_then_submit(nurse: EngineHarness, target: str) -> None:
    await go_to(nurse, target)
    expected = PATH[PATH.index(target) - 1]
    reply = await back(nurse)
    step, draft = await state(nurse)
    assert step == expected
    assert_consistent(step, draft)
    assert "?:" not in reply.text
    await finish_and_submit(nurse)


async def test_back_after_a_quantity_asks_about_that_item_again(nurse: EngineHarness) -> None:
    await go_to(nurse, "more")
    reply = await back(nurse)
    step, draft = await state(nurse)
    # The item comes back as the one being counted, and the list no longer holds it.
    assert step == "quantity" and draft.pending_key == "generator" and draft.items == []
    assert "Генератор" in reply.text
    nurse.clock.advance(seconds=3)
    replies = await nurse.send(NURSE, "5")
    assert "None" not in replies[0].text and "w:more:done" in payloads(replies[0])
    await finish_and_submit(nurse)
    assert await nurse.rows("SELECT item_key, quantity FROM request_items") == [("generator", 5)]


async def test_back_from_the_first_step_stays_there(nurse: EngineHarness) -> None:
    await go_to(nurse, "category")
    await back(nurse)
    step, _ = await state(nurse)
    assert step == "category"
    await finish_and_submit(nurse)


async def test_back_all_the_way_through_two_items(nurse: EngineHarness) -> None:
    """Two items, then Back step by step to the very start: every stop is consistent."""
    await go_to(nurse, "more")
    await nurse.press(NURSE, "w:more:add")
    await nurse.press(NURSE, "w:cat:other")
    nurse.clock.advance(seconds=3)
    await nurse.send(NURSE, "Дрова колоті")  # free text: not in the catalogue
    nurse.clock.advance(seconds=3)
    await nurse.send(NURSE, "3")
    seen = []
    for _ in range(10):
        step, draft = await state(nurse)
        assert_consistent(step, draft)
        seen.append((step, len(draft.items)))
        if step == "category" and not draft.history:
            break
        await back(nurse)
    assert seen == [
        ("more", 2),
        ("quantity", 1),
        ("item", 1),
        ("category", 1),
        ("more", 1),
        ("quantity", 0),
        ("item", 0),
        ("category", 0),
    ]
    await finish_and_submit(nurse)


async def test_back_from_the_edit_menu_and_its_steps(nurse: EngineHarness) -> None:
    await go_to(nurse, "note")
    await answer(nurse, "note")
    for target, deeper in [
        ("summary", ()),
        ("urgency", ()),
        ("needed_by", ()),
        ("place", ()),
        ("note", ()),
        ("add", ()),
        ("add", ("w:cat:power",)),
        ("add", ("w:cat:power", "w:item:fuel")),
    ]:
        await nurse.press(NURSE, "w:edit")
        if target == "summary":
            reply = await back(nurse)  # Back on the Edit menu itself
        else:
            await nurse.press(NURSE, f"w:ed:{target}")
            for payload in deeper:
                await nurse.press(NURSE, payload)
            reply = await back(nurse)
        step, draft = await state(nurse)
        assert step == "summary", (target, deeper, step)
        assert not draft.editing and draft.pending_key is None and draft.history == []
        assert len(draft.items) == 1
        find_payload(reply, "w:submit:")
    await finish_and_submit(nurse)


async def test_edit_steps_answered_after_a_back_still_return_to_the_summary(
    nurse: EngineHarness,
) -> None:
    await go_to(nurse, "note")
    await answer(nurse, "note")
    await nurse.press(NURSE, "w:edit")
    await nurse.press(NURSE, "w:ed:add")
    await nurse.press(NURSE, "w:cat:power")
    await nurse.press(NURSE, "w:item:fuel")
    nurse.clock.advance(seconds=3)
    await nurse.send(NURSE, "20")
    step, draft = await state(nurse)
    assert step == "summary" and len(draft.items) == 2
    await finish_and_submit(nurse)


async def test_a_draft_stuck_at_quantity_without_an_item_recovers(nurse: EngineHarness) -> None:
    """A draft saved by the old Back (quantity step, no pending item) asks for an item."""
    await go_to(nurse, "more")
    async with nurse.db.transaction() as conn:
        await conn.execute(
            "UPDATE conversations SET step = 'quantity',"
            " data = json_set(data, '$.history', json('[\"category\", \"item\"]'))"
        )
    nurse.clock.advance(seconds=3)
    replies = await nurse.send(NURSE, "2")
    step, draft = await state(nurse)
    assert step == "category" and len(draft.items) == 1
    assert "w:cat:power" in payloads(replies[0])
    await nurse.press(NURSE, "w:cat:power")
    await nurse.press(NURSE, "w:item:fuel")
    await finish_and_submit(nurse)


def test_an_item_without_key_or_text_cannot_be_made() -> None:
    with pytest.raises(ValidationError):
        NeedItemDraft(quantity=2, unit="pcs")
    with pytest.raises(ValidationError):
        NeedItemDraft(free_text="  ", quantity=2, unit="pcs")
    assert NeedItemDraft(free_text="Дрова", quantity=2, unit="pcs").free_text == "Дрова"
