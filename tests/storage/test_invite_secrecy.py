"""Invite codes cannot be recovered from a copy of the database.

The code space is too large to search (>= 80 bits), a row and the database file hold nothing
of the code, and the stored value is an HMAC-SHA256 whose key is not in the database: without
the key a guess cannot even be checked. Old unsalted rows are expired by migration v008.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import invites
from storage.db import Database, open_db
from storage.invites import (
    ALPHABET,
    CODE_LENGTH,
    MAC_CONTEXT,
    InviteCheck,
    InviteKey,
    new_code,
    normalise_code,
)
from storage.migrations import migrate
from storage.models import OrgKind, Role
from storage.timefmt import to_db

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def org_in(db: Database) -> int:
    # In SQL of the first schema: the v008 test calls it on a database of version 7, before
    # organisations had place codes (storage.organisations writes those).
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (OrgKind.HOSPITAL.value, "Лікарня №4", "Дніпровський", "Дніпро", to_db(NOW)),
        )
    return int(cur.lastrowid or 0)


async def issue(db: Database, key: InviteKey, org_id: int) -> tuple[str, int]:
    async with db.transaction() as conn:
        code, invite = await invites.add_invite(
            conn,
            key=key,
            org_id=org_id,
            role=Role.REQUESTER,
            expires_at=NOW + timedelta(days=7),
            created_by=None,
            now=NOW,
        )
    return code, invite.id


def database_files(folder: Path, name: str) -> bytes:
    """The bytes a copy of the database takes: the file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.name.startswith(name))


async def check(db: Database, key: InviteKey, code: str) -> InviteCheck:
    async with db.read() as conn:
        status, _ = await invites.check_invite(conn, key, code, NOW)
    return status


def test_codes_are_beyond_an_offline_search_and_easy_to_type() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    assert not set(ALPHABET) & set("0O1IL")  # nothing to misread over a bad line
    bits = CODE_LENGTH * math.log2(len(ALPHABET))
    assert bits >= 80, bits
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{6}-[A-Z2-9]{6}-[A-Z2-9]{6}", code), code
        assert set(normalise_code(code)) <= set(ALPHABET)
        assert len(normalise_code(code)) == CODE_LENGTH
    # Every symbol turns up in every position: the letters are drawn uniformly, not patterned.
    seen: list[set[str]] = [set() for _ in range(CODE_LENGTH)]
    for _ in range(400):
        for position, letter in enumerate(normalise_code(new_code())):
            seen[position].add(letter)
    assert all(len(letters) > 20 for letters in seen)


def test_the_stored_value_is_an_hmac_that_needs_the_secret() -> None:
    key = InviteKey(b"k" * 32)
    code = "K7PM3X-Q9TRZD-4WHN2B"
    expected = hmac.new(b"k" * 32, MAC_CONTEXT + b"K7PM3XQ9TRZD4WHN2B", hashlib.sha256).hexdigest()
    assert key.mac(code) == expected
    assert len(expected) == 64  # SHA-256
    assert key.mac(code) != hashlib.sha256(b"K7PM3XQ9TRZD4WHN2B").hexdigest()
    assert InviteKey(b"x" * 32).mac(code) != key.mac(code)
    assert "k" * 32 not in repr(key) and "secret" not in repr(key).split("(")[-1]
    with pytest.raises(ValueError):
        InviteKey(b"short")


def test_any_case_dashes_spaces_and_cyrillic_lookalikes_read_as_the_code() -> None:
    key = InviteKey.generate()
    code = "K7PM3X-Q9TRZD-4WHN2B"
    for typed in (
        "k7pm3x-q9trzd-4whn2b",
        "K7PM3XQ9TRZD4WHN2B",
        " k7pm 3xq9 trzd 4whn 2b ",
        "К7РМ3Х-Q9ТRZD-4WНN2В",  # К, Р, М, Х, Т, Н, В typed on a Ukrainian keyboard
    ):
        assert key.mac(typed) == key.mac(code), typed


