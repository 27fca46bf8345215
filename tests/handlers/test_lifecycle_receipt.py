"""A bare /received asks before it assumes (issue 9): only a fully delivered request is
confirmed whole without a question."""

from __future__ import annotations

from tests.engine_harness import EngineHarness, db_snapshot, payloads
from tests.handlers.test_lifecycle import COORD, NURSE, setup


async def received(h: EngineHarness) -> list[tuple[int, int]]:
    return [
        (r[0], r[1])
        for r in await h.rows("SELECT delivered, received FROM request_items ORDER BY position")
    ]


async def test_partly_delivered_asks_then_takes_what_was_delivered(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор; 200 уп бинти")
    await h.send(COORD, "/pledge R-1001 all")
    await h.send(COORD, "/delivered R-1001 2 100")
    before = await db_snapshot(h.db)
    replies = await h.send(NURSE, "/received R-1001")
    assert "ще не все доставлено" in replies[0].text
    assert "доставлено 100 з 200" in replies[0].text
    assert payloads(replies[0]) == ["rcv:dlv:1001", "rcv:type:1001", "rcv:no:1001"]
    assert await db_snapshot(h.db) == before  # asking records nothing
    replies = await h.press(NURSE, "rcv:dlv:1001")
    assert replies[0].replace and "отримано 100 з 200" in replies[0].text
    assert await received(h) == [(0, 0), (100, 100)]
    assert (await h.rows("SELECT status FROM requests")) == [("pledged",)]


async def test_all_keyword_asks_too(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор")
    await h.send(COORD, "/pledge R-1001 all")
    replies = await h.send(NURSE, "/received R-1001 усе")
    assert "Доставку ще ніхто не позначив" in replies[0].text
    assert payloads(replies[0]) == ["rcv:type:1001", "rcv:no:1001"]
    replies = await h.press(NURSE, "rcv:type:1001")
    assert "/received R-1001 1 5" in replies[0].text
    replies = await h.press(NURSE, "rcv:no:1001")
    assert "нічого не записано" in replies[0].text
    assert await received(h) == [(0, 0)]


async def test_explicit_quantities_need_no_question(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор")
    await h.send(COORD, "/pledge R-1001 all")
    replies = await h.send(NURSE, "/received R-1001 генератор 3")
    assert "отримано 3 з 10" in replies[0].text
    assert await received(h) == [(3, 3)]  # what arrived was evidently delivered


async def test_fully_delivered_is_confirmed_whole(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор")
    await h.send(COORD, "/pledge R-1001 all")
    await h.send(COORD, "/delivered R-1001 all")
    replies = await h.send(NURSE, "/received R-1001")
    assert "повністю" in replies[0].text and "отримано 10 з 10" in replies[0].text
    assert await received(h) == [(10, 10)]


async def test_only_the_requesting_org_answers(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 10 генератор")
    await h.send(COORD, "/pledge R-1001 all")
    await h.send(COORD, "/delivered R-1001 1 4")
    replies = await h.press(COORD, "rcv:dlv:1001")
    assert replies[0].toast
    assert await received(h) == [(4, 0)]
