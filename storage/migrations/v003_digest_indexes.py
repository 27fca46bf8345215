"""Indexes for the digest queries (storage.digests), so a digest stays fast at 100,000 requests."""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
-- New requests within a window.
CREATE INDEX requests_created ON requests (created_at);

-- Overdue: open requests past their needed-by date, counted and ranked from the index alone.
CREATE INDEX requests_status_needed_by ON requests (status, needed_by, urgency, created_at);

-- Stale: only the few requests whose requester was asked to re-confirm.
CREATE INDEX requests_reconfirm ON requests (reconfirm_asked_at)
    WHERE reconfirm_asked_at IS NOT NULL;

-- Totals per item: lines already in GROUP BY order and covering the sums, so grouping
-- 250,000 lines needs neither a sort nor a table read.
CREATE INDEX request_items_totals
    ON request_items (item_key, unit, request_id, quantity, pledged, delivered);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
