"""Retention: free-text notes of requests closed longer than retention_days ago are cleared."""

from __future__ import annotations

from typing import Any

from bot.scheduler import DigestScheduler
from handlers.core.events import Reply
from handlers.people.privacy import apply_retention
from storage.models import Identity, Role
from tests.engine_harness import EngineHarness, find_payload

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")


async def say(h: EngineHarness, who: Identity, text: str, **kw: Any) -> list[Reply]:
    # A few seconds apart, as people type: the per-minute limit never interferes.
    h.clock.advance(seconds=5)
    return await h.send(who, text, **kw)


async def file_request(h: EngineHarness, need: str) -> None:
    replies = await say(h, NURSE, need)
    h.clock.advance(seconds=1)
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))


async def notes(h: EngineHarness, request_id: int) -> tuple[Any, ...]:
    """(request note, status notes, pledge notes, cleared at) of one request."""
    request = await h.rows("SELECT note, notes_cleared_at FROM requests WHERE id = ?", request_id)
    events = await h.rows(
        "SELECT note FROM status_events WHERE request_id = ? AND note IS NOT NULL", request_id
    )
    pledges = await h.rows(
        "SELECT note FROM pledges WHERE request_id = ? AND note IS NOT NULL", request_id
    )
    return (request[0][0], [e[0] for e in events], [p[0] for p in pledges], request[0][1])


async def scenario(h: EngineHarness) -> None:
    """R-1001 declined and R-1002 delivered now; R-1003 declined 200 days later; R-1004 open."""
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    for need in ("/need 2 генератор", "/need 50 бинти", "/need 3 ковдри", "/need 10 ліхтарики"):
        await file_request(h, need)
    # The wizard's own note field, filled for every request.
    await h.db.raw.execute("UPDATE requests SET note = 'ask for Olena, +380 67 000 00 00'")
    await h.db.raw.commit()
    await say(h, COORD, "/note R-1001 Olena said the old one burnt")
    await say(h, COORD, "/decline R-1001 no generators in stock")
    await say(h, COORD, "/ack R-1002")
    await say(h, COORD, "/pledge R-1002 1 50; from the Köln store, ask Jens")
    await say(h, COORD, "/delivered R-1002")
    await say(h, COORD, "/note R-1004 Olena will call back")
    assert (await h.rows("SELECT status FROM requests ORDER BY id")) == [
        ("declined",),
        ("delivered",),
        ("new",),
        ("new",),
    ]
    h.clock.advance(days=200)
    await say(h, COORD, "/decline R-1003 not our region")


async def test_only_old_closed_notes_are_cleared_and_again_is_a_no_op(
    harness: EngineHarness,
) -> None:
    h = harness
    await scenario(h)
    before = {rid: await notes(h, rid) for rid in (1001, 1002, 1003, 1004)}
    assert before[1001][1] == ["Olena said the old one burnt", "no generators in stock"]
    assert before[1002][2] == ["from the Köln store, ask Jens"]
    # Copies of messages about R-1001/R-1002 were sent long ago; R-1003's recently.
    await h.db.raw.execute("UPDATE outbox SET sent_at = created_at")
    await h.db.raw.commit()
    old_outbox = await h.rows("SELECT COUNT(*) FROM outbox WHERE created_at < '2027'")
    assert old_outbox[0][0] > 0

    h.clock.advance(days=170)  # R-1001/R-1002 closed 370 days ago, R-1003 170 days ago
    ctx = h.engine.ctx
    assert await apply_retention(ctx, batch=1) == 2  # one request per transaction

    for rid in (1001, 1002):
        note, events, pledges, cleared_at = await notes(h, rid)
        assert (note, events, pledges) == (None, [], [])
        assert cleared_at is not None
    # Recently closed and still open requests keep every note.
    assert await notes(h, 1003) == before[1003]
    assert await notes(h, 1004) == before[1004]
    assert before[1004][1] == ["Olena will call back"]
    # Items, quantities and statuses stay: only the free text goes.
    assert (await h.rows("SELECT SUM(delivered) FROM request_items WHERE request_id = 1002")) == [
        (50,)
    ]
    # Old sent copies (which may quote notes) are gone, the recent ones stay.
    assert (await h.rows("SELECT COUNT(*) FROM outbox WHERE created_at < '2027'")) == [(0,)]
    assert (await h.rows("SELECT COUNT(*) FROM outbox"))[0][0] > 0
    audits = await h.rows("SELECT actor_label, summary FROM audit WHERE action LIKE 'retention%'")
    assert len(audits) == 2 and all(a[0] == "housekeeping" for a in audits)

    stamps = await h.rows("SELECT id, notes_cleared_at FROM requests ORDER BY id")
    h.clock.advance(hours=1)
    assert await apply_retention(ctx) == 0
    assert await h.rows("SELECT id, notes_cleared_at FROM requests ORDER BY id") == stamps
    assert len(await h.rows("SELECT 1 FROM audit WHERE action LIKE 'retention%'")) == 2


async def test_scheduler_runs_retention_once_a_day(harness: EngineHarness) -> None:
    h = harness
    await scenario(h)
    h.clock.advance(days=170)
    scheduler = DigestScheduler(h.engine.ctx, on_queued=lambda: None, clock=h.clock)
    await scheduler.housekeeping()
    assert (await notes(h, 1001))[0] is None
    # R-1003 becomes old enough within the same day: the next hourly run leaves it alone ...
    await h.db.raw.execute(
        "UPDATE status_events SET at = '2025-01-01T00:00:00.000000+00:00'"
        " WHERE request_id = 1003 AND status = 'declined'"
    )
    await h.db.raw.commit()
    h.clock.advance(hours=1)
    await scheduler.housekeeping()
    assert (await notes(h, 1003))[0] is not None
    # ... and the first run of the next day clears it.
    h.clock.advance(days=1)
    await scheduler.housekeeping()
    assert (await notes(h, 1003))[0] is None
