"""Offers, their lines and allocations (issue 15). Rules live in handlers/offers/; these
functions only read and write, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import NeedItemDraft, Status, Urgency
from storage.offer_models import (
    Allocation,
    Condition,
    Offer,
    OfferLine,
    OfferStatus,
    OpenNeed,
    OpenOfferLine,
)
from storage.timefmt import date_from_db, date_to_db, from_db, opt_from_db, to_db

_COLUMNS = (
    "id, org_id, created_by, status, available_until, pickup_place, condition, note, named,"
    " reminded_at, created_at, updated_at"
)
_LINE_COLUMNS = (
    "id, offer_id, position, item_key, free_text, spec, quantity, unit, allocated, source"
)
# Requests that may still be pledged (handlers/lifecycle/rules.PLEDGEABLE reads the same).
_PLEDGEABLE = (Status.NEW.value, Status.ACKNOWLEDGED.value, Status.PLEDGED.value)


def _offer(row: aiosqlite.Row, lines: Sequence[OfferLine]) -> Offer:
    until = date_from_db(row["available_until"])
    assert until is not None
    return Offer(
        id=row["id"],
        org_id=row["org_id"],
        created_by=row["created_by"],
        status=OfferStatus(row["status"]),
        available_until=until,
        pickup_place=row["pickup_place"],
        condition=Condition(row["condition"]),
        note=row["note"],
        named=bool(row["named"]),
        reminded_at=opt_from_db(row["reminded_at"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        lines=tuple(lines),
    )


def _line(row: aiosqlite.Row) -> OfferLine:
    return OfferLine(
        id=row["id"],
        offer_id=row["offer_id"],
        position=row["position"],
        item_key=row["item_key"],
        free_text=row["free_text"],
        spec=row["spec"],
        quantity=row["quantity"],
        unit=row["unit"],
        allocated=row["allocated"],
        source=row["source"],
    )


async def add_offer(
    conn: aiosqlite.Connection,
    *,
    org_id: int,
    created_by: int | None,
    available_until: date,
    pickup_place: str,
    condition: Condition,
    note: str | None,
    named: bool,
    lines: Sequence[NeedItemDraft],
    now: datetime,
) -> Offer:
    if not lines:
        raise ValueError("an offer needs at least one line")
    cur = await conn.execute(
        "INSERT INTO offers (org_id, created_by, status, available_until, pickup_place,"
        " condition, note, named, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            org_id,
            created_by,
            OfferStatus.OPEN.value,
            date_to_db(available_until),
            pickup_place,
            condition.value,
            note,
            int(named),
            to_db(now),
            to_db(now),
        ),
    )
    offer_id = int(cur.lastrowid or 0)
    await conn.executemany(
        "INSERT INTO offer_lines (offer_id, position, item_key, free_text, spec, quantity, unit,"
        " source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (offer_id, pos, it.item_key, it.free_text, it.spec, it.quantity, it.unit, it.source)
            for pos, it in enumerate(lines)
        ],
    )
    offer = await get_offer(conn, offer_id)
    assert offer is not None
    return offer


async def _lines_of(
    conn: aiosqlite.Connection, offer_ids: Sequence[int]
) -> dict[int, list[OfferLine]]:
    found: dict[int, list[OfferLine]] = {i: [] for i in offer_ids}
    if not offer_ids:
        return found
    marks = ",".join("?" for _ in offer_ids)
    rows = await fetch_all(
        conn,
        f"SELECT {_LINE_COLUMNS} FROM offer_lines WHERE offer_id IN ({marks})"
        " ORDER BY offer_id, position",
        list(offer_ids),
    )
    for row in rows:
        found[int(row["offer_id"])].append(_line(row))
    return found


async def get_offer(conn: aiosqlite.Connection, offer_id: int) -> Offer | None:
    row = await fetch_one(conn, f"SELECT {_COLUMNS} FROM offers WHERE id = ?", (offer_id,))
    if row is None:
        return None
    lines = await _lines_of(conn, [offer_id])
    return _offer(row, lines[offer_id])


async def list_offers(
    conn: aiosqlite.Connection,
    *,
    org_id: int | None = None,
    status: OfferStatus | None = None,
    limit: int = 50,
) -> list[Offer]:
    """Offers newest first (an organisation's, or everyone's), with their lines."""
    where: list[str] = []
    args: list[object] = []
    if org_id is not None:
        where.append("org_id = ?")
        args.append(org_id)
    if status is not None:
        where.append("status = ?")
        args.append(status.value)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = await fetch_all(
        conn, f"SELECT {_COLUMNS} FROM offers{clause} ORDER BY id DESC LIMIT ?", [*args, limit]
    )
    lines = await _lines_of(conn, [int(r["id"]) for r in rows])
    return [_offer(r, lines[int(r["id"])]) for r in rows]


async def set_offer_status(
    conn: aiosqlite.Connection,
    offer_id: int,
    status: OfferStatus,
    *,
    expected: OfferStatus,
    now: datetime,
) -> bool:
    """Conditional: a second tap, or the expiry racing a withdrawal, changes nothing."""
    cur = await conn.execute(
        "UPDATE offers SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        (status.value, to_db(now), offer_id, expected.value),
    )
    return cur.rowcount == 1


async def set_reminded(conn: aiosqlite.Connection, offer_id: int, now: datetime) -> bool:
    """Once: the first housekeeping run that claims the reminder sends it."""
    cur = await conn.execute(
        "UPDATE offers SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
        (to_db(now), offer_id),
    )
    return cur.rowcount == 1


async def list_offers_to_remind(conn: aiosqlite.Connection, *, until_by: date) -> list[Offer]:
    rows = await fetch_all(
        conn,
        f"SELECT {_COLUMNS} FROM offers WHERE status = ? AND reminded_at IS NULL"
        " AND available_until <= ? ORDER BY id",
        (OfferStatus.OPEN.value, date_to_db(until_by)),
    )
    lines = await _lines_of(conn, [int(r["id"]) for r in rows])
    return [_offer(r, lines[int(r["id"])]) for r in rows]


async def list_offers_to_expire(conn: aiosqlite.Connection, *, today: date) -> list[Offer]:
    """Open offers whose last day of availability is before ``today``."""
    rows = await fetch_all(
        conn,
        f"SELECT {_COLUMNS} FROM offers WHERE status = ? AND available_until < ? ORDER BY id",
        (OfferStatus.OPEN.value, date_to_db(today)),
    )
    lines = await _lines_of(conn, [int(r["id"]) for r in rows])
    return [_offer(r, lines[int(r["id"])]) for r in rows]


async def allocate(
    conn: aiosqlite.Connection,
    *,
    offer_id: int,
    line_id: int,
    request_id: int,
    item_id: int,
    quantity: int,
    member_id: int | None,
    now: datetime,
) -> bool:
    """Take ``quantity`` off the line, only if that much is left (conditional UPDATE)."""
    cur = await conn.execute(
        "UPDATE offer_lines SET allocated = allocated + ?"
        " WHERE id = ? AND offer_id = ? AND allocated + ? <= quantity",
        (quantity, line_id, offer_id, quantity),
    )
    if cur.rowcount != 1:
        return False
    await conn.execute(
        "INSERT INTO offer_allocations (offer_id, line_id, request_id, item_id, quantity,"
        " member_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (offer_id, line_id, request_id, item_id, quantity, member_id, to_db(now)),
    )
    await conn.execute("UPDATE offers SET updated_at = ? WHERE id = ?", (to_db(now), offer_id))
    return True


async def list_allocations(conn: aiosqlite.Connection, offer_id: int) -> list[Allocation]:
    rows = await fetch_all(
        conn,
        "SELECT id, offer_id, line_id, request_id, item_id, quantity, at"
        " FROM offer_allocations WHERE offer_id = ? ORDER BY id",
        (offer_id,),
    )
    return [
        Allocation(
            id=r["id"],
            offer_id=r["offer_id"],
            line_id=r["line_id"],
            request_id=r["request_id"],
            item_id=r["item_id"],
            quantity=r["quantity"],
            at=from_db(r["at"]),
        )
        for r in rows
    ]


async def list_donor_org_ids(conn: aiosqlite.Connection, request_id: int) -> list[int]:
    """Organisations whose offers were allocated to a request (they hear its shipment)."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT o.org_id FROM offer_allocations a JOIN offers o ON o.id = a.offer_id"
        " WHERE a.request_id = ? ORDER BY o.org_id",
        (request_id,),
    )
    return [int(r[0]) for r in rows]


