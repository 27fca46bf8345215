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

A homeserver's limit is not published: Synapse's default is a bucket of 10 messages that
drains at 0.2 a second, and an operator may set anything. With ``learn_limits`` the pacer
learns it from the refusals (``limited``): after the first it spaces the messages by the wait
the homeserver asked for, and each later refusal adds its wait to the
spacing (the refusal says by how much the send was early). Ten sends in a row without a
refusal shorten the spacing by a tenth, down to the configured pace, and a minute without any
send (the bucket has refilled) ends the learned spacing. So a burst costs a refusal or two, not
one for every message queued behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

# Learned spacing: never above this many seconds between two messages...
MAX_LEARNED_GAP = 60.0
# ... shortened by a tenth after this many sends in a row without a refusal ...
RELAX_AFTER = 10
# ... and forgotten after this long without any send (a homeserver's bucket has refilled).
IDLE_RESET_SECONDS = 60.0


class SlotTimeout(Exception):
    """No place within the wait given to ``Pacer.slot``; nothing was sent."""


@dataclass
class _Chat:
    # One delivery per chat at a time: the next may start only after the previous is known.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


@dataclass
class _Grant:
    tokens: list[int]
    started: float
    # Refusals counted when it was let go: more by its end means it (or a send beside it)
    # was refused.
    refusals: int = 0
    # Its place in the queue (first come, first served within a priority), kept by ``again``.
    seq: int = 0


