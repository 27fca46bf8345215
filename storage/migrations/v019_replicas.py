"""Several replicas on one database (issue 16): leases, outbox claims, shared send pace.

``leases``: a named lease (the scheduler's, a chat's turns) held by one replica until
``expires_at``; taken, renewed and released by single statements (storage/leases.py), taken
over by anyone once expired.

``outbox.claimed_by`` / ``claim_until``: the replica delivering a row, until when. Another
replica leaves the row, and every other row of its chat, alone until the claim ends
(storage/outbox.py ``claim_rows``); a dead replica's claims expire and are taken again.

``send_pace`` and ``chat_send_slots``: the platform's pace shared by all replicas
(storage/send_slots.py): when the transport may send its next message (an even spacing),
and when each chat may get its next one. Times there are seconds since the epoch, as DOUBLE
PRECISION: 8 bytes on both engines (SQLite reads it as REAL; PostgreSQL's REAL has 4 bytes,
minutes of resolution at today's epoch), no parsing on a path taken for every message.

Plain SQL that PostgreSQL runs as well (no SQLite-only syntax).
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_until TEXT;

CREATE TABLE send_pace (
    transport TEXT PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE chat_send_slots (
    transport TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    next_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (transport, chat_id)
);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
