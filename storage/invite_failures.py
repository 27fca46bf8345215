"""Refused invite codes per identity, so a guesser can be cooled down (table from v004).

Rows only matter for the counting window (an hour): recording a failure prunes every row
older than the caller's cut-off, so the table never outgrows the people trying right now.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all
from storage.models import Identity
from storage.timefmt import from_db, to_db


async def add_invite_failure(
    conn: aiosqlite.Connection, identity: Identity, now: datetime, *, prune_before: datetime
) -> None:
    await conn.execute("DELETE FROM invite_failures WHERE at < ?", (to_db(prune_before),))
    await conn.execute(
        "INSERT INTO invite_failures (transport, user_id, at) VALUES (?, ?, ?)",
        (identity.transport, identity.user_id, to_db(now)),
    )


async def list_invite_failures(
    conn: aiosqlite.Connection, identity: Identity, since: datetime
) -> list[datetime]:
    """When this identity's refused codes were tried after ``since``, oldest first."""
    rows = await fetch_all(
        conn,
        "SELECT at FROM invite_failures WHERE transport = ? AND user_id = ? AND at > ? ORDER BY at",
        (identity.transport, identity.user_id, to_db(since)),
    )
    return [from_db(r["at"]) for r in rows]
