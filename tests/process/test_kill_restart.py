"""The real `aidbridge run` process, SIGKILLed mid-wizard and right after Submit, restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.telegram_harness import TOKEN, button, message_id
from tests.fakes.bot_api import FakeBotApi, RecordedCall

ADMIN = 900
NURSE = 101

pytestmark = pytest.mark.slow


ORG_ADD = (
    "org",
    "add",
    "--kind",
    "hospital",
    "--name",
    "Лікарня №4",
    "--raion",
    "Дніпровський",
    "--settlement",
    "Дніпро",
)


async def run_cli(
    env: dict[str, str], cwd: Path, *args: str, typed: str | None = None
) -> tuple[int, str]:
    """`aidbridge ARGS` as a subprocess: exit code and everything it printed. ``typed`` is
    what a person types at its terminal (the console transport reads it)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=str(cwd),
        stdin=asyncio.subprocess.DEVNULL if typed is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    stdin = None if typed is None else typed.encode()
    out, _ = await asyncio.wait_for(proc.communicate(stdin), 60)
    return int(proc.returncode or 0), out.decode()


class BotProcess:
    def __init__(self, fake: FakeBotApi, db_path: Path) -> None:
        self.fake = fake
        self.db_path = db_path
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = dict(os.environ)
        env.update(
            AIDBRIDGE_TELEGRAM_TOKEN=TOKEN,
            AIDBRIDGE_TELEGRAM_API_URL=self.fake.url,
            AIDBRIDGE_DB_PATH=str(self.db_path),
            AIDBRIDGE_ADMINS=f"telegram:{ADMIN}",
            AIDBRIDGE_TELEGRAM_POLL_TIMEOUT="1",
            AIDBRIDGE_TELEGRAM_RATE_LIMITER="false",
            AIDBRIDGE_LOG_LEVEL="WARNING",
        )
        seq = self.fake.last_seq
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            cwd=str(self.db_path.parent),
            stdin=asyncio.subprocess.DEVNULL,
        )
        await self.fake.wait_for(lambda c: c.method == "getUpdates" and c.seq > seq, timeout=30)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def wait_dead(self) -> None:
        assert self.proc is not None
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    def query(self, sql: str) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()

    async def until(self, sql: str, timeout: float = 10.0) -> list[tuple[object, ...]]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                rows = self.query(sql)
            except sqlite3.OperationalError:
                rows = []
            if rows:
                return rows
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(sql)
            await asyncio.sleep(0.01)

    async def exchange(self, update_id: int, chat_id: int, count: int = 1) -> list[RecordedCall]:
        """Wait until the update is committed and ``count`` replies reached the chat."""
        seq_rows = await self.until(
            f"SELECT 1 FROM processed_updates WHERE update_id = '{update_id}'"
        )
        assert seq_rows
        return await self.fake.wait_for(
            lambda c: (
                c.method in ("sendMessage", "editMessageText")
                and c.chat_id == chat_id
                and c.seq > self._mark
            ),
            count=count,
        )

    _mark = 0

    def mark(self) -> None:
        self._mark = self.fake.last_seq


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def talk(bot: BotProcess, user: int, text: str) -> RecordedCall:
    bot.mark()
    update_id = bot.fake.push_text(user, text)
    calls = await bot.exchange(update_id, user)
    return calls[-1]


async def tap(bot: BotProcess, user: int, data: str, msg: int) -> RecordedCall:
    bot.mark()
    update_id = bot.fake.push_callback(user, data, message_id=msg)
    calls = await bot.exchange(update_id, user)
    return calls[-1]


