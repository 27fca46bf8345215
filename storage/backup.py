"""Online backups with SQLite's backup API, from a connection of their own.

The copy is read in ONE backup step on a separate connection: one read transaction, so one
consistent snapshot. In WAL mode a reader never blocks the writer, so the bot keeps committing
while the copy runs, and nothing uncommitted can be copied (a backup through the bot's own
connection would see the open transaction of the turn that asked for it). Copying in several
steps would let the bot's commits restart the copy again and again.

The file is written under a ``.part`` name, checked, flushed and only then renamed, so a file
with the final name is always a complete backup.

Big documents still waiting in the outbox live in files beside the database
(storage/outbox_files.py); the ones the COPY's unsent rows name are copied beside the backup,
into the folder the backup would use as a database (``aidbridge-<stamp>.db.outbox-files``), so
an export queued before a restore is still delivered after it. A file that is gone by the time
it is copied belongs to a row delivered while the backup ran; restored, that row is given up
(its file is missing) rather than sent twice.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage import outbox_files
from storage.db import BUSY_TIMEOUT_MS
from storage.fileperms import create_private, make_private_dir

PREFIX = "aidbridge-"
SUFFIX = ".db"


class BackupError(RuntimeError):
    """The copy could not be made or failed its check; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    seconds: float
    # Outbox files copied beside the backup, and those already gone (delivered meanwhile).
    outbox_files: int = 0
    outbox_files_gone: int = 0


def backup_name(now: datetime, attempt: int = 0) -> str:
    """Timestamped in UTC, so names sort by time whatever the server's zone."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")
    return f"{PREFIX}{stamp}{f'-{attempt}' if attempt else ''}{SUFFIX}"


def _target(dest_dir: Path, now: datetime) -> Path:
    attempt = 0
    while (dest_dir / backup_name(now, attempt)).exists():
        attempt += 1
    return dest_dir / backup_name(now, attempt)


def _copy(source: str, part: Path) -> None:
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        # 0600 before the first byte: a backup holds everything the database does.
        create_private(part)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst, pages=-1)
            # A single self-contained file: no -wal beside it to lose when it is copied away.
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
        finally:
            dst.close()
    finally:
        src.close()
    with part.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pending_files(copy: Path) -> list[str]:
    """The outbox files the copy's unsent rows name (none before migration v020)."""
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(outbox)")}
        if "document_file" not in columns:
            return []
        rows = conn.execute(
            "SELECT document_file FROM outbox WHERE document_file IS NOT NULL"
            " AND sent_at IS NULL AND failed_at IS NULL"
        ).fetchall()
    finally:
        conn.close()
    return sorted({str(row[0]) for row in rows})


def _copy_outbox_files(source: str, copy: Path, final: Path) -> tuple[int, int]:
    """Copy the files the copy's unsent rows name into ``final``'s outbox folder; returns
    (copied, gone). Written before the backup gets its final name, like the backup itself."""
    names = _pending_files(copy)
    src_folder = outbox_files.folder_of(source)
    dst_folder = outbox_files.folder_of(str(final))
    if not names or src_folder is None or dst_folder is None:
        return 0, 0
    make_private_dir(dst_folder)
    copied = gone = 0
    for name in names:
        target = dst_folder / name
        try:
            create_private(target)
            with outbox_files.open_file(src_folder, name) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
                dst.flush()
                os.fsync(dst.fileno())
        except FileNotFoundError:
            target.unlink(missing_ok=True)
            gone += 1
            continue
        copied += 1
    _fsync_dir(dst_folder)
    return copied, gone


def _backup(source: str, dest_dir: Path, now: datetime) -> BackupResult:
    started = time.monotonic()
    if source == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    if not Path(source).is_file():
        raise BackupError(f"no database at {source}")
    make_private_dir(dest_dir)
    final = _target(dest_dir, now)
    part = final.with_name(final.name + ".part")
    try:
        _copy(source, part)
        copied, gone = _copy_outbox_files(source, part, final)
        part.rename(final)
        _fsync_dir(dest_dir)
    except sqlite3.Error as exc:
        raise BackupError(str(exc)) from exc
    finally:
        part.unlink(missing_ok=True)
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        seconds=time.monotonic() - started,
        outbox_files=copied,
        outbox_files_gone=gone,
    )


@dataclass(frozen=True)
class FolderBackup:
    path: Path
    files: int


def _copy_sqlite(source: Path, target: Path) -> None:
    create_private(target)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
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


def _backup_folder(folder: Path, target: Path) -> FolderBackup | None:
    files = sorted(p for p in folder.glob("*.db") if p.is_file()) if folder.is_dir() else []
    if not files:
        return None
    make_private_dir(target)
    for source in files:
        _copy_sqlite(source, target / source.name)
    _fsync_dir(target)
    return FolderBackup(path=target, files=len(files))


def folder_backup_path(database_backup: Path, suffix: str) -> Path:
    """A folder's copy is named after the database backup it goes with:
    aidbridge-<stamp><suffix>/ (the Matrix crypto store: aidbridge-<stamp>.matrix-store/)."""
    return database_backup.with_name(database_backup.stem + suffix)


async def backup_sqlite_folder(
    folder: Path, database_backup: Path, suffix: str
) -> FolderBackup | None:
    """Copy every SQLite file (``*.db``) of ``folder`` beside the database backup just written,
    each in one consistent step; None when there is nothing to copy. The in-chat /backup and
    `aidbridge backup` both copy the Matrix crypto store this way (bot/matrix_store.py)."""
    return await asyncio.to_thread(
        _backup_folder, folder, folder_backup_path(database_backup, suffix)
    )


async def backup_database(source: str | Path, dest_dir: Path, now: datetime) -> BackupResult:
    """Copy the database at ``source`` into ``dest_dir``; needs no lock of the caller's.

    Runs in a worker thread, so the event loop (and the bot's own connection) keeps going.
    A PostgreSQL database (its URL as ``source``) is refused: pg_dump backs it up.
    """
    if str(source).startswith(("postgresql://", "postgres://")):
        raise BackupError("the database is PostgreSQL: back it up with pg_dump")
    return await asyncio.to_thread(_backup, str(source), dest_dir, now)
