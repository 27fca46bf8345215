"""Indexes that make the coordination round's reads follow its window, not the tables (issue 14).

* ``pledges_at``: the round's pledges (and who does what where) by the pledge's time; without
  it every pledge ever made was read.
* ``shipment_lines_confirmed``: lines signed for in the window (a partial index: lines not
  signed for yet have no time).
* ``shipment_events_departed``: shipments that left in the window; storage/meeting.py says
  ``kind = 'status' AND status = 'departed'`` as written here.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
CREATE INDEX pledges_at ON pledges (at);
CREATE INDEX shipment_lines_confirmed ON shipment_lines (confirmed_at)
    WHERE confirmed_at IS NOT NULL;
CREATE INDEX shipment_events_departed ON shipment_events (at, shipment_id)
    WHERE kind = 'status' AND status = 'departed';
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
