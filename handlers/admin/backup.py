"""/backup: a consistent copy of the live database into the backup folder, for admins.

The copy is read by storage/backup.py on a connection of its own (a WAL snapshot of what is
committed), so it neither needs nor takes the database lock this turn holds; the turn only
waits for the copy and then writes the audit row. The Matrix crypto store (the bot's device
keys and sessions, Policy.matrix_store_dir) is copied beside it, as `aidbridge backup` does:
a database restored without it leaves the bot unable to read its encrypted rooms.
"""

from __future__ import annotations

import logging
import sqlite3

from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import ADMIN, Command, Registry
from handlers.text.format import esc
from storage.backup import BackupError, backup_database, backup_sqlite_folder

log = logging.getLogger(__name__)

# The suffix of the crypto store's folder and of its copy (bot/matrix_store.py names it).
MATRIX_STORE_SUFFIX = ".matrix-store"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


async def cmd_backup(turn: Turn, args: str) -> list[Reply]:
    try:
        result = await backup_database(turn.ctx.db.path, turn.ctx.policy.backup_dir, turn.now)
    except (BackupError, OSError) as exc:
        log.exception("backup failed")
        return [Reply(text=turn.tr("backup.failed", error=esc(exc)))]
    assert turn.member is not None
    text = turn.tr("backup.done", path=esc(result.path.resolve()), size=human_size(result.size))
    params: dict[str, object] = {
        "bytes": result.size,
        "seconds": round(result.seconds, 2),
        "outbox_files": result.outbox_files,
    }
    store = turn.ctx.policy.matrix_store_dir
    if store is not None:
        try:
            copied = await backup_sqlite_folder(store, result.path, MATRIX_STORE_SUFFIX)
        except (sqlite3.Error, OSError) as exc:
            # The database copy is good; say plainly that the keys are not in it.
            log.exception("backup of the Matrix crypto store failed")
            text += "\n" + turn.tr("backup.store_failed", error=esc(exc))
            params["matrix_store"] = "not copied"
        else:
            if copied is not None:
                text += "\n" + turn.tr(
                    "backup.store_done", path=esc(copied.path.resolve()), files=copied.files
                )
                params["matrix_store_files"] = copied.files
    await turn.audit("backup.create", result.path.name, params=params)
    log.info("backup %s written (%s)", result.path, params)
    return [Reply(text=text)]


def register(registry: Registry) -> None:
    registry.add_command(Command("backup", ADMIN, cmd_backup, "help.backup"))
