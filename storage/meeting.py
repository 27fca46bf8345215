"""The coordination round (/meeting): its record, and what its pack shows, read in one trip.

A round covers ``[since, until)``: the same half-open rule as digests, so consecutive rounds
share an end and a start and every event lands in exactly one. Sections that describe a state
(critical open, overdue, stale, who does what where) use the requests' current status.

Every list is ``LIMIT``-ed in SQL and comes with a ``COUNT`` of the whole section: a round over
100,000 requests moves a few thousand rows into Python. All queries run in the database
thread in one trip (``run_in_db_thread``), so neither the rows nor their models are built on
the event loop. Read it from a ``Database.snapshot()`` connection: no lock is held meanwhile.

Storage knows no catalogue and names no places: rows carry item keys and organisation ids, and
handlers/coordination/meeting_pack.py names them. A place code only filters (as in
storage/filters.py): the organisations whose raion or hromada it is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from typing import Final, Generic, TypeVar

import aiosqlite

from storage.db import fetch_one, run_in_db_thread
from storage.digests import RECONFIRM_GRACE, SILENCE_LIMIT
from storage.models import OPEN_STATUSES, Frozen, Status, Urgency
from storage.requests import OPEN_STATUS_SQL
from storage.shipment_models import LineStatus
from storage.timefmt import date_from_db, from_db, opt_from_db, to_db

# A round's pack is read at a meeting: the first 300 requests (or rows) of a section, most
# urgent first, and the count of all of them; /export has every line.
SECTION_LIMIT: Final = 300
_OPEN = "(" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)) + ")"
_URGENCY_RANK = (
    "CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)


class MeetingRound(Frozen):
    id: int
    org_id: int | None
    member_id: int | None
    since: datetime
    until: datetime
    built_at: datetime


class NeedLine(Frozen):
    """One item line of a request."""

    request_id: int
    org_id: int
    urgency: Urgency
    status: Status
    created_at: datetime
    needed_by: date | None
    item_key: str | None
    free_text: str | None
    quantity: int
    unit: str
    pledged: int
    delivered: int
    last_event_at: datetime | None = None  # stale requests only
    unconfirmed: bool = False  # stale: asked to re-confirm, no answer


class PledgeLine(Frozen):
    at: datetime
    request_id: int
    org_id: int  # the requesting organisation
    pledger_org_id: int | None
    item_key: str | None
    free_text: str | None
    quantity: int
    unit: str


class ShippedLine(Frozen):
    shipment_id: int
    shipment_name: str
    departed_at: datetime | None
    request_id: int | None
    dest_org_id: int
    item_key: str | None
    free_text: str | None
    quantity: int
    unit: str
    status: LineStatus
    received: int
    damaged: int
    missing: int
    confirmed_at: datetime | None


class WhoWhatWhere(Frozen):
    """Pledges of one organisation for one item (and unit) to one requesting organisation.

    Quantities are added only within the same item and unit; ``lines`` counts item lines.
    """

    pledger_org_id: int | None
    item_key: str | None
    unit: str
    dest_org_id: int
    quantity: int
    lines: int
    requests: int


T = TypeVar("T", bound=Frozen)


class Section(Frozen, Generic[T]):
    rows: tuple[T, ...]
    total: int


class MeetingData(Frozen):
    since: datetime
    until: datetime
    new: Section[NeedLine]
    critical: Section[NeedLine]
    pledged: Section[PledgeLine]
    shipped: Section[ShippedLine]
    receipts: Section[ShippedLine]
    overdue: Section[NeedLine]
    stale: Section[NeedLine]
    who_what_where: Section[WhoWhatWhere]
    # Signed-for lines of the window with any damaged (missing) goods, all of them counted.
    damaged_lines: int = 0
    missing_lines: int = 0


# --- the rounds -------------------------------------------------------------------------------


def _round(row: sqlite3.Row) -> MeetingRound:
    return MeetingRound(
        id=row["id"],
        org_id=row["org_id"],
        member_id=row["member_id"],
        since=from_db(row["since"]),
        until=from_db(row["until"]),
        built_at=from_db(row["built_at"]),
    )


async def last_round(conn: aiosqlite.Connection, org_id: int | None) -> MeetingRound | None:
    """The organisation's latest round (``org_id`` None: rounds of members without one)."""
    row = await fetch_one(
        conn,
        "SELECT id, org_id, member_id, since, until, built_at FROM meeting_rounds"
        " WHERE org_id IS ? ORDER BY until DESC, id DESC LIMIT 1",
        (org_id,),
    )
    return _round(row) if row else None


