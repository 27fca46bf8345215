"""Outstanding quantities week by week, rebuilt from the status history.

For each week end the question is: which requests existed and were open then, and how much
of their items was still uncovered? Status comes from ``status_events`` (the last event at or
before the week end), so a request delivered in week 5 stops counting from week 5's end on.

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
from storage.models import OPEN_STATUSES, URGENCY_ORDER, Filters, Frozen, Status, Urgency
from storage.timefmt import from_db, to_db


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
    conn: aiosqlite.Connection, *, weeks: int, end: datetime, filters: Filters
) -> ChartData:
    ends = week_ends(end, weeks)
    if filters.item_keys is not None and not filters.item_keys:
        return ChartData(weeks=tuple(ChartWeek(end=e) for e in ends))
    # Both queries and the sums over every item line run in the database thread, in one trip:
    # at 100,000 item lines the sums alone take most of a second of CPU, which the event loop
    # (every chat's answers) must not pay.
    return await run_in_db_thread(conn, partial(_outstanding, ends=ends, filters=filters))


def _outstanding(raw: sqlite3.Connection, ends: list[datetime], filters: Filters) -> ChartData:
    first, last = to_db(ends[0]), to_db(ends[-1])
    where, args = filter_sql(filters)
    open_values = sorted(_OPEN_VALUES)
    marks = ",".join("?" for _ in open_values)
    # Candidates: created by the last week end, and open now or changed status since the
    # first week end. A request closed before the window has no bar to contribute to.
    # The candidate ids come from the open requests (an index on status) and the events since
    # the first week end (an index on at), so the cost follows the open requests and the
    # window's activity; testing each request ever filed for either (as before) read the whole
    # table: 6.4 s at 1,000,000 requests (issue 17).
    ids = (
        "SELECT c.id FROM ("
        f" SELECT id FROM requests WHERE status IN ({marks})"
        " UNION SELECT request_id FROM status_events WHERE at >= ?) AS c"
    )
    candidates = (
        " FROM requests r"
        " JOIN request_items i ON i.request_id = r.id"
        " JOIN organisations o ON o.id = r.org_id"
        f" WHERE r.id IN ({ids}) AND r.created_at <= ?{where}"
    )
    candidate_args = [*open_values, first, last, *args]
    items = raw.execute(
        "SELECT r.id, r.created_at, r.urgency, i.item_key,"
        f" MAX(0, i.quantity - MAX(i.pledged, i.delivered)){candidates}"
        " ORDER BY r.id, i.position",
        candidate_args,
    )
    events = raw.execute(
        "SELECT request_id, status, at FROM status_events"
        f" WHERE at <= ? AND request_id IN (SELECT r.id{candidates})"
        " ORDER BY request_id, at, id",
        [last, *candidate_args],
    )
    # Both come ordered by request id and are walked side by side, one request at a time:
    # nothing grows with the number of requests but the sums, so the garbage collector (whose
    # pauses stop the event loop too) has next to nothing to look at.
    sums: list[dict[tuple[str | None, Urgency], int]] = [defaultdict(int) for _ in ends]
    pending = next(events, None)
    current: int | None = None
    open_weeks: list[int] = []
    for request_id, created_at, urgency, item_key, outstanding in items:
        if request_id != current:
            current = request_id
            while pending is not None and pending[0] < request_id:
                pending = next(events, None)
            history: list[tuple[datetime, str]] = []
            while pending is not None and pending[0] == request_id:
                history.append((from_db(pending[2]), str(pending[1])))
                pending = next(events, None)
            created = from_db(created_at)
            open_weeks = [
                index
                for index, week_end in enumerate(ends)
                if created <= week_end and _open_at(history, week_end)
            ]
        if not outstanding:
            continue
        key = (item_key, Urgency(urgency))
        for index in open_weeks:
            sums[index][key] += outstanding
    return ChartData(
        weeks=tuple(
            ChartWeek(end=week_end, cells=_cells(week_sums))
            for week_end, week_sums in zip(ends, sums, strict=True)
        )
    )


_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)


def _open_at(events: list[tuple[datetime, str]], moment: datetime) -> bool:
    """Status at ``moment`` is the last event at or before it; none yet counts as new."""
    status: str = Status.NEW.value
    for at, event_status in events:
        if at > moment:
            break
        status = event_status
    return status in _OPEN_VALUES


def _cells(sums: dict[tuple[str | None, Urgency], int]) -> tuple[ChartCell, ...]:
    ordered = sorted(
        sums.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", URGENCY_ORDER[kv[0][1]])
    )
    return tuple(
        ChartCell(key=key, urgency=urgency, outstanding=total)
        for (key, urgency), total in ordered
        if total
    )
