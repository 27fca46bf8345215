"""Invite codes as an HMAC under a server secret (issue 10); no stored hint of the code.

Until now a row held the unsalted SHA-256 of a 10-letter code and its first three letters: a
copy of the database was enough to search the remaining 7 letters offline in minutes. From
this step on a row holds HMAC-SHA256(key, code) with the key outside the database
(storage/invites.py), and nothing of the code.

The old codes cannot be converted: only their hashes are known, and the MAC needs the code. So
every invite still pending is expired now (a person holding one is told it expired and asks
for a new one), and every old hash is replaced by a marker that no code's MAC can equal, so no
crackable hash of a code, used or not, stays behind. The count is logged at WARNING and written
to the audit log, where admins see it with /audit; README says to issue new invites after
upgrading.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import aiosqlite

from storage.sqlscript import run_script
from storage.timefmt import to_db

log = logging.getLogger(__name__)

SCHEMA = """
ALTER TABLE invites DROP COLUMN code_hint;
ALTER TABLE invites RENAME COLUMN code_hash TO code_mac;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    now = to_db(datetime.now(UTC))
    await run_script(conn, SCHEMA)
    cur = await conn.execute(
        "UPDATE invites SET expires_at = ?"
        " WHERE revoked_at IS NULL AND used_by IS NULL AND expires_at > ?",
        (now, now),
    )
    expired = cur.rowcount
    # Not hex, so never equal to a MAC; unique per row for the column's UNIQUE constraint.
    await conn.execute("UPDATE invites SET code_mac = 'retired-v008-' || id")
    if expired:
        log.warning(
            "%d pending invite code(s) were stored in the old unsalted form and have been "
            "expired; issue new ones with /invite or `aidbridge invite`",
            expired,
        )
        await conn.execute(
            "INSERT INTO audit (actor_id, actor_label, action, target, summary, at)"
            " VALUES (NULL, 'migration v008', 'invite.expire_legacy', NULL, ?, ?)",
            (f"{expired} pending invite(s) expired: old codes were stored unsalted", now),
        )