async def test_sigkill_mid_wizard_and_after_submit(fake: FakeBotApi, tmp_path: Path) -> None:
    db_path = tmp_path / "aidbridge.db"
    bot = BotProcess(fake, db_path)
    # The shell steps a newcomer takes: migrate, add an organisation.
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path)}
    code, out = await run_cli(env, tmp_path, *ORG_ADD, "--address", "вул. Тестова, 1")
    assert code == 0 and "organisation 1 added" in out
    await bot.start()
    try:
        reply = await talk(bot, ADMIN, "/invite 1 requester")
        code = reply.params["text"].split("?start=")[1].split()[0]
        assert "✅" in (await talk(bot, NURSE, f"/start {code}")).params["text"]
        wizard = await talk(bot, NURSE, "/new")
        wizard_id = message_id(wizard)
        step = await tap(bot, NURSE, button(wizard, "w:cat:power"), wizard_id)
        step = await tap(bot, NURSE, button(step, "w:item:generator"), wizard_id)
        assert "Генератор" in step.params["text"]

        # Killed in the middle of the wizard, restarted: the person just carries on.
        bot.kill()
        await bot.wait_dead()
        await bot.start()
        step = await talk(bot, NURSE, "3")
        assert "Генератор — 3" in step.params["text"]
        msg = message_id(step)
        step = await tap(bot, NURSE, button(step, "w:more:done"), msg)
        step = await tap(bot, NURSE, button(step, "w:urg:high"), msg)
        step = await tap(bot, NURSE, button(step, "w:due:7"), msg)
        step = await tap(bot, NURSE, button(step, "w:place:org"), msg)
        summary = await tap(bot, NURSE, button(step, "w:note:skip"), msg)
        submit = button(summary, "w:submit:")

        # Killed right after Submit committed, before the confirmation got out: the fake
        # holds the confirmation's HTTP call, so it is not delivered when the process dies.
        fake.fail_next("editMessageText", "timeout", timeout_seconds=3)
        fake.fail_next("sendMessage", "timeout", timeout_seconds=3)
        fake.push_callback(NURSE, submit, message_id=message_id(summary))
        await bot.until("SELECT id FROM requests")
        bot.kill()
        await bot.wait_dead()
        fake.clear_faults()

        bot.mark()
        await bot.start()
        confirmations = await fake.wait_for(
            lambda c: (
                c.method in ("sendMessage", "editMessageText")
                and c.chat_id == NURSE
                and "R-1001" in str(c.params.get("text"))
            ),
            timeout=15,
        )
        # Give a duplicate every chance to show up before counting.
        await asyncio.sleep(1.5)
        confirmations = [
            c
            for c in fake.calls(chat_id=NURSE)
            if c.method in ("sendMessage", "editMessageText")
            and "R-1001" in str(c.params.get("text"))
            and "✅" in str(c.params.get("text"))
        ]
        assert len(confirmations) == 1
        # Delivered after the restart as the edit of the summary it replaces (issue 16).
        assert confirmations[0].method == "editMessageText"
        assert confirmations[0].params["message_id"] == message_id(summary)
        assert bot.query("SELECT COUNT(*) FROM requests") == [(1,)]
        assert bot.query("SELECT COUNT(*) FROM request_items WHERE quantity = 3") == [(1,)]
        assert bot.query(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND sent_at IS NULL"
        ) == [(0,)]
    finally:
        await bot.stop()


async def test_cli_export_writes_csv_and_xlsx(tmp_path: Path) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    db_path = tmp_path / "aidbridge.db"
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path)}

    async def cli(*args: str) -> tuple[int, str]:
        return await run_cli(env, tmp_path, *args)

    code, _ = await cli(*ORG_ADD)
    assert code == 0
    # A request stored directly: the CLI export reads whatever the bot stored.
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO requests (id, org_id, urgency, status, created_at, updated_at)"
        " VALUES (1001, 1, 'critical', 'new', '2026-11-24T10:00:00+00:00',"
        " '2026-11-24T10:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO request_items (request_id, position, item_key, quantity, unit)"
        " VALUES (1001, 0, 'generator', 2, 'pcs')"
    )
    conn.commit()
    conn.close()
    code, out = await cli("export", "--format", "csv", "--out", "x.csv", "--lang", "de")
    assert code == 0 and "1 item lines" in out, out
    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))  # German Excel's separator
    assert rows[1][0] == "#meta+id" and rows[2][0] == "R-1001"
    assert "Stromerzeuger" in rows[2] and "2" in rows[2] and "Kritisch" in rows[2]
    code, out = await cli("export", "--format", "hxl", "--out", "x.hxl.csv")
    assert code == 0, out
    rows = list(csv.reader(io.StringIO((tmp_path / "x.hxl.csv").read_text(encoding="utf-8"))))
    assert rows[1][0] == "#meta+id" and rows[2][0] == "R-1001" and "Critical" in rows[2]
    code, out = await cli("export", "--out", "x.xlsx", "--category", "power")
    assert code == 0, out
    sheet = load_workbook(tmp_path / "x.xlsx").active
    assert sheet is not None and sheet["A3"].value == "R-1001"
    assert sheet["B3"].is_date
    code, out = await cli("export", "--category", "nonsense")
    assert code == 2 and "unknown --category" in out


