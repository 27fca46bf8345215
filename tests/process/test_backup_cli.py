"""`aidbridge backup` from the shell, as a subprocess."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

from tests.handlers.test_backup import size_of
from tests.process.test_kill_restart import ORG_ADD, run_cli

pytestmark = pytest.mark.slow


async def test_cli_backup_writes_a_timestamped_copy_and_an_audit_row(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "live.db"
    folder = tmp_path / "backups"
    env = {
        **os.environ,
        "AIDBRIDGE_DB_PATH": str(db_path),
        "AIDBRIDGE_BACKUP_DIR": str(folder),
    }
    code, out = await run_cli(env, tmp_path, "backup")
    assert code == 2 and "no database" in out, out

    code, out = await run_cli(env, tmp_path, *ORG_ADD)
    assert code == 0, out
    code, out = await run_cli(env, tmp_path, "backup")
    assert code == 0, out
    found = re.search(r"backup written to (\S+) \((\d+) bytes\)", out)
    assert found, out
    copy = Path(found.group(1))
    assert copy.parent == folder.resolve()
    assert re.fullmatch(r"aidbridge-\d{8}-\d{6}Z\.db", copy.name)
    assert size_of(copy) == int(found.group(2))
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM organisations").fetchall() == [("Лікарня №4",)]
        assert (
            conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'backup.create'").fetchone()[0]
            == 0
        )
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(
            "SELECT actor_label, target FROM audit WHERE action = 'backup.create'"
        ).fetchall() == [("cli", copy.name)]

    # --dir overrides the setting.
    other = tmp_path / "elsewhere"
    code, out = await run_cli(env, tmp_path, "backup", "--dir", str(other))
    assert code == 0, out
    assert [p.suffix for p in other.iterdir()] == [".db"]
