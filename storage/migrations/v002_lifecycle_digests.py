"""Lifecycle and digests: pledges, receipts, staleness, unreachable members, subscriptions."""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
-- A platform refused delivery for good (403: the person blocked the bot).
ALTER TABLE members ADD COLUMN unreachable_at TEXT;

-- What the requester confirmed as received (delivered is what coordinators reported).
ALTER TABLE request_items ADD COLUMN received INTEGER NOT NULL DEFAULT 0;

-- Staleness: when the requester was last asked whether the request is still needed.
ALTER TABLE requests ADD COLUMN reconfirm_asked_at TEXT;

CREATE TABLE pledges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    item_id     INTEGER NOT NULL REFERENCES request_items(id),
    org_id      INTEGER REFERENCES organisations(id),
    member_id   INTEGER REFERENCES members(id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    note        TEXT,
    at          TEXT NOT NULL
);
CREATE INDEX pledges_request ON pledges (request_id);

-- A digest or alert subscription. It belongs to a member; it is delivered to the chat on
-- the row (the member's own chat, or a team room).
CREATE TABLE subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id       INTEGER NOT NULL REFERENCES members(id),
    transport       TEXT NOT NULL,
    chat_id         TEXT NOT NULL,
    language        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('daily', 'weekly', 'critical')),
    cron            TEXT,
    timezone        TEXT NOT NULL,
    filters         TEXT NOT NULL DEFAULT '{}',
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    -- The end of the last window a digest was recorded for; the next covers from here.
    last_window_end TEXT
);
CREATE INDEX subscriptions_member ON subscriptions (member_id);

-- Exactly once: one row per (subscription, window end), written in the same transaction as
-- the digest's outbox rows.
CREATE TABLE digest_runs (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    window_end      TEXT NOT NULL,
    window_start    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    parts           INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, window_end)
);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
