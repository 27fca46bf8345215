"""/backup: a consistent copy of the live database into the backup folder, for admins.

The copy is read by storage/backup.py on a connection of its own (a WAL snapshot of what is
committed), so it neither needs nor takes the database lock this turn holds; the turn only
waits for the copy and then writes the audit row.
"""

from __future__ import annotations

import logging

from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import ADMIN, Command, Registry
from handlers.text.format import esc
from storage.backup import BackupError, backup_database

log = logging.getLogger(__name__)


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
    await turn.audit(
        "backup.create",
        result.path.name,
        params={"bytes": result.size, "seconds": round(result.seconds, 2)},
    )
    log.info("backup %s written (%d bytes, %.2f s)", result.path, result.size, result.seconds)
    return [
        Reply(
            text=turn.tr(
                "backup.done", path=esc(result.path.resolve()), size=human_size(result.size)
            )
        )
    ]


def register(registry: Registry) -> None:
    registry.add_command(Command("backup", ADMIN, cmd_backup, "help.backup"))