async def add_round(
    conn: aiosqlite.Connection,
    *,
    org_id: int | None,
    member_id: int | None,
    since: datetime,
    until: datetime,
    now: datetime,
) -> MeetingRound:
    cur = await conn.execute(
        "INSERT INTO meeting_rounds (org_id, member_id, since, until, built_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (org_id, member_id, to_db(since), to_db(until), to_db(now)),
    )
    return MeetingRound(
        id=int(cur.lastrowid or 0),
        org_id=org_id,
        member_id=member_id,
        since=since,
        until=until,
        built_at=now,
    )


# --- the pack's data --------------------------------------------------------------------------


async def load_meeting_data(
    conn: aiosqlite.Connection,
    *,
    since: datetime,
    until: datetime,
    today: date,
    limit: int = SECTION_LIMIT,
    place: str | None = None,
) -> MeetingData:
    """``place``: a raion's or hromada's code; every section then holds only requests (and
    shipment lines, pledges) of organisations placed there."""
    return await run_in_db_thread(
        conn, partial(_load, since=since, until=until, today=today, limit=limit, place=place)
    )


def _in_place(column: str, place: str | None) -> tuple[str, list[object]]:
    """``AND column IN (the organisations of the place)``, as storage/filters.py reads a
    place: codes are unique across levels, so one test serves raion and hromada alike."""
    if place is None:
        return "", []
    return (
        f" AND {column} IN (SELECT id FROM organisations WHERE raion_code = ?"
        " UNION SELECT id FROM organisations WHERE hromada_code = ?)",
        [place, place],
    )


_NEED_COLUMNS = (
    "r.id, r.org_id, r.urgency, r.status, r.created_at, r.needed_by,"
    " i.item_key, i.free_text, i.quantity, i.unit, i.pledged, i.delivered"
)


def _need(row: sqlite3.Row, *, stale: bool = False) -> NeedLine:
    return NeedLine(
        request_id=row[0],
        org_id=row[1],
        urgency=Urgency(row[2]),
        status=Status(row[3]),
        created_at=from_db(row[4]),
        needed_by=date_from_db(row[5]),
        item_key=row[6],
        free_text=row[7],
        quantity=row[8],
        unit=row[9],
        pledged=row[10],
        delivered=row[11],
        last_event_at=opt_from_db(row[12]) if stale else None,
        unconfirmed=bool(row[13]) if stale else False,
    )


def _needs(
    raw: sqlite3.Connection,
    requests_sql: str,
    args: Sequence[object],
    order: str,
    limit: int,
    *,
    extra: str = "",
) -> Section[NeedLine]:
    """Item lines of the requests ``requests_sql`` selects (``SELECT r.id ... FROM requests
    r ...``): the first ``limit`` requests' lines in ``order``, and the number of requests."""
    total = raw.execute(f"SELECT COUNT(*) FROM ({requests_sql})", args).fetchone()[0]
    rows = raw.execute(
        f"WITH chosen AS MATERIALIZED ({requests_sql} ORDER BY {order} LIMIT ?)"
        f" SELECT {_NEED_COLUMNS}{extra} FROM chosen c JOIN requests r ON r.id = c.id"
        " JOIN request_items i ON i.request_id = r.id"
        f" ORDER BY {order}, i.position",
        [*args, limit],
    ).fetchall()
    return Section(rows=tuple(_need(row, stale=bool(extra)) for row in rows), total=int(total))


