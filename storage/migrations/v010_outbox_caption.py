"""A file's caption on its outbox row (issue 11).

Reports (/export, /chart) reach the asker through the outbox now, drawn after the turn that
asked for them. Their caption ("Export: 3 item lines", the chart's title) travels with the file
as one message, as when the transport sent the file itself; ``text`` keeps its meaning, a
message sent after the file.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE outbox ADD COLUMN caption TEXT;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
