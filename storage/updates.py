"""Processed platform updates: recorded in the same transaction as their effect."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.timefmt import to_db


async def is_processed(conn: aiosqlite.Connection, transport: str, update_id: str) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM processed_updates WHERE transport = ? AND update_id = ?",
        (transport, update_id),
    )
    return await cur.fetchone() is not None


async def add_processed(
    conn: aiosqlite.Connection, transport: str, update_id: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO processed_updates (transport, update_id, processed_at) VALUES (?, ?, ?)",
        (transport, update_id, to_db(now)),
    )


async def delete_processed_before(conn: aiosqlite.Connection, cutoff: datetime) -> int:
    cur = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(cutoff),)
    )
    return cur.rowcount