def _load(
    raw: sqlite3.Connection,
    *,
    since: datetime,
    until: datetime,
    today: date,
    limit: int,
    place: str | None,
) -> MeetingData:
    start, end = to_db(since), to_db(until)
    by_urgency = f"{_URGENCY_RANK}, r.created_at, r.id"
    at, at_args = _in_place("r.org_id", place)
    new = _needs(
        raw,
        f"SELECT r.id FROM requests r WHERE r.created_at >= ? AND r.created_at < ?{at}",
        [start, end, *at_args],
        by_urgency,
        limit,
    )
    critical = _needs(
        raw,
        f"SELECT r.id FROM requests r WHERE r.status IN {_OPEN} AND r.urgency = 'critical'"
        f" AND r.created_at < ?{at}",
        [end, *at_args],
        "r.created_at, r.id",
        limit,
    )
    overdue = _needs(
        raw,
        f"SELECT r.id FROM requests r WHERE r.status IN {_OPEN} AND r.needed_by < ?"
        f" AND r.created_at < ?{at}",
        [today.isoformat(), end, *at_args],
        f"r.needed_by, {_URGENCY_RANK}, r.id",
        limit,
    )
    stale = _stale(raw, until, limit, place)
    dest, dest_args = _in_place("dest_org_id", place)
    damaged, missing = raw.execute(
        "SELECT COALESCE(SUM(damaged > 0), 0), COALESCE(SUM(missing > 0), 0)"
        f" FROM shipment_lines WHERE confirmed_at >= ? AND confirmed_at < ?{dest}",
        [start, end, *dest_args],
    ).fetchone()
    return MeetingData(
        since=since,
        until=until,
        new=new,
        critical=critical,
        pledged=_pledged(raw, start, end, limit, place),
        shipped=_shipped(raw, start, end, limit, place),
        receipts=_receipts(raw, start, end, limit, place),
        overdue=overdue,
        stale=stale,
        who_what_where=_who_what_where(raw, start, end, limit, place),
        damaged_lines=int(damaged),
        missing_lines=int(missing),
    )


def _stale(
    raw: sqlite3.Connection, until: datetime, limit: int, place: str | None
) -> Section[NeedLine]:
    """Stale as digests define it (storage/digests.py): open, and silent for 21 days, or asked
    to re-confirm over 7 days ago with no answer since."""
    asked_before = to_db(until - RECONFIRM_GRACE)
    cutoff = to_db(until - SILENCE_LIMIT)
    # requests.last_event_at is the latest event's time, kept by triggers (v018): "no event
    # after the cut-off" without probing each open request's history, as storage/digests.py.
    silent = "(r.created_at <= ? AND r.last_event_at <= ?)"
    unconfirmed = (
        "(r.reconfirm_asked_at < ? AND NOT EXISTS (SELECT 1 FROM status_events se"
        " WHERE se.request_id = r.id AND se.at > r.reconfirm_asked_at))"
    )
    # As storage/digests.py reads it: the set built once (MATERIALIZED) from two arms, each on
    # its own index (the first on the open requests' partial index by last event, its term as
    # written there; "+r.status" keeps the second arm on the partial index of
    # reconfirm_asked_at), then counted and cut from the same rows.
    order = f"{_URGENCY_RANK}, r.created_at, r.id"
    extra = (
        ", COALESCE((SELECT MAX(le.at) FROM status_events le WHERE le.request_id = r.id),"
        f" r.created_at), {unconfirmed}, (SELECT COUNT(*) FROM stale)"
    )
    at, at_args = _in_place("r.org_id", place)
    rows = raw.execute(
        "WITH stale AS MATERIALIZED ("
        " SELECT r.id, r.urgency, r.created_at FROM requests r"
        "  INDEXED BY requests_open_last_event"
        f"  WHERE {OPEN_STATUS_SQL} AND {silent}{at}"
        " UNION ALL"
        " SELECT r.id, r.urgency, r.created_at FROM requests r"
        f"  WHERE +r.status IN {_OPEN} AND {unconfirmed} AND NOT {silent}{at}"
        f"), chosen AS (SELECT r.id FROM stale r ORDER BY {order} LIMIT ?)"
        f" SELECT {_NEED_COLUMNS}{extra} FROM chosen c JOIN requests r ON r.id = c.id"
        " JOIN request_items i ON i.request_id = r.id"
        f" ORDER BY {order}, i.position",
        [
            cutoff,
            cutoff,
            *at_args,
            asked_before,
            cutoff,
            cutoff,
            *at_args,
            limit,
            asked_before,
        ],
    ).fetchall()
    # Every request has an item line, so no row means no stale request.
    total = rows[0][14] if rows else 0
    return Section(rows=tuple(_need(row, stale=True) for row in rows), total=int(total))


