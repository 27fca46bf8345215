"""Shipments, their lines and their history (issue 14). Rules live in handlers/shipments/rules.py;
these functions only read and write, inside the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, fetch_one, run_in_db_thread
from storage.filters import request_conditions
from storage.models import Filters, Frozen, Status
from storage.shipment_models import (
    LineReceipt,
    LineStatus,
    NewLine,
    Shipment,
    ShipmentDraft,
    ShipmentEvent,
    ShipmentEventKind,
    ShipmentLine,
    ShipmentStatus,
)
from storage.timefmt import date_from_db, date_to_db, from_db, opt_from_db, to_db

_COLUMNS = (
    "id, name, carrier_org_id, hub_org_id, origin, planned_departure, vehicle, waybill,"
    " declared_value_eur, status, created_by, created_at, updated_at"
)
_LINE_COLUMNS = (
    "id, shipment_id, request_id, item_id, dest_org_id, item_key, free_text, unit, quantity,"
    " status, received, damaged, missing, note, confirmed_by, confirmed_at, created_at"
)
# Goods on a cancelled shipment are free to go on another.
_COUNTED = f"(SELECT id FROM shipments WHERE status != '{ShipmentStatus.CANCELLED.value}')"


def _shipment(row: aiosqlite.Row) -> Shipment:
    return Shipment(
        id=row["id"],
        name=row["name"],
        carrier_org_id=row["carrier_org_id"],
        hub_org_id=row["hub_org_id"],
        origin=row["origin"],
        planned_departure=date_from_db(row["planned_departure"]),
        vehicle=row["vehicle"],
        waybill=row["waybill"],
        declared_value_eur=row["declared_value_eur"],
        status=ShipmentStatus(row["status"]),
        created_by=row["created_by"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def _line(row: sqlite3.Row) -> ShipmentLine:
    return ShipmentLine(
        id=row["id"],
        shipment_id=row["shipment_id"],
        request_id=row["request_id"],
        item_id=row["item_id"],
        dest_org_id=row["dest_org_id"],
        item_key=row["item_key"],
        free_text=row["free_text"],
        unit=row["unit"],
        quantity=row["quantity"],
        status=LineStatus(row["status"]),
        received=row["received"],
        damaged=row["damaged"],
        missing=row["missing"],
        note=row["note"],
        confirmed_by=row["confirmed_by"],
        confirmed_at=opt_from_db(row["confirmed_at"]),
        created_at=from_db(row["created_at"]),
    )


async def add_event(
    conn: aiosqlite.Connection,
    *,
    shipment_id: int,
    kind: ShipmentEventKind,
    status: str,
    actor_id: int | None,
    now: datetime,
    line_id: int | None = None,
    note: str | None = None,
    detail: object = None,
) -> None:
    await conn.execute(
        "INSERT INTO shipment_events (shipment_id, line_id, kind, status, actor_id, note,"
        " detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            shipment_id,
            line_id,
            kind.value,
            status,
            actor_id,
            note,
            None if detail is None else json.dumps(detail, ensure_ascii=False),
            to_db(now),
        ),
    )


async def add_shipment(
    conn: aiosqlite.Connection, draft: ShipmentDraft, *, created_by: int | None, now: datetime
) -> Shipment:
    """The shipment, planned, with its first status event."""
    cur = await conn.execute(
        "INSERT INTO shipments (name, carrier_org_id, hub_org_id, origin, planned_departure,"
        " vehicle, waybill, declared_value_eur, status, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            draft.name,
            draft.carrier_org_id,
            draft.hub_org_id,
            draft.origin,
            date_to_db(draft.planned_departure),
            draft.vehicle,
            draft.waybill,
            draft.declared_value_eur,
            ShipmentStatus.PLANNED.value,
            created_by,
            to_db(now),
            to_db(now),
        ),
    )
    shipment_id = int(cur.lastrowid or 0)
    await add_event(
        conn,
        shipment_id=shipment_id,
        kind=ShipmentEventKind.STATUS,
        status=ShipmentStatus.PLANNED.value,
        actor_id=created_by,
        now=now,
    )
    shipment = await get_shipment(conn, shipment_id)
    assert shipment is not None
    return shipment


async def get_shipment(conn: aiosqlite.Connection, shipment_id: int) -> Shipment | None:
    row = await fetch_one(conn, f"SELECT {_COLUMNS} FROM shipments WHERE id = ?", (shipment_id,))
    return _shipment(row) if row else None


async def list_shipments(
    conn: aiosqlite.Connection, *, statuses: Iterable[ShipmentStatus], limit: int = 50
) -> list[Shipment]:
    wanted = sorted(s.value for s in statuses)
    rows = await fetch_all(
        conn,
        f"SELECT {_COLUMNS} FROM shipments WHERE status IN ({','.join('?' for _ in wanted)})"
        " ORDER BY COALESCE(planned_departure, '9999-12-31'), id LIMIT ?",
        [*wanted, limit],
    )
    return [_shipment(r) for r in rows]


async def set_status(
    conn: aiosqlite.Connection,
    shipment_id: int,
    status: ShipmentStatus,
    *,
    expected: ShipmentStatus,
    actor_id: int | None,
    note: str | None,
    now: datetime,
) -> bool:
    """Move the shipment from ``expected`` to ``status`` with its event. False (and nothing
    written) when it is no longer in ``expected``: the check and the change are one statement."""
    cur = await conn.execute(
        "UPDATE shipments SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
        (status.value, to_db(now), shipment_id, expected.value),
    )
    if cur.rowcount != 1:
        return False
    await add_event(
        conn,
        shipment_id=shipment_id,
        kind=ShipmentEventKind.STATUS,
        status=status.value,
        actor_id=actor_id,
        note=note,
        now=now,
    )
    return True


async def add_lines(
    conn: aiosqlite.Connection,
    shipment_id: int,
    lines: Sequence[NewLine],
    *,
    status: ShipmentStatus,
    actor_id: int | None,
    now: datetime,
) -> list[ShipmentLine]:
    """Insert the lines and one event listing them; returns them as stored."""
    ids: list[int] = []
    for line in lines:
        cur = await conn.execute(
            "INSERT INTO shipment_lines (shipment_id, request_id, item_id, dest_org_id,"
            " item_key, free_text, unit, quantity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                shipment_id,
                line.request_id,
                line.item_id,
                line.dest_org_id,
                line.item_key,
                line.free_text,
                line.unit,
                line.quantity,
                to_db(now),
            ),
        )
        ids.append(int(cur.lastrowid or 0))
    await conn.execute(
        "UPDATE shipments SET updated_at = ? WHERE id = ?", (to_db(now), shipment_id)
    )
    await add_event(
        conn,
        shipment_id=shipment_id,
        kind=ShipmentEventKind.LINES,
        status=status.value,
        actor_id=actor_id,
        now=now,
        detail=[
            {"line": i, "item": n.item_id, "qty": n.quantity}
            for i, n in zip(ids, lines, strict=True)
        ],
    )
    rows = await fetch_all(
        conn,
        f"SELECT {_LINE_COLUMNS} FROM shipment_lines WHERE id IN ({','.join('?' for _ in ids)})"
        " ORDER BY id",
        ids,
    )
    return [_line(r) for r in rows]


async def list_lines(
    conn: aiosqlite.Connection, shipment_id: int, *, dest_org_id: int | None = None
) -> list[ShipmentLine]:
    sql = f"SELECT {_LINE_COLUMNS} FROM shipment_lines WHERE shipment_id = ?"
    args: list[object] = [shipment_id]
    if dest_org_id is not None:
        sql += " AND dest_org_id = ?"
        args.append(dest_org_id)
    sql += " ORDER BY dest_org_id, id"

    def read(raw: sqlite3.Connection) -> list[ShipmentLine]:
        # Rows and models in the database thread, in one trip: a 2,000-line truck's models
        # built on the event loop held it for tens of milliseconds (bench/shipments.py).
        return [_line(r) for r in raw.execute(sql, args)]

    return await run_in_db_thread(conn, read)


async def get_line(conn: aiosqlite.Connection, line_id: int) -> ShipmentLine | None:
    row = await fetch_one(
        conn, f"SELECT {_LINE_COLUMNS} FROM shipment_lines WHERE id = ?", (line_id,)
    )
    return _line(row) if row else None


async def shipped_quantities(conn: aiosqlite.Connection, item_ids: Iterable[int]) -> dict[int, int]:
    """item id -> quantity on shipments that are not cancelled (0 for none)."""
    wanted = sorted(set(item_ids))
    if not wanted:
        return {}
    rows = await fetch_all(
        conn,
        "SELECT item_id, SUM(quantity) AS shipped FROM shipment_lines"
        f" WHERE item_id IN ({','.join('?' for _ in wanted)}) AND shipment_id IN {_COUNTED}"
        " GROUP BY item_id",
        wanted,
    )
    found = {int(r["item_id"]): int(r["shipped"]) for r in rows}
    return {i: found.get(i, 0) for i in wanted}


async def set_line_receipt(
    conn: aiosqlite.Connection,
    line: ShipmentLine,
    status: LineStatus,
    receipt: LineReceipt,
    *,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Record a destination's signature on a line that is still 'shipped', with its event.
    False (nothing written) when the line was signed for already: a second tap, or two people
    of the same hospital at once."""
    cur = await conn.execute(
        "UPDATE shipment_lines SET status = ?, received = ?, damaged = ?, missing = ?, note = ?,"
        " confirmed_by = ?, confirmed_at = ? WHERE id = ? AND status = ?",
        (
            status.value,
            receipt.received,
            receipt.damaged,
            receipt.missing,
            receipt.note,
            actor_id,
            to_db(now),
            line.id,
            LineStatus.SHIPPED.value,
        ),
    )
    if cur.rowcount != 1:
        return False
    await add_event(
        conn,
        shipment_id=line.shipment_id,
        line_id=line.id,
        kind=ShipmentEventKind.LINE,
        status=status.value,
        actor_id=actor_id,
        note=receipt.note,
        now=now,
        detail={
            "received": receipt.received,
            "damaged": receipt.damaged,
            "missing": receipt.missing,
        },
    )
    return True


