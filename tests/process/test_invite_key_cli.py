"""`aidbridge invite` from the shell keys the code with the file beside the database, the one
the running bot reads; the database alone does not recognise the code."""

from __future__ import annotations

import os
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import invites
from storage.db import open_db
from storage.invites import InviteCheck, InviteKey
from tests.process.test_kill_restart import ORG_ADD, run_cli

pytestmark = pytest.mark.slow


def read_key(path: Path) -> tuple[int, InviteKey]:
    return stat.S_IMODE(path.stat().st_mode), InviteKey(bytes.fromhex(path.read_text()))


async def test_cli_invite_uses_the_key_file_beside_the_database(tmp_path: Path) -> None:
    db_path = tmp_path / "data" / "live.db"
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path)}
    code, out = await run_cli(env, tmp_path, *ORG_ADD)
    assert code == 0, out
    code, out = await run_cli(env, tmp_path, "invite", "1", "requester")
    assert code == 0, out
    found = re.search(r"code:\s+([A-Z2-9]{6}-[A-Z2-9]{6}-[A-Z2-9]{6})", out)
    assert found, out
    mode, key = read_key(tmp_path / "data" / "live.db.invite-key")
    assert mode == 0o600
    db = await open_db(db_path)
    try:
        async with db.read() as conn:
            now = (await invites.list_pending_invites(conn, datetime.now(UTC)))[0].created_at
            assert (await invites.check_invite(conn, key, found.group(1), now))[0] == (
                InviteCheck.OK
            )
            other = InviteKey.generate()
            assert (await invites.check_invite(conn, other, found.group(1), now))[0] == (
                InviteCheck.UNKNOWN
            )
    finally:
        await db.close()

    # A key file others may read is refused before anything is written.
    os.chmod(tmp_path / "data" / "live.db.invite-key", 0o644)
    code, out = await run_cli(env, tmp_path, "invite", "1", "requester")
    assert code == 2 and "configuration error: AIDBRIDGE_INVITE_KEY_PATH" in out, out
    assert "chmod 600" in out