def _pledged(
    raw: sqlite3.Connection, start: str, end: str, limit: int, place: str | None
) -> Section[PledgeLine]:
    at, at_args = _in_place("r.org_id", place)
    where = (
        f" FROM pledges p JOIN requests r ON r.id = p.request_id WHERE p.at >= ? AND p.at < ?{at}"
    )
    total = raw.execute(f"SELECT COUNT(*){where}", [start, end, *at_args]).fetchone()[0]
    rows = raw.execute(
        "SELECT p.at, p.request_id, r.org_id, p.org_id, i.item_key, i.free_text, p.quantity,"
        " i.unit FROM pledges p JOIN request_items i ON i.id = p.item_id"
        " JOIN requests r ON r.id = p.request_id"
        f" WHERE p.at >= ? AND p.at < ?{at} ORDER BY p.at, p.id LIMIT ?",
        [start, end, *at_args, limit],
    ).fetchall()
    return Section(
        rows=tuple(
            PledgeLine(
                at=from_db(row[0]),
                request_id=row[1],
                org_id=row[2],
                pledger_org_id=row[3],
                item_key=row[4],
                free_text=row[5],
                quantity=row[6],
                unit=row[7],
            )
            for row in rows
        ),
        total=int(total),
    )


# When each line's shipment departed: its 'departed' status event (a shipment departs once:
# no transition leads back before departed, handlers/shipments/rules.py), read per shipment
# off its events' index, never grouped over every shipment's history.
_DEPARTED_AT = (
    "(SELECT MAX(e.at) FROM shipment_events e WHERE e.shipment_id = l.shipment_id"
    " AND e.kind = 'status' AND e.status = 'departed')"
)
_SHIPPED_COLUMNS = (
    f"s.id, s.name, {_DEPARTED_AT} AS departed_at, l.request_id, l.dest_org_id, l.item_key,"
    " l.free_text, l.quantity, l.unit, l.status, l.received, l.damaged, l.missing,"
    " l.confirmed_at"
)
# Shipments that left in a window: migration v022's partial index, its terms as written there.
_DEPARTED_IN = (
    "(SELECT e.shipment_id FROM shipment_events e WHERE e.kind = 'status'"
    " AND e.status = 'departed' AND e.at >= ? AND e.at < ?)"
)


def _shipped_line(row: sqlite3.Row) -> ShippedLine:
    return ShippedLine(
        shipment_id=row[0],
        shipment_name=row[1],
        departed_at=opt_from_db(row[2]),
        request_id=row[3],
        dest_org_id=row[4],
        item_key=row[5],
        free_text=row[6],
        quantity=row[7],
        unit=row[8],
        status=LineStatus(row[9]),
        received=row[10],
        damaged=row[11],
        missing=row[12],
        confirmed_at=opt_from_db(row[13]),
    )