async def list_open_offer_ids(conn: aiosqlite.Connection, *, today: date) -> list[int]:
    """Open offers still available today with something left, oldest first (ids only: a
    list of thousands builds no rows in Python)."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT l.offer_id FROM offer_lines l JOIN offers o ON o.id = l.offer_id"
        " WHERE o.status = ? AND o.available_until >= ? AND l.allocated < l.quantity"
        " ORDER BY l.offer_id",
        (OfferStatus.OPEN.value, date_to_db(today)),
    )
    return [int(r[0]) for r in rows]


async def list_open_offer_lines(
    conn: aiosqlite.Connection,
    *,
    today: date,
    item_keys: Iterable[str] | None = None,
    limit: int | None = None,
    offer_ids: Sequence[int] | None = None,
) -> list[OpenOfferLine]:
    """Lines of open offers still available today with something left to allocate; with
    ``limit``, the first by matching.lines_for_need's order (soonest to expire, oldest)."""
    args: list[object] = [OfferStatus.OPEN.value, date_to_db(today)]
    clause = ""
    if item_keys is not None:
        keys = sorted(set(item_keys))
        if not keys:
            return []
        clause = f" AND l.item_key IN ({','.join('?' for _ in keys)})"
        args.extend(keys)
    if offer_ids is not None:
        if not offer_ids:
            return []
        clause += f" AND l.offer_id IN ({','.join('?' for _ in offer_ids)})"
        args.extend(offer_ids)
    rows = await fetch_all(
        conn,
        "SELECT l.id, l.offer_id, o.org_id, l.item_key, l.spec, l.quantity - l.allocated AS left,"
        " l.unit, o.available_until FROM offer_lines l JOIN offers o ON o.id = l.offer_id"
        " WHERE o.status = ? AND o.available_until >= ? AND l.allocated < l.quantity"
        + clause
        + (
            " ORDER BY o.available_until, l.offer_id, l.id LIMIT ?"
            if limit is not None
            else " ORDER BY l.offer_id, l.position"
        ),
        [*args, limit] if limit is not None else args,
    )
    out: list[OpenOfferLine] = []
    for r in rows:
        until = date_from_db(r["available_until"])
        assert until is not None
        out.append(
            OpenOfferLine(
                line_id=r["id"],
                offer_id=r["offer_id"],
                org_id=r["org_id"],
                item_key=r["item_key"],
                spec=r["spec"],
                remaining=r["left"],
                unit=r["unit"],
                available_until=until,
            )
        )
    return out