async def test_the_database_holds_no_part_of_the_code(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "copy.db")
    try:
        await migrate(db)
        key = InviteKey.generate()
        org_id = await org_in(db)
        code, invite_id = await issue(db, key, org_id)
        async with db.read() as conn:
            cur = await conn.execute("SELECT * FROM invites WHERE id = ?", (invite_id,))
            row = await cur.fetchone()
            assert row is not None
            columns = [d[0] for d in cur.description]
        assert "code_hint" not in columns and "code_hash" not in columns
        assert row["code_mac"] == key.mac(code)
        plain = normalise_code(code)
        windows = {plain[i : i + 4] for i in range(len(plain) - 3)}
        for column, value in zip(columns, tuple(row), strict=True):
            text = str(value).upper()
            assert not any(w in text for w in windows), column
        assert await check(db, key, code) is InviteCheck.OK
        # The same row, the same code, another key (a copy of the database without the file).
        assert await check(db, InviteKey.generate(), code) is InviteCheck.UNKNOWN
    finally:
        await db.close()
    # Nor does the file itself (with its write-ahead log), as a copy would take it.
    raw = database_files(tmp_path, "copy.db")
    for group in code.split("-"):
        assert group.encode() not in raw


async def test_v008_expires_the_old_unsalted_invites(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await open_db(tmp_path / "old.db")
    try:
        await migrate(db, target=7)
        org_id = await org_in(db)
        now = datetime.now(UTC)
        old = {"pending": "ABCDEFGHJK", "used": "MNPQRSTUVW", "lapsed": "XYZ2345678"}
        async with db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO members (transport, user_id, chat_id, roles, language, created_at)"
                " VALUES ('telegram', '5', '5', 'requester', 'uk', ?)",
                (to_db(NOW),),
            )
            member_id = cur.lastrowid
            for name, code in old.items():
                # The migration expires by the wall clock, so the old rows are placed by it.
                expires = now + timedelta(days=-1 if name == "lapsed" else 300)
                await conn.execute(
                    "INSERT INTO invites (code_hash, code_hint, org_id, role, expires_at,"
                    " used_by, created_at) VALUES (?, ?, ?, 'requester', ?, ?, ?)",
                    (
                        hashlib.sha256(code.encode()).hexdigest(),
                        code[:3],
                        org_id,
                        to_db(expires),
                        member_id if name == "used" else None,
                        to_db(NOW),
                    ),
                )
        with caplog.at_level(logging.WARNING, logger="storage.migrations.v008_invite_mac"):
            assert await migrate(db, target=8) == [8]
        assert "1 pending invite code(s)" in caplog.text
        async with db.read() as conn:
            cur = await conn.execute("SELECT * FROM invites ORDER BY id")
            rows = list(await cur.fetchall())
            columns = [d[0] for d in cur.description]
            cur = await conn.execute(
                "SELECT actor_label, summary FROM audit WHERE action = 'invite.expire_legacy'"
            )
            audit_rows = [tuple(r) for r in await cur.fetchall()]
            assert await invites.list_pending_invites(conn, datetime.now(UTC)) == []
        assert "code_hint" not in columns
        # No old hash is left to crack, used or not.
        assert [r["code_mac"] for r in rows] == [f"retired-v008-{r['id']}" for r in rows]
        assert [r["expires_at"] <= to_db(datetime.now(UTC)) for r in rows] == [True, False, True]
        assert rows[0]["expires_at"] >= to_db(now)  # expired at the migration, not before
        assert audit_rows == [
            ("migration v008", "1 pending invite(s) expired: old codes were stored unsalted")
        ]
        key = InviteKey.generate()
        for code in old.values():
            assert await check(db, key, code) is InviteCheck.UNKNOWN
        # New invites work on the migrated table.
        code, _ = await issue(db, key, org_id)
        assert await check(db, key, code) is InviteCheck.OK
    finally:
        await db.close()
