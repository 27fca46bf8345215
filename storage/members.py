"""Members: a person on one platform, bound to an organisation with a set of roles."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Identity, Member, Role
from storage.timefmt import from_db, opt_from_db, to_db

COLUMNS = (
    "id, transport, user_id, chat_id, org_id, roles, language, display_name, active,"
    " created_at, last_seen_at, unreachable_at, forgotten_at"
)


def encode_roles(roles: frozenset[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


def decode_roles(text: str) -> frozenset[Role]:
    return frozenset(Role(part) for part in text.split(",") if part)


def member_from_row(row: aiosqlite.Row) -> Member:
    return Member(
        id=row["id"],
        identity=Identity(transport=row["transport"], user_id=row["user_id"]),
        chat_id=row["chat_id"],
        org_id=row["org_id"],
        roles=decode_roles(row["roles"]),
        language=row["language"],
        display_name=row["display_name"],
        active=bool(row["active"]),
        created_at=from_db(row["created_at"]),
        last_seen_at=opt_from_db(row["last_seen_at"]),
        unreachable_at=opt_from_db(row["unreachable_at"]),
        forgotten_at=opt_from_db(row["forgotten_at"]),
    )


async def get_member_by_identity(conn: aiosqlite.Connection, identity: Identity) -> Member | None:
    row = await fetch_one(
        conn,
        f"SELECT {COLUMNS} FROM members WHERE transport = ? AND user_id = ?",
        (identity.transport, identity.user_id),
    )

    return member_from_row(row) if row else None


async def get_member(conn: aiosqlite.Connection, member_id: int) -> Member | None:
    row = await fetch_one(conn, f"SELECT {COLUMNS} FROM members WHERE id = ?", (member_id,))

    return member_from_row(row) if row else None


async def add_member(
    conn: aiosqlite.Connection,
    *,
    identity: Identity,
    chat_id: str,
    org_id: int | None,
    roles: frozenset[Role],
    language: str,
    display_name: str | None,
    now: datetime,
) -> Member:
    cur = await conn.execute(
        "INSERT INTO members (transport, user_id, chat_id, org_id, roles, language,"
        " display_name, active, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        (
            identity.transport,
            identity.user_id,
            chat_id,
            org_id,
            encode_roles(roles),
            language,
            display_name,
            to_db(now),
            to_db(now),
        ),
    )
    member = await get_member(conn, int(cur.lastrowid or 0))
    assert member is not None
    return member


async def set_membership(
    conn: aiosqlite.Connection,
    member_id: int,
    *,
    org_id: int | None,
    roles: frozenset[Role],
    active: bool = True,
) -> None:
    await conn.execute(
        "UPDATE members SET org_id = ?, roles = ?, active = ? WHERE id = ?",
        (org_id, encode_roles(roles), int(active), member_id),
    )


async def set_language(conn: aiosqlite.Connection, member_id: int, language: str) -> None:
    await conn.execute("UPDATE members SET language = ? WHERE id = ?", (language, member_id))


async def set_seen(
    conn: aiosqlite.Connection,
    member_id: int,
    *,
    chat_id: str,
    display_name: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE members SET last_seen_at = ?, chat_id = ?,"
        " display_name = COALESCE(?, display_name) WHERE id = ?",
        (to_db(now), chat_id, display_name, member_id),
    )


async def list_members(
    conn: aiosqlite.Connection,
    *,
    org_id: int | None = None,
    role: Role | None = None,
    active_only: bool = True,
) -> list[Member]:
    sql = f"SELECT {COLUMNS} FROM members WHERE 1 = 1"
    args: list[object] = []
    if org_id is not None:
        sql += " AND org_id = ?"
        args.append(org_id)
    if active_only:
        sql += " AND active = 1"
    if role is not None:
        # roles is a sorted comma list; match a whole element.
        sql += " AND (',' || roles || ',') LIKE ?"
        args.append(f"%,{role.value},%")
    sql += " ORDER BY id"
    rows_ = await fetch_all(conn, sql, args)
    return [member_from_row(r) for r in rows_]


async def set_unreachable(conn: aiosqlite.Connection, member_id: int, now: datetime) -> bool:
    """The platform refused delivery to the member for good (e.g. they blocked the bot).

    The first refusal's time is kept, so admins see since when; returns True only then.
    """
    cur = await conn.execute(
        "UPDATE members SET unreachable_at = ? WHERE id = ? AND unreachable_at IS NULL",
        (to_db(now), member_id),
    )
    return cur.rowcount == 1


async def count_members(conn: aiosqlite.Connection, *, org_id: int | None = None) -> int:
    """Everyone, revoked included (admins page through all of them)."""
    sql = "SELECT COUNT(*) FROM members"
    args: list[object] = []
    if org_id is not None:
        sql += " WHERE org_id = ?"
        args.append(org_id)
    row = await fetch_one(conn, sql, args)
    return int(row[0]) if row else 0


async def list_members_page(
    conn: aiosqlite.Connection, *, org_id: int | None = None, limit: int, offset: int
) -> list[Member]:
    """One page of everyone, revoked included, in member-number order."""
    sql = f"SELECT {COLUMNS} FROM members"
    args: list[object] = []
    if org_id is not None:
        sql += " WHERE org_id = ?"
        args.append(org_id)
    sql += " ORDER BY id LIMIT ? OFFSET ?"
    args += [limit, offset]
    return [member_from_row(r) for r in await fetch_all(conn, sql, args)]
