"""Outbox priorities (issue 10): direct answers and critical alerts first, then lifecycle
notices, then bulk (digests, broadcasts, colleague notices).

``priority`` is set from the row's kind when it is written (storage/outbox.py, the one place
that maps kinds to priorities); rows still pending here get it by the same rule as it stood
when this step was written. The worker's due-rows query walks ``outbox_due`` in order
(priority, due time, id) and asks each candidate's chat, through ``outbox_chat_head``, whether
an earlier row of that chat is pending: both cost the same at 20 and at 20,000 pending rows.
Both indexes hold pending rows only, so sent history does not grow them.
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1
    CHECK (priority IN (0, 1, 2));

UPDATE outbox SET priority = CASE
        WHEN kind IN ('reply', 'alert') THEN 0
        WHEN kind IN ('digest', 'broadcast', 'colleague') THEN 2
        ELSE 1
    END
WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE INDEX outbox_due ON outbox (priority, not_before, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_chat_head ON outbox (transport, chat_id, priority, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
