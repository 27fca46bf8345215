"""Invite codes: single-use, expiring, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Invite, Role
from storage.timefmt import from_db, opt_from_db, to_db

# No 0/O, 1/I/L: codes get read out over a bad phone line and typed on small keyboards.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
HINT_LENGTH = 3
# What a code looks like (bot/logsetup.py redacts codes from logs).
CODE_REGEX = rf"[{_ALPHABET}]{{{CODE_LENGTH}}}"


class InviteCheck(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _row(row: aiosqlite.Row) -> Invite:
    return Invite(
        id=row["id"],
        org_id=row["org_id"],
        role=Role(row["role"]),
        expires_at=from_db(row["expires_at"]),
        created_by=row["created_by"],
        used_by=row["used_by"],
        used_at=opt_from_db(row["used_at"]),
        created_at=from_db(row["created_at"]),
    )


async def add_invite(
    conn: aiosqlite.Connection,
    *,
    org_id: int,
    role: Role,
    expires_at: datetime,
    created_by: int | None,
    now: datetime,
) -> tuple[str, Invite]:
    """Create an invite; the plain code is returned once and never stored."""
    code = new_code()
    cur = await conn.execute(
        "INSERT INTO invites (code_hash, code_hint, org_id, role, expires_at, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            hash_code(code),
            code[:HINT_LENGTH],
            org_id,
            role.value,
            to_db(expires_at),
            created_by,
            to_db(now),
        ),
    )
    row = await fetch_one(conn, "SELECT * FROM invites WHERE id = ?", (cur.lastrowid,))

    assert row is not None
    return code, _row(row)


async def check_invite(
    conn: aiosqlite.Connection, code: str, now: datetime
) -> tuple[InviteCheck, Invite | None]:
    wanted = hash_code(code)
    row = await fetch_one(conn, "SELECT * FROM invites WHERE code_hash = ?", (wanted,))

    # The index lookup finds the row; compare the digests in constant time all the same.
    if row is None or not hmac.compare_digest(row["code_hash"], wanted):
        return InviteCheck.UNKNOWN, None
    invite = _row(row)
    if row["revoked_at"] is not None:
        return InviteCheck.REVOKED, invite
    if invite.used_by is not None:
        return InviteCheck.USED, invite
    if invite.expires_at <= now:
        return InviteCheck.EXPIRED, invite
    return InviteCheck.OK, invite


async def set_invite_used(
    conn: aiosqlite.Connection, invite_id: int, member_id: int, now: datetime
) -> bool:
    """Mark used; False when someone else used it first (the UPDATE is the single-use guard)."""
    cur = await conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE id = ? AND used_by IS NULL",
        (member_id, to_db(now), invite_id),
    )
    return cur.rowcount == 1


@dataclass(frozen=True)
class PendingInvite:
    """An invite that can still be redeemed, with the code's first letters (all we keep)."""

    invite: Invite
    hint: str


_PENDING = "revoked_at IS NULL AND used_by IS NULL AND expires_at > ?"


async def list_pending_invites(
    conn: aiosqlite.Connection, now: datetime, *, hint_prefix: str | None = None
) -> list[PendingInvite]:
    """Unused, unexpired, unrevoked invites, soonest expiry first."""
    sql = f"SELECT * FROM invites WHERE {_PENDING}"
    args: list[object] = [to_db(now)]
    if hint_prefix is not None:
        # substr rather than LIKE: a prefix typed by a person must not act as a pattern.
        sql += " AND substr(code_hint, 1, ?) = ?"
        args += [len(hint_prefix), hint_prefix]
    sql += " ORDER BY expires_at, id"
    return [PendingInvite(_row(r), r["code_hint"]) for r in await fetch_all(conn, sql, args)]


async def get_pending_invite_by_code(
    conn: aiosqlite.Connection, code: str, now: datetime
) -> PendingInvite | None:
    """The pending invite with exactly this (whole) code."""
    row = await fetch_one(
        conn,
        f"SELECT * FROM invites WHERE code_hash = ? AND {_PENDING}",
        (hash_code(code), to_db(now)),
    )
    return PendingInvite(_row(row), row["code_hint"]) if row else None


async def get_pending_invite(
    conn: aiosqlite.Connection, invite_id: int, now: datetime
) -> PendingInvite | None:
    row = await fetch_one(
        conn, f"SELECT * FROM invites WHERE id = ? AND {_PENDING}", (invite_id, to_db(now))
    )
    return PendingInvite(_row(row), row["code_hint"]) if row else None


async def revoke_invite(conn: aiosqlite.Connection, invite_id: int, now: datetime) -> bool:
    """Revoke a pending invite; False when it was used, expired or revoked meanwhile."""
    cur = await conn.execute(
        f"UPDATE invites SET revoked_at = ? WHERE id = ? AND {_PENDING}",
        (to_db(now), invite_id, to_db(now)),
    )
    return cur.rowcount == 1


async def revoke_invites_created_by(
    conn: aiosqlite.Connection, member_id: int, now: datetime
) -> int:
    """Revoke every pending invite a member created (their access ended); how many."""
    cur = await conn.execute(
        f"UPDATE invites SET revoked_at = ? WHERE created_by = ? AND {_PENDING}",
        (to_db(now), member_id, to_db(now)),
    )
    return cur.rowcount
