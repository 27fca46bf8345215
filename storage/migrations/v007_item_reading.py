"""Trustworthy intake (issue 9): every item line keeps what the person typed, and a pack size.

``source`` is the item as typed ("40 каністр по 20 л дизпалива"), shown beside what the bot
understood wherever the two may differ. ``pack_size``/``pack_unit`` keep "40 × 20 l" as a count
and a size, so totals add up (800 l) instead of the 40 being read as litres.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE request_items ADD COLUMN source TEXT;
ALTER TABLE request_items ADD COLUMN pack_size INTEGER CHECK (pack_size IS NULL OR pack_size > 0);
ALTER TABLE request_items ADD COLUMN pack_unit TEXT;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
