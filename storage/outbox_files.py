"""Big documents of outbox rows as files in a private folder beside the database.

Why: a multi-MB file written into the outbox row held the database's write lock for its
INSERT and the commit's fsync (5 MB: 40 ms, 15 MB: 210 ms, 30 MB: 280 ms, measured), and
every chat's turn waited behind it; reading it back for delivery held the shared
connection as long again. Here the file is written and synced BEFORE the transaction that
queues its row (``spool``), the row keeps only the file's name, and the delivery reads the
file without holding any lock.

Exactly once, as before: the row commits (or not) with the file already on disk; a row that
did not commit leaves a file no row names, and a delivered or forgotten row one no unsent
row names: ``sweep`` removes both (the worker runs it at start and after each delivered
file). A file is only ever removed once no unsent row names it and it is older than
``SPOOL_GRACE``, so a file whose row is still being committed is never taken away.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Collection
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Final

from storage.db import is_postgres_url
from storage.fileperms import PRIVATE_FILE, make_private_dir
from storage.models import Reply

log = logging.getLogger(__name__)

# Documents smaller than this stay in the row: a file each would cost more than it saves.
SPOOL_MIN_BYTES: Final = 256 * 1024
# A file younger than this may belong to a row whose transaction has not committed yet.
SPOOL_GRACE: Final = timedelta(minutes=10)
_SUFFIX: Final = ".doc"


def folder_of(db_path: str) -> Path | None:
    """``<database>.outbox-files``; None for an in-memory database and for PostgreSQL, whose
    rows keep BLOBs: it has no single write lock for a big row to hold, and replicas on other
    hosts could not read a file written here."""
    if db_path == ":memory:" or is_postgres_url(db_path):
        return None
    return Path(db_path + ".outbox-files")


def spool(folder: Path, data: bytes) -> str:
    """Write ``data`` to a new private file in ``folder``, synced; returns its name.

    Blocking (a big file takes a while): call it in a worker thread."""
    make_private_dir(folder)
    name = secrets.token_hex(16) + _SUFFIX
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    # The file's name must survive a power cut too, before a committed row names it.
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return name


async def spool_reply(db_path: str, reply: Reply) -> tuple[Reply, str | None]:
    """``reply`` ready to be queued: a big document written to its file first, in a worker
    thread, and taken out of the reply (the row will name the file); a small one, or any
    when the file cannot be written, stays in the reply (the row keeps it as before)."""
    folder = folder_of(db_path)
    document = reply.document
    if folder is None or document is None or len(document.data) < SPOOL_MIN_BYTES:
        return reply, None
    try:
        name = await asyncio.to_thread(spool, folder, document.data)
    except OSError as exc:
        log.warning("outbox file not written (%s); the row keeps the document", exc)
        return reply, None
    return reply.model_copy(update={"document": document.model_copy(update={"data": b""})}), name


def read(folder: Path, name: str) -> bytes:
    """The file's bytes (blocking: call it in a worker thread)."""
    return _path(folder, name).read_bytes()


def open_file(folder: Path, name: str) -> BinaryIO:
    """The file opened for reading (blocking: call it in a worker thread)."""
    return _path(folder, name).open("rb")


def remove(folder: Path, name: str) -> None:
    """Remove a delivered row's file (blocking: call it in a worker thread)."""
    _path(folder, name).unlink(missing_ok=True)


def sweep(folder: Path, keep: Collection[str], *, now: float | None = None) -> int:
    """Remove files that no unsent row names (``keep``) once older than ``SPOOL_GRACE``;
    the number removed."""
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - SPOOL_GRACE.total_seconds()
    removed = 0
    for path in folder.glob(f"*{_SUFFIX}"):
        if path.name in keep:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _path(folder: Path, name: str) -> Path:
    # Names are ours (hex + suffix); anything else in a row is not followed out of the folder.
    if Path(name).name != name or not name.endswith(_SUFFIX):
        raise ValueError(f"not an outbox file name: {name!r}")
    return folder / name
