"""Conversation state per (chat, person), so a half-filled request survives a restart."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from storage.db import fetch_one
from storage.models import ConversationState
from storage.timefmt import from_db, to_db


async def get_conversation(
    conn: aiosqlite.Connection, transport: str, chat_id: str, user_id: str
) -> ConversationState | None:
    row = await fetch_one(
        conn,
        "SELECT * FROM conversations WHERE transport = ? AND chat_id = ? AND user_id = ?",
        (transport, chat_id, user_id),
    )
    return None if row is None else conversation_from_row(row)


def conversation_from_row(row: sqlite3.Row) -> ConversationState:
    return ConversationState(
        transport=row["transport"],
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        flow=row["flow"],
        step=row["step"],
        data_json=row["data"],
        updated_at=from_db(row["updated_at"]),
    )


async def set_conversation(
    conn: aiosqlite.Connection,
    *,
    transport: str,
    chat_id: str,
    user_id: str,
    flow: str,
    step: str,
    data_json: str,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO conversations (transport, chat_id, user_id, flow, step, data, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (transport, chat_id, user_id) DO UPDATE SET"
        " flow = excluded.flow, step = excluded.step, data = excluded.data,"
        " updated_at = excluded.updated_at",
        (transport, chat_id, user_id, flow, step, data_json, to_db(now)),
    )


async def delete_conversation(
    conn: aiosqlite.Connection, transport: str, chat_id: str, user_id: str
) -> None:
    await conn.execute(
        "DELETE FROM conversations WHERE transport = ? AND chat_id = ? AND user_id = ?",
        (transport, chat_id, user_id),
    )


async def get_menu(conn: aiosqlite.Connection, transport: str, chat_id: str) -> str | None:
    row = await fetch_one(
        conn,
        "SELECT choices FROM chat_menus WHERE transport = ? AND chat_id = ?",
        (transport, chat_id),
    )

    return None if row is None else str(row["choices"])


async def set_menu(
    conn: aiosqlite.Connection, transport: str, chat_id: str, choices_json: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO chat_menus (transport, chat_id, choices, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (transport, chat_id) DO UPDATE SET choices = excluded.choices,"
        " updated_at = excluded.updated_at",
        (transport, chat_id, choices_json, to_db(now)),
    )
