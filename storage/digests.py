"""What a digest shows, read with aggregate SQL so the cost does not grow with history in Python.

Every list is ``LIMIT``-ed in SQL and comes with a ``COUNT`` of the whole section, so a digest
over 100,000 open requests moves a few hundred rows into Python, not 100,000.

Time rules, chosen once and used by every section:

* The window is half-open, ``[window_start, window_end)``: an event exactly at ``window_start``
  belongs to this digest, one exactly at ``window_end`` to the next. Consecutive windows share an
  end and a start, so every event lands in exactly one digest.
* Sections that describe a state (critical open, overdue, stale, totals) use the requests'
  current status, because a digest is built at (or just after) its window end; requests created
  at or after ``window_end`` are left to the next digest.
* Stale: open, and either asked to re-confirm more than 7 days before ``window_end`` with no
  status event since the question, or without any status event for 21 days or more before
  ``window_end``.

Filters: ``urgency``, ``raion`` and ``org_id`` select requests; ``item_keys`` selects requests
with at least one such item, and in the totals only those item lines. An empty ``item_keys``
(a category without items) matches nothing; ``Filters.category`` is ignored here, because the
caller has already expanded it into ``item_keys`` (storage knows no catalogue).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

import aiosqlite
from pydantic import Field

from storage.db import fetch_all, fetch_one
from storage.filters import request_conditions
from storage.models import (
    OPEN_STATUSES,
    EventKind,
    Filters,
    Frozen,
    ProgressLine,
    Status,
    Urgency,
    request_ref,
)
from storage.requests import OPEN_STATUS_SQL, lines_from_json, list_duplicate_ids
from storage.shipments import OnTheWay
from storage.timefmt import date_from_db, from_db, to_db

RECONFIRM_GRACE = timedelta(days=7)
SILENCE_LIMIT = timedelta(days=21)
TOTALS_LIMIT = 30
ITEMS_PER_SUMMARY = 3

# Fixed enum values inlined as literals: the planner then sees a constant IN list.
_OPEN = "(" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)) + ")"
_URGENCY_RANK = (
    "CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
_SUMMARY_COLUMNS = (
    "r.id, r.org_id, o.name AS org_name, o.raion, r.urgency, r.status, r.needed_by, r.created_at"
)
_FROM = "requests r JOIN organisations o ON o.id = r.org_id"
_EVENTS_FROM = (
    "status_events e JOIN requests r ON r.id = e.request_id JOIN organisations o ON o.id = r.org_id"
)
# The "new" event is the creation, shown under new requests; "delivered" has its own section.
_CHANGE_EXCLUDED = f"('{Status.NEW.value}', '{Status.DELIVERED.value}')"
_ALL_URGENCIES = "(" + ", ".join(f"'{u.value}'" for u in Urgency) + ")"
_FOLD = "aidbridge_fold"


class ItemLine(Frozen):
    """One item of a request as a summary shows it: a catalogue key or the typed text."""

    item_key: str | None
    free_text: str | None
    quantity: int
    unit: str
    pledged: int = 0
    delivered: int = 0
    received: int = 0


class RequestSummary(Frozen):
    id: int
    org_id: int
    org_name: str
    raion: str
    urgency: Urgency
    status: Status
    needed_by: date | None
    created_at: datetime
    items: tuple[ItemLine, ...] = ()  # the first ITEMS_PER_SUMMARY lines
    item_count: int = 0  # all lines of the request
    covered: bool = True  # every line (not only those shown) pledged or delivered in full
    duplicate_of: tuple[int, ...] = ()  # other open requests of the org with the same item

    @property
    def ref(self) -> str:
        return request_ref(self.id)


class StatusChange(Frozen):
    """An event within the window: a change of status, or (``kind`` other than STATUS)
    progress, a note or a re-confirmation that kept the status."""

    request: RequestSummary
    status: Status
    previous_status: Status | None
    at: datetime
    note: str | None
    kind: EventKind = EventKind.STATUS
    lines: tuple[ProgressLine, ...] = ()


class StaleReason(StrEnum):
    UNCONFIRMED = "unconfirmed"  # asked to re-confirm, no status change since
    SILENT = "silent"  # no status event for SILENCE_LIMIT


class StaleRequest(Frozen):
    request: RequestSummary
    reason: StaleReason
    since: datetime  # when re-confirmation was asked, or the last status event


class DeliveredRequest(Frozen):
    request: RequestSummary
    at: datetime  # the latest `delivered` event within the window


class ItemTotal(Frozen):
    """One (item, unit) across all matching open requests."""

    item_key: str | None
    free_text: str | None  # one of the typed spellings, when item_key is None
    unit: str
    requested: int
    pledged: int
    delivered: int
    outstanding: int
    requests: int


class RaionTotal(Frozen):
    """Open requests (as at the window's end) of organisations in one raion."""

    raion_code: str | None  # None: organisations not placed by code yet
    requests: int
    critical: int
    outstanding_lines: int  # item lines not yet covered by pledges or deliveries


class DigestData(Frozen):
    """One digest's content. Each list holds at most ``list_limit`` rows; its count is complete.

    Status changes leave out `new` events (the creation, listed under new requests) and
    `delivered` events (listed under delivered), so nothing is told twice.
    """

    window_start: datetime
    window_end: datetime
    today: date
    critical_open: list[RequestSummary]
    critical_open_count: int
    new: list[RequestSummary]
    new_count: int
    status_changes: list[StatusChange]
    status_change_count: int
    overdue: list[RequestSummary]
    overdue_count: int
    stale: list[StaleRequest]
    stale_count: int
    totals: list[ItemTotal]
    totals_other_count: int  # (item, unit) groups beyond the top TOTALS_LIMIT
    delivered: list[DeliveredRequest]
    delivered_count: int
    # Only when the filters ask for it (by_raion); a tuple, so the default is shared safely.
    raion_totals: tuple[RaionTotal, ...] = ()
    # request id -> its goods on trucks not yet signed for (filled by the caller, for the
    # requests listed above: storage/shipments.py on_the_way).
    on_the_way: dict[int, tuple[OnTheWay, ...]] = Field(default_factory=dict)

    def listed_request_ids(self) -> set[int]:
        """Every request a section of this digest names."""
        ids = {r.id for r in (*self.critical_open, *self.new, *self.overdue)}
        ids.update(c.request.id for c in self.status_changes)
        ids.update(s.request.id for s in self.stale)
        ids.update(d.request.id for d in self.delivered)
        return ids

    @property
    def quiet(self) -> bool:
        """Nothing happened within the window (standing sections may still have rows)."""
        return self.new_count == 0 and self.status_change_count == 0 and self.delivered_count == 0


def _fold(text: str | None) -> str | None:
    # SQLite's lower() folds ASCII only; "Генератор" and "генератор" must be one row.
    return None if text is None else " ".join(text.casefold().split())


def _request_filter(filters: Filters) -> tuple[str, list[object]]:
    """' AND ...' conditions on ``r`` (a requests row) for urgency, organisation and raion."""
    return request_conditions(filters)


def _keys_json(filters: Filters) -> str:
    # One JSON parameter however many keys a category expands to.
    return json.dumps(list(filters.item_keys or ()))


def _filter_sql(filters: Filters) -> tuple[str, list[object]]:
    """The request conditions plus, under an item filter, "has at least one such item".

    The item condition is a set of request ids read from the request_items_totals index
    (item_key first) and built once per statement; a correlated EXISTS would read an item
    row for each of up to 100,000 candidate requests.
    """
    sql, args = _request_filter(filters)
    if filters.item_keys is not None:
        sql += (
            " AND r.id IN (SELECT fi.request_id FROM request_items fi"
            " WHERE fi.item_key IN (SELECT value FROM json_each(?)))"
        )
        args.append(_keys_json(filters))
    return sql, args


async def _count(conn: aiosqlite.Connection, sql: str, args: Sequence[object]) -> int:
    row = await fetch_one(conn, sql, args)
    return int(row[0]) if row is not None else 0


async def _top_requests(
    conn: aiosqlite.Connection, where: str, args: Sequence[object], order: str, limit: int
) -> list[sqlite3.Row]:
    """The first ``limit`` requests by ``order``, chosen on the index before any row is read."""
    return await fetch_all(
        conn,
        f"SELECT {_SUMMARY_COLUMNS} FROM {_FROM} WHERE r.id IN ("
        f" SELECT r.id FROM requests r WHERE {where} ORDER BY {order} LIMIT ?)"
        f" ORDER BY {order}",
        [*args, limit],
    )


_Items = dict[int, tuple[tuple[ItemLine, ...], int, bool]]


def _summary(row: sqlite3.Row, items: _Items, duplicates: dict[int, list[int]]) -> RequestSummary:
    lines, count, covered = items.get(row["id"], ((), 0, True))
    return RequestSummary(
        id=row["id"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        raion=row["raion"],
        urgency=Urgency(row["urgency"]),
        status=Status(row["status"]),
        needed_by=date_from_db(row["needed_by"]),
        created_at=from_db(row["created_at"]),
        items=lines,
        item_count=count,
        covered=covered,
        duplicate_of=tuple(duplicates.get(row["id"], ())),
    )


async def load_digest_data(
    conn: aiosqlite.Connection,
    *,
    window_start: datetime,
    window_end: datetime,
    today: date,
    filters: Filters,
    list_limit: int = 15,
) -> DigestData:
    """Everything a digest for ``[window_start, window_end)`` shows; ``today`` dates overdue.

    ``list_limit`` caps each list; the counts are always complete. Call it inside one
    ``Database.read()`` so that every section sees the same state.
    """
    if window_end <= window_start:
        raise ValueError("a digest window must end after it starts")
    if list_limit < 1:
        raise ValueError("list_limit must be at least 1")
    start, end = to_db(window_start), to_db(window_end)
    where, fargs = _filter_sql(filters)

    critical_where = (
        f"r.status IN {_OPEN} AND r.urgency = '{Urgency.CRITICAL.value}' AND r.created_at < ?"
        + where
    )
    critical_args = [end, *fargs]
    critical_count = await _count(
        conn, f"SELECT COUNT(*) FROM requests r WHERE {critical_where}", critical_args
    )
    critical_rows = await _top_requests(
        conn, critical_where, critical_args, "r.created_at, r.id", list_limit
    )

    new_where = "r.created_at >= ? AND r.created_at < ?" + where
    new_args = [start, end, *fargs]
    new_count = await _count(conn, f"SELECT COUNT(*) FROM requests r WHERE {new_where}", new_args)
    new_rows = await _top_requests(
        conn, new_where, new_args, f"{_URGENCY_RANK}, r.created_at, r.id", list_limit
    )

    overdue_where = f"r.status IN {_OPEN} AND r.needed_by < ? AND r.created_at < ?" + where
    overdue_args = [today.isoformat(), end, *fargs]
    overdue_count = await _count(
        conn, f"SELECT COUNT(*) FROM requests r WHERE {overdue_where}", overdue_args
    )
    overdue_rows = await _top_requests(
        conn, overdue_where, overdue_args, f"r.needed_by, {_URGENCY_RANK}, r.id", list_limit
    )

    change_count, change_rows = await _status_changes(conn, start, end, where, fargs, list_limit)
    stale_count, stale_rows = await _stale(conn, window_end, where, fargs, list_limit)
    delivered_count, delivered_rows = await _delivered(conn, start, end, where, fargs, list_limit)
    totals, other = await _totals(conn, end, filters)
    raion_totals = await _raion_totals(conn, end, filters) if filters.by_raion else ()

    shown = {
        row["id"]
        for rows in (critical_rows, new_rows, change_rows, overdue_rows, stale_rows, delivered_rows)
        for row in rows
    }
    items = await _item_lines(conn, shown, filters.item_keys)
    duplicates = await list_duplicate_ids(conn, shown)

    return DigestData(
        window_start=window_start,
        window_end=window_end,
        today=today,
        critical_open=[_summary(r, items, duplicates) for r in critical_rows],
        critical_open_count=critical_count,
        new=[_summary(r, items, duplicates) for r in new_rows],
        new_count=new_count,
        status_changes=[
            StatusChange(
                request=_summary(r, items, duplicates),
                status=Status(r["event_status"]),
                previous_status=(
                    Status(r["previous_status"]) if r["previous_status"] is not None else None
                ),
                at=from_db(r["event_at"]),
                note=r["event_note"],
                kind=EventKind(r["event_kind"]),
                lines=lines_from_json(r["event_detail"]),
            )
            for r in change_rows
        ],
        status_change_count=change_count,
        overdue=[_summary(r, items, duplicates) for r in overdue_rows],
        overdue_count=overdue_count,
        stale=[
            StaleRequest(
                request=_summary(r, items, duplicates),
                reason=StaleReason.UNCONFIRMED if r["is_unconfirmed"] else StaleReason.SILENT,
                since=from_db(
                    r["reconfirm_asked_at"] if r["is_unconfirmed"] else r["last_event_at"]
                ),
            )
            for r in stale_rows
        ],
        stale_count=stale_count,
        totals=totals,
        totals_other_count=other,
        delivered=[
            DeliveredRequest(request=_summary(r, items, duplicates), at=from_db(r["delivered_at"]))
            for r in delivered_rows
        ],
        delivered_count=delivered_count,
        raion_totals=raion_totals,
    )


async def _raion_totals(
    conn: aiosqlite.Connection, end: str, filters: Filters
) -> tuple[RaionTotal, ...]:
    """Open requests per raion of their organisation, most first; one GROUP BY over the
    open requests (few), with each request's uncovered item lines counted in a subquery."""
    where, fargs = _filter_sql(filters)
    rows = await fetch_all(
        conn,
        "SELECT o.raion_code, COUNT(*) AS requests,"
        " SUM(r.urgency = 'critical') AS critical,"
        " SUM((SELECT COUNT(*) FROM request_items i WHERE i.request_id = r.id"
        "  AND i.quantity > MAX(i.pledged, i.delivered))) AS outstanding_lines"
        " FROM requests r JOIN organisations o ON o.id = r.org_id"
        f" WHERE r.status IN {_OPEN} AND r.created_at < ?{where}"
        " GROUP BY o.raion_code ORDER BY requests DESC, o.raion_code",
        [end, *fargs],
    )
    return tuple(
        RaionTotal(
            raion_code=r["raion_code"],
            requests=int(r["requests"]),
            critical=int(r["critical"] or 0),
            outstanding_lines=int(r["outstanding_lines"] or 0),
        )
        for r in rows
    )


async def _status_changes(
    conn: aiosqlite.Connection,
    start: str,
    end: str,
    where: str,
    fargs: list[object],
    limit: int,
) -> tuple[int, list[sqlite3.Row]]:
    """Events within the window, newest first; the previous status only for those shown.

    A status change into `new` or `delivered` has its own section; every other event (progress,
    notes, re-confirmations) is listed here with its own wording.
    """
    change_where = (
        f"e.at >= ? AND e.at < ? AND (e.kind != '{EventKind.STATUS.value}'"
        f" OR e.status NOT IN {_CHANGE_EXCLUDED})" + where
    )
    args = [start, end, *fargs]
    count = await _count(
        conn,
        "SELECT COUNT(*) FROM status_events e JOIN requests r ON r.id = e.request_id"
        f" WHERE {change_where}",
        args,
    )
    rows = await fetch_all(
        conn,
        f"SELECT {_SUMMARY_COLUMNS}, e.status AS event_status, e.at AS event_at,"
        " e.note AS event_note, e.kind AS event_kind, e.detail AS event_detail,"
        " (SELECT p.status FROM status_events p WHERE p.request_id = e.request_id"
        "  AND (p.at < e.at OR (p.at = e.at AND p.id < e.id))"
        "  ORDER BY p.at DESC, p.id DESC LIMIT 1) AS previous_status"
        f" FROM {_EVENTS_FROM} WHERE {change_where}"
        " ORDER BY e.at DESC, e.id DESC LIMIT ?",
        [*args, limit],
    )
    return count, rows


async def _stale(
    conn: aiosqlite.Connection,
    window_end: datetime,
    where: str,
    fargs: list[object],
    limit: int,
) -> tuple[int, list[sqlite3.Row]]:
    """The number of stale requests and the first ``limit`` of them, read by index.

    Two arms, each on its own index, neither materialised nor sorted as a whole (at 1,000,000
    requests the stale set was 94,000 requests, sorted to show 15):

    * silent: no event after the cut-off (``requests.last_event_at``, kept by triggers,
      migration v018) and filed by then. ``requests_open_stale`` (migration v021) holds the
      open requests in list order (urgency_rank, created_at, id) with last_event_at and what
      the filters test, so the first ``limit`` are the first matches of a walk down the index
      and the count is a walk of the index alone, reading no table row.
    * unconfirmed and not silent: the partial index on reconfirm_asked_at (a few requests),
      named: the planner preferred the status indexes, or under a raion filter those of the
      organisations, which visit every open request or every request of theirs.

    A request both silent and unconfirmed is listed as unconfirmed: the open question to the
    requester is the more useful thing to know.
    """
    asked_before = to_db(window_end - RECONFIRM_GRACE)
    cutoff = to_db(window_end - SILENCE_LIMIT)
    silent = "(r.created_at <= ? AND r.last_event_at <= ?)"
    unconfirmed = (
        "(r.reconfirm_asked_at < ? AND NOT EXISTS (SELECT 1 FROM status_events se"
        " WHERE se.request_id = r.id AND se.at > r.reconfirm_asked_at))"
    )
    # The partial index's term as written there (OPEN_STATUS_SQL); the index holds the
    # columns the filters test (urgency, org_id; id for an item filter), so a filtered count
    # reads no table row either. Left to itself, without statistics, the planner sorted every
    # open request, or under a raion filter read every request of its organisations.
    silent_from = (
        f"requests r INDEXED BY requests_open_stale WHERE {OPEN_STATUS_SQL} AND {silent}{where}"
    )
    silent_args = [cutoff, cutoff, *fargs]
    unconfirmed_from = (
        "requests r INDEXED BY requests_reconfirm"
        f" WHERE +r.status IN {_OPEN} AND {unconfirmed} AND NOT {silent}{where}"
    )
    unconfirmed_args = [asked_before, cutoff, cutoff, *fargs]
    order = "r.urgency_rank, r.created_at, r.id"
    count = await _count(
        conn,
        f"SELECT (SELECT COUNT(*) FROM {silent_from}) + (SELECT COUNT(*) FROM {unconfirmed_from})",
        [*silent_args, *unconfirmed_args],
    )
    if not count:
        return 0, []
    rows = await fetch_all(
        conn,
        "WITH shown AS ("
        f" SELECT id FROM (SELECT r.id, r.urgency_rank, r.created_at FROM {silent_from}"
        f"  ORDER BY {order} LIMIT ?)"
        " UNION ALL"
        f" SELECT id FROM (SELECT r.id, r.urgency_rank, r.created_at FROM {unconfirmed_from}"
        f"  ORDER BY {order} LIMIT ?))"
        f" SELECT {_SUMMARY_COLUMNS}, {unconfirmed} AS is_unconfirmed, r.reconfirm_asked_at,"
        "  COALESCE((SELECT MAX(le.at) FROM status_events le WHERE le.request_id = r.id),"
        "   r.created_at) AS last_event_at"
        " FROM shown JOIN requests r ON r.id = shown.id JOIN organisations o ON o.id = r.org_id"
        f" ORDER BY {order} LIMIT ?",
        [*silent_args, limit, *unconfirmed_args, limit, asked_before, limit],
    )
    return count, rows


async def _delivered(
    conn: aiosqlite.Connection,
    start: str,
    end: str,
    where: str,
    fargs: list[object],
    limit: int,
) -> tuple[int, list[sqlite3.Row]]:
    """Requests with a `delivered` event within the window, latest delivery first."""
    # A receipt after delivery keeps the status 'delivered' but is no second delivery.
    delivered_where = (
        f"e.kind = '{EventKind.STATUS.value}' AND e.status = '{Status.DELIVERED.value}'"
        " AND e.at >= ? AND e.at < ?" + where
    )
    args = [start, end, *fargs]
    count = await _count(
        conn,
        "SELECT COUNT(DISTINCT e.request_id) FROM status_events e"
        f" JOIN requests r ON r.id = e.request_id WHERE {delivered_where}",
        args,
    )
    rows = await fetch_all(
        conn,
        f"SELECT {_SUMMARY_COLUMNS}, MAX(e.at) AS delivered_at"
        f" FROM {_EVENTS_FROM} WHERE {delivered_where}"
        # o.id too: PostgreSQL lets o's columns follow only its own key (SQLite any column).
        " GROUP BY r.id, o.id ORDER BY delivered_at DESC, r.id DESC LIMIT ?",
        [*args, limit],
    )
    return count, rows


async def _totals(
    conn: aiosqlite.Connection, end: str, filters: Filters, *, kept: bool | None = None
) -> tuple[list[ItemTotal], int]:
    """The top (item, unit) groups by outstanding quantity, and how many groups are left out.

    Without a filter on requests (urgency, organisation, place) the catalogue lines' groups
    are read from ``open_item_totals`` (migrations v021, and v024 on PostgreSQL), kept by
    triggers with every change of a line or of its request's status: a few hundred rows, less
    the lines of requests filed at or after the window's end (as many as were filed since, by
    index), whatever the number of open lines. ``kept=False`` sums the lines instead, as it
    must under a request filter; tests hold the two to the same figures.

    Summing, catalogue lines are grouped in the order of the request_items_open_totals index
    (item_key, unit, ...), which needs neither a sort nor a table read; whether a line's
    request is open is a probe into the set of open request ids, built once.
    ``+i.request_id`` keeps the planner from driving the query from that set through
    request_items_request_key. Free-text lines are few: they are found through the same index
    (item_key IS NULL), joined to their requests, folded (case, spaces) and grouped with an
    ordinary sort.
    """
    await conn.create_function(_FOLD, 1, _fold, deterministic=True)
    rf_sql, rf_args = _request_filter(filters)
    if kept is None:
        kept = not rf_sql
    elif kept and rf_sql:
        raise ValueError("the kept totals cover every request: no request filter")
    key_sql = ""
    key_args: list[object] = []
    if filters.item_keys is not None:
        key_sql = " AND i.item_key IN (SELECT value FROM json_each(?))"
        key_args.append(_keys_json(filters))
    sums = (
        "SUM(i.quantity) AS requested, SUM(i.pledged) AS pledged,"
        " SUM(i.delivered) AS delivered,"
        " SUM(MAX(0, i.quantity - MAX(i.pledged, i.delivered))) AS outstanding,"
        " COUNT(DISTINCT i.request_id) AS requests"
    )
    args: list[object]
    if kept:
        # What is open now, less the open lines of requests filed since the window's end.
        sql = (
            "WITH since AS ("
            " SELECT i.item_key, i.unit, SUM(i.quantity) AS requested,"
            "  SUM(i.pledged) AS pledged, SUM(i.delivered) AS delivered,"
            "  SUM(MAX(0, i.quantity - MAX(i.pledged, i.delivered))) AS outstanding,"
            "  COUNT(*) AS lines, COUNT(DISTINCT i.request_id) AS requests"
            "  FROM requests r INDEXED BY requests_created"
            "  JOIN request_items i ON i.request_id = r.id"
            f"  WHERE r.created_at >= ? AND i.request_open = 1 AND i.item_key IS NOT NULL{key_sql}"
            "  GROUP BY i.item_key, i.unit"
            "), item_groups AS ("
            " SELECT t.item_key, NULL AS free_text, t.unit,"
            "  t.requested - COALESCE(s.requested, 0) AS requested,"
            "  t.pledged - COALESCE(s.pledged, 0) AS pledged,"
            "  t.delivered - COALESCE(s.delivered, 0) AS delivered,"
            "  t.outstanding - COALESCE(s.outstanding, 0) AS outstanding,"
            "  t.requests - COALESCE(s.requests, 0) AS requests"
            "  FROM open_item_totals t LEFT JOIN since s"
            "  ON s.item_key = t.item_key AND s.unit = t.unit"
            f"  WHERE t.lines - COALESCE(s.lines, 0) > 0{key_sql.replace('i.', 't.')}"
        )
        args = [end, *key_args, *key_args]
    else:
        if rf_sql:
            in_open = "+i.request_id IN (SELECT id FROM open_ids)"
            open_ids = (
                " SELECT r.id FROM requests r"
                f" WHERE r.status IN {_OPEN} AND r.created_at < ?{rf_sql}"
            )
            open_args: list[object] = [end, *rf_args]
        else:
            # request_open already says "open", and "filed before the window's end" is "not
            # among those filed since", a set as small as the time since (issue 17).
            in_open = "+i.request_id NOT IN (SELECT id FROM open_ids)"
            open_ids = " SELECT r.id FROM requests r WHERE r.created_at >= ?"
            open_args = [end]
        sql = (
            f"WITH open_ids AS MATERIALIZED ({open_ids}"
            "), item_groups AS ("
            f" SELECT i.item_key, NULL AS free_text, i.unit, {sums}"
            # Only open requests' lines, in (item_key, unit) order (migration v018): the walk
            # follows the open lines, not every line ever filed.
            "  FROM request_items i INDEXED BY request_items_open_totals"
            f"  WHERE i.request_open = 1 AND i.item_key IS NOT NULL{key_sql} AND {in_open}"
            "  GROUP BY i.item_key, i.unit"
        )
        args = [*open_args, *key_args]
    if filters.item_keys is None:  # free text never matches an item filter
        sql += (
            " UNION ALL"
            f" SELECT NULL, MIN(i.free_text), i.unit, {sums}"
            "  FROM request_items i INDEXED BY request_items_open_totals"
            "  JOIN requests r ON r.id = i.request_id"
            f"  WHERE i.request_open = 1 AND i.item_key IS NULL AND r.status IN {_OPEN}"
            f"  AND r.created_at < ?{rf_sql}"
            f"  GROUP BY {_FOLD}(i.free_text), i.unit"
        )
        args += [end, *rf_args]
    # COUNT(*) OVER () is computed before the LIMIT: the number of groups, in the same pass.
    sql += (
        ") SELECT *, COUNT(*) OVER () AS group_count FROM item_groups"
        " ORDER BY outstanding DESC, requested DESC, item_key, free_text, unit LIMIT ?"
    )
    rows = await fetch_all(conn, sql, [*args, TOTALS_LIMIT])
    totals = [
        ItemTotal(
            item_key=r["item_key"],
            free_text=r["free_text"],
            unit=r["unit"],
            requested=r["requested"],
            pledged=r["pledged"],
            delivered=r["delivered"],
            outstanding=r["outstanding"],
            requests=r["requests"],
        )
        for r in rows
    ]
    groups = int(rows[0]["group_count"]) if rows else 0
    return totals, groups - len(totals)


async def _item_lines(
    conn: aiosqlite.Connection, request_ids: set[int], item_keys: tuple[str, ...] | None
) -> _Items:
    """The first item lines and the line count of each shown request, in one query.

    Under an item filter the matching lines come first, so a "generators" digest shows the
    generator even when it was the fifth line of the request.
    """
    if not request_ids:
        return {}
    rows = await fetch_all(
        conn,
        "SELECT request_id, item_key, free_text, quantity, unit, pledged, delivered, received,"
        " lines, covered FROM ("
        " SELECT request_id, item_key, free_text, quantity, unit, pledged, delivered, received,"
        "  MIN(MAX(pledged, delivered) >= quantity) OVER (PARTITION BY request_id) AS covered,"
        "  ROW_NUMBER() OVER (PARTITION BY request_id ORDER BY"
        "   CASE WHEN item_key IN (SELECT value FROM json_each(?)) THEN 0 ELSE 1 END,"
        "   position) AS rn,"
        "  COUNT(*) OVER (PARTITION BY request_id) AS lines"
        " FROM request_items WHERE request_id IN (SELECT value FROM json_each(?))"
        f") WHERE rn <= {ITEMS_PER_SUMMARY} ORDER BY request_id, rn",
        [json.dumps(list(item_keys or ())), json.dumps(sorted(request_ids))],
    )
    lines: dict[int, list[ItemLine]] = {}
    counts: dict[int, int] = {}
    covered: dict[int, bool] = {}
    for r in rows:
        lines.setdefault(r["request_id"], []).append(
            ItemLine(
                item_key=r["item_key"],
                free_text=r["free_text"],
                quantity=r["quantity"],
                unit=r["unit"],
                pledged=r["pledged"],
                delivered=r["delivered"],
                received=r["received"],
            )
        )
        counts[r["request_id"]] = r["lines"]
        covered[r["request_id"]] = bool(r["covered"])
    return {rid: (tuple(found), counts[rid], covered[rid]) for rid, found in lines.items()}
