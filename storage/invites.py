"""Invite codes: single-use, expiring, kept only as an HMAC-SHA256 under a server secret.

A copy of the database does not give a code back. A row holds HMAC-SHA256(key, code) and no
letter of the code, and the key is not in the database: bot/invite_key.py keeps it in a file
of its own (0600, beside the database by default) and bot/app.py hands it down in the
HandlerContext. Without the key an offline search has nothing to test guesses against; with
it, 18 letters from 31 (about 89 bits) are still far beyond one. A keyed MAC rather than a
salted slow hash, because the same code always gives the same MAC: a typed code is found
through the unique index, so no hint of the code has to be stored to narrow the search.

Codes written before schema v008 were unsalted SHA-256 beside their first three letters; they
cannot be converted (the codes are not known), so that migration expired them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Invite, Role
from storage.timefmt import from_db, opt_from_db, to_db

# No 0/O, 1/I/L: codes get read out over a bad phone line and typed on small keyboards.
ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 18  # 18 × log2(31) ≈ 89.2 bits
GROUP_LENGTH: Final = 6  # shown as ABCDEF-GHJKMN-PQRSTU; dashes and spaces are ignored
KEY_BYTES: Final = 32
# Binds the MAC to this one use of the key, should the key ever serve anything else.
MAC_CONTEXT: Final = b"aidbridge/invite-code/v1\x00"
# Look-alike Cyrillic capitals typed on a Ukrainian keyboard read as the Latin letters meant.
_CYRILLIC_LOOKALIKES: Final = str.maketrans("АВСЕНКМРТХ", "ABCEHKMPTX")


@dataclass(frozen=True)
class InviteKey:
    """The server secret the codes' MACs are keyed with. Never stored in the database."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < KEY_BYTES:
            raise ValueError(f"an invite key needs at least {KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> InviteKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    def mac(self, code: str) -> str:
        """HMAC-SHA256 of the normalised code, hex: what the invites table stores."""
        message = MAC_CONTEXT + normalise_code(code).encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


# What a code looks like, with or without its dashes (bot/logsetup.py redacts codes from logs).
_GROUP_REGEX: Final = rf"[{ALPHABET}]{{{GROUP_LENGTH}}}"
CODE_REGEX: Final = rf"{_GROUP_REGEX}-?{_GROUP_REGEX}-?{_GROUP_REGEX}"


class InviteCheck(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


def new_code() -> str:
    """A fresh code, grouped for reading out: 'K7PM3X-Q9TRZD-4WHN2B'."""
    letters = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(letters[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise_code(code: str) -> str:
    """What a person typed, as the code: any case, dashes and spaces dropped."""
    return "".join(ch for ch in code.upper().translate(_CYRILLIC_LOOKALIKES) if ch.isalnum())


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
    key: InviteKey,
    org_id: int,
    role: Role,
    expires_at: datetime,
    created_by: int | None,
    now: datetime,
) -> tuple[str, Invite]:
    """Create an invite; the plain code is returned once and never stored."""
    code = new_code()
    cur = await conn.execute(
        "INSERT INTO invites (code_mac, org_id, role, expires_at, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            key.mac(code),
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
    conn: aiosqlite.Connection, key: InviteKey, code: str, now: datetime
) -> tuple[InviteCheck, Invite | None]:
    wanted = key.mac(code)
    row = await fetch_one(conn, "SELECT * FROM invites WHERE code_mac = ?", (wanted,))

    # The index lookup finds the row; compare the digests in constant time all the same.
    if row is None or not hmac.compare_digest(row["code_mac"], wanted):
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


_PENDING = "revoked_at IS NULL AND used_by IS NULL AND expires_at > ?"


async def list_pending_invites(conn: aiosqlite.Connection, now: datetime) -> list[Invite]:
    """Unused, unexpired, unrevoked invites, soonest expiry first; admins name them by id."""
    rows = await fetch_all(
        conn, f"SELECT * FROM invites WHERE {_PENDING} ORDER BY expires_at, id", (to_db(now),)
    )
    return [_row(r) for r in rows]


async def get_pending_invite(
    conn: aiosqlite.Connection, invite_id: int, now: datetime
) -> Invite | None:
    row = await fetch_one(
        conn, f"SELECT * FROM invites WHERE id = ? AND {_PENDING}", (invite_id, to_db(now))
    )
    return _row(row) if row else None


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
