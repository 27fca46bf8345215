"""Processed platform updates: recorded in the same transaction as their effect."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.timefmt import to_db


async def claim_update(
    conn: aiosqlite.Connection, transport: str, update_id: str, now: datetime
) -> bool:
    """Record the update as processed; False when it already was (a replay).

    Runs inside the transaction that applies the update, so a rollback un-claims it.
    """
    cur = await conn.execute(
        "INSERT INTO processed_updates (transport, update_id, processed_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (transport, update_id, to_db(now)),
    )
    return cur.rowcount == 1


async def delete_processed_before(conn: aiosqlite.Connection, cutoff: datetime) -> int:
    cur = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(cutoff),)
    )
    return cur.rowcount
