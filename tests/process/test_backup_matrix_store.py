"""`aidbridge backup` copies the Matrix crypto store beside the database (issue 12)."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.matrix_store import STORE_SUFFIX, prepare_store
from tests.process.test_kill_restart import ORG_ADD, run_cli

pytestmark = pytest.mark.slow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_cli_backup_copies_the_crypto_store(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "live.db"
    folder = tmp_path / "backups"
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path), "AIDBRIDGE_BACKUP_DIR": str(folder)}
    code, out = await run_cli(env, tmp_path, *ORG_ADD)
    assert code == 0, out
    # No store yet (Matrix never ran): the database alone, and no word of a store.
    code, out = await run_cli(env, tmp_path, "backup")
    assert code == 0 and "crypto store" not in out, out

    store = prepare_store(db_path.with_name(db_path.name + STORE_SUFFIX))
    store.chmod(0o755)  # an older or hand-made folder is made private again
    prepare_store(store)
    assert mode(store) == 0o700
    with sqlite3.connect(store / "@bot:example.org_DEVICE.db") as conn:
        conn.execute("CREATE TABLE accounts (pickle TEXT)")
        conn.execute("INSERT INTO accounts VALUES ('secret')")
    code, out = await run_cli(env, tmp_path, "backup")
    assert code == 0, out
    database = re.search(r"backup written to (\S+) ", out)
    copied = re.search(r"Matrix crypto store copied to (\S+) \(1 file\(s\)\)", out)
    assert database and copied, out
    copy = Path(copied.group(1))
    assert copy.name == Path(database.group(1)).stem + STORE_SUFFIX
    assert mode(copy) == 0o700
    with sqlite3.connect(copy / "@bot:example.org_DEVICE.db") as conn:
        assert conn.execute("SELECT pickle FROM accounts").fetchall() == [("secret",)]
