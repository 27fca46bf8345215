"""Forgetting a person, and clearing the free text of long-closed requests (retention).

Forgetting keeps the member row, so requests, pledges and the audit log keep an author to point
at ("former member"), but erases everything that says who the person was: the platform user id
and chat id become a tombstone that no platform can send, the display name goes, and so do
their conversations, menus, subscriptions, messages queued or sent to them and their failed
invite attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import fetch_all
from storage.models import Identity, Member, Status
from storage.timefmt import to_db

# Telegram ids are numbers, Matrix ids start with "@": no platform user can ever have this id.
TOMBSTONE_PREFIX = "forgotten-"

CLOSED_STATUSES: tuple[Status, ...] = (Status.DELIVERED, Status.DECLINED, Status.WITHDRAWN)


def tombstone(member_id: int) -> str:
    """Unique per member, so UNIQUE (transport, user_id) holds for any number of forgotten."""
    return f"{TOMBSTONE_PREFIX}{member_id}"


@dataclass(frozen=True)
class Forgotten:
    """What forgetting removed, for the audit row (counts only: no names)."""

    conversations: int
    outbox: int
    subscriptions: int


async def forget_member(conn: aiosqlite.Connection, member: Member, now: datetime) -> Forgotten:
    """Erase the person's identity data; run inside the caller's transaction."""
    transport, user_id = member.identity.transport, member.identity.user_id
    subs = [
        int(r["id"])
        for r in await fetch_all(
            conn, "SELECT id FROM subscriptions WHERE member_id = ?", (member.id,)
        )
    ]
    if subs:
        marks = ",".join("?" for _ in subs)
        await conn.execute(f"DELETE FROM digest_runs WHERE subscription_id IN ({marks})", subs)
        await conn.execute(f"DELETE FROM subscriptions WHERE id IN ({marks})", subs)
    cur = await conn.execute(
        "DELETE FROM conversations WHERE transport = ? AND user_id = ?", (transport, user_id)
    )
    conversations = cur.rowcount
    await conn.execute(
        "DELETE FROM chat_menus WHERE transport = ? AND chat_id = ?", (transport, member.chat_id)
    )
    # Sent copies go too: their chat id is the person's platform id on Telegram, and their
    # text was addressed to the person.
    cur = await conn.execute(
        "DELETE FROM outbox WHERE member_id = ? OR (transport = ? AND chat_id = ?)",
        (member.id, transport, member.chat_id),
    )
    outbox = cur.rowcount
    await conn.execute(
        "DELETE FROM invite_failures WHERE transport = ? AND user_id = ?", (transport, user_id)
    )
    mark = tombstone(member.id)
    await conn.execute(
        "UPDATE members SET user_id = ?, chat_id = ?, display_name = NULL, roles = '',"
        " active = 0, last_seen_at = NULL, unreachable_at = NULL, forgotten_at = ?"
        " WHERE id = ?",
        (mark, mark, to_db(now), member.id),
    )
    return Forgotten(conversations=conversations, outbox=outbox, subscriptions=len(subs))


async def drop_conversations(conn: aiosqlite.Connection, identity: Identity) -> int:
    """End the person's conversations in every chat (a revoke: a half-filled /new draft must
    not be submitted later). Returns how many there were."""
    cur = await conn.execute(
        "DELETE FROM conversations WHERE transport = ? AND user_id = ?",
        (identity.transport, identity.user_id),
    )
    return cur.rowcount


async def drop_unsent_messages(conn: aiosqlite.Connection, member_id: int) -> int:
    """Delete the messages still waiting to go to a member whose access ends.

    Alerts and digest parts queued before a revoke carry request data; with a backlog the
    outbox would deliver them after access ended. Returns how many were dropped. Command
    menus (kind 'menu') are not messages and stay: the empty menu the revoke queues after them
    is the one that counts.
    """
    cur = await conn.execute(
        "DELETE FROM outbox WHERE member_id = ? AND sent_at IS NULL AND failed_at IS NULL"
        " AND kind != 'menu'",
        (member_id,),
    )
    return cur.rowcount


@dataclass(frozen=True)
class Cleared:
    requests: int
    events: int
    pledges: int


async def clear_closed_notes(
    conn: aiosqlite.Connection, *, closed_before: datetime, now: datetime, limit: int = 500
) -> Cleared:
    """Clear the free text of requests closed before ``closed_before``; at most ``limit``.

    A request closes when it enters delivered, declined or withdrawn; none of these is ever
    left again (a receipt after delivery adds another 'delivered' event), so the first event
    with the current status is the closing. ``notes_cleared_at`` marks a request done, so
    every later run skips it: the work stays proportional to the requests closed within the
    retention period.
    """
    statuses = [s.value for s in CLOSED_STATUSES]
    marks = ",".join("?" for _ in statuses)
    rows = await fetch_all(
        conn,
        "SELECT r.id FROM requests r"
        f" WHERE r.status IN ({marks}) AND r.notes_cleared_at IS NULL"
        " AND COALESCE((SELECT MIN(e.at) FROM status_events e"
        "   WHERE e.request_id = r.id AND e.status = r.status), r.updated_at) < ?"
        " ORDER BY r.id LIMIT ?",
        [*statuses, to_db(closed_before), limit],
    )
    ids = [int(r["id"]) for r in rows]
    if not ids:
        return Cleared(requests=0, events=0, pledges=0)
    return await _clear(conn, ids, now)


async def _clear(conn: aiosqlite.Connection, ids: Sequence[int], now: datetime) -> Cleared:
    marks = ",".join("?" for _ in ids)
    cur = await conn.execute(
        f"UPDATE status_events SET note = NULL WHERE request_id IN ({marks}) AND note IS NOT NULL",
        ids,
    )
    events = cur.rowcount
    cur = await conn.execute(
        f"UPDATE pledges SET note = NULL WHERE request_id IN ({marks}) AND note IS NOT NULL", ids
    )
    pledges = cur.rowcount
    # What a hospital wrote when signing for a shipment's line (issue 14) is the same request's
    # free text: its line and the line's event forget it too.
    lines = f"SELECT id FROM shipment_lines WHERE request_id IN ({marks})"
    await conn.execute(
        f"UPDATE shipment_events SET note = NULL WHERE line_id IN ({lines}) AND note IS NOT NULL",
        ids,
    )
    await conn.execute(
        f"UPDATE shipment_lines SET note = NULL WHERE request_id IN ({marks}) AND note IS NOT NULL",
        ids,
    )
    await conn.execute(
        f"UPDATE requests SET note = NULL, notes_cleared_at = ? WHERE id IN ({marks})",
        [to_db(now), *ids],
    )
    return Cleared(requests=len(ids), events=events, pledges=pledges)


async def delete_old_outbox(conn: aiosqlite.Connection, *, before: datetime) -> int:
    """Copies of messages sent (or given up) before ``before``: they may quote cleared notes."""
    cur = await conn.execute(
        "DELETE FROM outbox WHERE created_at < ?"
        " AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)",
        (to_db(before),),
    )
    return cur.rowcount


async def forgotten_active_ids(conn: aiosqlite.Connection) -> set[int]:
    """Forgotten members marked active again (by a later role change): never to be messaged.

    Forgetting sets active = 0, so this is normally empty; it guards recipient lists.
    """
    rows = await fetch_all(
        conn, "SELECT id FROM members WHERE forgotten_at IS NOT NULL AND active = 1"
    )
    return {int(r["id"]) for r in rows}
