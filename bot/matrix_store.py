"""The Matrix crypto store: the bot's device keys and its Olm and Megolm sessions.

matrix-nio keeps them in one SQLite file per device (``@bot:server_DEVICE.db``) in a folder
beside the database, ``<db>.matrix-store/`` by default. It is the bot's identity in encrypted
rooms: without it the device cannot read what was encrypted for it, and the same device id
cannot simply start over (the homeserver holds its old keys). So the folder is private (0700,
the files 0600 like the database) and both `aidbridge backup` and the in-chat /backup
copy it with the database.
"""

from __future__ import annotations

from pathlib import Path

from storage.backup import FolderBackup, backup_sqlite_folder, folder_backup_path
from storage.fileperms import PRIVATE_DIR, make_private_dir, restrict

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


def store_backup_path(database_backup: Path) -> Path:
    """The store's copy is named after the database's: aidbridge-<stamp>.matrix-store/."""
    return folder_backup_path(database_backup, STORE_SUFFIX)


async def backup_store(store: Path, database_backup: Path) -> FolderBackup | None:
    """Copy every store database beside the database backup just written; None when there is
    no store (Matrix not used, or encryption off). The in-chat /backup does the same through
    storage.backup (the store's folder is in the handlers' Policy)."""
    return await backup_sqlite_folder(store, database_backup, STORE_SUFFIX)
