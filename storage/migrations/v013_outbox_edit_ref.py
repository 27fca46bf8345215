"""The message an outbox row edits (issue 16).

A confirmation often replaces the preview whose button was pressed. When the transport could
not deliver it at once (or the process died right after Telegram took the edit), the outbox
delivers it later: as the same edit of the same message, never as a second message. An edit
repeated after a crash changes nothing the person sees.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE outbox ADD COLUMN edit_ref TEXT;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
