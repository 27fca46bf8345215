"""The outbox: messages to deliver, written in the same transaction as what they report."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import OutboxMessage
from storage.timefmt import from_db, opt_from_db, to_db


def _row(row: aiosqlite.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        transport=row["transport"],
        chat_id=row["chat_id"],
        text=row["text"],
        kind=row["kind"],
        choices_json=row["choices"],
        document_path=None,
        document_name=row["document_name"],
        created_at=from_db(row["created_at"]),
        not_before=from_db(row["not_before"]),
        attempts=row["attempts"],
        sent_at=opt_from_db(row["sent_at"]),
        failed_at=opt_from_db(row["failed_at"]),
        last_error=row["last_error"],
    )


async def add_outbox(
    conn: aiosqlite.Connection,
    *,
    transport: str,
    chat_id: str,
    text: str,
    now: datetime,
    not_before: datetime | None = None,
    member_id: int | None = None,
    kind: str = "notice",
    choices_json: str | None = None,
    document_name: str | None = None,
    document_mime: str | None = None,
    document: bytes | None = None,
) -> int:
    cur = await conn.execute(
        "INSERT INTO outbox (transport, chat_id, member_id, kind, text, choices, document_name,"
        " document_mime, document, created_at, not_before)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            transport,
            chat_id,
            member_id,
            kind,
            text,
            choices_json,
            document_name,
            document_mime,
            document,
            to_db(now),
            to_db(not_before or now),
        ),
    )
    return int(cur.lastrowid or 0)


async def list_due_outbox(
    conn: aiosqlite.Connection, now: datetime, *, transport: str | None = None, limit: int = 100
) -> list[OutboxMessage]:
    sql = "SELECT * FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND not_before <= ?"
    args: list[object] = [to_db(now)]
    if transport is not None:
        sql += " AND transport = ?"
        args.append(transport)
    sql += " ORDER BY not_before, id LIMIT ?"
    args.append(limit)
    rows_ = await fetch_all(conn, sql, args)
    return [_row(r) for r in rows_]


Chat = tuple[str, str]


def _chats_clause(chats: Collection[Chat] | None) -> tuple[str, list[object]]:
    """SQL restricting rows to ``chats`` (transport, chat_id); no restriction for None."""
    if chats is None:
        return "", []
    if not chats:
        return " AND 0", []
    ordered = sorted(chats)
    sql = " AND (" + " OR ".join("(transport = ? AND chat_id = ?)" for _ in ordered) + ")"
    return sql, [part for chat in ordered for part in chat]


async def list_due_heads(
    conn: aiosqlite.Connection,
    now: datetime,
    *,
    transports: Sequence[str],
    limit: int = 100,
    chats: Collection[Chat] | None = None,
) -> list[OutboxMessage]:
    """Each chat's oldest pending row, where that row is due, oldest first.

    Only a chat's oldest row is ever offered, so a row waiting for its retry holds back the
    rows queued after it for the same chat: each chat gets its messages in the order written.
    ``chats`` limits the rows to those chats (a console process delivers only its own).
    """
    if not transports:
        return []
    marks = ", ".join("?" for _ in transports)
    only, only_args = _chats_clause(chats)
    rows_ = await fetch_all(
        conn,
        "SELECT * FROM outbox WHERE id IN ("
        "  SELECT MIN(id) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        f"  AND transport IN ({marks}){only} GROUP BY transport, chat_id"
        ") AND not_before <= ? ORDER BY not_before, id LIMIT ?",
        [*transports, *only_args, to_db(now), limit],
    )
    return [_row(r) for r in rows_]


async def get_outbox_member_id(conn: aiosqlite.Connection, outbox_id: int) -> int | None:
    """The member a row is addressed to, if it was written for one."""
    row = await fetch_one(conn, "SELECT member_id FROM outbox WHERE id = ?", (outbox_id,))
    return None if row is None or row["member_id"] is None else int(row["member_id"])


async def get_outbox_document(
    conn: aiosqlite.Connection, outbox_id: int
) -> tuple[str, str, bytes] | None:
    row = await fetch_one(
        conn, "SELECT document_name, document_mime, document FROM outbox WHERE id = ?", (outbox_id,)
    )

    if row is None or row["document"] is None:
        return None
    return str(row["document_name"]), str(row["document_mime"]), bytes(row["document"])


async def get_outbox(conn: aiosqlite.Connection, outbox_id: int) -> OutboxMessage | None:
    row = await fetch_one(conn, "SELECT * FROM outbox WHERE id = ?", (outbox_id,))

    return _row(row) if row else None


async def set_outbox_sent(conn: aiosqlite.Connection, outbox_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
        (to_db(now), outbox_id),
    )
    return cur.rowcount == 1


async def set_outbox_retry(
    conn: aiosqlite.Connection, outbox_id: int, *, not_before: datetime, error: str
) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?",
        (to_db(not_before), error[:500], outbox_id),
    )


async def set_outbox_failed(
    conn: aiosqlite.Connection, outbox_id: int, *, now: datetime, error: str
) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?",
        (to_db(now), error[:500], outbox_id),
    )


async def set_all_pending_due(
    conn: aiosqlite.Connection,
    now: datetime,
    *,
    created_before: datetime | None = None,
    chats: Collection[Chat] | None = None,
) -> int:
    """At start-up: rows that a previous process meant to send itself are now the worker's.

    ``created_before`` leaves alone the replies this process has already written (its
    transport may be sending them right now), so the worker never sends one a second time.
    ``chats`` leaves alone the replies of chats another process serves.
    """
    only, only_args = _chats_clause(chats)
    sql = (
        "UPDATE outbox SET not_before = ? WHERE sent_at IS NULL AND failed_at IS NULL"
        f" AND not_before > ? AND kind = 'reply'{only}"
    )
    args: list[object] = [to_db(now), to_db(now), *only_args]
    if created_before is not None:
        sql += " AND created_at < ?"
        args.append(to_db(created_before))
    cur = await conn.execute(sql, args)
    return cur.rowcount


async def count_pending_outbox(conn: aiosqlite.Connection) -> int:
    row = await fetch_one(
        conn, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    )

    return int(row[0]) if row else 0


async def latest_texts(conn: aiosqlite.Connection, *, kind: str) -> dict[int, str]:
    """member id -> the text of that member's newest row of this kind, delivered or not.
    One pass over the table (run once at start), not one query per member."""
    cursor = await conn.execute(
        "SELECT member_id, text FROM outbox WHERE id IN"
        " (SELECT MAX(id) FROM outbox WHERE kind = ? AND member_id IS NOT NULL"
        " GROUP BY member_id)",
        (kind,),
    )
    return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}
