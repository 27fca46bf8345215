"""Files the bot writes are readable by its own user only.

The database, its WAL and shared-memory files, backups and exports hold names, phone
handles, addresses and what hospitals need: nobody else on the server should read them.
`aidbridge` sets its umask to 077 at start; these helpers make it hold when the code is
used as a library too (tests, an embedding process), and for files an older version left
readable.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700

log = logging.getLogger(__name__)


def create_private(path: Path) -> None:
    """Create ``path`` empty and 0600 unless it exists, so that whatever opens it next
    (SQLite, which gives its -wal and -shm files the database file's mode) never sees it
    readable by others, not even for a moment."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    os.close(fd)


def restrict(path: Path) -> None:
    """chmod 0600 if it exists; a file of another user is left as it is, with a warning."""
    try:
        if path.stat().st_mode & 0o777 != PRIVATE_FILE:
            path.chmod(PRIVATE_FILE)
    except FileNotFoundError:
        return
    except PermissionError as exc:
        log.warning("cannot make %s private: %s", path, exc)


def make_private_dir(path: Path) -> None:
    """mkdir -p; the last folder, when created here, is 0700."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=PRIVATE_DIR, exist_ok=True)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file created 0600 (an existing one is made 0600 first)."""
    create_private(path)
    restrict(path)
    path.write_bytes(data)
