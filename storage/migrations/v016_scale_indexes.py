"""Indexes that keep lists and the outbox as cheap at 1,000,000 requests as at 10,000 (issue 17).

Written as v018 for the merge (v016 and v017 are other branches' steps); numbered v016 here
because migration numbers run without gaps.

``urgency_rank`` is the urgency as a number (critical 0 ... low 3), a VIRTUAL generated column:
nothing to backfill or keep in step, and an index on it can be searched by a row value, which
an index on the CASE expression cannot. ``requests_open_order`` and
``requests_org_open_order`` hold the open requests in the order /open and /my show them (most
urgent first, then oldest): a page is read off the index from the last row of the page before
(keyset pagination) instead of sorting every open request. They
are partial indexes over the open statuses, so closed history (most of a large table) costs
nothing in them; a query uses them only when it says ``status IN (...)`` with exactly these
literals, which storage/requests.py does (``OPEN_STATUS_SQL``).
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE requests ADD COLUMN urgency_rank INTEGER GENERATED ALWAYS AS (
    CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
) VIRTUAL;
CREATE INDEX requests_open_order ON requests (urgency_rank, created_at, id)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');
CREATE INDEX requests_org_open_order ON requests (org_id, urgency_rank, created_at, id)
    WHERE status IN ('new', 'acknowledged', 'pledged', 'in_transit');
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
