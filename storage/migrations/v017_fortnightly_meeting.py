"""Fortnightly digests and the coordination round (issue 14).

``subscriptions.kind`` keeps its CHECK of v002 (SQLite cannot change a CHECK without rebuilding
a table that digest_runs points at): a fortnightly subscription is stored as ``kind = 'weekly'``
with ``weeks_apart = 2``, and storage/subscriptions.py reads it back as the kind
``fortnightly``. ``start_date`` (ISO, local) anchors which weeks are on: the first scheduled day
on or after it, then every second week.

``meeting_rounds`` remembers each coordination round (/meeting): its window [since, until) and
the coordinator organisation it was built for. The next round starts where the organisation's
last one ended.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE subscriptions ADD COLUMN weeks_apart INTEGER NOT NULL DEFAULT 1
    CHECK (weeks_apart IN (1, 2));
ALTER TABLE subscriptions ADD COLUMN start_date TEXT;

CREATE TABLE meeting_rounds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER REFERENCES organisations(id),
    member_id   INTEGER REFERENCES members(id),
    since       TEXT NOT NULL,
    until       TEXT NOT NULL,
    built_at    TEXT NOT NULL,
    CHECK (since < until)
);
CREATE INDEX meeting_rounds_org ON meeting_rounds (org_id, until);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
