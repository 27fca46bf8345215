"""Admin and security (issue 4): invite brute-force counting, forgetting people, retention.

Owned by the admin/security work; statements may be added until this step ships.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
-- Wrong invite codes per identity, so a guesser is cooled down (5 an hour by default).
CREATE TABLE invite_failures (
    transport  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX invite_failures_identity ON invite_failures (transport, user_id, at);

-- Set when a person asked to be forgotten: their identity data is erased, the row stays so
-- their requests keep an author ("former member").
ALTER TABLE members ADD COLUMN forgotten_at TEXT;

-- Set when the retention job cleared a closed request's free-text notes.
ALTER TABLE requests ADD COLUMN notes_cleared_at TEXT;

-- INSERT OR REPLACE removes the old row without firing DELETE triggers (recursive_triggers
-- is off), which would let an audit row be overwritten: refuse an insert onto an existing id.
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)


async def upgrade_pg(conn: aiosqlite.Connection) -> None:
    # No audit_no_replace: PostgreSQL has no INSERT OR REPLACE, and the primary key refuses an
    # insert onto an existing id.
    await run_script(conn, SCHEMA, skip_triggers=True)
