"""A bare python-telegram-bot echo bot: the baseline benchmarks compare AidBridge against.

It has nothing of AidBridge in it (no storage, no rate limiter, no concurrency), so the
difference between the two measures what AidBridge's own stack costs.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram import Update
from telegram.ext import Application, ContextTypes, ExtBot, MessageHandler, filters

EchoApp: TypeAlias = Application[
    ExtBot[None], ContextTypes.DEFAULT_TYPE, dict[Any, Any], dict[Any, Any], dict[Any, Any], None
]


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await context.bot.send_message(chat_id=message.chat_id, text=message.text)


def build_echo_app(base_url_root: str, token: str) -> EchoApp:
    """An echo Application talking to the Bot API at `base_url_root` (e.g. FakeBotApi.url)."""
    root = base_url_root.rstrip("/")
    app = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(False)
        .job_queue(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    return app
