"""Rooms whose digests and alerts are held, and the colleague batch index (issue 12).

A digest or alert subscription's room must hold only members with the right role. When
someone else is in it (joined or invited), the room is held: nothing of its subscriptions
is built or sent there until the room holds only such members again. ``reason`` says in
the log's words why; the room itself was told in its subscription's language.

``outbox_batch`` answers "when is this chat's next colleague batch due?" (storage.outbox
.batch_slot) with one index probe, however many notices the chat has had.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
CREATE TABLE room_holds (
    transport TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    held_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (transport, chat_id)
);
CREATE INDEX outbox_batch ON outbox (transport, chat_id, kind, not_before);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
