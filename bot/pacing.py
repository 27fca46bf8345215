"""Pacing deliveries under a platform's limits: overall per second and per chat.

Telegram allows about 30 messages a second overall and about one a second to one chat. PTB's
AIORateLimiter paces only the overall limit, so the outbox paces both here.

The rule that keeps the overall limit is built on what the sender can observe. A server counts
a message when it arrives, which is some time after the sender let it go and before the answer
came back. So each message occupies one place from the moment it starts until one second after
it can no longer arrive: one second after its answer, or after ``arrival_bound`` seconds for a
request still unanswered by then (a timed-out request must not block the pace for the whole
read timeout). With at most ``limit - headroom`` places, no one-second window of arrivals can
hold more than that, however the network delays individual requests: the latest request of a
window saw all earlier ones still in their places when it started.

The per-chat interval is likewise counted from the previous message's answer (or its arrival
bound), not from its start, so a slow answer never squeezes two messages into one interval.

On top of that, sends are spread evenly (``burst`` of 1), so the platform sees a steady stream
rather than a burst each second, which is what it is least likely to flag.

Waiting sends are let go by priority (lower first), then in the order they came: an answer or a
critical alert that arrives behind dozens of bulk notices waiting for their places takes the
next free place instead of the last.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class _Chat:
    # One delivery per chat at a time: the next may start only after the previous is known.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


@dataclass
class _Grant:
    tokens: list[int]
    started: float


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int  # first come, first served within a priority
    messages: int = field(compare=False)
    future: asyncio.Future[_Grant] = field(compare=False)


class Pacer:
    """Paces sends to ``overall_per_second`` in total and one per ``per_chat_interval`` per chat.

    Both figures are the platform's published limits; the pacer keeps below them by
    ``headroom`` messages a second overall and ``chat_margin`` seconds per chat.

    Use ``async with pacer.slot(chat_id, messages=n): await send()``, where ``n`` is an upper
    bound on the messages the send becomes (a document and its text, a long text in parts).
    The sender spaces those parts itself; the pacer reserves room for all of them.
    """

    def __init__(
        self,
        overall_per_second: float,
        per_chat_interval: float,
        *,
        headroom: float = 1.0,
        chat_margin: float = 0.05,
        burst: int = 1,
        arrival_bound: float = 0.5,
    ) -> None:
        rate = max(1.0, overall_per_second - headroom)
        self._places = max(1, math.floor(rate))
        self._gap = 1.0 / rate
        self._burst = max(1, burst)
        self._per_chat = per_chat_interval + chat_margin if per_chat_interval > 0 else 0.0
        self._arrival_bound = arrival_bound
        # When each occupied place frees up. A single message in flight holds its place until
        # start + arrival_bound + 1, lowered to answer + 1 when the answer comes sooner; the
        # parts of a multi-message send may arrive any time until the last answer.
        self._places_free_at: dict[int, float] = {}
        self._tokens = 0
        self._theoretical = 0.0  # the even spacing's next start (GCRA)
        self._paused_until = 0.0
        # Chats ready to send, a heap by (priority, arrival). Whoever may go is let go at once,
        # all together: after a pause a whole burst leaves before the first answer is read.
        self._queue: list[_Waiter] = []
        self._arrivals = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._chats: dict[str, _Chat] = {}
        self._chat_free_at: dict[str, float] = {}

    def pause(self, seconds: float) -> None:
        """The platform said 'retry after': hold every send, not just the failed one."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    @contextlib.asynccontextmanager
    async def slot(
        self, chat_id: str, *, messages: int = 1, priority: int = 0
    ) -> AsyncIterator[None]:
        """Wait for the right to send ``messages`` to ``chat_id``; send inside the block.

        Of the sends waiting for places, a lower ``priority`` goes first."""
        messages = max(1, min(messages, self._places))
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.users += 1
        try:
            async with chat.lock:
                delay = self._chat_free_at.get(chat_id, 0.0) - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                grant = await self._take_places(messages, priority)
                try:
                    yield
                finally:
                    self._give_back(chat_id, grant)
        finally:
            chat.users -= 1
            if chat.users == 0:
                del self._chats[chat_id]

    async def _take_places(self, messages: int, priority: int) -> _Grant:
        future: asyncio.Future[_Grant] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(priority, next(self._arrivals), messages, future)
        heapq.heappush(self._queue, waiter)
        self._grant()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                # Let go but cancelled before sending: the places were never used.
                for token in waiter.future.result().tokens:
                    self._places_free_at.pop(token, None)
                self._grant()
            raise

    def _delay(self, now: float, messages: int) -> float:
        delay = max(
            self._paused_until - now,
            self._theoretical - (self._burst - 1) * self._gap - now,
        )
        excess = len(self._places_free_at) + messages - self._places
        if excess > 0:
            # Wait for enough places to free up; inf: only an answer can free them.
            delay = max(delay, sorted(self._places_free_at.values())[excess - 1] - now)
        return delay

    def _grant(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = time.monotonic()
        self._places_free_at = {t: free for t, free in self._places_free_at.items() if free > now}
        while self._queue:
            waiter = self._queue[0]
            if waiter.future.done():  # cancelled while queued
                heapq.heappop(self._queue)
                continue
            delay = self._delay(now, waiter.messages)
            if delay > 0:
                if not math.isinf(delay):
                    self._timer = asyncio.get_running_loop().call_later(delay, self._grant)
                return
            heapq.heappop(self._queue)
            single = waiter.messages == 1
            free_at = now + self._arrival_bound + 1.0 if single else math.inf
            tokens = []
            for _ in range(waiter.messages):
                self._theoretical = max(self._theoretical, now) + self._gap
                self._tokens += 1
                self._places_free_at[self._tokens] = free_at
                tokens.append(self._tokens)
            waiter.future.set_result(_Grant(tokens, now))

    def _give_back(self, chat_id: str, grant: _Grant) -> None:
        now = time.monotonic()
        # The messages arrived (if at all) no later than the last answer; a single request
        # also no later than the arrival bound.
        arrived_by = now
        if len(grant.tokens) == 1:
            arrived_by = min(now, grant.started + self._arrival_bound)
        for token in grant.tokens:
            if token in self._places_free_at:
                self._places_free_at[token] = min(self._places_free_at[token], arrived_by + 1.0)
        if self._per_chat:
            self._chat_free_at[chat_id] = arrived_by + self._per_chat
            if len(self._chat_free_at) > 10_000:
                self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
        if self._queue:
            self._grant()  # an earlier answer may free places sooner than planned