# handlers/offers/matching.rank in SQL: urgency, overdue first, older first, raion, item.
_RANK = (
    " ORDER BY CASE r.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2"
    " ELSE 3 END, CASE WHEN r.needed_by IS NOT NULL AND r.needed_by < ? THEN 0 ELSE 1 END,"
    " r.created_at, COALESCE(g.raion_code, g.raion, ''), i.id LIMIT ?"
)
_OPEN_NEED = (
    " FROM request_items i JOIN requests r ON r.id = i.request_id"
    " JOIN organisations g ON g.id = r.org_id"
    f" WHERE r.status IN ({','.join('?' for _ in _PLEDGEABLE)})"
    " AND i.quantity > MAX(i.pledged, i.delivered)"
)


async def count_open_needs(conn: aiosqlite.Connection, item_keys: Iterable[str]) -> dict[str, int]:
    """How many open needs there are of each of these catalog items (matching.open_by_key)."""
    keys = sorted(set(item_keys))
    if not keys:
        return {}
    rows = await fetch_all(
        conn,
        f"SELECT i.item_key, COUNT(*) FROM request_items i JOIN requests r ON r.id = i.request_id"
        f" WHERE r.status IN ({','.join('?' for _ in _PLEDGEABLE)})"
        " AND i.quantity > MAX(i.pledged, i.delivered)"
        f" AND i.item_key IN ({','.join('?' for _ in keys)}) GROUP BY i.item_key",
        [*_PLEDGEABLE, *keys],
    )
    return {str(r[0]): int(r[1]) for r in rows}


