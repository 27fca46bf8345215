"""The hot list queries read a page off an index, never the whole table (issue 17).

Each test runs the real repository function with SQLite's statement trace on, then asks
SQLite for the plan of every statement it ran (with its bound values), on a database filled
by bench/scale.py's generator, with and without ANALYZE statistics. A full scan of a table or
a temporary B-tree for ORDER BY means the cost grows with the table, not with the page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bench.scale import BIG_ORG, NOW, generate
from storage import requests
from storage.db import Database, fetch_all, open_db, run_in_db_thread
from storage.digests import load_digest_data
from storage.migrations import migrate
from storage.models import OPEN_STATUSES, Filters, NeedItemDraft, Status, Urgency
from storage.timefmt import to_db

OPEN = sorted(OPEN_STATUSES)
ITEM = NeedItemDraft(free_text="Дрова", quantity=3, unit="pcs")


@pytest.fixture(params=[False, True], ids=["no-stats", "analyze"])
async def db(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    path = tmp_path / "plans.db"
    database = await open_db(path)
    await migrate(database)
    await database.close()
    generate(path, 6_000)
    if not request.param:
        raw = sqlite3.connect(path)
        raw.execute("DROP TABLE IF EXISTS sqlite_stat1")
        raw.close()
    database = await open_db(path)
    try:
        yield database
    finally:
        await database.close()


async def traced_plans(
    db: Database, call: Callable[[aiosqlite.Connection], Awaitable[object]]
) -> list[list[str]]:
    """The query plan of every statement ``call`` ran (bound values expanded)."""
    statements: list[str] = []
    async with db.read() as conn:

        def trace_on(raw: sqlite3.Connection) -> None:
            raw.set_trace_callback(statements.append)

        def trace_off(raw: sqlite3.Connection) -> None:
            raw.set_trace_callback(None)

        await run_in_db_thread(conn, trace_on)
        try:
            await call(conn)
        finally:
            await run_in_db_thread(conn, trace_off)
        plans: list[list[str]] = []
        for sql in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            rows = await conn.execute_fetchall("EXPLAIN QUERY PLAN " + sql)
            plans.append([str(row[3]) for row in rows])
    assert plans, "no statement was traced"
    return plans


def grows_with_table(plan: list[str]) -> list[str]:
    """Steps that read a whole table or sort a whole result."""
    return [
        step
        for step in plan
        if "TEMP B-TREE FOR ORDER BY" in step
        or (step.startswith("SCAN") and "USING" not in step and step != "SCAN o")
    ]


async def test_open_first_page_reads_the_open_order_index(db: Database) -> None:
    async def call(conn: aiosqlite.Connection) -> object:
        return await requests.list_requests(conn, statuses=OPEN, limit=10)

    plans = await traced_plans(db, call)
    assert "requests_open_order" in plans[0][0], plans[0]
    for plan in plans:
        assert not grows_with_table(plan), plan


async def test_open_with_an_urgency_filter_and_a_keyset_page(db: Database) -> None:
    async with db.read() as conn:
        first = await requests.list_requests(conn, statuses=OPEN, limit=10)
    anchor = requests.PageAnchor(request_id=first[-1].id)

    async def call(conn: aiosqlite.Connection) -> object:
        await requests.list_requests(conn, statuses=OPEN, limit=10, anchor=anchor)
        back = requests.PageAnchor(request_id=first[-1].id, backwards=True)
        await requests.list_requests(conn, statuses=OPEN, limit=10, anchor=back)
        return await requests.list_requests(
            conn, statuses=OPEN, filters=Filters(urgency=Urgency.HIGH), limit=10
        )

    plans = await traced_plans(db, call)
    pages = [p for p in plans if any("requests_open_order" in step for step in p)]
    assert len(pages) == 3, plans
    # The anchor is a seek into the index, not a walk from its start.
    assert any(step.startswith("SEARCH r USING INDEX requests_open_order (") for step in pages[0])
    for plan in plans:
        assert not grows_with_table(plan), plan


async def test_duplicate_marks_of_a_page_seek_the_organisations_open_lines(
    db: Database,
) -> None:
    async with db.read() as conn:
        page = await requests.list_requests(conn, org_id=BIG_ORG, statuses=OPEN, limit=10)

    async def call(conn: aiosqlite.Connection) -> object:
        return await requests.list_duplicate_ids(conn, [r.id for r in page])

    plans = await traced_plans(db, call)
    assert any(
        "INDEX request_items_open_org_key (request_org_id=? AND item_key=?)" in step
        for plan in plans
        for step in plan
    ), plans
    async with db.read() as conn:
        marks = await requests.list_duplicate_ids(conn, [r.id for r in page])
    assert marks  # 5,000 requests of one organisation share items
    for plan in plans:
        # No walk over every line of a key (or every typed line) in the table.
        assert not any("request_items_totals" in step for step in plan), plan


async def test_my_reads_the_organisations_open_order_index(db: Database) -> None:
    async def call(conn: aiosqlite.Connection) -> object:
        await requests.count_requests(conn, org_id=BIG_ORG, statuses=OPEN)
        return await requests.list_requests(conn, org_id=BIG_ORG, statuses=OPEN, limit=30)

    plans = await traced_plans(db, call)
    assert any("requests_org_open_order (org_id=?)" in step for plan in plans for step in plan), (
        plans
    )
    for plan in plans:
        assert not grows_with_table(plan), plan


async def test_keyset_pages_cover_the_open_list_once_in_order(db: Database) -> None:
    async with db.read() as conn:
        everything = await requests.list_requests(conn, statuses=OPEN, limit=100_000)
        pages: list[int] = []
        anchor: requests.PageAnchor | None = None
        while True:
            page = await requests.list_requests(conn, statuses=OPEN, limit=7, anchor=anchor)
            if not page:
                break
            pages += [r.id for r in page]
            anchor = requests.PageAnchor(request_id=page[-1].id)
        # And back from the end: each page is the 7 before the first of the page after it.
        back: list[int] = []
        anchor = requests.PageAnchor(request_id=everything[-1].id, backwards=True)
        while True:
            page = await requests.list_requests(conn, statuses=OPEN, limit=7, anchor=anchor)
            if not page:
                break
            back = [r.id for r in page] + back
            anchor = requests.PageAnchor(request_id=page[0].id, backwards=True)
    assert len(everything) > 100
    assert pages == [r.id for r in everything]
    assert back == [r.id for r in everything][:-1]
    rank = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}
    keys = [(rank[r.urgency], r.created_at, r.id) for r in everything]
    assert keys == sorted(keys)
    assert all(r.status in OPEN_STATUSES for r in everything)
    assert any(r.status is Status.PLEDGED for r in everything)


def test_the_open_status_literal_is_the_open_statuses() -> None:
    """The partial indexes' term and OPEN_STATUSES must name the same statuses."""
    inner = requests.OPEN_STATUS_SQL.split("IN (", 1)[1].rstrip(")")
    assert {part.strip().strip("'") for part in inner.split(",")} == {
        s.value for s in OPEN_STATUSES
    }


