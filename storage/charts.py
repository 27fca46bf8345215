"""Outstanding quantities week by week, rebuilt from the status history.

For each week end the question is: which requests existed and were open then, and how much
of their items was still uncovered? A request counts from its filing until its first history
row (``status_events``) with a closed status, so a request delivered in week 5 stops counting
from week 5's end on.

Approximation: quantities use today's counters, ``quantity - max(pledged, delivered)``, for
every week, because pledges and deliveries per item carry no full history. A pledge made
yesterday therefore lowers the bars of earlier weeks too; requests that were closed are still
placed correctly in time, since closing is dated by its status event.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial

import aiosqlite

from storage.db import run_in_db_thread
from storage.exports import filter_sql
from storage.models import OPEN_STATUSES, URGENCY_ORDER, Filters, Frozen, Urgency
from storage.timefmt import to_db


class ChartCell(Frozen):
    """Outstanding quantity for one (key, urgency) in one week.

    ``key`` is an item key as stored (None: free text); handlers may fold it into a category.
    """

    key: str | None
    urgency: Urgency
    outstanding: int


class ChartWeek(Frozen):
    end: datetime
    cells: tuple[ChartCell, ...] = ()

    def total(self) -> int:
        return sum(c.outstanding for c in self.cells)


class ChartData(Frozen):
    """Weeks oldest first; cells sorted by key (free text last), then urgency."""

    weeks: tuple[ChartWeek, ...]


def week_ends(end: datetime, weeks: int) -> list[datetime]:
    """``weeks`` instants a week apart, oldest first, the last one being ``end``."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    return [end - timedelta(weeks=weeks - 1 - k) for k in range(weeks)]


async def outstanding_by_week(
    conn: aiosqlite.Connection,
    *,
    weeks: int,
    end: datetime,
    filters: Filters,
    count_lines: bool = False,
) -> ChartData:
    """Outstanding quantity per (item, urgency) and week; with ``count_lines`` the number of
    item lines with anything outstanding instead (the coordination round's chart: lines of
    different units can be counted together, their quantities cannot)."""
    ends = week_ends(end, weeks)
    if filters.item_keys is not None and not filters.item_keys:
        return ChartData(weeks=tuple(ChartWeek(end=e) for e in ends))
    # Both queries and the sums over every item line run in the database thread, in one trip:
    # at 100,000 item lines the sums alone take most of a second of CPU, which the event loop
    # (every chat's answers) must not pay.
    return await run_in_db_thread(
        conn, partial(_outstanding, ends=ends, filters=filters, count_lines=count_lines)
    )


def _outstanding(
    raw: sqlite3.Connection, ends: list[datetime], filters: Filters, count_lines: bool = False
) -> ChartData:
    ends_db = [to_db(end) for end in ends]
    first, last = ends_db[0], ends_db[-1]
    where, args = filter_sql(filters)
    open_values = sorted(_OPEN_VALUES)
    marks = ",".join("?" for _ in open_values)
    amount = "1" if count_lines else "i.quantity - MAX(i.pledged, i.delivered)"
    # A request is open at a week end when it existed then and had not yet been closed: no
    # status leads from delivered, declined or withdrawn back to an open one
    # (handlers/lifecycle/rules.py), and each history row's status is the request's status
    # after it (storage/lifecycle.py), so it closed at its first row with a closed status.
    # Both the week it appeared in and the week it closed in are bucketed in SQL and the
    # lines summed there per (weeks, item, urgency): a few thousand groups come back, not a
    # row per item line. Walking every open line's request and history in Python took
    # ~1.2 s at 100,000 requests; this ~0.4 s (issue 14's bench).
    appeared = _week_index("r.created_at", ends_db)
    # Requests open now: open since they were filed. SQLite picks the side to start from:
    # the open requests' index unfiltered or by urgency or organisation, the open lines' by item.
    rows = raw.execute(
        f"SELECT {appeared}, {len(ends_db)}, i.item_key, r.urgency, SUM({amount})"
        " FROM request_items i JOIN requests r ON r.id = i.request_id"
        f" WHERE i.request_open = 1 AND r.status IN ({marks}) AND r.created_at <= ?"
        f" AND i.quantity > MAX(i.pledged, i.delivered){where}"
        " GROUP BY 1, 2, 3, 4",
        [*open_values, last, *args],
    ).fetchall()
    # Requests closed since the first week end: open from their filing to their closing. Found
    # from the rows that closed them since then (v019's partial index of closing rows by
    # time), so the cost follows the window's closings, not every request ever closed.
    rows += raw.execute(
        "WITH closed AS MATERIALIZED ("
        " SELECT r.id, r.org_id, r.created_at, r.urgency, (SELECT MIN(x.at) FROM status_events x"
        f"  WHERE x.request_id = r.id AND x.status NOT IN ({marks})) AS closed_at"
        " FROM requests r WHERE r.id IN (SELECT e.request_id FROM status_events e"
        f"  WHERE e.at > ? AND {CLOSED_EVENT_SQL})"
        f" AND r.status NOT IN ({marks}) AND r.created_at <= ?)"
        f" SELECT {appeared}, {_week_index('r.closed_at', ends_db)}, i.item_key, r.urgency,"
        f" SUM({amount}) FROM closed r JOIN request_items i ON i.request_id = r.id"
        f" WHERE r.closed_at > ? AND i.quantity > MAX(i.pledged, i.delivered){where}"
        " GROUP BY 1, 2, 3, 4",
        [*open_values, first, *open_values, last, first, *args],
    ).fetchall()
    sums: list[dict[tuple[str | None, Urgency], int]] = [defaultdict(int) for _ in ends]
    for appeared_at, closed_at, item_key, urgency, total in rows:
        key = (item_key, Urgency(urgency))
        # Open at the week ends from the one it appeared by to the last before it closed.
        for index in range(appeared_at, closed_at):
            sums[index][key] += total
    return ChartData(
        weeks=tuple(
            ChartWeek(end=week_end, cells=_cells(week_sums))
            for week_end, week_sums in zip(ends, sums, strict=True)
        )
    )


def _week_index(column: str, ends: list[str]) -> str:
    """SQL for the index of the first week end at or after ``column`` (``bisect_left`` over
    the ends as stored: ISO text in UTC sorts as time does, storage/timefmt.py); past the
    last, the number of weeks. The ends are our own timestamps, written in as literals."""
    cases = " ".join(f"WHEN {column} <= '{end}' THEN {index}" for index, end in enumerate(ends))
    return f"(CASE {cases} ELSE {len(ends)} END)"


_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
# The closed statuses as migration v019's partial index ``status_events_closed`` names them:
# SQLite uses a partial index only for a query that says the same
# (tests/storage/test_chart_plans.py).
CLOSED_EVENT_SQL = "e.status IN ('delivered', 'declined', 'withdrawn')"


def _cells(sums: dict[tuple[str | None, Urgency], int]) -> tuple[ChartCell, ...]:
    ordered = sorted(
        sums.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", URGENCY_ORDER[kv[0][1]])
    )
    return tuple(
        ChartCell(key=key, urgency=urgency, outstanding=total)
        for (key, urgency), total in ordered
        if total
    )
