"""The outbox worker: delivers pending rows through the transport named on each row.

Rows are claimed in order, delivered under each platform's pace, and marked sent only after
the platform accepted them. 429 waits the time the platform asked for; 5xx and network errors
back off exponentially; a permanent refusal (blocked bot, chat gone) marks the row failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.pacing import Pacer
from bot.transports.base import DeliveryError, Transport
from handlers.events import Choice, Document, Reply
from storage import outbox
from storage.db import Database, DatabaseLocked
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
# After this many failed tries (about a day with the backoff cap) a row is given up.
MAX_ATTEMPTS = 300


def reply_from_row(row: OutboxMessage, document: tuple[str, str, bytes] | None) -> Reply:
    choices: tuple[tuple[Choice, ...], ...] = ()
    if row.choices_json:
        choices = tuple(tuple(Choice(**c) for c in line) for line in json.loads(row.choices_json))
    doc = None
    if document is not None:
        name, mime, data = document
        doc = Document(filename=name, mime_type=mime, data=data)
    return Reply(text=row.text, choices=choices, document=doc)


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        transports: Mapping[str, Transport],
        pacers: Mapping[str, Pacer],
        clock: Callable[[], datetime],
        *,
        poll_seconds: float = 0.5,
        batch: int = 50,
    ) -> None:
        self._db = db
        self._transports = transports
        self._pacers = pacers
        self._clock = clock
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        async with self._db.transaction() as conn:
            moved = await outbox.set_all_pending_due(conn, self._clock())
        if moved:
            log.info("outbox: %d replies from before the restart are now due", moved)
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                worked = await self.drain_once()
            except DatabaseLocked:
                worked = 0
            except Exception:
                log.exception("outbox worker pass failed")
                worked = 0
            if worked:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def drain_once(self) -> int:
        """Deliver what is due now; returns how many rows were attempted."""
        async with self._db.read() as conn:
            rows = await outbox.list_due_outbox(conn, self._clock(), limit=self._batch)
        rows = [r for r in rows if r.transport in self._transports]
        if not rows:
            return 0
        # Chats are independent: deliver to different chats concurrently, each chat in order.
        by_chat: dict[tuple[str, str], list[OutboxMessage]] = {}
        for row in rows:
            by_chat.setdefault((row.transport, row.chat_id), []).append(row)
        await asyncio.gather(*(self._deliver_chat(chat_rows) for chat_rows in by_chat.values()))
        return len(rows)

    async def _deliver_chat(self, rows: list[OutboxMessage]) -> None:
        for row in rows:
            if not await self._deliver(row):
                return  # keep this chat's order: later rows wait for the failed one

    async def _deliver(self, row: OutboxMessage) -> bool:
        transport = self._transports[row.transport]
        pacer = self._pacers.get(row.transport)
        document = None
        if row.document_name:
            async with self._db.read() as conn:
                document = await outbox.get_outbox_document(conn, row.id)
        reply = reply_from_row(row, document)
        if pacer is not None:
            await pacer.wait(row.chat_id)
        try:
            await transport.deliver(row.chat_id, reply)
        except DeliveryError as exc:
            await self._record_failure(row, exc)
            return False
        except Exception as exc:
            log.exception("outbox row %d: unexpected delivery error", row.id)
            await self._record_failure(row, DeliveryError(repr(exc)))
            return False
        async with self._db.transaction() as conn:
            await outbox.set_outbox_sent(conn, row.id, self._clock())
        self.delivered += 1
        return True

    async def _record_failure(self, row: OutboxMessage, exc: DeliveryError) -> None:
        now = self._clock()
        async with self._db.transaction() as conn:
            if exc.permanent or row.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("outbox row %d to %s failed for good: %s", row.id, row.chat_id, exc)
                await outbox.set_outbox_failed(conn, row.id, now=now, error=str(exc))
                return
            if exc.retry_after is not None:
                delay = exc.retry_after
                pacer = self._pacers.get(row.transport)
                if pacer is not None:
                    pacer.pause(delay)
            else:
                delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(row.attempts, 12))
                delay *= 0.75 + random.random() / 2  # jitter: retries of many rows spread out
            await outbox.set_outbox_retry(
                conn, row.id, not_before=now + timedelta(seconds=delay), error=str(exc)
            )
        log.info("outbox row %d: retry in %.1fs (%s)", row.id, delay, exc)