async def test_digest_totals_walk_only_open_lines_kept_by_triggers(db: Database) -> None:
    """request_items.request_open follows its request's status in the same statement, and
    the digest's totals read only lines flagged open."""
    async with db.read() as conn:
        mismatched = await fetch_all(
            conn,
            "SELECT COUNT(*) FROM request_items i JOIN requests r ON r.id = i.request_id"
            f" WHERE i.request_open != ({requests.OPEN_STATUS_SQL})",
        )
    assert mismatched[0][0] == 0
    async with db.transaction() as conn:
        (request_id,) = (
            await fetch_all(
                conn, f"SELECT r.id FROM requests r WHERE {requests.OPEN_STATUS_SQL} LIMIT 1"
            )
        )[0]
        await requests.set_status(
            conn, request_id, Status.DELIVERED, actor_id=None, note=None, now=NOW
        )
        closed = await conn.execute_fetchall(
            "SELECT DISTINCT request_open FROM request_items WHERE request_id = ?", (request_id,)
        )
        await requests.set_status(
            conn, request_id, Status.IN_TRANSIT, actor_id=None, note=None, now=NOW
        )
        await requests.add_items(conn, request_id, [ITEM])
        reopened = await conn.execute_fetchall(
            "SELECT DISTINCT request_open FROM request_items WHERE request_id = ?", (request_id,)
        )
    async with db.read() as conn:
        last = await fetch_all(
            conn, "SELECT last_event_at FROM requests WHERE id = ?", (request_id,)
        )
        behind = await fetch_all(
            conn,
            "SELECT COUNT(*) FROM requests r WHERE r.last_event_at IS NOT"
            " (SELECT MAX(at) FROM status_events e WHERE e.request_id = r.id)",
        )
        wrong_org = await fetch_all(
            conn,
            "SELECT COUNT(*) FROM request_items i JOIN requests r ON r.id = i.request_id"
            " WHERE i.request_org_id IS NOT r.org_id",
        )
    assert wrong_org[0][0] == 0
    # The latest event's time, kept by a trigger, for every request.
    assert last[0][0] == to_db(NOW)
    assert behind[0][0] == 0
    assert [tuple(r) for r in closed] == [(0,)]
    assert [tuple(r) for r in reopened] == [(1,)]

    async def call(conn: aiosqlite.Connection) -> object:
        return await load_digest_data(
            conn,
            window_start=NOW - timedelta(days=7),
            window_end=NOW,
            today=NOW.date(),
            filters=Filters(),
        )

    plans = await traced_plans(db, call)
    # The stale section: its first rows and its count off the open requests' list-order
    # index with their last event's time (migration v021), no table row read for either.
    assert any(
        "USING COVERING INDEX requests_open_stale" in step for plan in plans for step in plan
    ), plans
    # The totals: the kept sums per (item, unit) (open_item_totals AS t, migration v021),
    # not every open line.
    assert any(step.startswith("SCAN t") for plan in plans for step in plan), plans
