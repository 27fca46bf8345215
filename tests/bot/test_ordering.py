"""Per-chat ordering: one chat strictly in order, and a busy chat never stalls the others."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Chat, Message, Update, User

from bot.transports.ordering import PerChatOrderedProcessor


def update(update_id: int, chat_id: int) -> Update:
    user = User(id=chat_id, first_name="x", is_bot=False)
    chat = Chat(id=chat_id, type="private")
    message = Message(message_id=update_id, date=None, chat=chat, from_user=user, text="t")  # type: ignore[arg-type]
    return Update(update_id=update_id, message=message)


async def test_busy_chat_does_not_stall_others() -> None:
    processor = PerChatOrderedProcessor(max_concurrent_updates=2)
    release = asyncio.Event()
    order: list[tuple[int, int]] = []

    async def work(chat: int, n: int, wait: bool) -> Any:
        if wait:
            await release.wait()
        order.append((chat, n))

    # 20 updates from one chat, the first blocked; then one from another chat.
    busy = [
        asyncio.create_task(processor.process_update(update(n, 1), work(1, n, n == 0)))
        for n in range(20)
    ]
    other = asyncio.create_task(processor.process_update(update(100, 2), work(2, 0, False)))
    await asyncio.wait_for(other, timeout=2)
    assert order == [(2, 0)]
    release.set()
    await asyncio.gather(*busy)
    assert [n for chat, n in order if chat == 1] == list(range(20))