async def test_invalid_config_stops_with_one_line_naming_the_variable(tmp_path: Path) -> None:
    secret = "987654321:AAsecret-token-that-must-not-be-printed"
    env = {
        **os.environ,
        "AIDBRIDGE_DB_PATH": str(tmp_path / "x.db"),
        "AIDBRIDGE_TIMEZONE": "Europe/Kiew",
        "AIDBRIDGE_TELEGRAM_TOKEN": secret,
    }
    code, text = await run_cli(env, tmp_path, "migrate")
    assert code == 2
    assert text.strip().splitlines() == [
        "configuration error: AIDBRIDGE_TIMEZONE: unknown time zone 'Europe/Kiew'"
    ]
    assert secret not in text


async def test_update_killed_before_its_commit_is_fetched_again(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    """A message the process took but died before committing is not lost: Telegram only
    hears that it was handled once it was."""
    db_path = tmp_path / "aidbridge.db"
    bot = BotProcess(fake, db_path)
    await bot.start()
    try:
        assert "Організацій ще немає" in (await talk(bot, ADMIN, "/orgs")).params["text"]
        # Another process holds the database: the bot's turn waits on the lock.
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        update_id = fake.push_text(ADMIN, "/help")
        await fake.wait_for(lambda c: c.method == "getUpdates" and c.seq > bot._mark, timeout=5)
        await asyncio.sleep(1.0)  # PTB's own Updater would have confirmed it by now
        assert fake.last_confirmed_offset <= update_id
        bot.kill()
        await bot.wait_dead()
        blocker.execute("ROLLBACK")
        blocker.close()
        bot.mark()
        await bot.start()
        calls = await bot.exchange(update_id, ADMIN)
        assert "/new" in calls[-1].params["text"]  # the /help answer, after the restart
    finally:
        await bot.stop()


async def test_sigkill_after_telegram_took_the_confirmation_repeats_only_the_edit(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    """Killed right after Telegram applied the confirmation's edit, before the bot heard back
    (issue 16): after the restart the same edit is repeated, never sent as a new message."""
    db_path = tmp_path / "aidbridge.db"
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path)}
    code, _ = await run_cli(env, tmp_path, *ORG_ADD)
    assert code == 0
    bot = BotProcess(fake, db_path)
    await bot.start()
    try:
        invite = await talk(bot, ADMIN, "/invite 1 requester")
        start_code = invite.params["text"].split("?start=")[1].split()[0]
        await talk(bot, NURSE, f"/start {start_code}")
        preview = await talk(bot, NURSE, "/need 5 намет")
        # The edit takes effect; its answer is held until the process is gone.
        fake.fail_next("editMessageText", "lost_answer", timeout_seconds=20)
        fake.push_callback(NURSE, button(preview, "w:submit:"), message_id=message_id(preview))
        await fake.wait_for(
            lambda c: c.method == "editMessageText" and "R-1001" in str(c.params.get("text")),
            timeout=15,
        )
        bot.kill()
        await bot.wait_dead()
        fake.clear_faults()
        await bot.start()
        await bot.until(
            "SELECT 1 FROM outbox WHERE kind = 'reply' AND sent_at IS NOT NULL"
            " AND edit_ref IS NOT NULL",
            timeout=15,
        )
        assert bot.query(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND sent_at IS NULL"
        ) == [(0,)]
        sent = [
            c
            for c in fake.calls(chat_id=NURSE)
            if c.method == "sendMessage" and "R-1001" in str(c.params.get("text"))
        ]
        assert sent == []
        repeats = [
            c
            for c in fake.errors
            if c.method == "editMessageText" and "not modified" in str(c.description)
        ]
        assert len(repeats) == 1
        shown = fake.message(NURSE, message_id(preview))
        assert shown is not None and "R-1001" in str(shown.get("text"))
    finally:
        await bot.stop()


async def test_refused_token_stops_with_one_clear_line(fake: FakeBotApi, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AIDBRIDGE_TELEGRAM_TOKEN": "111111:WRONG-token-that-the-fake-server-refuses",
        "AIDBRIDGE_TELEGRAM_API_URL": fake.url,
        "AIDBRIDGE_DB_PATH": str(tmp_path / "x.db"),
        "AIDBRIDGE_LOG_LEVEL": "WARNING",
    }
    code, text = await run_cli(env, tmp_path, "run")
    assert code == 2, text
    assert "configuration error: AIDBRIDGE_TELEGRAM_TOKEN: Telegram refused this token" in text
    assert "WRONG-token" not in text and "Traceback" not in text
