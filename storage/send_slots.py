"""The platform's pace shared by every replica (issue 16): Telegram allows about 30 messages a
second overall and one a second per chat, for the bot, not for each process.

Two reservations, each one upsert with RETURNING (atomic on SQLite and PostgreSQL alike):

- a chat's next message may start at ``chat_send_slots.next_at``; reserving moves it on by the
  interval, so two replicas asking at once get two different times;
- the transport's messages start at least ``gap`` apart (``send_pace.next_at``, a virtual
  schedule as in GCRA): every second holds at most ``1 / gap`` starts, whichever replica
  makes them, and no burst is allowed.

A sender reserves its chat's time, waits for it, then reserves its place in the transport's
spacing and waits for that (so a chat that must wait does not hold up the others' places).
Times are seconds since the epoch: replicas on several machines need their clocks in step
(NTP), as the leases do. bot/pacing.py still paces each process on top of this, counting from
the platform's answers.
"""

from __future__ import annotations

from storage.db import Conn, fetch_one

_RESERVE_CHAT = (
    "INSERT INTO chat_send_slots (transport, chat_id, next_at) VALUES (?, ?, ?)"
    " ON CONFLICT (transport, chat_id) DO UPDATE SET next_at = CASE"
    " WHEN chat_send_slots.next_at > ? THEN chat_send_slots.next_at ELSE ? END + ?"
    " RETURNING next_at"
)
_RESERVE_OVERALL = (
    "INSERT INTO send_pace (transport, next_at) VALUES (?, ?)"
    " ON CONFLICT (transport) DO UPDATE SET next_at = CASE"
    " WHEN send_pace.next_at > ? THEN send_pace.next_at ELSE ? END + ?"
    " RETURNING next_at"
)
# A chat's time is moved on when its overall place came later than the chat's own time.
_PUSH_CHAT = (
    "UPDATE chat_send_slots SET next_at = ? WHERE transport = ? AND chat_id = ? AND next_at < ?"
)


async def reserve_chat(
    conn: Conn, *, transport: str, chat_id: str, now: float, interval: float, messages: int = 1
) -> float:
    """When this chat's next ``messages`` may start (now or later); they are reserved."""
    span = interval * max(1, messages)
    row = await fetch_one(conn, _RESERVE_CHAT, (transport, chat_id, now + span, now, now, span))
    assert row is not None  # an upsert without a WHERE always returns its row
    return float(row[0]) - span


async def reserve_overall(
    conn: Conn,
    *,
    transport: str,
    chat_id: str,
    now: float,
    gap: float,
    interval: float,
    messages: int = 1,
) -> float:
    """When the next ``messages`` of the transport may start (now or later); reserved. The
    chat's next time is kept at least ``interval`` after the last of them."""
    span = gap * max(1, messages)
    row = await fetch_one(conn, _RESERVE_OVERALL, (transport, now + span, now, now, span))
    assert row is not None
    start = float(row[0]) - span
    last = start + gap * (max(1, messages) - 1)
    chat_next = last + interval
    await conn.execute(_PUSH_CHAT, (chat_next, transport, chat_id, chat_next))
    return start


async def forget_idle_chats(conn: Conn, before: float) -> int:
    """Housekeeping: chats whose next time is long past hold nothing back."""
    cur = await conn.execute("DELETE FROM chat_send_slots WHERE next_at < ?", (before,))
    return cur.rowcount
