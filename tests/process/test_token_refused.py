"""`aidbridge run` exits non-zero when Telegram keeps refusing its token (issue 10)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.bot.telegram_harness import TOKEN
from tests.fakes.bot_api import FakeBotApi

pytestmark = pytest.mark.slow


async def test_run_exits_non_zero_when_the_token_stays_refused(tmp_path: Path) -> None:
    async with FakeBotApi(token=TOKEN) as fake:
        env = dict(os.environ)
        env.update(
            AIDBRIDGE_TELEGRAM_TOKEN=TOKEN,
            AIDBRIDGE_TELEGRAM_API_URL=fake.url,
            AIDBRIDGE_DB_PATH=str(tmp_path / "bot.db"),
            AIDBRIDGE_TELEGRAM_POLL_TIMEOUT="1",
            AIDBRIDGE_TELEGRAM_RATE_LIMITER="false",
            AIDBRIDGE_TOKEN_RETRY_SECONDS="0.2",
            AIDBRIDGE_TOKEN_REFUSED_EXIT_SECONDS="1",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            cwd=str(tmp_path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await fake.wait_for("getUpdates", timeout=30)
            fake.refuse_token()
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = out.decode()
    assert proc.returncode == 2, text
    assert "AIDBRIDGE_TELEGRAM_TOKEN: Telegram refused the token" in text
    assert "refuses the bot token" in text  # the ERROR lines an operator sees meanwhile
    assert TOKEN not in text
