"""The Matrix crypto store: the bot's device keys and its Olm and Megolm sessions.

matrix-nio keeps them in one SQLite file per device (``@bot:server_DEVICE.db``) in a folder
beside the database, ``<db>.matrix-store/`` by default. It is the bot's identity in encrypted
rooms: without it the device cannot read what was encrypted for it, and the same device id
cannot simply start over (the homeserver holds its old keys). So the folder is private (0700,
the files 0600 like the database) and `aidbridge backup` copies it with the database.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.fileperms import PRIVATE_DIR, create_private, make_private_dir, restrict

STORE_SUFFIX = ".matrix-store"


def prepare_store(path: Path) -> Path:
    """Create the folder 0700 (an existing one is made 0700, its files 0600); returns it."""
    make_private_dir(path)
    if path.stat().st_mode & 0o777 != PRIVATE_DIR:
        path.chmod(PRIVATE_DIR)
    for child in path.iterdir():
        if child.is_file():
            restrict(child)
    return path


@dataclass(frozen=True)
class StoreBackup:
    path: Path
    files: int


def _copy_sqlite(source: Path, target: Path) -> None:
    create_private(target)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=5)
    try:
        dst = sqlite3.connect(target)
        try:
            # One step, so the copy is one consistent snapshot even while the bot writes.
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()
    with target.open("rb") as handle:
        os.fsync(handle.fileno())


def _backup_store(store: Path, target: Path) -> StoreBackup | None:
    files = sorted(p for p in store.glob("*.db") if p.is_file()) if store.is_dir() else []
    if not files:
        return None
    make_private_dir(target)
    for source in files:
        _copy_sqlite(source, target / source.name)
    return StoreBackup(path=target, files=len(files))


def store_backup_path(database_backup: Path) -> Path:
    """The store's copy is named after the database's: aidbridge-<stamp>.matrix-store/."""
    return database_backup.with_name(database_backup.stem + STORE_SUFFIX)


async def backup_store(store: Path, database_backup: Path) -> StoreBackup | None:
    """Copy every store database beside the database backup just written; None when there is
    no store (Matrix not used, or encryption off)."""
    return await asyncio.to_thread(_backup_store, store, store_backup_path(database_backup))
