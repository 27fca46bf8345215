"""Digest and alert subscriptions, and the record of digests already sent."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Filters, Subscription, SubscriptionKind
from storage.timefmt import date_from_db, date_to_db, from_db, opt_from_db, to_db

_COLUMNS = (
    "id, member_id, transport, chat_id, language, kind, cron, timezone, filters, active,"
    " created_at, last_window_end, weeks_apart, start_date"
)


def _stored(kind: SubscriptionKind) -> tuple[str, int]:
    """(kind column, weeks_apart): the CHECK on ``kind`` predates fortnightly (v017)."""
    if kind is SubscriptionKind.FORTNIGHTLY:
        return SubscriptionKind.WEEKLY.value, 2
    return kind.value, 1


def kind_of(stored_kind: str, weeks_apart: int) -> SubscriptionKind:
    if stored_kind == SubscriptionKind.WEEKLY.value and weeks_apart == 2:
        return SubscriptionKind.FORTNIGHTLY
    return SubscriptionKind(stored_kind)


def _row(row: aiosqlite.Row) -> Subscription:
    return Subscription(
        id=row["id"],
        member_id=row["member_id"],
        transport=row["transport"],
        chat_id=row["chat_id"],
        language=row["language"],
        kind=kind_of(row["kind"], row["weeks_apart"]),
        cron=row["cron"],
        timezone=row["timezone"],
        filters=Filters.model_validate_json(row["filters"]),
        active=bool(row["active"]),
        created_at=from_db(row["created_at"]),
        last_window_end=opt_from_db(row["last_window_end"]),
        start_date=date_from_db(row["start_date"]),
    )


async def add_subscription(
    conn: aiosqlite.Connection,
    *,
    member_id: int,
    transport: str,
    chat_id: str,
    language: str,
    kind: SubscriptionKind,
    cron: str | None,
    timezone: str,
    filters: Filters,
    now: datetime,
    start_date: date | None = None,
) -> Subscription:
    stored_kind, weeks_apart = _stored(kind)
    cur = await conn.execute(
        "INSERT INTO subscriptions (member_id, transport, chat_id, language, kind, cron,"
        " timezone, filters, active, created_at, last_window_end, weeks_apart, start_date)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        (
            member_id,
            transport,
            chat_id,
            language,
            stored_kind,
            cron,
            timezone,
            filters.model_dump_json(exclude_none=True),
            to_db(now),
            # The first window starts when the subscription does.
            to_db(now),
            weeks_apart,
            date_to_db(start_date),
        ),
    )
    found = await get_subscription(conn, int(cur.lastrowid or 0))
    assert found is not None
    return found


async def get_subscription(conn: aiosqlite.Connection, sub_id: int) -> Subscription | None:
    row = await fetch_one(conn, f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ?", (sub_id,))
    return _row(row) if row else None


async def list_subscriptions(
    conn: aiosqlite.Connection,
    *,
    member_id: int | None = None,
    kind: SubscriptionKind | None = None,
    active_only: bool = True,
) -> list[Subscription]:
    sql = f"SELECT {_COLUMNS} FROM subscriptions WHERE 1 = 1"
    args: list[object] = []
    if member_id is not None:
        sql += " AND member_id = ?"
        args.append(member_id)
    if kind is not None:
        stored_kind, weeks_apart = _stored(kind)
        sql += " AND kind = ? AND weeks_apart = ?"
        args.extend((stored_kind, weeks_apart))
    if active_only:
        sql += " AND active = 1"
    sql += " ORDER BY id"
    return [_row(r) for r in await fetch_all(conn, sql, args)]


async def list_chat_subscriptions(
    conn: aiosqlite.Connection, transport: str, chat_id: str
) -> list[Subscription]:
    """The active subscriptions whose digests or alerts go to this chat."""
    rows = await fetch_all(
        conn,
        f"SELECT {_COLUMNS} FROM subscriptions WHERE transport = ? AND chat_id = ? AND active = 1"
        " ORDER BY id",
        (transport, chat_id),
    )
    return [_row(r) for r in rows]


async def list_subscription_chats(conn: aiosqlite.Connection) -> set[tuple[str, str]]:
    """Every (transport, chat id) an active subscription sends to."""
    rows = await fetch_all(
        conn, "SELECT DISTINCT transport, chat_id FROM subscriptions WHERE active = 1", ()
    )
    return {(str(r[0]), str(r[1])) for r in rows}


async def set_subscription_inactive(conn: aiosqlite.Connection, sub_id: int) -> None:
    await conn.execute("UPDATE subscriptions SET active = 0 WHERE id = ?", (sub_id,))


async def claim_digest_run(
    conn: aiosqlite.Connection,
    *,
    sub_id: int,
    run_key: str,
    window_start: datetime,
    window_end: datetime,
    parts: int,
    now: datetime,
) -> bool:
    """Record a digest for (subscription, run key); False when one exists already.

    The run key is the scheduled local wall-clock time, so the two firings of a 02:30 job
    on the autumn DST night are one run.
    """
    cur = await conn.execute(
        "INSERT INTO digest_runs (subscription_id, window_end, window_start, created_at, parts)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (sub_id, run_key, to_db(window_start), to_db(now), parts),
    )
    if cur.rowcount != 1:
        return False
    await conn.execute(
        "UPDATE subscriptions SET last_window_end = ? WHERE id = ?", (to_db(window_end), sub_id)
    )
    return True


async def has_digest_run(conn: aiosqlite.Connection, *, sub_id: int, run_key: str) -> bool:
    """Whether (subscription, run key) is recorded: a duplicate firing asks before it builds.

    Only a hint outside the writing transaction; ``claim_digest_run`` decides.
    """
    row = await fetch_one(
        conn,
        "SELECT 1 FROM digest_runs WHERE subscription_id = ? AND window_end = ?",
        (sub_id, run_key),
    )
    return row is not None


async def count_digest_runs(conn: aiosqlite.Connection, sub_id: int) -> int:
    row = await fetch_one(
        conn, "SELECT COUNT(*) FROM digest_runs WHERE subscription_id = ?", (sub_id,)
    )
    return int(row[0]) if row else 0


async def set_language_for_chats(
    conn: aiosqlite.Connection,
    member_id: int,
    transport: str,
    chat_ids: Collection[str],
    language: str,
) -> int:
    """A member changed language: their subscriptions to any of their own chats follow.

    Several ids can name one person's chat: the private chat they write from now, the one
    their notifications went to when they joined (on Matrix, a user id the transport turns into
    a direct room) and the one read at the start of the turn. Those of a group room keep the
    room's language.
    """
    if not chat_ids:
        return 0
    marks = ", ".join("?" for _ in chat_ids)
    cur = await conn.execute(
        "UPDATE subscriptions SET language = ? WHERE member_id = ? AND transport = ?"
        f" AND chat_id IN ({marks})",
        (language, member_id, transport, *chat_ids),
    )
    return cur.rowcount
