"""Leases: a named right held by one replica until it expires (issue 16, several replicas).

Every operation is one statement, so two replicas racing for a lease cannot both win, on
SQLite (one writer at a time) or PostgreSQL (the primary key's row lock): take and renew are
the same upsert, which changes the row only when it is free, expired, or already the
caller's; the RETURNING row says whether it did. Times are ISO text in UTC
(storage/timefmt.py), which compares in time order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from storage.db import Conn, fetch_all, fetch_one
from storage.timefmt import from_db, to_db

_TAKE = (
    "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"
    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
    " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?"
    " RETURNING holder"
)


class Lease(NamedTuple):
    name: str
    holder: str
    expires_at: datetime


async def take_lease(conn: Conn, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take ``name`` for ``holder`` until ``now + ttl``, or renew it if ``holder`` has it;
    False while another holder's lease runs."""
    row = await fetch_one(conn, _TAKE, (name, holder, to_db(now + ttl), to_db(now)))
    return row is not None


async def release_lease(conn: Conn, name: str, holder: str) -> bool:
    """Give ``name`` up at once (a clean stop), if ``holder`` still has it."""
    rows = await fetch_all(
        conn, "DELETE FROM leases WHERE name = ? AND holder = ? RETURNING name", (name, holder)
    )
    return bool(rows)


async def get_lease(conn: Conn, name: str) -> Lease | None:
    row = await fetch_one(
        conn, "SELECT name, holder, expires_at FROM leases WHERE name = ?", (name,)
    )
    if row is None:
        return None
    return Lease(str(row[0]), str(row[1]), from_db(str(row[2])))


async def delete_expired_leases(conn: Conn, now: datetime) -> int:
    """Housekeeping: expired leases (chats' leases are many and short)."""
    rows = await fetch_all(
        conn, "DELETE FROM leases WHERE expires_at <= ? RETURNING name", (to_db(now),)
    )
    return len(rows)
