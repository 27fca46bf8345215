"""The console a newcomer opens: `aidbridge run` with nothing configured, or `aidbridge
console`, is the server's own terminal and may use every command; `--as` is someone else."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.process.test_kill_restart import run_cli

ADMIN_ONLY_ANSWER = "/org_add"  # /help lists it only for admins
STRANGER_ANSWER = "/start"


async def chat(tmp_path: Path, *args: str, lines: list[str]) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIDBRIDGE_")}
    env.update(
        AIDBRIDGE_DB_PATH=str(tmp_path / "console.db"),
        AIDBRIDGE_LOG_LEVEL="WARNING",
        AIDBRIDGE_DEFAULT_LANGUAGE="en",
    )
    code, out = await run_cli(env, tmp_path, *args, typed="\n".join(lines) + "\n")
    assert code == 0, out
    return out


@pytest.mark.parametrize("args", [("run",), ("console",)])
async def test_the_local_console_is_an_admin(tmp_path: Path, args: tuple[str, ...]) -> None:
    out = await chat(tmp_path, *args, lines=["/help", "/whoami"])
    assert ADMIN_ONLY_ANSWER in out
    assert "console:local" in out


async def test_console_as_someone_else_is_a_stranger(tmp_path: Path) -> None:
    out = await chat(tmp_path, "console", "--as", "telegram:5", lines=["/help"])
    assert ADMIN_ONLY_ANSWER not in out
    assert STRANGER_ANSWER in out


async def test_console_logs_go_to_a_file_beside_the_database(tmp_path: Path) -> None:
    """The terminal is the conversation: log lines (here the INFO of creating the database)
    go to <db>-console.log next to the database, not between the messages."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIDBRIDGE_")}
    env.update(
        AIDBRIDGE_DB_PATH=str(tmp_path / "data" / "console.db"),
        AIDBRIDGE_LOG_LEVEL="INFO",
        AIDBRIDGE_DEFAULT_LANGUAGE="en",
    )
    code, out = await run_cli(env, tmp_path, "console", typed="/whoami\n")
    assert code == 0, out
    assert " INFO " not in out and "migrated" not in out, out
    log_file = tmp_path / "data" / "console-console.log"
    assert f"(log: {log_file})" in out
    assert "migrated" in log_file.read_text(encoding="utf-8")


async def test_the_round_and_a_fortnightly_digest_on_the_console(tmp_path: Path) -> None:
    """The engine is shared: /meeting and fortnightly subscriptions work on the console too.

    The pack is a report, drawn after the turn and sent through the outbox, so the console is
    driven as a person would: type, wait for the answer, then quit.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIDBRIDGE_")}
    env.update(
        AIDBRIDGE_DB_PATH=str(tmp_path / "console.db"),
        AIDBRIDGE_LOG_LEVEL="WARNING",
        AIDBRIDGE_DEFAULT_LANGUAGE="en",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "console",
        env=env,
        cwd=str(tmp_path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    out = ""

    async def until(needle: str) -> None:
        nonlocal out
        assert proc.stdout is not None
        while needle not in out:
            chunk = await asyncio.wait_for(proc.stdout.read(4096), 60)
            assert chunk, out
            out += chunk.decode()

    try:
        proc.stdin.write(b"/meeting\n")
        await until(".png,")
        proc.stdin.write(b"/subscribe fortnightly fri 08:00 from 2099-01-02\n/subscriptions\n")
        await until("End one")
    finally:
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), 60)
    assert "Coordination round" in out and "New requests: 0" in out, out
    assert "aidbridge-round-" in out and ".xlsx," in out, out
    assert "fortnightly (Friday) at 08:00, from 02.01.2099" in out, out
