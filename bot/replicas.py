"""Several `aidbridge run` processes on one database (issue 16): who this replica is, the
scheduler's lease, chats' leases, and the platform's pace shared by all replicas.

Nothing here is shared in memory: every decision between replicas is a row in the database
(storage/leases.py, storage/send_slots.py, the outbox's claims), so a replica that dies
leaves nothing behind but rows that expire. With ``AIDBRIDGE_REPLICAS`` off, the scheduler's
lease is simply held (one process) and none of the rest is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from storage import leases, send_slots
from storage.db import Database, DatabaseLocked

log = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"
# The platform's published limits, shared by all replicas: the overall spacing keeps below
# Telegram's ~30 messages/s with room for the network bunching requests on their way (the
# platform counts arrivals, we can only space starts); a chat's interval likewise: at 1.25 s,
# 200 chats on three replicas of a loaded 2-core machine saw a few arrivals closer than 1 s.
SHARED_PER_SECOND = 25.0
SHARED_CHAT_INTERVAL = 1.5
# A sender that wakes this much after its reserved start (a paused process, a busy loop)
# reserves again instead of sending late into the next second's places.
LATE_SECONDS = 0.05
# How often a replica waiting for a chat held by another one looks again.
CHAT_WAIT_FIRST = 0.05
CHAT_WAIT_MAX = 0.5


def replica_id() -> str:
    """host, process and a random part: a restarted process (same pid in a new container) is
    never taken for the one before it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class SchedulerLease(Protocol):
    """What the scheduler asks before each job: may this replica run it now?"""

    @property
    def held(self) -> bool: ...