async def list_events(conn: aiosqlite.Connection, shipment_id: int) -> list[ShipmentEvent]:
    rows = await fetch_all(
        conn,
        "SELECT id, shipment_id, line_id, kind, status, actor_id, note, detail, at"
        " FROM shipment_events WHERE shipment_id = ? ORDER BY at, id",
        (shipment_id,),
    )
    return [
        ShipmentEvent(
            id=r["id"],
            shipment_id=r["shipment_id"],
            line_id=r["line_id"],
            kind=ShipmentEventKind(r["kind"]),
            status=r["status"],
            actor_id=r["actor_id"],
            note=r["note"],
            detail=r["detail"],
            at=from_db(r["at"]),
        )
        for r in rows
    ]


async def list_fill_candidates(
    conn: aiosqlite.Connection,
    *,
    filters: Filters,
    statuses: Sequence[Status],
    today: date,
    limit: int,
) -> list[tuple[int, int]]:
    """(request id, item id) of item lines with goods pledged and not yet shipped, in the
    order a truck is filled: critical first, then overdue, then oldest."""
    where, args = request_conditions(filters, statuses)
    if filters.item_keys is not None:
        keys = filters.item_keys or ("",)
        where += f" AND ri.item_key IN ({','.join('?' for _ in keys)})"
        args.extend(keys)
    rows = await fetch_all(
        conn,
        "SELECT r.id AS request_id, ri.id AS item_id FROM request_items ri"
        " JOIN requests r ON r.id = ri.request_id"
        " WHERE ri.pledged > COALESCE((SELECT SUM(sl.quantity) FROM shipment_lines sl"
        f"   WHERE sl.item_id = ri.id AND sl.shipment_id IN {_COUNTED}), 0)"
        f" {where}"
        " ORDER BY r.urgency = 'critical' DESC,"
        " (r.needed_by IS NOT NULL AND r.needed_by < ?) DESC,"
        " r.created_at, r.id, ri.position LIMIT ?",
        [*args, date_to_db(today), limit],
    )
    return [(int(r["request_id"]), int(r["item_id"])) for r in rows]


