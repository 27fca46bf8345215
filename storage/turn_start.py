"""What every engine turn reads first, fetched together with BEGIN in one database trip.

A turn needs to know whether its update id is new, who sent it, the conversation they are in
and, on text-only platforms, the options shown last. Asking in one trip to the database
thread instead of four keeps the write lock short (see Database.grouped_transaction).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import conversations, members
from storage.db import Conn, fetch_one
from storage.models import ConversationState, Identity, Member
from storage.timefmt import to_db


@dataclass(frozen=True)
class TurnStart:
    claimed: bool  # False: the update was handled before (a replay)
    member: Member | None
    conversation: ConversationState | None
    menu: str | None


@dataclass(frozen=True)
class TurnKey:
    transport: str
    update_id: str
    sender: Identity
    chat_id: str
    now: datetime
    want_menu: bool


_CLAIM = (
    "INSERT INTO processed_updates (transport, update_id, processed_at) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
_MEMBER = f"SELECT {members.COLUMNS} FROM members WHERE transport = ? AND user_id = ?"
_CONVERSATION = "SELECT * FROM conversations WHERE transport = ? AND chat_id = ? AND user_id = ?"
_MENU = "SELECT choices FROM chat_menus WHERE transport = ? AND chat_id = ?"
_NOT_CLAIMED = TurnStart(claimed=False, member=None, conversation=None, menu=None)


def open_turn(raw: sqlite3.Connection, key: TurnKey) -> TurnStart:
    """Runs in the database thread, inside the transaction that BEGIN just opened."""
    cur = raw.execute(_CLAIM, (key.transport, key.update_id, to_db(key.now)))
    if cur.rowcount != 1:
        return _NOT_CLAIMED
    member_row = raw.execute(_MEMBER, (key.sender.transport, key.sender.user_id)).fetchone()
    conversation_row = raw.execute(
        _CONVERSATION, (key.transport, key.chat_id, key.sender.user_id)
    ).fetchone()
    menu_row = (
        raw.execute(_MENU, (key.transport, key.chat_id)).fetchone() if key.want_menu else None
    )
    return _started(member_row, conversation_row, menu_row)


async def open_turn_async(conn: Conn, key: TurnKey) -> TurnStart:
    """``open_turn`` for an engine without a synchronous connection (PostgreSQL)."""
    cur = await conn.execute(_CLAIM, (key.transport, key.update_id, to_db(key.now)))
    if cur.rowcount != 1:
        return _NOT_CLAIMED
    member_row = await fetch_one(conn, _MEMBER, (key.sender.transport, key.sender.user_id))
    conversation_row = await fetch_one(
        conn, _CONVERSATION, (key.transport, key.chat_id, key.sender.user_id)
    )
    menu_row = await fetch_one(conn, _MENU, (key.transport, key.chat_id)) if key.want_menu else None
    return _started(member_row, conversation_row, menu_row)


def _started(member_row: Any, conversation_row: Any, menu_row: Any) -> TurnStart:
    return TurnStart(
        claimed=True,
        member=members.member_from_row(member_row) if member_row is not None else None,
        conversation=conversations.conversation_from_row(conversation_row)
        if conversation_row is not None
        else None,
        menu=None if menu_row is None else str(menu_row["choices"]),
    )
