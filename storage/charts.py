"""Outstanding quantities week by week, as of each week end.

For each week end the question is: which requests existed and were open then, and how much
of their items was still uncovered? Status comes from ``status_events`` (the last event at or
before the week end), so a request delivered in week 5 stops counting from week 5's end on.

Approximation: quantities use today's counters, ``quantity - max(pledged, delivered)``, for
every week, because pledges and deliveries per item carry no full history. A pledge made
yesterday therefore lowers the bars of earlier weeks too; requests that were closed are still
placed correctly in time, since closing is dated by its status event.

Read, on both engines, from what migrations v021 (SQLite) and v024 (PostgreSQL) keep with
every change (triggers): the aggregates ``outstanding_changes``, some forty rows per item key
and week whatever the size of the history; and, for filters on the organisation or its place
(which the aggregates do not carry), ``request_open_changes`` since the first week end, summed
in SQL. The walk over the candidate requests' lines and histories (``_outstanding``), how the
chart was computed before, is kept as the reference: tests/storage/test_chart_aggregates.py
holds both to its figures, on both engines.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache, partial

import aiosqlite

from storage.db import run_in_db_thread
from storage.exports import filter_sql
from storage.filters import request_conditions
from storage.models import OPEN_STATUSES, URGENCY_ORDER, Filters, Frozen, Status, Urgency
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
    # The queries and the sums run in the database thread, in one trip: nothing of it is for
    # the event loop (every chat's answers) to pay.
    read = _outstanding_for_organisations if by_organisation(filters) else _outstanding_from_changes
    return await run_in_db_thread(
        conn, partial(read, ends=ends, filters=filters, count_lines=count_lines)
    )


def by_organisation(filters: Filters) -> bool:
    """Whether the filters select organisations, which the aggregates do not carry."""
    return filters.org_id is not None or filters.raion is not None or filters.place is not None


def _outstanding_for_organisations(
    raw: sqlite3.Connection, ends: list[datetime], filters: Filters, count_lines: bool = False
) -> ChartData:
    """The weeks for requests of some organisations: what they have open now (lines flagged
    ``request_open``, v018) less their changes (``request_open_changes``, v021) after each week
    end, summed by SQLite in one pass over the changes since the first week end. Its cost
    follows the window's changes (~170,000 at 1,000,000 requests), not the history, and no
    row reaches Python: the walk over every candidate's lines and events took 3 s there.

    "Open now" is the requests' status, which set_status writes with the event that changes it,
    so it is where the changes of its history sum to (tests compare it with the walk).
    """
    where, args = request_conditions(filters)
    if filters.item_keys is not None:
        where += " AND i.item_key IN (SELECT value FROM json_each(?))"
        args.append(json.dumps(list(filters.item_keys)))
    # Every line read has something outstanding (the condition below): as a line it is 1.
    amount = "1" if count_lines else "(i.quantity - MAX(i.pledged, i.delivered))"
    outstanding = " AND i.quantity > MAX(i.pledged, i.delivered)"
    # The open lines of the organisations' requests, off the index of open lines by
    # organisation (v018), not every request the organisations ever filed.
    orgs, org_args = _organisations(filters)
    now_rows = raw.execute(
        f"SELECT COALESCE(i.item_key, ''), r.urgency, SUM({amount})"
        " FROM request_items i INDEXED BY request_items_open_org_key"
        " JOIN requests r ON r.id = i.request_id"
        f" WHERE i.request_open = 1 AND i.request_org_id IN ({orgs}){outstanding}{where}"
        " GROUP BY 1, 2",
        [*org_args, *args],
    ).fetchall()
    ends_db = [to_db(end) for end in ends]
    # Each change goes under the last week end before it: it is "after" that end and every
    # earlier one.
    latest_before = (
        "CASE" + "".join(f" WHEN c.at > ? THEN {k}" for k in reversed(range(len(ends_db)))) + " END"
    )
    after_rows = raw.execute(
        f"SELECT COALESCE(i.item_key, ''), r.urgency, {latest_before}, SUM(c.change * {amount})"
        " FROM request_open_changes c INDEXED BY request_open_changes_at"
        " JOIN requests r ON r.id = c.request_id"
        " JOIN request_items i ON i.request_id = c.request_id"
        f" WHERE c.at > ?{outstanding}{where} GROUP BY 1, 2, 3",
        [*reversed(ends_db), ends_db[0], *args],
    ).fetchall()
    weeks: list[ChartWeek] = []
    for index, week_end in enumerate(ends):
        sums = {(key, urgency): value for key, urgency, value in now_rows}
        for key, urgency, latest, value in after_rows:
            if latest >= index:
                sums[(key, urgency)] = sums.get((key, urgency), 0) - value
        weeks.append(
            ChartWeek(
                end=week_end,
                cells=_cells(
                    {
                        (key or None, Urgency(urgency)): value
                        for (key, urgency), value in sums.items()
                    }
                ),
            )
        )
    return ChartData(weeks=tuple(weeks))


def _organisations(filters: Filters) -> tuple[str, list[object]]:
    """A SELECT of the ids of the organisations the filters name (as request_conditions)."""
    sql = "SELECT o.id FROM organisations o WHERE TRUE"
    args: list[object] = []
    if filters.org_id is not None:
        sql += " AND o.id = ?"
        args.append(filters.org_id)
    if filters.raion is not None:
        sql += " AND o.raion = ?"
        args.append(filters.raion)
    if filters.place is not None:
        sql += " AND (o.raion_code = ? OR o.hromada_code = ?)"
        args += [filters.place, filters.place]
    return sql, args


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _outstanding_from_changes(
    raw: sqlite3.Connection, ends: list[datetime], filters: Filters, count_lines: bool = False
) -> ChartData:
    """The weeks from ``outstanding_changes`` (migration v021): what is open now (span
    ``all``) less every change after each week end: the changes of the end's own hour one by
    one, then the buckets of the hours to the end of its day, of the days to the end of its
    week (weeks start on Monday, in UTC as stored) and of the weeks after it."""
    if by_organisation(filters):
        raise ValueError("the aggregates carry no organisation: use the walk")
    where = ""
    args: list[object] = []
    if filters.urgency is not None:
        where += " AND urgency = ?"
        args.append(filters.urgency.value)
    if filters.item_keys is not None:
        # One JSON parameter however many keys a category expands to; free text ('') is
        # never among them.
        where += " AND item_key IN (SELECT value FROM json_each(?))"
        args.append(json.dumps(list(filters.item_keys)))
    amount = "lines" if count_lines else "outstanding"
    now_rows = raw.execute(
        f"SELECT item_key, urgency, {amount} FROM outstanding_changes"
        f" WHERE span = 'all' AND bucket = ''{where}",
        args,
    ).fetchall()
    now = {(key, urgency): value for key, urgency, value in now_rows}
    # The lines read have something outstanding (the condition below): as lines, 1 each.
    line_amount = "1" if count_lines else "(i.quantity - MAX(i.pledged, i.delivered))"
    after_sql = (
        f"SELECT item_key, urgency, SUM({amount}) FROM ("
        # The changes of the week end's own hour, after it, one by one.
        f" SELECT COALESCE(i.item_key, '') AS item_key, r.urgency AS urgency,"
        f"  c.change * {line_amount} AS {amount}"
        "  FROM request_open_changes c INDEXED BY request_open_changes_at"
        "  JOIN request_items i ON i.request_id = c.request_id"
        "  JOIN requests r ON r.id = c.request_id"
        "  WHERE c.at > ? AND c.at < ? AND i.quantity > MAX(i.pledged, i.delivered)"
        " UNION ALL"
        f" SELECT item_key, urgency, {amount} FROM outstanding_changes"
        "  WHERE span = 'h' AND bucket >= ? AND bucket < ?"
        " UNION ALL"
        f" SELECT item_key, urgency, {amount} FROM outstanding_changes"
        "  WHERE span = 'd' AND bucket >= ? AND bucket < ?"
        " UNION ALL"
        f" SELECT item_key, urgency, {amount} FROM outstanding_changes"
        "  WHERE span = 'w' AND bucket >= ?"
        f") WHERE TRUE{where} GROUP BY item_key, urgency"
    )
    weeks: list[ChartWeek] = []
    for week_end in ends:
        end = week_end.astimezone(UTC)
        hour = _floor_hour(end) + timedelta(hours=1)
        day = _floor_hour(end).replace(hour=0) + timedelta(days=1)
        week = day + timedelta(days=(7 - day.weekday()) % 7)
        hour_db, day_db, week_db = to_db(hour), to_db(day), to_db(week)
        sums = dict(now)
        for key, urgency, value in raw.execute(
            after_sql,
            [
                to_db(end),
                hour_db,
                hour_db[:13],
                day_db[:13],
                day_db[:10],
                week_db[:10],
                week_db[:10],
                *args,
            ],
        ):
            sums[(key, urgency)] = sums.get((key, urgency), 0) - value
        weeks.append(
            ChartWeek(
                end=week_end,
                cells=_cells(
                    {
                        (key or None, Urgency(urgency)): value
                        for (key, urgency), value in sums.items()
                    }
                ),
            )
        )
    return ChartData(weeks=tuple(weeks))


def _outstanding(
    raw: sqlite3.Connection, ends: list[datetime], filters: Filters, count_lines: bool = False
) -> ChartData:
    """The reference: each candidate request's status at each week end from its history, its
    lines summed in Python (how the chart was read before v021; 3-28 s at 1,000,000
    requests). Only tests call it, to hold the reads above to its figures."""
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
    # Lines with nothing outstanding add nothing: SQLite leaves them out.
    items = raw.execute(
        "SELECT r.id, r.created_at, r.urgency, i.item_key,"
        f" i.quantity - MAX(i.pledged, i.delivered){candidates}"
        " AND i.quantity > MAX(i.pledged, i.delivered) ORDER BY r.id, i.position",
        candidate_args,
    )
    # The same requests' histories, in the same order. Requests drive (CROSS JOIN keeps them
    # the outer loop, "+e.at" off the time index): left to itself SQLite walked status_events
    # by time and sorted every row, 2.3 s instead of 0.5 s at 100,000 requests.
    request_where, request_args = request_conditions(filters)
    item_where, item_args = "", list(filters.item_keys or ())
    if filters.item_keys is not None:
        item_where = f" AND i.item_key IN ({','.join('?' for _ in filters.item_keys)})"
    events = raw.execute(
        "SELECT e.request_id, e.status, e.at FROM requests r"
        " CROSS JOIN status_events e ON e.request_id = r.id"
        f" WHERE r.created_at <= ?{request_where}"
        f" AND (r.status IN ({marks}) OR EXISTS (SELECT 1 FROM status_events x"
        "  WHERE x.request_id = r.id AND x.at >= ?))"
        # "new" rows change nothing: a request is new until its first other status, and no
        # status leads back to new (handlers/lifecycle/rules.py).
        f" AND +e.at <= ? AND e.status != '{Status.NEW.value}'"
        " AND EXISTS (SELECT 1 FROM request_items i WHERE i.request_id = r.id"
        f"  AND i.quantity > MAX(i.pledged, i.delivered){item_where})"
        " ORDER BY r.id, e.at, e.id",
        [last, *request_args, *open_values, first, last, *item_args],
    )
    # Both come ordered by request id and are walked side by side, one request at a time:
    # nothing grows with the number of requests but the sums, so the garbage collector (whose
    # pauses stop the event loop too) has next to nothing to look at. Times are compared as
    # stored (ISO text in UTC, storage/timefmt.py, which sorts as time does), and each line is
    # counted once under the weeks its request was open (a tuple shared by the request's
    # lines), spread over the weeks only at the end: 262,000 item lines in ~0.5 s, not ~1.5 s.
    ends_db = [to_db(end) for end in ends]
    grouped: dict[tuple[tuple[int, ...], str | None, str], int] = defaultdict(int)
    pending = next(events, None)
    current: int | None = None
    open_weeks: tuple[int, ...] = ()
    for request_id, created_at, urgency, item_key, outstanding in items:
        if request_id != current:
            current = request_id
            while pending is not None and pending[0] < request_id:
                pending = next(events, None)
            history: list[tuple[str, str]] = []
            while pending is not None and pending[0] == request_id:
                history.append((pending[2], pending[1]))
                pending = next(events, None)
            open_weeks = _open_weeks(history, created_at, ends_db)
        if not outstanding or not open_weeks:
            continue
        grouped[(open_weeks, item_key, urgency)] += 1 if count_lines else outstanding
    sums: list[dict[tuple[str | None, Urgency], int]] = [defaultdict(int) for _ in ends]
    for (weeks, item_key, urgency), amount in grouped.items():
        key = (item_key, Urgency(urgency))
        for index in weeks:
            sums[index][key] += amount
    return ChartData(
        weeks=tuple(
            ChartWeek(end=week_end, cells=_cells(week_sums))
            for week_end, week_sums in zip(ends, sums, strict=True)
        )
    )


@cache
def _weeks_from(first: int, count: int) -> tuple[int, ...]:
    """The week indexes first..count-1, one shared tuple for every request open from then."""
    return tuple(range(first, count))


def _open_weeks(
    history: list[tuple[str, str]], created_at: str, ends: list[str]
) -> tuple[int, ...]:
    """The indexes of the week ends (ascending, as stored) at which the request existed and
    was open: its status then is its last event at or before the end; none yet counts as new."""
    if not history or (len(history) == 1 and history[0][1] == Status.NEW.value):
        # Most requests: only their creation so far, open from it on.
        return _weeks_from(bisect_left(ends, created_at), len(ends))
    weeks: list[int] = []
    status: str = Status.NEW.value
    position = 0
    for index, end in enumerate(ends):
        while position < len(history) and history[position][0] <= end:
            status = history[position][1]
            position += 1
        if created_at <= end and status in _OPEN_VALUES:
            weeks.append(index)
    return tuple(weeks)


_OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)


def _cells(sums: dict[tuple[str | None, Urgency], int]) -> tuple[ChartCell, ...]:
    ordered = sorted(
        sums.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", URGENCY_ORDER[kv[0][1]])
    )
    return tuple(
        ChartCell(key=key, urgency=urgency, outstanding=total)
        for (key, urgency), total in ordered
        if total
    )
