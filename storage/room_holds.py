"""Rooms held by the room policy: their subscriptions build and send nothing meanwhile."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.timefmt import to_db


async def is_held(conn: aiosqlite.Connection, transport: str, chat_id: str) -> bool:
    row = await fetch_one(
        conn,
        "SELECT 1 FROM room_holds WHERE transport = ? AND chat_id = ?",
        (transport, chat_id),
    )
    return row is not None


async def held_chats(conn: aiosqlite.Connection) -> set[tuple[str, str]]:
    """Every held (transport, chat id): few, read once per fan-out."""
    rows = await fetch_all(conn, "SELECT transport, chat_id FROM room_holds", ())
    return {(str(r[0]), str(r[1])) for r in rows}


async def hold(
    conn: aiosqlite.Connection, transport: str, chat_id: str, reason: str, now: datetime
) -> bool:
    """Hold the room; False when it was held already."""
    cur = await conn.execute(
        "INSERT INTO room_holds (transport, chat_id, held_at, reason) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (transport, chat_id, to_db(now), reason[:200]),
    )
    return cur.rowcount == 1


async def release(conn: aiosqlite.Connection, transport: str, chat_id: str) -> bool:
    """Release the room; False when it was not held."""
    cur = await conn.execute(
        "DELETE FROM room_holds WHERE transport = ? AND chat_id = ?", (transport, chat_id)
    )
    return cur.rowcount == 1