async def list_shipments_of_request(
    conn: aiosqlite.Connection, request_id: int
) -> list[tuple[Shipment, ShipmentLine]]:
    """The lines of a request on shipments that are not cancelled, with their shipment."""
    rows = await fetch_all(
        conn,
        f"SELECT {_LINE_COLUMNS} FROM shipment_lines WHERE request_id = ?"
        f" AND shipment_id IN {_COUNTED} ORDER BY id",
        (request_id,),
    )
    out: list[tuple[Shipment, ShipmentLine]] = []
    cache: dict[int, Shipment] = {}
    for row in rows:
        line = _line(row)
        if line.shipment_id not in cache:
            found = await get_shipment(conn, line.shipment_id)
            assert found is not None
            cache[line.shipment_id] = found
        out.append((cache[line.shipment_id], line))
    return out


async def status_since(
    conn: aiosqlite.Connection, shipment_ids: Iterable[int]
) -> dict[int, datetime]:
    """shipment id -> when it entered its current status (its latest status event)."""
    wanted = sorted(set(shipment_ids))
    if not wanted:
        return {}
    rows = await fetch_all(
        conn,
        "SELECT shipment_id, MAX(at) AS since FROM shipment_events WHERE kind = 'status'"
        f" AND shipment_id IN ({','.join('?' for _ in wanted)}) GROUP BY shipment_id",
        wanted,
    )
    return {int(r["shipment_id"]): from_db(r["since"]) for r in rows}


