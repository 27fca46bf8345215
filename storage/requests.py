"""Needs requests with their item lines and status history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.filters import request_conditions
from storage.models import (
    OPEN_STATUSES,
    EventKind,
    Filters,
    Frozen,
    NeedItem,
    NeedItemDraft,
    NeedRequest,
    ProgressLine,
    Status,
    StatusEvent,
    Urgency,
)
from storage.timefmt import date_from_db, date_to_db, from_db, to_db

FOLD_FUNCTION = "aidbridge_fold"
# Fixed enum values inlined as literals: the planner then sees a constant IN list.
_OPEN = "(" + ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)) + ")"
# The open statuses exactly as the partial indexes of migration v018 (requests_open_order,
# requests_org_open_order) say them: SQLite uses a partial index only for a query whose WHERE
# holds the index's own term, literals in the same order (tests/storage/test_query_plans.py).
OPEN_STATUS_SQL = "r.status IN ('new', 'acknowledged', 'pledged', 'in_transit')"
# urgency_rank (migration v016) for each urgency.
URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}
# The order of every request list (most urgent first, then oldest), as the indexes hold it.
_ORDER = ("r.urgency_rank", "r.created_at", "r.id")


def fold_text(text: str | None) -> str | None:
    """Case and spacing folded; SQLite's lower() folds ASCII only, and "Генератор" and
    "генератор " must be the same item."""
    return None if text is None else " ".join(text.casefold().split())


class OpenItem(Frozen):
    """An item line of an open request, as duplicate checks need it."""

    request_id: int
    status: Status
    item_key: str | None
    free_text: str | None
    quantity: int
    unit: str


_REQUEST_COLUMNS = (
    "id, org_id, created_by, urgency, needed_by, delivery_place, note, status,"
    " created_at, updated_at"
)


def _item(row: aiosqlite.Row) -> NeedItem:
    return NeedItem(
        id=row["id"],
        request_id=row["request_id"],
        item_key=row["item_key"],
        free_text=row["free_text"],
        spec=row["spec"],
        quantity=row["quantity"],
        unit=row["unit"],
        pledged=row["pledged"],
        delivered=row["delivered"],
        received=row["received"],
        source=row["source"],
        pack_size=row["pack_size"],
        pack_unit=row["pack_unit"],
    )


def _request(row: aiosqlite.Row, items: Sequence[NeedItem]) -> NeedRequest:
    return NeedRequest(
        id=row["id"],
        org_id=row["org_id"],
        created_by=row["created_by"],
        urgency=Urgency(row["urgency"]),
        needed_by=date_from_db(row["needed_by"]),
        delivery_place=row["delivery_place"],
        note=row["note"],
        status=Status(row["status"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        items=tuple(items),
    )


async def add_request(
    conn: aiosqlite.Connection,
    *,
    org_id: int,
    created_by: int | None,
    urgency: Urgency,
    needed_by: date | None,
    delivery_place: str | None,
    note: str | None,
    items: Sequence[NeedItemDraft],
    now: datetime,
) -> NeedRequest:
    """Insert the request, its items and the first `new` status event."""
    if not items:
        raise ValueError("a request needs at least one item")
    cur = await conn.execute(
        "INSERT INTO requests (org_id, created_by, urgency, needed_by, delivery_place, note,"
        " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            org_id,
            created_by,
            urgency.value,
            date_to_db(needed_by),
            delivery_place,
            note,
            Status.NEW.value,
            to_db(now),
            to_db(now),
        ),
    )
    request_id = int(cur.lastrowid or 0)
    await conn.executemany(
        "INSERT INTO request_items (request_id, position, item_key, free_text, spec, quantity,"
        " unit, source, pack_size, pack_unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                request_id,
                pos,
                it.item_key,
                it.free_text,
                it.spec,
                it.quantity,
                it.unit,
                it.source,
                it.pack_size,
                it.pack_unit,
            )
            for pos, it in enumerate(items)
        ],
    )
    await add_status_event(
        conn, request_id=request_id, status=Status.NEW, actor_id=created_by, note=None, now=now
    )
    request = await get_request(conn, request_id)
    assert request is not None
    return request


def lines_to_json(lines: Sequence[ProgressLine]) -> str | None:
    if not lines:
        return None
    return json.dumps([line.model_dump() for line in lines], ensure_ascii=False)


def lines_from_json(text: str | None) -> tuple[ProgressLine, ...]:
    if not text:
        return ()
    return tuple(ProgressLine.model_validate(line) for line in json.loads(text))


async def add_status_event(
    conn: aiosqlite.Connection,
    *,
    request_id: int,
    status: Status,
    actor_id: int | None,
    note: str | None,
    now: datetime,
    kind: EventKind = EventKind.STATUS,
    lines: Sequence[ProgressLine] = (),
) -> None:
    """An event in the request's history. ``status`` is the request's status after it; only
    ``EventKind.STATUS`` events change it (the rest are progress, notes, re-confirmations)."""
    await conn.execute(
        "INSERT INTO status_events (request_id, status, actor_id, note, at, kind, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            request_id,
            status.value,
            actor_id,
            note,
            to_db(now),
            kind.value,
            lines_to_json(lines),
        ),
    )


async def set_status(
    conn: aiosqlite.Connection,
    request_id: int,
    status: Status,
    *,
    actor_id: int | None,
    note: str | None,
    now: datetime,
    lines: Sequence[ProgressLine] = (),
) -> None:
    await conn.execute(
        "UPDATE requests SET status = ?, updated_at = ?, reconfirm_asked_at = NULL WHERE id = ?",
        (status.value, to_db(now), request_id),
    )
    await add_status_event(
        conn,
        request_id=request_id,
        status=status,
        actor_id=actor_id,
        note=note,
        now=now,
        lines=lines,
    )


async def get_request(conn: aiosqlite.Connection, request_id: int) -> NeedRequest | None:
    row = await fetch_one(
        conn, f"SELECT {_REQUEST_COLUMNS} FROM requests WHERE id = ?", (request_id,)
    )

    if row is None:
        return None
    rows_ = await fetch_all(
        conn, "SELECT * FROM request_items WHERE request_id = ? ORDER BY position", (request_id,)
    )
    return _request(row, [_item(r) for r in rows_])


def _where(
    org_id: int | None, statuses: Sequence[Status] | None, filters: Filters | None
) -> tuple[str, list[object]]:
    """The WHERE clause for listing and counting whole requests (alias r).

    ``org_id`` is the caller's scope (a requester's own organisation) and wins over any
    organisation in the person's filters.
    """
    filters = filters or Filters()
    if org_id is not None:
        filters = filters.model_copy(update={"org_id": org_id})
    open_only = statuses is not None and frozenset(statuses) == OPEN_STATUSES
    conditions, args = request_conditions(filters, None if open_only else statuses)
    sql = " WHERE 1 = 1" + conditions
    if open_only:
        sql += " AND " + OPEN_STATUS_SQL
    if filters.item_keys is not None:
        marks = ",".join("?" for _ in filters.item_keys) or "NULL"
        sql += (
            " AND EXISTS (SELECT 1 FROM request_items i WHERE i.request_id = r.id"
            f" AND i.item_key IN ({marks}))"
        )
        args.extend(filters.item_keys)
    return sql, args


class PageAnchor(Frozen):
    """Where a page starts: right after (or, going back, right before) request ``request_id``
    in list order. A page is then read off the index from there, at the same cost on page 1
    and page 10,000, and a request filed meanwhile does not shift the pages."""

    request_id: int
    backwards: bool = False


async def list_requests(
    conn: aiosqlite.Connection,
    *,
    org_id: int | None = None,
    statuses: Sequence[Status] | None = None,
    filters: Filters | None = None,
    limit: int = 50,
    offset: int = 0,
    anchor: PageAnchor | None = None,
) -> list[NeedRequest]:
    """Requests with their items, most urgent first, then oldest first.

    ``anchor`` pages by keyset (``offset`` is then ignored); ``offset`` remains for buttons
    sent before anchors existed.
    """
    where, args = _where(org_id, statuses, filters)
    scoped = org_id is not None or (filters is not None and filters.org_id is not None)
    index = ""
    if statuses is not None and frozenset(statuses) == OPEN_STATUSES:
        # Named, because without ANALYZE statistics (the bot never runs ANALYZE) the planner
        # prefers an equality on status and sorts every open request for one page.
        index = " INDEXED BY " + ("requests_org_open_order" if scoped else "requests_open_order")
        if filters is not None and filters.urgency is not None:
            # The urgency as the index's leading column: a seek, not a filter.
            where += " AND r.urgency_rank = ?"
            args.append(URGENCY_RANK[filters.urgency])
    sql = f"SELECT {_REQUEST_COLUMNS} FROM requests r{index}" + where
    columns = ", ".join(_ORDER)
    direction = ""
    if anchor is not None:
        sign = "<" if anchor.backwards else ">"
        direction = " DESC" if anchor.backwards else ""
        sql += (
            f" AND ({columns}) {sign}"
            " (SELECT urgency_rank, created_at, id FROM requests WHERE id = ?)"
        )
        args.append(anchor.request_id)
        offset = 0
    sql += " ORDER BY " + ", ".join(c + direction for c in _ORDER) + " LIMIT ? OFFSET ?"
    args.extend((limit, offset))
    rows = await fetch_all(conn, sql, args)
    if anchor is not None and anchor.backwards:
        rows = rows[::-1]
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    items = await fetch_all(
        conn,
        f"SELECT * FROM request_items WHERE request_id IN ({','.join('?' for _ in ids)})"
        " ORDER BY request_id, position",
        ids,
    )
    by_request: dict[int, list[NeedItem]] = {i: [] for i in ids}
    for r in items:
        by_request[r["request_id"]].append(_item(r))
    return [_request(r, by_request[r["id"]]) for r in rows]


async def count_requests(
    conn: aiosqlite.Connection,
    *,
    org_id: int | None = None,
    statuses: Sequence[Status] | None = None,
    filters: Filters | None = None,
) -> int:
    where, args = _where(org_id, statuses, filters)
    sql = "SELECT COUNT(*) FROM requests r" + where
    row = await fetch_one(conn, sql, args)

    return int(row[0]) if row else 0


async def list_status_events(conn: aiosqlite.Connection, request_id: int) -> list[StatusEvent]:
    rows = await fetch_all(
        conn, "SELECT * FROM status_events WHERE request_id = ? ORDER BY at, id", (request_id,)
    )
    return [
        StatusEvent(
            id=r["id"],
            request_id=r["request_id"],
            status=Status(r["status"]),
            actor_id=r["actor_id"],
            note=r["note"],
            at=from_db(r["at"]),
            kind=EventKind(r["kind"]),
            lines=lines_from_json(r["detail"]),
        )
        for r in rows
    ]


async def add_items(
    conn: aiosqlite.Connection, request_id: int, items: Sequence[NeedItemDraft]
) -> None:
    """Append item lines after the request's last position."""
    row = await fetch_one(
        conn,
        "SELECT COALESCE(MAX(position), -1) + 1 FROM request_items WHERE request_id = ?",
        (request_id,),
    )
    first = int(row[0]) if row is not None else 0
    await conn.executemany(
        "INSERT INTO request_items (request_id, position, item_key, free_text, spec, quantity,"
        " unit) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (request_id, first + n, it.item_key, it.free_text, it.spec, it.quantity, it.unit)
            for n, it in enumerate(items)
        ],
    )