def _shipment_lines(
    raw: sqlite3.Connection,
    term: str,
    args: Sequence[object],
    order: str,
    limit: int,
    place: str | None,
) -> Section[ShippedLine]:
    """Shipment lines where ``term`` holds (its ``args``), the first ``limit`` in ``order``,
    and how many there are in all; only those bound for ``place`` when one is given."""
    dest, dest_args = _in_place("l.dest_org_id", place)
    where = f" FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id WHERE {term}{dest}"
    total = raw.execute(f"SELECT COUNT(*){where}", [*args, *dest_args]).fetchone()[0]
    rows = raw.execute(
        f"SELECT {_SHIPPED_COLUMNS}{where} ORDER BY {order} LIMIT ?",
        [*args, *dest_args, limit],
    ).fetchall()
    return Section(rows=tuple(_shipped_line(r) for r in rows), total=int(total))


def _shipped(
    raw: sqlite3.Connection, start: str, end: str, limit: int, place: str | None
) -> Section[ShippedLine]:
    """Lines of shipments that departed in the window (a cancelled one never departed)."""
    return _shipment_lines(
        raw,
        f"l.shipment_id IN {_DEPARTED_IN}",
        [start, end],
        "departed_at, s.id, l.dest_org_id, l.id",
        limit,
        place,
    )


def _receipts(
    raw: sqlite3.Connection, start: str, end: str, limit: int, place: str | None
) -> Section[ShippedLine]:
    """Lines signed for in the window: received, partly received, damaged or missing."""
    return _shipment_lines(
        raw,
        "l.confirmed_at >= ? AND l.confirmed_at < ?",
        [start, end],
        # Damaged and missing goods first: they are what the round must act on.
        "(l.damaged + l.missing) = 0, l.confirmed_at, l.id",
        limit,
        place,
    )


def _who_what_where(
    raw: sqlite3.Connection, start: str, end: str, limit: int, place: str | None
) -> Section[WhoWhatWhere]:
    """Pledges made in the window, or on requests still open: who does what, and for whom.

    Grouped by pledging organisation, item, unit and requesting organisation (whose place is
    the "where"); quantities add up only within one item and unit.
    """
    at, at_args = _in_place("r.org_id", place)
    grouped = (
        "SELECT p.org_id AS pledger, i.item_key AS item_key, i.unit AS unit,"
        " r.org_id AS dest, SUM(p.quantity) AS quantity, COUNT(DISTINCT p.item_id) AS lines,"
        " COUNT(DISTINCT p.request_id) AS requests"
        " FROM pledges p JOIN request_items i ON i.id = p.item_id"
        " JOIN requests r ON r.id = p.request_id"
        # Two arms, each on its index: the window's pledges by time (v022), and the pledges
        # of the open requests (their partial index, then pledges by request); an OR across
        # the two tables read every pledge ever made.
        " WHERE p.id IN (SELECT id FROM pledges WHERE at >= ? AND at < ?"
        " UNION SELECT op.id FROM requests o INDEXED BY requests_open_order"
        f"  JOIN pledges op ON op.request_id = o.id WHERE {OPEN_STATUS_SQL.replace('r.', 'o.')}"
        f"  AND op.at < ?){at}"
        " GROUP BY p.org_id, i.item_key, i.unit, r.org_id"
    )
    # Grouped once (MATERIALIZED), then counted and cut from the same rows.
    rows = raw.execute(
        f"WITH g AS MATERIALIZED ({grouped})"
        " SELECT *, (SELECT COUNT(*) FROM g) FROM g ORDER BY pledger IS NULL, pledger,"
        " item_key IS NULL, item_key, unit, dest LIMIT ?",
        [start, end, end, *at_args, limit],
    ).fetchall()
    total = rows[0][7] if rows else 0
    return Section(
        rows=tuple(
            WhoWhatWhere(
                pledger_org_id=row[0],
                item_key=row[1],
                unit=row[2],
                dest_org_id=row[3],
                quantity=row[4],
                lines=row[5],
                requests=row[6],
            )
            for row in rows
        ),
        total=int(total),
    )