async def list_open_needs(
    conn: aiosqlite.Connection,
    *,
    item_keys: Iterable[str] | None = None,
    request_id: int | None = None,
    urgency: Urgency | None = None,
    top: tuple[date, int] | None = None,
) -> list[OpenNeed]:
    """Request items of pledgeable requests with something nobody has pledged yet.

    ``top`` = (today, n): only the first n by matching.rank, ranked in SQL, so a popular item
    with thousands of needs costs its index scan, not thousands of rows in Python."""
    needs, _ = await _open_needs(
        conn, item_keys=item_keys, request_id=request_id, urgency=urgency, top=top
    )
    return needs


async def top_open_needs(
    conn: aiosqlite.Connection, item_key: str, *, today: date, n: int
) -> tuple[list[OpenNeed], int]:
    """The first ``n`` open needs of an item by matching.rank, and how many there are in
    all, from one scan (/matches O-7 shows both)."""
    return await _open_needs(conn, item_keys=[item_key], top=(today, n), total=True)


async def _open_needs(
    conn: aiosqlite.Connection,
    *,
    item_keys: Iterable[str] | None = None,
    request_id: int | None = None,
    urgency: Urgency | None = None,
    top: tuple[date, int] | None = None,
    total: bool = False,
) -> tuple[list[OpenNeed], int]:
    args: list[object] = list(_PLEDGEABLE)
    clause = ""
    if urgency is not None:
        clause += " AND r.urgency = ?"
        args.append(urgency.value)
    if item_keys is not None:
        keys = sorted(set(item_keys))
        if not keys:
            return [], 0
        clause += f" AND i.item_key IN ({','.join('?' for _ in keys)})"
        args.extend(keys)
    if request_id is not None:
        clause += " AND r.id = ?"
        args.append(request_id)
    rows = await fetch_all(
        conn,
        "SELECT r.id AS request_id, i.id AS item_id, r.org_id, i.item_key, i.free_text, i.spec,"
        " i.quantity - MAX(i.pledged, i.delivered) AS outstanding, i.unit, r.urgency,"
        " r.needed_by, r.created_at, COALESCE(g.raion_code, g.raion) AS raion"
        # Counted before LIMIT cuts: the total of one scan.
        + (", COUNT(*) OVER () AS total" if total else "")
        + f"{_OPEN_NEED}{clause}"
        + (_RANK if top is not None else " ORDER BY i.id"),
        [*args, date_to_db(top[0]), top[1]] if top is not None else args,
    )
    needs = [
        OpenNeed(
            request_id=r["request_id"],
            item_id=r["item_id"],
            org_id=r["org_id"],
            item_key=r["item_key"],
            free_text=r["free_text"],
            spec=r["spec"],
            outstanding=r["outstanding"],
            unit=r["unit"],
            urgency=Urgency(r["urgency"]),
            needed_by=date_from_db(r["needed_by"]),
            created_at=from_db(r["created_at"]),
            raion=r["raion"] or "",
        )
        for r in rows
    ]
    return needs, (int(rows[0]["total"]) if total and rows else len(needs))


async def clear_closed_notes(conn: aiosqlite.Connection, *, closed_before: datetime) -> int:
    """Clear the note (a contact person, pick-up hours) of offers withdrawn or expired before
    ``closed_before``: retention, as for requests' notes. A closed offer never reopens, so
    its ``updated_at`` is when it closed."""
    cur = await conn.execute(
        "UPDATE offers SET note = NULL WHERE status IN (?, ?) AND note IS NOT NULL"
        " AND updated_at < ?",
        (OfferStatus.WITHDRAWN.value, OfferStatus.EXPIRED.value, to_db(closed_before)),
    )
    return cur.rowcount
