"""A document an outbox row delivers may live in a file beside the database (issue 11).

An export of 100,000 lines is a 10-30 MB file. Written into the outbox's BLOB column, its
INSERT and the commit's fsync held the write lock 200-300 ms (measured), in which no chat's
turn could commit. The file is now written (and synced) first, outside any transaction, and
the row names it (storage/outbox_files.py); the BLOB column stays for small documents.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE outbox ADD COLUMN document_file TEXT;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