async def list_open_items_like(
    conn: aiosqlite.Connection,
    *,
    org_id: int,
    item_keys: Sequence[str],
    free_texts: Sequence[str],
) -> list[OpenItem]:
    """Item lines of the organisation's open requests with one of these catalogue keys or
    (folded) typed texts. Driven by requests_org_status: an org has few open requests."""
    await conn.create_function(FOLD_FUNCTION, 1, fold_text, deterministic=True)
    rows = await fetch_all(
        conn,
        "SELECT r.id AS request_id, r.status, i.item_key, i.free_text, i.quantity, i.unit"
        " FROM requests r JOIN request_items i ON i.request_id = r.id"
        f" WHERE r.org_id = ? AND r.status IN {_OPEN}"
        " AND (i.item_key IN (SELECT value FROM json_each(?))"
        f"  OR (i.item_key IS NULL AND {FOLD_FUNCTION}(i.free_text)"
        "   IN (SELECT value FROM json_each(?))))"
        " ORDER BY r.id, i.position",
        (
            org_id,
            json.dumps(list(item_keys)),
            json.dumps([fold_text(t) for t in free_texts]),
        ),
    )
    return [
        OpenItem(
            request_id=r["request_id"],
            status=Status(r["status"]),
            item_key=r["item_key"],
            free_text=r["free_text"],
            quantity=r["quantity"],
            unit=r["unit"],
        )
        for r in rows
    ]


