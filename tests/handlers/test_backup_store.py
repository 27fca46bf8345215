"""The in-chat /backup copies the Matrix crypto store beside the database, as the CLI does."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

from bot.app import make_context
from bot.config import Settings
from bot.file_renderers import FileRenderers
from bot.matrix_store import STORE_SUFFIX, prepare_store, store_backup_path
from storage.invites import InviteKey
from tests.engine_harness import ADMIN, EngineHarness


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_backup_command_copies_the_crypto_store(
    harness: EngineHarness, tmp_path: Path
) -> None:
    h = harness
    folder = tmp_path / "backups"
    store = tmp_path / "live.db.matrix-store"
    ctx = h.engine.ctx
    h.engine.ctx = replace(
        ctx, policy=replace(ctx.policy, backup_dir=folder, matrix_store_dir=store)
    )
    # No store yet (Matrix never ran with encryption): the database alone, no word of keys.
    first = (await h.send(ADMIN, "/backup", lang="en"))[0].text
    assert "Backup saved" in first and "key store" not in first, first
    assert [p.suffix for p in folder.iterdir()] == [".db"]

    prepare_store(store)
    with sqlite3.connect(store / "@bot:example.org_DEVICE.db") as conn:
        conn.execute("CREATE TABLE accounts (pickle TEXT)")
        conn.execute("INSERT INTO accounts VALUES ('olm account')")
    h.clock.advance(seconds=5)
    text = (await h.send(ADMIN, "/backup", lang="en"))[0].text
    database = re.search(r"Backup saved:\n<code>(.+?)</code>", text)
    copied = re.search(r"Matrix key store copied beside it:\n<code>(.+?)</code> \(1 file", text)
    assert database and copied, text
    copy = Path(copied.group(1))
    assert copy == store_backup_path(Path(database.group(1)))
    assert copy.name.endswith(STORE_SUFFIX)
    assert mode(copy) == 0o700 and mode(copy / "@bot:example.org_DEVICE.db") == 0o600
    with sqlite3.connect(copy / "@bot:example.org_DEVICE.db") as conn:
        assert conn.execute("SELECT pickle FROM accounts").fetchall() == [("olm account",)]
    audit = await h.rows("SELECT params FROM audit WHERE action = 'backup.create' ORDER BY id")
    assert json.loads(str(audit[-1][0]))["matrix_store_files"] == 1


def test_the_running_bot_hands_the_store_folder_to_backup(tmp_path: Path) -> None:
    """bot/app.py tells /backup where the crypto store is: the same folder the transport uses."""
    settings = Settings(db_path=tmp_path / "live.db", _env_file=None)
    ctx = make_context(
        settings,
        db=None,  # type: ignore[arg-type]
        invite_key=InviteKey(b"k" * 32),
        renderers=FileRenderers(),
    )
    assert ctx.policy.matrix_store_dir == settings.matrix_store_dir
    assert settings.matrix_store_dir == tmp_path / ("live.db" + STORE_SUFFIX)
