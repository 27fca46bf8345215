"""A request its hospital re-confirmed is no longer stale (issue 9)."""

from __future__ import annotations

from datetime import timedelta

from handlers.requests.reconfirm import ask_reconfirm
from storage.digests import load_digest_data
from storage.models import Filters
from tests.engine_harness import EngineHarness
from tests.handlers.test_lifecycle import NURSE, setup


async def stale_ids(h: EngineHarness) -> list[int]:
    end = h.clock()
    async with h.db.read() as conn:
        data = await load_digest_data(
            conn,
            window_start=end - timedelta(days=1),
            window_end=end,
            today=end.date(),
            filters=Filters(),
        )
    return [s.request.id for s in data.stale]


async def test_reconfirmed_request_is_not_stale_a_week_later(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 5 намет")
    h.clock.advance(days=15)
    assert await ask_reconfirm(h.engine.ctx) == 1
    h.clock.advance(days=1)
    await h.press(NURSE, "rc:yes:1001")
    for _ in range(7):  # every daily digest of the week after the answer
        h.clock.advance(days=1)
        assert await stale_ids(h) == []
    events = await h.rows("SELECT kind FROM status_events ORDER BY id")
    assert events == [("status",), ("reconfirm",)]
    shown = (await h.send(NURSE, "/show R-1001"))[0].text
    assert "Підтверджено: ще потрібно" in shown


async def test_unanswered_request_still_becomes_stale(harness: EngineHarness) -> None:
    h = harness
    await setup(h, "/need 5 намет")
    h.clock.advance(days=15)
    assert await ask_reconfirm(h.engine.ctx) == 1
    h.clock.advance(days=6)
    assert await stale_ids(h) == [1001]  # silent for 21 days
