"""The offers step widens two CHECK constraints in place (writable_schema): the rows and the
foreign keys that point at the tables stay as they were, the new values are taken, and
anything else is still refused, also by a connection opened afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import open_db
from storage.migrations import discover, migrate


def _step_version() -> int:
    return next(m.version for m in discover() if m.name.endswith("_offers"))


async def test_donors_and_new_kinds_join_with_old_rows_intact(tmp_path: Path) -> None:
    path = tmp_path / "offers.db"
    db = await open_db(path)
    try:
        await migrate(db, target=_step_version() - 1)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO organisations (id, kind, name, raion, settlement, created_at)"
                " VALUES (1, 'hospital', 'Лікарня', 'Дніпровський', 'Дніпро', '2026-11-01')"
            )
            await conn.execute(
                "INSERT INTO invites (code_mac, org_id, role, expires_at, created_at)"
                " VALUES ('mac-1', 1, 'requester', '2026-12-01', '2026-11-01')"
            )
            with pytest.raises(sqlite3.IntegrityError):
                await conn.execute(
                    "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
                    " VALUES ('company', 'GmbH', '-', 'Wuppertal', '2026-11-01')"
                )
        await migrate(db)
    finally:
        await db.close()
    db = await open_db(path)  # a connection that reads the changed schema afresh
    try:
        async with db.transaction() as conn:
            for kind in ("company", "association", "city"):
                await conn.execute(
                    "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
                    " VALUES (?, ?, '-', 'Wuppertal', '2026-11-29')",
                    (kind, f"Donor {kind}"),
                )
            await conn.execute(
                "INSERT INTO invites (code_mac, org_id, role, expires_at, created_at)"
                " VALUES ('mac-2', 2, 'donor', '2026-12-06', '2026-11-29')"
            )
            with pytest.raises(sqlite3.IntegrityError):
                await conn.execute(
                    "INSERT INTO invites (code_mac, org_id, role, expires_at, created_at)"
                    " VALUES ('mac-3', 2, 'sponsor', '2026-12-06', '2026-11-29')"
                )
            with pytest.raises(sqlite3.IntegrityError):
                await conn.execute(
                    "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
                    " VALUES ('bank', 'Bank', '-', 'Köln', '2026-11-29')"
                )
            with pytest.raises(sqlite3.IntegrityError):  # foreign keys still enforced
                await conn.execute(
                    "INSERT INTO invites (code_mac, org_id, role, expires_at, created_at)"
                    " VALUES ('mac-4', 99, 'donor', '2026-12-06', '2026-11-29')"
                )
        async with db.read() as conn:
            rows = await conn.execute_fetchall(
                "SELECT id, kind, name FROM organisations ORDER BY id"
            )
            assert tuple(next(iter(rows))) == (1, "hospital", "Лікарня")
            invites = await conn.execute_fetchall("SELECT code_mac, role FROM invites ORDER BY id")
            assert [tuple(r) for r in invites] == [("mac-1", "requester"), ("mac-2", "donor")]
            check = await conn.execute_fetchall("PRAGMA integrity_check")
            assert [tuple(r) for r in check] == [("ok",)]
            assert not list(await conn.execute_fetchall("PRAGMA foreign_key_check"))
    finally:
        await db.close()
