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

from collections import defaultdict
from datetime import datetime, timedelta

import aiosqlite

from storage.db import fetch_all
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
    first, last = to_db(ends[0]), to_db(ends[-1])
    where, args = filter_sql(filters)
    open_values = sorted(s.value for s in OPEN_STATUSES)
    marks = ",".join("?" for _ in open_values)
    # Candidates: created by the last week end, and open now or changed status since the
    # first week end. A request closed before the window has no bar to contribute to.
    items = await fetch_all(
        conn,
        "SELECT r.id AS request_id, r.created_at, r.urgency, i.item_key,"
        " MAX(0, i.quantity - MAX(i.pledged, i.delivered)) AS outstanding"
        " FROM requests r"
        " JOIN request_items i ON i.request_id = r.id"
        " JOIN organisations o ON o.id = r.org_id"
        f" WHERE r.created_at <= ?{where}"
        f" AND (r.status IN ({marks}) OR EXISTS (SELECT 1 FROM status_events e"
        "  WHERE e.request_id = r.id AND e.at >= ?))"
        " ORDER BY r.id, i.position",
        [last, *args, *open_values, first],
    )
    request_ids = sorted({row["request_id"] for row in items})
    history = await _status_history(conn, request_ids, last)
    sums: list[dict[tuple[str | None, Urgency], int]] = [defaultdict(int) for _ in ends]
    for row in items:
        if not row["outstanding"]:
            continue
        created = from_db(row["created_at"])
        events = history.get(row["request_id"], [])
        for index, week_end in enumerate(ends):
            if created <= week_end and _open_at(events, week_end):
                sums[index][(row["item_key"], Urgency(row["urgency"]))] += row["outstanding"]
    return ChartData(
        weeks=tuple(
            ChartWeek(end=week_end, cells=_cells(week_sums))
            for week_end, week_sums in zip(ends, sums, strict=True)
        )
    )


async def _status_history(
    conn: aiosqlite.Connection, request_ids: list[int], until: str
) -> dict[int, list[tuple[datetime, Status]]]:
    if not request_ids:
        return {}
    rows = await fetch_all(
        conn,
        "SELECT request_id, status, at FROM status_events"
        f" WHERE request_id IN ({','.join('?' for _ in request_ids)}) AND at <= ?"
        " ORDER BY request_id, at, id",
        [*request_ids, until],
    )
    history: dict[int, list[tuple[datetime, Status]]] = defaultdict(list)
    for row in rows:
        history[row["request_id"]].append((from_db(row["at"]), Status(row["status"])))
    return history


def _open_at(events: list[tuple[datetime, Status]], moment: datetime) -> bool:
    """Status at ``moment`` is the last event at or before it; none yet counts as new."""
    status = Status.NEW
    for at, event_status in events:
        if at > moment:
            break
        status = event_status
    return status in OPEN_STATUSES


def _cells(sums: dict[tuple[str | None, Urgency], int]) -> tuple[ChartCell, ...]:
    ordered = sorted(
        sums.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", URGENCY_ORDER[kv[0][1]])
    )
    return tuple(
        ChartCell(key=key, urgency=urgency, outstanding=total)
        for (key, urgency), total in ordered
        if total
    )
