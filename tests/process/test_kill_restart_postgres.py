"""The real `aidbridge run` on PostgreSQL (AIDBRIDGE_DATABASE_URL), SIGKILLed mid-wizard and
right after Submit, restarted: tests/process/test_kill_restart.py's scenario, its bot process
reading the database through psql instead of an SQLite file."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.bot.telegram_harness import TOKEN
from tests.fakes.bot_api import FakeBotApi
from tests.postgres_server import SUPERUSER, PostgresServer
from tests.process import test_kill_restart
from tests.process.test_kill_restart import BotProcess

pytestmark = pytest.mark.slow


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class PgBotProcess(BotProcess):
    def __init__(self, fake: FakeBotApi, db_path: Path, server: PostgresServer, url: str) -> None:
        super().__init__(fake, db_path)
        self.server = server
        self.database = url.split("@/", 1)[1].split("?", 1)[0]

    def query(self, sql: str) -> list[tuple[object, ...]]:
        done = subprocess.run(
            [
                str(self.server.bin / "psql"),
                "-X",
                "-A",
                "-t",
                "-F",
                "\t",
                "-h",
                str(self.server.socket_dir),
                "-U",
                SUPERUSER,
                "-d",
                self.database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            # What BotProcess.until() waits through (the bot may not have migrated yet).
            raise sqlite3.OperationalError(done.stderr)
        return [
            tuple(int(v) if v.lstrip("-").isdigit() else v for v in line.split("\t"))
            for line in done.stdout.splitlines()
            if line
        ]


async def test_sigkill_mid_wizard_and_after_submit_on_postgresql(
    fake: FakeBotApi,
    tmp_path: Path,
    postgres_server: PostgresServer,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every process the scenario starts (the CLI's `org add`, `aidbridge run`) takes its
    # environment from this one: all of them use the PostgreSQL database.
    monkeypatch.setenv("AIDBRIDGE_DATABASE_URL", pg_url)

    def on_postgres(fake: FakeBotApi, db_path: Path) -> BotProcess:
        return PgBotProcess(fake, db_path, postgres_server, pg_url)

    factory: Callable[[FakeBotApi, Path], BotProcess] = on_postgres
    monkeypatch.setattr(test_kill_restart, "BotProcess", factory)
    await test_kill_restart.test_sigkill_mid_wizard_and_after_submit(fake, tmp_path)
    # Nothing was written to an SQLite file on the way.
    assert not (tmp_path / "aidbridge.db").exists()
