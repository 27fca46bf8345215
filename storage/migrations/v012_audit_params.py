"""The audit log in structured fields (issue 13).

A row says what happened as an action code and its parameters (JSON: counts, codes, item
lines), and /audit words it in the reader's language. Rows written before keep their English
``summary`` and are shown as they are: the log is append-only (its triggers refuse UPDATE), and
a sentence is not turned back into parameters by guessing.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE audit ADD COLUMN params TEXT;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