class AlwaysHeld:
    """One process on its database: the lease is always this process's."""

    held = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class LeaseKeeper:
    """Takes the named lease when it is free or expired, renews it every third of its time,
    and releases it on a clean stop.

    ``held`` turns False on its own once the lease's time has run out without a renewal (a
    database locked for long, a paused process), counted from the moment before the last
    successful take was asked, so it never outlives the row: another replica may take the
    row only after ``expires_at``, which is later. ``on_acquired`` runs (as a task) each time
    the lease is taken after not being held: a takeover catches up on what the dead holder
    missed.
    """

    def __init__(
        self,
        db: Database,
        name: str,
        holder: str,
        *,
        ttl: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self.name = name
        self.holder = holder
        self._ttl = ttl
        self._clock = clock
        self._held_until = 0.0  # time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._acquired_task: asyncio.Task[None] | None = None
        self.on_acquired: Callable[[], Awaitable[object]] | None = None
        self.takeovers = 0

    @property
    def held(self) -> bool:
        return time.monotonic() < self._held_until

    async def try_take(self) -> bool:
        was_held = self.held
        asked = time.monotonic()
        try:
            async with self._db.transaction() as conn:
                taken = await leases.take_lease(
                    conn,
                    self.name,
                    self.holder,
                    now=self._clock(),
                    ttl=timedelta(seconds=self._ttl),
                )
        except DatabaseLocked:
            return self.held
        if not taken:
            self._held_until = 0.0
            return False
        self._held_until = asked + self._ttl
        if not was_held:
            self.takeovers += 1
            log.info("lease %r taken by %s", self.name, self.holder)
            if self.on_acquired is not None:
                self._acquired_task = asyncio.create_task(self._acquired(), name="lease-acquired")
        return True

    async def _acquired(self) -> None:
        assert self.on_acquired is not None
        try:
            await self.on_acquired()
        except Exception:
            log.exception("taking over lease %r: catching up failed", self.name)

    async def start(self) -> None:
        await self.try_take()
        self._task = asyncio.create_task(self._run(), name=f"lease-{self.name}")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            try:
                await self.try_take()
            except Exception:
                log.exception("renewing lease %r failed", self.name)

    async def stop(self) -> None:
        for task in (self._task, self._acquired_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.held:
            # Released at once, so another replica takes over now, not after the lease time.
            self._held_until = 0.0
            with contextlib.suppress(DatabaseLocked):
                async with self._db.transaction() as conn:
                    await leases.release_lease(conn, self.name, self.holder)


class ChatLeases:
    """One replica at a time runs turns of a chat: its lease is taken before the turn (waiting
    while another replica holds it) and released after the turn's replies went out.

    Telegram posts a chat's next update only after the previous one was answered, and the
    webhook answers only after handling; what this guards is a repost (Telegram's timeout, a
    proxy retrying) reaching another replica while the first still runs the turn: it waits,
    then finds the update committed and drops it, so the chat's next update cannot overtake.
    A replica that dies holding a chat holds it until the lease time runs out.
    """

    def __init__(
        self, db: Database, holder: str, *, ttl: float, clock: Callable[[], datetime]
    ) -> None:
        self._db = db
        self._holder = holder
        self._ttl = ttl
        self._clock = clock

    async def _take(self, name: str) -> bool:
        try:
            async with self._db.transaction() as conn:
                return await leases.take_lease(
                    conn, name, self._holder, now=self._clock(), ttl=timedelta(seconds=self._ttl)
                )
        except DatabaseLocked:
            return False

    async def _renew(self, name: str) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            with contextlib.suppress(Exception):
                await self._take(name)

    @contextlib.asynccontextmanager
    async def hold(self, transport: str, chat_id: str) -> AsyncIterator[None]:
        name = f"chat:{transport}:{chat_id}"
        delay = CHAT_WAIT_FIRST
        while not await self._take(name):
            await asyncio.sleep(delay)
            delay = min(CHAT_WAIT_MAX, delay * 2)
        renewing = asyncio.create_task(self._renew(name), name=f"renew-{name}")
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            release = self._release(name)
            await asyncio.shield(release)

    async def _release(self, name: str) -> None:
        delay = 0.05
        for _ in range(8):
            try:
                async with self._db.transaction() as conn:
                    await leases.release_lease(conn, name, self._holder)
                return
            except DatabaseLocked:
                await asyncio.sleep(delay)
                delay *= 2
        # Left to expire: the chat waits the lease time, nothing worse.
        log.warning("chat lease %s not released; it expires by itself", name)


class SharedPace:
    """The platform's limits for all replicas together: before each message, its chat's time
    and its place in the transport's spacing are reserved in the database and waited for
    (storage/send_slots.py). One transaction when the chat is free now, two otherwise."""

    def __init__(
        self,
        db: Database,
        transport: str,
        *,
        per_second: float = SHARED_PER_SECOND,
        chat_interval: float = SHARED_CHAT_INTERVAL,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._transport = transport
        self._gap = 1.0 / per_second
        self._interval = chat_interval
        self._wall = wall
        self.reservations = 0
        self.late = 0

    async def wait(self, chat_id: str) -> None:
        """Return when one message to ``chat_id`` may start."""
        delay = 0.02
        while True:
            try:
                start = await self._reserve(chat_id)
            except DatabaseLocked:
                # Nothing was reserved (the transaction rolled back): ask again.
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)
                continue
            self.reservations += 1
            if self._wall() - start <= LATE_SECONDS:
                return
            # Woken late: sending now would crowd the places reserved after ours.
            self.late += 1

    async def _reserve(self, chat_id: str) -> float:
        """Reserve and wait for the start; returns the start reserved."""
        async with self._db.transaction() as conn:
            now = self._wall()
            chat_at = await send_slots.reserve_chat(
                conn,
                transport=self._transport,
                chat_id=chat_id,
                now=now,
                interval=self._interval,
            )
            start = None
            if chat_at <= now:
                start = await send_slots.reserve_overall(
                    conn,
                    transport=self._transport,
                    chat_id=chat_id,
                    now=now,
                    gap=self._gap,
                    interval=self._interval,
                )
        if start is None:
            # The chat's turn comes later: wait for it holding no overall place.
            await asyncio.sleep(max(0.0, chat_at - self._wall()))
            async with self._db.transaction() as conn:
                start = await send_slots.reserve_overall(
                    conn,
                    transport=self._transport,
                    chat_id=chat_id,
                    now=max(self._wall(), chat_at),
                    gap=self._gap,
                    interval=self._interval,
                )
        await asyncio.sleep(max(0.0, start - self._wall()))
        return start