async def list_duplicate_ids(
    conn: aiosqlite.Connection, request_ids: Iterable[int], per_request: int = 4
) -> dict[int, list[int]]:
    """For each open request among ``request_ids``: the other open requests of the same
    organisation holding the same catalogue item (or the same folded typed text), lowest
    ids first, at most ``per_request`` of them (a mark names a few, not hundreds).

    One statement for a whole view (a page of /open, a digest), not one per line.
    """
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    await conn.create_function(FOLD_FUNCTION, 1, fold_text, deterministic=True)
    rows = await fetch_all(
        conn,
        "SELECT id, other FROM (SELECT id, other,"
        "  ROW_NUMBER() OVER (PARTITION BY id ORDER BY other) AS rn FROM ("
        # Catalogue items and typed text apart: the same organisation's open lines of a key
        # (or of typed text, key NULL) are one seek in request_items_open_org_key
        # (migration v016); typed text is then folded and compared.
        " SELECT a.request_id AS id, b.request_id AS other"
        # CROSS JOIN fixes the order: the page's lines first, not all open requests.
        " FROM request_items a CROSS JOIN requests ra ON ra.id = a.request_id"
        " CROSS JOIN request_items b INDEXED BY request_items_open_org_key"
        "  ON b.request_org_id = ra.org_id AND b.item_key = a.item_key"
        "  AND b.request_open = 1 AND b.request_id != a.request_id"
        " WHERE a.request_id IN (SELECT value FROM json_each(?)) AND a.item_key IS NOT NULL"
        f" AND ra.status IN {_OPEN}"
        " UNION"
        " SELECT a.request_id AS id, b.request_id AS other"
        " FROM request_items a CROSS JOIN requests ra ON ra.id = a.request_id"
        " CROSS JOIN request_items b INDEXED BY request_items_open_org_key"
        "  ON b.request_org_id = ra.org_id AND b.item_key IS NULL"
        "  AND b.request_open = 1 AND b.request_id != a.request_id"
        " WHERE a.request_id IN (SELECT value FROM json_each(?)) AND a.item_key IS NULL"
        f" AND ra.status IN {_OPEN}"
        f" AND {FOLD_FUNCTION}(a.free_text) = {FOLD_FUNCTION}(b.free_text)"
        ")) WHERE rn <= ? ORDER BY id, other",
        (json.dumps(ids), json.dumps(ids), per_request),
    )
    found: dict[int, list[int]] = {}
    for r in rows:
        found.setdefault(int(r["id"]), []).append(int(r["other"]))
    return found
