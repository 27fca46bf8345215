"""Lifecycle events that are not status changes (issue 9: the bot never stores a guess).

A partial pledge, delivery or receipt, a note, a re-confirmation or items added to a request
leave the status as it is. They used to be written as status events repeating the current
status, so the history and the digest showed "In transit -> In transit". ``kind`` says what an
event is; ``detail`` holds the amounts of a progress event as JSON (item, added, done, of), so
"delivered 100 of 200" can be told later in any language.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE status_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'status'
    CHECK (kind IN ('status', 'note', 'pledge', 'delivery', 'receipt', 'reconfirm', 'items'));
ALTER TABLE status_events ADD COLUMN detail TEXT;

-- Rows written before this step: an event repeating the status before it was not a change.
UPDATE status_events SET kind = 'note'
WHERE status = (
    SELECT p.status FROM status_events p
    WHERE p.request_id = status_events.request_id
      AND (p.at < status_events.at OR (p.at = status_events.at AND p.id < status_events.id))
    ORDER BY p.at DESC, p.id DESC LIMIT 1
);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
