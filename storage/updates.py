"""Processed platform updates: claimed in the same transaction as their effect (see
storage/turn_start.py), pruned here once no platform would redeliver them."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.timefmt import to_db


async def delete_processed_before(conn: aiosqlite.Connection, cutoff: datetime) -> int:
    cur = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(cutoff),)
    )
    return cur.rowcount
