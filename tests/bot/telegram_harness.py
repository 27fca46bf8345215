"""The whole bot (build_app) on python-telegram-bot, talking HTTP to the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.app import App, build_app
from bot.config import Settings
from bot.transports.telegram import TelegramTransport
from storage.timefmt import to_db
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi, RecordedCall

TOKEN = "123456:TEST-token-for-the-fake-server-0123"


def make_settings(fake: FakeBotApi, db_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "db_path": db_path,
        "telegram_token": TOKEN,
        "telegram_api_url": fake.url,
        "telegram_poll_timeout": 1,
        "telegram_rate_limiter": False,
        "admins": "telegram:900",
        "_env_file": None,
    }
    values.update(extra)
    return Settings(**values)


async def reports_delivered(app: App, started_before: int, timeout: float = 10.0) -> None:
    """A report (/export, /chart, /digest) answers through the outbox after its turn: when
    one started since ``started_before``, wait until it is queued and every due answer sent."""
    engine = app.engine
    if engine.reports_started == started_before:
        return
    await asyncio.wait_for(engine.wait_reports(), timeout)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = (
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        " AND kind = 'reply' AND not_before <= ?"
    )
    while await scalar(app.db, pending, to_db(app.ctx.clock())):
        assert loop.time() < deadline, "a report's answer was not delivered"
        await asyncio.sleep(0.02)


class TelegramHarness:
    def __init__(self, fake: FakeBotApi, app: App) -> None:
        self.fake = fake
        self.app = app
        self._done: dict[int, asyncio.Event] = {}
        transport = app.transports["telegram"]
        assert isinstance(transport, TelegramTransport)
        transport.after_update = self._processed

    @classmethod
    async def start(cls, fake: FakeBotApi, db_path: Path, **extra: Any) -> TelegramHarness:
        app = await build_app(make_settings(fake, db_path, **extra))
        harness = cls(fake, app)
        await app.start()
        return harness

    async def stop(self) -> None:
        await self.app.stop()

    def _processed(self, update_id: int) -> None:
        self._done.setdefault(update_id, asyncio.Event()).set()

    async def _wait(self, update_id: int, timeout: float = 10.0) -> None:
        event = self._done.setdefault(update_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), timeout)

    def _since(self, seq: int, chat_id: int) -> list[RecordedCall]:
        return [
            c
            for c in self.fake.calls(chat_id=chat_id)
            if c.seq > seq
            and c.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
        ]

    async def say(self, user_id: int, text: str, **kw: Any) -> list[RecordedCall]:
        """Send text as ``user_id``; returns the messages the bot sent or edited in reply,
        a report's file included."""
        seq = self.fake.last_seq
        reports = self.app.engine.reports_started
        update_id = self.fake.push_text(user_id, text, **kw)
        await self._wait(update_id)
        await reports_delivered(self.app, reports)
        return self._since(seq, kw.get("chat_id") or user_id)

    async def press(
        self, user_id: int, data: str, message_id: int, **kw: Any
    ) -> list[RecordedCall]:
        seq = self.fake.last_seq
        reports = self.app.engine.reports_started
        update_id = self.fake.push_callback(user_id, data, message_id=message_id, **kw)
        await self._wait(update_id)
        await reports_delivered(self.app, reports)
        return self._since(seq, kw.get("chat_id") or user_id)

    async def replay(self, update_id: int, user_id: int, text: str) -> list[RecordedCall]:
        seq = self.fake.last_seq
        self._done.pop(update_id, None)
        self.fake.push_text(user_id, text, update_id=update_id)
        await self._wait(update_id)
        return self._since(seq, user_id)


def buttons(call: RecordedCall) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button on a recorded message."""
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def button(call: RecordedCall, prefix: str) -> str:
    for _, data in buttons(call):
        if data.startswith(prefix):
            return data
    raise AssertionError(f"no button {prefix!r} in {buttons(call)}")


def message_id(call: RecordedCall) -> int:
    if call.method == "editMessageText":
        return int(call.params["message_id"])
    return int(call.result["message_id"])
