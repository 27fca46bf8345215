"""Pacing deliveries under a platform's limits: overall per second and per chat."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class Pacer:
    """Allows ``overall_per_second`` sends in total and one per ``per_chat_interval`` per chat.

    Telegram documents ~30 messages/s overall and ~1 message/s to one chat; PTB's
    AIORateLimiter does not pace the per-chat limit, so the outbox does it here.
    """

    def __init__(self, overall_per_second: float, per_chat_interval: float) -> None:
        self._overall = overall_per_second
        self._per_chat = per_chat_interval
        self._sent: deque[float] = deque()
        self._next_by_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """The platform said 'retry after': hold every send, not just the failed one."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def wait(self, chat_id: str) -> None:
        # Per chat first, without the shared lock, so one busy chat never holds up the others.
        now = time.monotonic()
        slot = max(now, self._next_by_chat.get(chat_id, 0.0))
        self._next_by_chat[chat_id] = slot + self._per_chat
        if slot > now:
            await asyncio.sleep(slot - now)
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= 1.0:
                    self._sent.popleft()
                delay = self._paused_until - now
                if len(self._sent) >= self._overall:
                    delay = max(delay, 1.0 - (now - self._sent[0]))
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            self._sent.append(time.monotonic())
        if len(self._next_by_chat) > 10_000:
            now = time.monotonic()
            self._next_by_chat = {c: t for c, t in self._next_by_chat.items() if t > now}
