"""Per-transport cursors and small facts a transport must remember across restarts.

Matrix keeps its sync token here (``matrix.next_batch``): written only after the events of a
sync were handled and committed, so a restart resumes exactly where handling stopped.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_one
from storage.timefmt import to_db


async def get_state(conn: aiosqlite.Connection, name: str) -> str | None:
    row = await fetch_one(conn, "SELECT value FROM transport_state WHERE name = ?", (name,))
    return None if row is None else str(row["value"])


async def set_state(conn: aiosqlite.Connection, name: str, value: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO transport_state (name, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at",
        (name, value, to_db(now)),
    )


async def delete_state(conn: aiosqlite.Connection, name: str) -> None:
    await conn.execute("DELETE FROM transport_state WHERE name = ?", (name,))
