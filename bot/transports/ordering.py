"""Concurrent Telegram updates that stay in order within each chat.

PTB's concurrent mode runs every update at once, so two quick messages from one person could
overtake each other inside a conversation. This processor runs different chats concurrently
(one chat's network wait overlaps another's database work) and one chat strictly in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB takes its semaphore *before* do_process_update, so a chat's queued updates would hold
# its slots while they wait for that chat's lock and stall every other chat. Its limit is set
# high enough never to bind; the real limit is taken after the chat's lock, below.
QUEUE_LIMIT = 4096


class PerChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(QUEUE_LIMIT)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._waiting: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key: int | None = None
        if isinstance(update, Update) and update.effective_chat is not None:
            key = update.effective_chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # Forget idle chats so the maps do not grow with every person ever seen.
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
