"""The history rows that close a request, by time (issue 14: the 8-week chart).

The chart of outstanding need (/chart, the weekly digest's chart, the coordination round's)
counts a request closed in its window up to the week it closed in. Those requests are found
from the rows that closed them since the window began; with only the index on ``at`` SQLite
read every history row of the 8 weeks to test its status (~0.2 s at 100,000 requests). This
partial index holds the closing rows alone, so the search reads only them. storage/charts.py
names the statuses with exactly these literals (``CLOSED_EVENT_SQL``), which is what lets
SQLite use a partial index.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
CREATE INDEX status_events_closed ON status_events (at, request_id)
    WHERE status IN ('delivered', 'declined', 'withdrawn');
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
