"""The 8-week chart of outstanding need, summed in SQL, and the round's reads off indexes
(issue 14's bench: the coordination round's pack).

``storage.charts.outstanding_by_week`` reads the weeks off the aggregates kept by triggers
(migration v021). Here it is compared with the definition walked
row by row in Python (a request counts at a week end when it existed then and no history row
at or before it closed it), on bench/scale.py's two years of requests, with and without
filters; and the round's sections read off v022's indexes, not by reading every
history row of the window.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bench.scale import BIG_ORG, NOW, generate
from storage.charts import ChartData, outstanding_by_week, week_ends
from storage.db import Database, open_db, run_in_db_thread
from storage.meeting import load_meeting_data
from storage.migrations import migrate
from storage.models import OPEN_STATUSES, Filters, Urgency
from storage.timefmt import to_db

WEEKS = 8
END = NOW - timedelta(days=3)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chart") / "chart.db"

    async def make() -> None:
        database = await open_db(path)
        await migrate(database)
        await database.close()

    import asyncio

    asyncio.run(make())
    generate(path, 4_000)
    raw = sqlite3.connect(path)
    with raw:
        # A closed request whose later row (a receipt after delivery) also carries a closed
        # status: it closed at the first of them, not the last.
        rid = raw.execute(
            "SELECT r.id FROM requests r WHERE r.status = 'delivered' AND EXISTS (SELECT 1"
            " FROM request_items i WHERE i.request_id = r.id AND i.quantity > i.delivered)"
            " ORDER BY r.id DESC LIMIT 1"
        ).fetchone()
        if rid is not None:
            raw.execute(
                "INSERT INTO status_events (request_id, status, kind, at) VALUES"
                " (?, 'delivered', 'receipt', ?)",
                (rid[0], to_db(END - timedelta(days=1))),
            )
        # Something left outstanding on requests closed inside the window, so they show.
        raw.execute(
            "UPDATE request_items SET delivered = quantity / 2, pledged = 0 WHERE request_id IN"
            " (SELECT request_id FROM status_events WHERE status IN"
            " ('delivered', 'declined', 'withdrawn') AND at > ?)",
            (to_db(END - timedelta(weeks=WEEKS)),),
        )
    raw.close()
    return path


@pytest.fixture
async def db(filled: Path) -> AsyncIterator[Database]:
    database = await open_db(filled)
    try:
        yield database
    finally:
        await database.close()


def reference(
    path: Path, filters: Filters, *, count_lines: bool
) -> list[dict[tuple[str | None, str], int]]:
    """The definition, row by row."""
    ends = [to_db(end) for end in week_ends(END, WEEKS)]
    raw = sqlite3.connect(path)
    closed_at: dict[int, str] = {}
    for request_id, at in raw.execute(
        "SELECT request_id, at FROM status_events WHERE status NOT IN"
        f" ({','.join(repr(s.value) for s in OPEN_STATUSES)}) ORDER BY at"
    ):
        closed_at.setdefault(request_id, at)
    sums: list[dict[tuple[str | None, str], int]] = [defaultdict(int) for _ in ends]
    for (
        request_id,
        org_id,
        urgency,
        created_at,
        item_key,
        quantity,
        pledged,
        delivered,
    ) in raw.execute(
        "SELECT r.id, r.org_id, r.urgency, r.created_at, i.item_key, i.quantity,"
        " i.pledged, i.delivered FROM requests r JOIN request_items i ON i.request_id = r.id"
    ):
        outstanding = quantity - max(pledged, delivered)
        if outstanding <= 0:
            continue
        if filters.urgency is not None and urgency != filters.urgency.value:
            continue
        if filters.org_id is not None and org_id != filters.org_id:
            continue
        if filters.item_keys is not None and item_key not in filters.item_keys:
            continue
        for index, end in enumerate(ends):
            closed = closed_at.get(request_id)
            if created_at <= end and (closed is None or closed > end):
                sums[index][(item_key, urgency)] += 1 if count_lines else outstanding
    raw.close()
    return [dict(week) for week in sums]


def as_sums(data: ChartData) -> list[dict[tuple[str | None, str], int]]:
    return [{(c.key, c.urgency.value): c.outstanding for c in w.cells} for w in data.weeks]


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(urgency=Urgency.CRITICAL),
        Filters(org_id=BIG_ORG),
        Filters(item_keys=("generator", "bandages")),
    ],
    ids=["all", "critical", "org", "items"],
)
@pytest.mark.parametrize("count_lines", [False, True], ids=["quantities", "lines"])
async def test_the_sums_are_the_definition(
    db: Database, filled: Path, filters: Filters, count_lines: bool
) -> None:
    async with db.snapshot() as conn:
        data = await outstanding_by_week(
            conn, weeks=WEEKS, end=END, filters=filters, count_lines=count_lines
        )
    expected = reference(filled, filters, count_lines=count_lines)
    assert as_sums(data) == expected
    assert any(expected[-1].values()), "the data must have something outstanding"


# A history table read whole: every pledge, shipment line or event ever written.
_HISTORY_SCAN = re.compile(
    r"^SCAN (pledges|shipment_lines|shipment_events|status_events|p|l|e|se|le|op)\b"
)


async def test_the_rounds_sections_follow_the_window_not_the_history(db: Database) -> None:
    statements: list[str] = []
    async with db.read() as conn:
        await run_in_db_thread(conn, lambda raw: raw.set_trace_callback(statements.append))
        try:
            await load_meeting_data(
                conn, since=END - timedelta(days=14), until=END, today=END.date()
            )
        finally:
            await run_in_db_thread(conn, lambda raw: raw.set_trace_callback(None))
        steps: list[str] = []
        for sql in statements:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                rows = await conn.execute_fetchall("EXPLAIN QUERY PLAN " + sql)
                steps += [str(row[3]) for row in rows]
    assert steps
    assert [step for step in steps if _HISTORY_SCAN.match(step)] == []
    for index in ("pledges_at", "shipment_lines_confirmed", "shipment_events_departed"):
        assert any(index in step for step in steps), index
