"""Matrix (issue 5): per-transport cursors such as the sync token (next_batch).

Owned by the Matrix work; statements may be added until this step ships.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
-- One row per transport cursor: after a restart the Matrix sync resumes from next_batch, so
-- nothing is replayed and nothing sent during the downtime is missed.
CREATE TABLE transport_state (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
