"""Migrations on a real SQLite file: from empty, idempotent, and refusing a newer database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import audit, organisations
from storage.db import open_db
from storage.migrations import DatabaseTooNew, current_version, discover, migrate
from storage.models import OrgKind
from storage.sqlscript import split_statements
from tests.engine_harness import scalar

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def test_migrate_from_empty_and_again(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "a.db")
    try:
        applied = await migrate(db)
        assert applied == [m.version for m in discover()]
        assert await current_version(db) == applied[-1]
        assert await migrate(db) == []
    finally:
        await db.close()


async def test_each_version_upgrades_to_newest(tmp_path: Path) -> None:
    versions = [m.version for m in discover()]
    for start in versions:
        db = await open_db(tmp_path / f"v{start}.db")
        try:
            assert await migrate(db, target=start) == list(range(1, start + 1))
            assert await migrate(db) == [v for v in versions if v > start]
        finally:
            await db.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "new.db")
    try:
        await migrate(db)
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'x', 'y')"
            )
        with pytest.raises(DatabaseTooNew):
            await migrate(db)
    finally:
        await db.close()


async def test_pragmas(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "p.db")
    try:
        assert await scalar(db, "PRAGMA journal_mode") == "wal"
        assert await scalar(db, "PRAGMA foreign_keys") == 1
        assert await scalar(db, "PRAGMA busy_timeout") >= 1000
    finally:
        await db.close()


async def test_audit_is_append_only_in_the_database(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "audit.db")
    try:
        await migrate(db)
        async with db.transaction() as conn:
            await audit.add_audit(
                conn, actor_id=None, actor_label="t", action="x", target=None, summary=None, now=NOW
            )
        for sql in ("UPDATE audit SET action = 'y'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError):
                async with db.transaction() as conn:
                    await conn.execute(sql)
        async with db.read() as conn:
            assert len(await audit.list_audit(conn)) == 1
    finally:
        await db.close()


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = await open_db(tmp_path / "tx.db")
    try:
        await migrate(db)
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await organisations.add_organisation(
                    conn,
                    kind=OrgKind.HOSPITAL,
                    name="x",
                    raion="r",
                    settlement="s",
                    code=None,
                    address=None,
                    now=NOW,
                )
                raise RuntimeError("boom")
        async with db.read() as conn:
            assert await organisations.list_organisations(conn) == []
    finally:
        await db.close()


def test_split_statements_keeps_trigger_bodies() -> None:
    script = """
    CREATE TABLE t (x);
    CREATE TRIGGER t_no BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END;
    -- a comment
    """
    parts = split_statements(script)
    assert len(parts) == 2 and parts[1].endswith("END;")