@dataclass
class _Turn:
    """The slot a task is sending in: what ``again`` gives back and takes anew."""

    chat_id: str
    messages: int
    priority: int
    grant: _Grant


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
        learn_limits: bool = False,
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
        self._learn = learn_limits
        # The learned spacing between messages; 0 while nothing was refused (or forgotten).
        self._learned_gap = 0.0
        self._refusals = 0
        self._successes = 0
        self._last_grant = time.monotonic()
        # The slot the current task sends in (a slot and the sends inside it run in one
        # task), so a refused send deep inside can queue again for its turn (``again``).
        self._turn: contextvars.ContextVar[_Turn | None] = contextvars.ContextVar(
            f"pacer-turn-{id(self)}", default=None
        )

    def pause(self, seconds: float) -> None:
        """The platform said 'retry after': hold every send, not just the failed one."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def limited(self, seconds: float) -> None:
        """The platform refused a send for its rate limit and asked for ``seconds``: pause, and
        (with ``learn_limits``) space the sends from now on (see the module's docstring)."""
        now = time.monotonic()
        self._refusals += 1
        self._last_grant = max(self._last_grant, now)
        if self._learn:
            if self._learned_gap == 0.0 or now < self._paused_until:
                # The first refusal, or one more from the same burst (sent before the pause).
                self._learned_gap = max(self._learned_gap, seconds)
            else:
                # Sent after the pause, at the learned spacing, and still early by `seconds`.
                self._learned_gap += seconds
            self._learned_gap = min(max(self._learned_gap, self._gap), MAX_LEARNED_GAP)
            self._successes = 0
        self.pause(seconds)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    @property
    def learned_gap(self) -> float:
        """Seconds between messages learned from refusals; 0 when none is in force."""
        return self._learned_gap

    def _limits(self) -> tuple[float, int]:
        """(spacing, places): the learned spacing, or the configured pace."""
        if self._learned_gap > 0.0:
            return self._learned_gap, self._places
        return self._gap, self._places

    @contextlib.asynccontextmanager
    async def slot(
        self, chat_id: str, *, messages: int = 1, priority: int = 0, wait: float | None = None
    ) -> AsyncIterator[None]:
        """Wait for the right to send ``messages`` to ``chat_id``; send inside the block.

        Of the sends waiting for places, a lower ``priority`` goes first. With ``wait``, raise
        SlotTimeout when the right has not come within that many seconds."""
        messages = max(1, min(messages, self._places))
        chat = self._chats.setdefault(chat_id, _Chat())
        chat.users += 1
        deadline = None if wait is None else asyncio.get_running_loop().time() + wait
        try:
            try:
                # Only the waiting is bounded, never the send inside the block.
                async with asyncio.timeout_at(deadline):
                    await chat.lock.acquire()
            except TimeoutError:
                raise SlotTimeout(chat_id) from None
            try:
                try:
                    async with asyncio.timeout_at(deadline):
                        delay = self._chat_free_at.get(chat_id, 0.0) - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        grant = await self._take_places(messages, priority)
                except TimeoutError:
                    raise SlotTimeout(chat_id) from None
                turn = _Turn(chat_id, messages, priority, grant)
                token = self._turn.set(turn)
                try:
                    yield
                finally:
                    self._turn.reset(token)
                    self._give_back(chat_id, turn.grant)
            finally:
                chat.lock.release()
        finally:
            chat.users -= 1
            if chat.users == 0:
                del self._chats[chat_id]

    async def again(self, wait: float | None = None) -> None:
        """Inside a slot, after the platform refused a send for its rate limit (``limited``):
        give the slot's places back and queue again, at the slot's priority, for the next
        turn. So a refused send is retried in its turn at the learned pace, not together with
        every other refused send the moment the pause ends. Outside a slot: wait out the
        pause. With ``wait``, raise SlotTimeout when the turn has not come by then."""
        turn = self._turn.get()
        if turn is None:
            delay = self._paused_until - time.monotonic()
            if wait is not None and delay > wait:
                raise SlotTimeout("paused")
            if delay > 0:
                await asyncio.sleep(delay)
            return
        seq = turn.grant.seq
        self._give_back(turn.chat_id, turn.grant, per_chat=False)
        # Holds nothing meanwhile, and never counts as a send that went through.
        turn.grant = _Grant([], time.monotonic(), refusals=-1, seq=seq)
        try:
            async with asyncio.timeout(wait):
                # Its old place in the queue: the first refused is the first retried.
                turn.grant = await self._take_places(turn.messages, turn.priority, seq)
        except TimeoutError:
            raise SlotTimeout(turn.chat_id) from None

    async def _take_places(self, messages: int, priority: int, seq: int | None = None) -> _Grant:
        future: asyncio.Future[_Grant] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(priority, next(self._arrivals) if seq is None else seq, messages, future)
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
        gap, places = self._limits()
        burst = 1 if self._learned_gap else self._burst
        delay = max(
            self._paused_until - now,
            self._theoretical - (burst - 1) * gap - now,
        )
        excess = len(self._places_free_at) + min(messages, places) - places
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
        if (
            self._learned_gap
            and not self._places_free_at
            and now - self._last_grant > (IDLE_RESET_SECONDS)
        ):
            self._learned_gap = 0.0  # idle long enough for the limit to have refilled
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
            gap, _ = self._limits()
            tokens = []
            for _ in range(waiter.messages):
                self._theoretical = max(self._theoretical, now) + gap
                self._tokens += 1
                self._places_free_at[self._tokens] = free_at
                tokens.append(self._tokens)
            self._last_grant = now
            waiter.future.set_result(_Grant(tokens, now, self._refusals, waiter.seq))

    def _give_back(self, chat_id: str, grant: _Grant, *, per_chat: bool = True) -> None:
        now = time.monotonic()
        if self._learned_gap and self._refusals == grant.refusals:
            self._successes += 1
            if self._successes >= RELAX_AFTER:
                self._successes = 0
                self._learned_gap *= 0.9
                if self._learned_gap <= self._gap:
                    self._learned_gap = 0.0  # back to the configured pace
        # The messages arrived (if at all) no later than the last answer; a single request
        # also no later than the arrival bound.
        arrived_by = now
        if len(grant.tokens) == 1:
            arrived_by = min(now, grant.started + self._arrival_bound)
        for token in grant.tokens:
            if token in self._places_free_at:
                self._places_free_at[token] = min(self._places_free_at[token], arrived_by + 1.0)
        if self._per_chat and per_chat:
            self._chat_free_at[chat_id] = arrived_by + self._per_chat
            if len(self._chat_free_at) > 10_000:
                self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
        if self._queue:
            self._grant()  # an earlier answer may free places sooner than planned
