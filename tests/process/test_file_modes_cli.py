"""`aidbridge` from the shell creates its database, backups and exports 0600 (issue 10)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from tests.process.test_kill_restart import ORG_ADD, run_cli

pytestmark = pytest.mark.slow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_cli_creates_private_files(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "live.db"
    env = {
        **os.environ,
        "AIDBRIDGE_DB_PATH": str(db_path),
        "AIDBRIDGE_BACKUP_DIR": str(tmp_path / "backups"),
    }
    code, out = await run_cli(env, tmp_path, "migrate")
    assert code == 0, out
    code, out = await run_cli(env, tmp_path, *ORG_ADD)
    assert code == 0, out
    assert mode(db_path) == 0o600
    code, out = await run_cli(env, tmp_path, "backup")
    assert code == 0, out
    found = re.search(r"backup written to (\S+) ", out)
    assert found, out
    assert mode(Path(found.group(1))) == 0o600
    for fmt in ("csv", "xlsx"):
        code, out = await run_cli(env, tmp_path, "export", "--format", fmt, "--out", f"x.{fmt}")
        assert code == 0, out
        assert mode(tmp_path / f"x.{fmt}") == 0o600
