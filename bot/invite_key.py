"""The invite key file: the server secret the invite codes' MACs are keyed with.

It lives outside the database on purpose (storage/invites.py says why), by default beside it
(``aidbridge.db.invite-key``), readable by the bot's user only. The first start creates it;
every later start and every CLI command reads the same one. Losing it only invalidates the
invites still pending (joined members are unaffected); a database restored without it behaves
the same. A file that others may read is refused rather than used: a leaked key would turn a
copy of the database back into something worth searching.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from bot.config import ConfigError
from storage.invites import KEY_BYTES, InviteKey

log = logging.getLogger(__name__)

SETTING = "AIDBRIDGE_INVITE_KEY_PATH"


def load_invite_key(path: Path) -> InviteKey:
    """Read the key at ``path``, creating it (mode 0600) when there is none yet."""
    try:
        if not path.exists():
            _create(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        # Typically a key created by `sudo aidbridge invite` that the bot's user cannot read.
        raise ConfigError(f"{SETTING}: cannot use {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{SETTING}: {path} does not hold a hex key") from None
    if mode & 0o077:
        raise ConfigError(
            f"{SETTING}: {path} may be read by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{SETTING}: {path} does not hold a hex key") from None
    if len(secret) < KEY_BYTES:
        raise ConfigError(f"{SETTING}: {path} holds fewer than {KEY_BYTES} bytes")
    return InviteKey(secret)


def _create(path: Path) -> None:
    """Write a new key under a temporary name, then link it into place.

    The link fails if another process (a CLI command started at the same moment) got there
    first; its key is then the one, so nobody ever reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(KEY_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
            log.info(
                "created the invite key %s: back it up with the database, or invites still "
                "pending after a restore will not be accepted",
                path,
            )
    finally:
        temporary.unlink(missing_ok=True)