async def remove_lines(
    conn: aiosqlite.Connection,
    shipment: Shipment,
    lines: Sequence[ShipmentLine],
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Take lines off a shipment that has not left, with one event listing them. Only lines
    never signed for: a line's signature events name it, and those stay."""
    ids = [line.id for line in lines]
    if not ids:
        return
    await conn.execute(
        f"DELETE FROM shipment_lines WHERE id IN ({','.join('?' for _ in ids)})"
        " AND status = 'shipped'",
        ids,
    )
    await conn.execute(
        "UPDATE shipments SET updated_at = ? WHERE id = ?", (to_db(now), shipment.id)
    )
    await add_event(
        conn,
        shipment_id=shipment.id,
        kind=ShipmentEventKind.LINES,
        status=shipment.status.value,
        actor_id=actor_id,
        note="removed",
        now=now,
        detail=[{"line": n.id, "item": n.item_id, "qty": -n.quantity} for n in lines],
    )


class OnTheWay(Frozen):
    """Goods of one request on one shipment that is not closed or cancelled, not signed for."""

    request_id: int
    shipment_id: int
    status: ShipmentStatus
    since: datetime  # when the shipment entered its status


async def on_the_way(
    conn: aiosqlite.Connection, request_ids: Iterable[int]
) -> dict[int, tuple[OnTheWay, ...]]:
    """request id -> its goods on trucks that are planned, loading, on the way or at the hub
    (lines still to be signed for), oldest shipment first: what the digest marks."""
    wanted = sorted(set(request_ids))
    if not wanted:
        return {}
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT l.request_id, s.id, s.status,"
        " COALESCE((SELECT MAX(e.at) FROM shipment_events e WHERE e.shipment_id = s.id"
        "  AND e.kind = 'status'), s.created_at) AS since"
        " FROM shipment_lines l JOIN shipments s ON s.id = l.shipment_id"
        f" WHERE l.request_id IN ({','.join('?' for _ in wanted)}) AND l.status = 'shipped'"
        " AND s.status IN ('planned', 'loading', 'departed', 'at_hub')"
        " ORDER BY l.request_id, s.id",
        wanted,
    )
    found: dict[int, list[OnTheWay]] = {}
    for r in rows:
        found.setdefault(int(r[0]), []).append(
            OnTheWay(
                request_id=int(r[0]),
                shipment_id=int(r[1]),
                status=ShipmentStatus(r[2]),
                since=from_db(r[3]),
            )
        )
    return {key: tuple(value) for key, value in found.items()}


# --- the hub's onward distribution (v023) -------------------------------------------------


async def record_onward(
    conn: aiosqlite.Connection,
    shipment_id: int,
    dest_org_id: int,
    *,
    actor_id: int | None,
    now: datetime,
) -> bool:
    """Record that the hub sent ``dest_org_id``'s goods on; False when it already was."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO shipment_onward (shipment_id, dest_org_id, actor_id, at)"
        " VALUES (?, ?, ?, ?)",
        (shipment_id, dest_org_id, actor_id, to_db(now)),
    )
    if cur.rowcount != 1:
        return False
    # In the shipment's history too, as every other change of it.
    status = await fetch_one(conn, "SELECT status FROM shipments WHERE id = ?", (shipment_id,))
    await add_event(
        conn,
        shipment_id=shipment_id,
        kind=ShipmentEventKind.NOTE,
        status=str(status[0]) if status else "",
        actor_id=actor_id,
        now=now,
        detail={"onward_to": dest_org_id},
    )
    return True


async def list_onward(conn: aiosqlite.Connection, shipment_id: int) -> dict[int, datetime]:
    """Destinations whose goods left the hub, and when."""
    cur = await conn.execute(
        "SELECT dest_org_id, at FROM shipment_onward WHERE shipment_id = ?", (shipment_id,)
    )
    return {int(row[0]): from_db(row[1]) for row in await cur.fetchall()}


async def set_details(
    conn: aiosqlite.Connection,
    shipment_id: int,
    draft: ShipmentDraft,
    *,
    statuses: Iterable[ShipmentStatus],
    now: datetime,
) -> bool:
    """Carrier, hub, origin, departure, vehicle, waybill and value as ``draft`` has them
    (its name is kept), while the shipment is in one of ``statuses``; False otherwise."""
    wanted = sorted(s.value for s in statuses)
    cur = await conn.execute(
        "UPDATE shipments SET carrier_org_id = ?, hub_org_id = ?, origin = ?,"
        " planned_departure = ?, vehicle = ?, waybill = ?, declared_value_eur = ?,"
        f" updated_at = ? WHERE id = ? AND status IN ({','.join('?' for _ in wanted)})",
        (
            draft.carrier_org_id,
            draft.hub_org_id,
            draft.origin,
            date_to_db(draft.planned_departure),
            draft.vehicle,
            draft.waybill,
            draft.declared_value_eur,
            to_db(now),
            shipment_id,
            *wanted,
        ),
    )
    return cur.rowcount == 1
