"""Writes for a request's lifecycle: pledges, deliveries, receipts, staleness marks."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all
from storage.models import OPEN_STATUSES
from storage.timefmt import to_db


async def add_pledge(
    conn: aiosqlite.Connection,
    *,
    request_id: int,
    item_id: int,
    org_id: int | None,
    member_id: int | None,
    quantity: int,
    note: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO pledges (request_id, item_id, org_id, member_id, quantity, note, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (request_id, item_id, org_id, member_id, quantity, note, to_db(now)),
    )
    await conn.execute(
        "UPDATE request_items SET pledged = pledged + ? WHERE id = ?", (quantity, item_id)
    )


async def add_delivered(conn: aiosqlite.Connection, item_id: int, quantity: int) -> None:
    await conn.execute(
        "UPDATE request_items SET delivered = delivered + ? WHERE id = ?", (quantity, item_id)
    )


async def add_received(conn: aiosqlite.Connection, item_id: int, quantity: int) -> None:
    await conn.execute(
        "UPDATE request_items SET received = received + ? WHERE id = ?", (quantity, item_id)
    )


async def touch_request(conn: aiosqlite.Connection, request_id: int, now: datetime) -> None:
    """A change that is not a status change (a note, a partial delivery) still counts as life."""
    await conn.execute(
        "UPDATE requests SET updated_at = ?, reconfirm_asked_at = NULL WHERE id = ?",
        (to_db(now), request_id),
    )


async def list_pledging_org_ids(conn: aiosqlite.Connection, request_id: int) -> list[int]:
    rows = await conn.execute_fetchall(
        "SELECT DISTINCT org_id FROM pledges WHERE request_id = ? AND org_id IS NOT NULL",
        (request_id,),
    )
    return [int(r[0]) for r in rows]


async def list_quiet_request_ids(
    conn: aiosqlite.Connection, *, unchanged_since: datetime, limit: int = 500
) -> list[int]:
    """Open requests with no change since ``unchanged_since`` whose requesters were not asked
    yet whether they still need them, oldest id first."""
    statuses = sorted(s.value for s in OPEN_STATUSES)
    rows = await fetch_all(
        conn,
        f"SELECT id FROM requests WHERE status IN ({','.join('?' for _ in statuses)})"
        " AND updated_at < ? AND reconfirm_asked_at IS NULL ORDER BY id LIMIT ?",
        [*statuses, to_db(unchanged_since), limit],
    )
    return [int(r["id"]) for r in rows]


async def set_reconfirm_asked(conn: aiosqlite.Connection, request_id: int, now: datetime) -> None:
    """The requesters were asked; any later change (touch_request, set_status) clears it."""
    await conn.execute(
        "UPDATE requests SET reconfirm_asked_at = ? WHERE id = ?", (to_db(now), request_id)
    )
