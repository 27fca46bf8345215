"""Files the bot creates are readable by its user only (issue 10), even when used as a
library under a permissive umask: the database with its WAL and SHM, and backups."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.backup import backup_database
from storage.db import open_db
from storage.fileperms import write_private
from storage.migrations import migrate


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_wal_shm_and_backup_are_private(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "data" / "bot.db"
    db = await open_db(path, background_checkpoints=True)
    try:
        await migrate(db)
        files = [path, path.with_name("bot.db-wal"), path.with_name("bot.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(path.parent) == 0o700
        result = await backup_database(path, tmp_path / "backups", datetime.now(UTC))
        assert mode(result.path) == 0o600
        assert mode(result.path.parent) == 0o700
    finally:
        await db.close()


async def test_files_an_older_version_left_readable_are_made_private(
    tmp_path: Path, permissive_umask: None
) -> None:
    path = tmp_path / "bot.db"
    db = await open_db(path)
    await migrate(db)
    await db.close()
    path.chmod(0o644)
    db = await open_db(path)
    try:
        assert mode(path) == 0o600
    finally:
        await db.close()


def test_write_private_replaces_a_readable_file(tmp_path: Path, permissive_umask: None) -> None:
    out = tmp_path / "export.csv"
    out.write_text("old")
    out.chmod(0o644)
    write_private(out, b"new")
    assert out.read_bytes() == b"new" and mode(out) == 0o600
    fresh = tmp_path / "fresh.csv"
    write_private(fresh, b"x")
    assert mode(fresh) == 0o600
