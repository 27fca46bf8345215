"""The outbox worker: delivers pending rows through the transport named on each row.

Delivery is exactly once as far as the platform lets us know it:

- a row is marked sent only after the platform accepted it, and the mark is retried with
  backoff until it is committed, so an accepted row is never offered again by this process.
  That holds for the rows a transport sends itself (durable replies, through
  ``mark_delivered``) as much as for the worker's own: a database locked by another process
  delays the mark, and the row waits in memory as delivered, never due again;
- a row is never in two deliveries at once: the worker tracks the rows and chats it has in
  flight and offers a chat's next row only after the previous one has finished;
- each chat gets its rows of one priority in the order they were written: only a chat's head
  (its first pending row by priority, then age) is offered, so a row waiting for its retry
  holds back the rows behind it.

Priorities (storage.outbox.Priority, from the row's kind): answers and critical alerts, then
lifecycle notices, then bulk (digests, broadcasts, colleague notices). The due-rows query
returns the most urgent first, the pacer lets the most urgent waiting send go first, and a
due urgent row displaces its chat's less urgent delivery that is still waiting for its turn
(nothing sent yet), so under a fan-out of thousands of bulk rows an alert waits for about
one free place, not for the fan-out.

A transport hands over an answer it could not send within its short wait (defer_reply, the
Matrix transport under a homeserver's rate limit): it becomes an urgent row, and until it is
delivered the chat's later answers are handed over behind it, so the chat keeps its order.

Colleagues' notices about a new request (kind 'colleague') are written with a due time that
gives each chat at most one such message per few minutes (storage.outbox.batch_slot); when
one is delivered, the chat's other due rows of that kind go in the same message, and all are
marked sent together. Rows stay rows until then, so a restart loses none of them.

What remains is the window no sender can close: a request that timed out (or a process that
died) after the platform accepted the message but before the mark was committed. Such a row is
sent again.

Several replicas (issue 16, ``claims``): before a replica starts a delivery it claims the row
in the database (storage.outbox.claim_rows), and it never claims a row of a chat in which
another replica holds a running claim, so one replica at a time works on a chat and the
chat's order holds across replicas. Claims of rows in flight are renewed while they last; a
replica that dies leaves its claims to expire, and another replica takes those rows: the one
that was in flight may repeat once (counted as ``retaken``; an edit repeats as the same
edit). In this mode replies from before a restart are not made due at start (another replica
may be sending them right now): they become due at their own time, at most a minute later.

429 pauses the whole transport for the time the platform asked for, and a row refused for a
rate limit (or a token) is retried however long that lasts, never given up; 5xx and network
errors back off exponentially with jitter, per row; a permanent refusal marks the row failed, and a
refusal that means the recipient is gone (blocked the bot, chat deleted) also marks the
member unreachable, which admins see in /stats.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import aiosqlite

from bot.pacing import Pacer
from bot.transports.base import (
    CommandMenus,
    DeliveryError,
    MessageEditing,
    Transport,
    Unreachable,
)
from handlers.core.command_menus import MENU_KIND, decode_menu
from handlers.core.events import Reply
from handlers.text.split import split_message
from storage import members, outbox, outbox_files
from storage.db import Database, DatabaseLocked
from storage.models import OutboxMessage, Recipient

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
# After this many failed tries (about a day with the backoff cap) a row is given up.
MAX_ATTEMPTS = 300
# Deliveries (each to a different chat) in progress or waiting for the pacer at once. The
# pacer decides the real pace; this only bounds memory and the HTTP connection pool (PTB: 256).
MAX_IN_FLIGHT = 64
# On stop, how long a request already sent may take to be answered (PTB reads for 5 s). Cutting
# it off would leave an accepted row unmarked, to be sent again after the restart.
STOP_GRACE_SECONDS = 10.0
# Kinds whose due rows to one chat go out as one message (see storage.outbox.batch_slot).
BATCHED_KINDS = frozenset({"colleague"})
# A batch stays within one message on every platform (Telegram's 4,096 characters are the
# smallest): the rows beyond go in the next message, right after.
MAX_BATCH_CHARS = 3500
MAX_BATCH_ROWS = 50
BATCH_SEPARATOR = "\n\n· · ·\n\n"


def message_count(row: OutboxMessage) -> int:
    """An upper bound on the messages a row becomes: a document, then the text in parts.

    Parts are cut at Telegram's limit, the smallest of our platforms', so other platforms
    are paced for at most as many messages as they get.
    """
    count = 1 if row.document_name else 0
    if row.text or count == 0:
        count += len(split_message(row.text))
    return count


def backoff_seconds(attempts: int) -> float:
    """Exponential from half a second, capped; jitter spreads the retries of many rows."""
    delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(attempts, 12))
    return float(delay * (0.75 + random.random() / 2))


@dataclass(frozen=True)
class OutboxClaims:
    """Several replicas deliver from this outbox: claim rows as ``holder`` for ``seconds``."""

    holder: str
    seconds: float = 60.0


@dataclass
class _Delivery:
    row: OutboxMessage
    task: asyncio.Task[None] | None = None
    # Set once the request may have left: from then on cancelling could lose an acceptance.
    sending: bool = False
    # Rows sent in the same message after ``row`` (BATCHED_KINDS), marked sent with it.
    batch: list[OutboxMessage] = field(default_factory=list)

    @property
    def text(self) -> str:
        return BATCH_SEPARATOR.join([self.row.text, *(r.text for r in self.batch)])


# How often the worker removes outbox files no unsent row names (storage/outbox_files.py).
SWEEP_SECONDS: Final = 3600.0


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        transports: Mapping[str, Transport],
        pacers: Mapping[str, Pacer],
        clock: Callable[[], datetime],
        *,
        poll_seconds: float = 0.5,
        max_in_flight: int = MAX_IN_FLIGHT,
        only_chats: frozenset[tuple[str, str]] | None = None,
        claims: OutboxClaims | None = None,
    ) -> None:
        self._db = db
        self._claims = claims
        self._claims_renewed = 0.0  # time.monotonic() of the last renewal
        # Rows taken over from a replica whose claim expired: each may repeat once.
        self.retaken = 0
        self._transports = transports
        # Public so a test can pace differently; the mapping is read at each delivery.
        self.pacers = pacers
        self._clock = clock
        self._poll = poll_seconds
        self.max_in_flight = max_in_flight
        # (transport, chat_id) pairs this worker serves, None for all. A console process sets
        # its own identity's chat: several consoles share one database, and a row taken by
        # the wrong one could not be shown there, so it would be pushed back and hold up
        # every later row of that chat.
        self._only_chats = only_chats
        # Replies written before this moment belong to a previous process (see start()).
        self._born = clock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._dispatching = asyncio.Lock()
        self._in_flight: dict[int, _Delivery] = {}
        # The one delivery in progress per chat.
        self._busy_chats: dict[tuple[str, str], _Delivery] = {}
        # Rows a transport delivered itself whose mark is not committed yet: never offered.
        self._marking: set[int] = set()
        # Set by stop(): marks still failing then get STOP_GRACE_SECONDS more, not forever.
        self._stopping_since: float | None = None
        # Rows of answers a transport handed over (defer_reply), per chat, until delivered:
        # the chat's later answers go behind them.
        self._deferred: dict[tuple[str, str], set[int]] = {}
        self.delivered = 0
        self.failed = 0
        # Told (transport, result) of each delivery attempt: sent, retried, rate_limited,
        # unreachable or failed (a metrics endpoint counts them).
        self.on_result: Callable[[str, str], None] | None = None
        # Answers from before a restart made due at start: each may repeat once, if it was
        # the one in flight when the process died (an edit repeats as the same edit).
        self.resumed_at_start = 0

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        moved = 0
        if self._claims is None:
            async with self._db.transaction() as conn:
                moved = await outbox.set_all_pending_due(
                    conn, self._clock(), created_before=self._born, chats=self._only_chats
                )
        self.resumed_at_start = moved
        if moved:
            log.info("outbox: %d replies from before the restart are now due", moved)
        await self.sweep_files()
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        self._stopping_since = time.monotonic()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # Deliveries still waiting for their turn have sent nothing: drop them, the rows stay
        # pending. Requests already out are given time to be answered and marked.
        for delivery in list(self._in_flight.values()):
            if not delivery.sending and delivery.task is not None:
                delivery.task.cancel()
        tasks = [d.task for d in self._in_flight.values() if d.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
            for task in late:
                log.warning("outbox: stopping with a delivery unanswered; it may repeat")
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._claims is not None:
            # What this replica claimed and did not finish is anyone's now, not in a minute.
            try:
                async with self._db.transaction() as conn:
                    await outbox.release_claims(conn, holder=self._claims.holder)
            except DatabaseLocked:
                log.warning("outbox: claims not released; they expire by themselves")

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def _run(self) -> None:
        swept = time.monotonic()
        while True:
            # Cleared before looking, so a row committed while we look wakes the next pass.
            self._wake.clear()
            try:
                await self.dispatch()
            except DatabaseLocked:
                pass
            except Exception:
                log.exception("outbox worker pass failed")
            if time.monotonic() - swept > SWEEP_SECONDS:
                # Files of rows forgotten (privacy) or given up do not wait for the next
                # delivered file to be swept.
                swept = time.monotonic()
                await self.sweep_files()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns normally when the
            # wake and stop()'s cancel land together, and this loop then never ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def dispatch(self) -> int:
        """Start delivering what is due now, up to the in-flight limit; returns how many."""
        async with self._dispatching:
            if self._claims is not None:
                await self._renew_claims()
            free = self.max_in_flight - len(self._in_flight)
            if free <= 0:
                return 0
            # Rows already in flight are still pending: ask for enough to see past them (and,
            # with several replicas, past the heads the others have claimed).
            limit = free + len(self._in_flight)
            if self._claims is not None:
                limit *= 3
            async with self._db.read() as conn:
                rows = await outbox.list_due_heads(
                    conn,
                    self._clock(),
                    transports=sorted(self._transports),
                    limit=limit,
                    chats=self._only_chats,
                )
            chosen: list[OutboxMessage] = []
            for row in rows:
                if len(chosen) >= free:
                    break
                chat = (row.transport, row.chat_id)
                if row.id in self._in_flight or row.id in self._marking:
                    continue
                busy = self._busy_chats.get(chat)
                if busy is not None:
                    self._displace(busy, row)
                    continue
                chosen.append(row)
            if self._claims is not None and chosen:
                chosen = await self._claim(chosen)
            started = 0
            for row in chosen:
                chat = (row.transport, row.chat_id)
                delivery = _Delivery(row)
                self._in_flight[row.id] = delivery
                self._busy_chats[chat] = delivery
                delivery.task = asyncio.create_task(
                    self._deliver(delivery), name=f"outbox-{row.id}"
                )
                delivery.task.add_done_callback(functools.partial(self._finished, delivery))
                started += 1
            return started

    async def _claim(self, rows: list[OutboxMessage]) -> list[OutboxMessage]:
        """The rows this replica may deliver now: claimed in one statement."""
        assert self._claims is not None
        now = self._clock()
        try:
            async with self._db.transaction() as conn:
                claimed = await outbox.claim_rows(
                    conn,
                    [r.id for r in rows],
                    holder=self._claims.holder,
                    now=now,
                    until=now + timedelta(seconds=self._claims.seconds),
                )
        except DatabaseLocked:
            return []
        if claimed.retaken:
            self.retaken += len(claimed.retaken)
            log.warning(
                "outbox: %d row(s) taken over from a replica whose claim expired; each may "
                "repeat once",
                len(claimed.retaken),
            )
        ids = set(claimed.ids)
        retaken = set(claimed.retaken)
        for row in rows:
            if row.id in retaken:
                self._report(row, "retaken")
        return [r for r in rows if r.id in ids]

    async def _renew_claims(self) -> None:
        """Every third of the claim time: the rows in flight stay this replica's."""
        assert self._claims is not None
        since = time.monotonic() - self._claims_renewed
        if not self._in_flight or since < self._claims.seconds / 3:
            return
        self._claims_renewed = time.monotonic()
        until = self._clock() + timedelta(seconds=self._claims.seconds)
        try:
            async with self._db.transaction() as conn:
                await outbox.renew_claims(
                    conn, list(self._in_flight), holder=self._claims.holder, until=until
                )
        except DatabaseLocked:
            self._claims_renewed = 0.0  # try again at the next pass

    def _displace(self, busy: _Delivery, urgent: OutboxMessage) -> None:
        """``urgent`` is its chat's head now, but a less urgent row of the chat is in flight:
        if that one has sent nothing yet (it waits for the pacer), cancel it, so the urgent
        row takes the chat at the next pass. The cancelled row stays pending as it was."""
        if busy.sending or busy.task is None or busy.row.priority <= urgent.priority:
            return
        log.debug("outbox row %d makes way for row %d", busy.row.id, urgent.id)
        busy.task.cancel()

    async def drain_once(self) -> int:
        """Start what is due and wait until those deliveries (and any before) are done."""
        started = await self.dispatch()
        tasks = [d.task for d in self._in_flight.values() if d.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        return started

    def _finished(self, delivery: _Delivery, task: asyncio.Task[None]) -> None:
        row = delivery.row
        self._in_flight.pop(row.id, None)
        if self._busy_chats.get((row.transport, row.chat_id)) is delivery:
            del self._busy_chats[(row.transport, row.chat_id)]
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox row %d: delivery crashed", row.id, exc_info=task.exception())
        # The chat's next row may be due now, and a place is free.
        self._wake.set()

    async def _deliver(self, delivery: _Delivery) -> None:
        row = delivery.row
        transport = self._transports[row.transport]
        pacer = self.pacers.get(row.transport)
        try:
            if row.kind in BATCHED_KINDS:
                delivery.batch = await self._batch(row)
            # The document is read only once it is this row's turn: dozens of deliveries may
            # be waiting for theirs, and none of them should hold a file meanwhile.
            messages = message_count(row.model_copy(update={"text": delivery.text}))
            turn = (
                pacer.slot(row.chat_id, messages=messages, priority=row.priority)
                if pacer is not None
                else contextlib.nullcontext()
            )
            async with turn:
                try:
                    await self._send(transport, delivery)
                except DeliveryError as exc:
                    if exc.retry_after is not None and pacer is not None:
                        # Before the place is given back, so no other send slips through.
                        pacer.pause(exc.retry_after)
                    raise
        except DatabaseLocked:
            return  # the document could not be read; still pending, the next pass retries
        except DeliveryError as exc:
            await self._record_failure(row, exc)
            return
        except Exception as exc:
            log.exception("outbox row %d: unexpected delivery error", row.id)
            await self._record_failure(row, DeliveryError(repr(exc)))
            return
        await self._mark_sent(row, delivery.batch)

    async def _batch(self, head: OutboxMessage) -> list[OutboxMessage]:
        """The chat's other due rows of the head's kind that fit in its message."""
        async with self._db.read() as conn:
            rows = await outbox.list_batch(conn, head, self._clock(), limit=MAX_BATCH_ROWS)
        taken: list[OutboxMessage] = []
        size = len(head.text)
        for row in rows:
            size += len(BATCH_SEPARATOR) + len(row.text)
            if size > MAX_BATCH_CHARS:
                break
            taken.append(row)
        return taken

    async def _send(self, transport: Transport, delivery: _Delivery) -> None:
        row = delivery.row
        if row.kind != MENU_KIND:
            reply = await self._render(row)
            if delivery.batch:
                reply = reply.model_copy(update={"text": delivery.text})
            delivery.sending = True
            if reply.edit_ref is not None and isinstance(transport, MessageEditing):
                # The same edit as the first time: after a crash it changes nothing visible.
                result = await transport.edit(row.chat_id, reply.edit_ref, reply)
                if result == "unchanged":
                    self._report(row, "edit_repeated")
                if result != "not_editable":
                    return
            await transport.deliver(row.chat_id, reply)
            return
        # A command menu: platforms without one have nothing to do, and the row is done.
        if isinstance(transport, CommandMenus):
            try:
                commands = decode_menu(row.text)
            except ValueError as exc:
                raise DeliveryError(f"menu cannot be read: {exc!r}", permanent=True) from exc
            delivery.sending = True
            await transport.set_menu(row.chat_id, commands)

    async def _render(self, row: OutboxMessage) -> Reply:
        document = None
        if row.document_name:
            async with self._db.read() as conn:
                document = await outbox.get_outbox_document(conn, row.id)
        try:
            if document is not None:
                # A big file is read from its own file, with the connection let go; a file
                # that is gone will not come back by retrying.
                document = await outbox.load_document_file(self._db.path, document)
            return outbox.decode_reply(row, document)
        except Exception as exc:
            # A row that cannot even be read back will not get better by retrying.
            log.exception("outbox row %d cannot be rendered", row.id)
            raise DeliveryError(f"cannot be rendered: {exc!r}", permanent=True) from exc

    def pending_replies(self, transport: str, chat_id: str) -> bool:
        return bool(self._deferred.get((transport, chat_id)))

    async def defer_reply(
        self, transport: str, chat_id: str, reply: Reply, *, partial: bool
    ) -> None:
        """A transport could not send this answer within its short wait (rate limits, a full
        pace, an error that may pass): deliver it from the outbox, as soon as the pace allows.

        A durable reply already has its row, written with the change it reports: the row is
        made due now; if its first part(s) went out, that row is marked sent and the rest
        gets a row of its own. Any other answer gets a row now (kind 'reply': urgent)."""
        now = self._clock()
        delay = 0.05
        while True:
            try:
                async with self._db.transaction() as conn:
                    if reply.outbox_id is not None and not partial:
                        await outbox.set_outbox_retry(
                            conn, reply.outbox_id, not_before=now, error="deferred by transport"
                        )
                        row_id = reply.outbox_id
                    else:
                        if reply.outbox_id is not None:
                            await outbox.set_outbox_sent(conn, reply.outbox_id, now)
                        row_id = await outbox.add_reply(
                            conn,
                            Recipient(transport=transport, chat_id=chat_id),
                            reply,
                            kind="reply",
                            now=now,
                        )
                break
            except DatabaseLocked:
                # The answer exists only in memory: keep trying, as marks do.
                log.warning("outbox: deferred reply to %s:%s not written yet", transport, chat_id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._deferred.setdefault((transport, chat_id), set()).add(row_id)
        self.wake()

    def _settled(self, row: OutboxMessage) -> None:
        """A row left the outbox (sent, or failed for good): no longer holds its chat back."""
        chat = (row.transport, row.chat_id)
        rows = self._deferred.get(chat)
        if rows is not None:
            rows.discard(row.id)
            if not rows:
                del self._deferred[chat]

    async def mark_delivered(self, outbox_id: int) -> None:
        """A transport delivered this row itself (a durable reply): mark it sent.

        Until the mark is committed the row is held here, so however long the database stays
        locked, the worker never takes the row up after its grace period and sends it again.
        """
        self._marking.add(outbox_id)
        try:
            await self._commit_sent(outbox_id)
        finally:
            self._marking.discard(outbox_id)

    async def _mark_sent(self, row: OutboxMessage, batch: list[OutboxMessage]) -> None:
        # The platform has the message. Until the mark is committed the row stays in flight,
        # so this process never offers it again; a locked database only delays the mark.
        await self._commit_sent(row.id, *(r.id for r in batch))
        self.delivered += 1 + len(batch)
        self._settled(row)
        self._report(row, "sent")
        if row.document_path is not None:
            # Delivered and marked: the file (personal data, often) goes at once.
            await self._remove_file(row.document_path)

    async def _remove_file(self, name: str) -> None:
        folder = outbox_files.folder_of(self._db.path)
        if folder is None:
            return
        try:
            await asyncio.to_thread(outbox_files.remove, folder, name)
        except (OSError, ValueError) as exc:
            log.warning("outbox file of a delivered row not removed (%s); swept later", exc)

    async def sweep_files(self) -> int:
        """Remove the outbox files no unsent row names any more (storage/outbox_files.py):
        delivered, given up, forgotten, or of a report whose row never committed."""
        folder = outbox_files.folder_of(self._db.path)
        if folder is None:
            return 0
        try:
            async with self._db.read() as conn:
                keep = await outbox.list_pending_files(conn)
            return await asyncio.to_thread(outbox_files.sweep, folder, keep)
        except Exception:
            # Left for the next sweep: a file is only in the way of the disk, not of a send.
            log.exception("outbox files not swept")
            return 0

    async def _commit_sent(self, outbox_id: int, *more: int) -> None:
        """Retry the mark with backoff until it commits; only a stop ends the retries (after
        STOP_GRACE_SECONDS), leaving the one repeat the restart may cause."""
        delay = 0.05
        while True:
            try:
                async with self._db.transaction() as conn:
                    if more:
                        await outbox.set_outbox_sent_many(conn, (outbox_id, *more), self._clock())
                    else:
                        await outbox.set_outbox_sent(conn, outbox_id, self._clock())
                return
            except Exception as exc:
                stopping = self._stopping_since
                if stopping is not None and time.monotonic() - stopping > STOP_GRACE_SECONDS:
                    log.error(
                        "outbox row %d delivered but never marked (%s); it may be sent again "
                        "after the restart",
                        outbox_id,
                        exc,
                    )
                    return
                if isinstance(exc, DatabaseLocked):
                    log.warning(
                        "outbox row %d delivered, not yet marked (database locked); retry in %.2fs",
                        outbox_id,
                        delay,
                    )
                else:
                    log.exception("outbox row %d delivered but not yet marked; retrying", outbox_id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _record_failure(self, row: OutboxMessage, exc: DeliveryError) -> None:
        now = self._clock()
        try:
            async with self._db.transaction() as conn:
                # A rate limit or a refused token is waited out however long it lasts: the
                # platform said when to come back, so such a row is never given up.
                gave_up = row.attempts + 1 >= MAX_ATTEMPTS and exc.retry_after is None
                if exc.permanent or gave_up:
                    await outbox.set_outbox_failed(conn, row.id, now=now, error=str(exc))
                    self._settled(row)
                    newly = False
                    if isinstance(exc, Unreachable):
                        newly = await self._mark_unreachable(conn, row, now)
                    self.failed += 1
                    self._report(row, "unreachable" if isinstance(exc, Unreachable) else "failed")
                    log.warning(
                        "outbox row %d to %s:%s failed for good after %d attempt(s): %s%s",
                        row.id,
                        row.transport,
                        row.chat_id,
                        row.attempts + 1,
                        exc,
                        "; member marked unreachable" if newly else "",
                    )
                    return
                if exc.retry_after is not None:
                    delay = exc.retry_after
                else:
                    delay = backoff_seconds(row.attempts)
                await outbox.set_outbox_retry(
                    conn, row.id, not_before=now + timedelta(seconds=delay), error=str(exc)
                )
            self._report(row, "rate_limited" if exc.retry_after is not None else "retried")
        except DatabaseLocked:
            # Nothing was recorded: the row is still pending and due, so it is simply retried.
            log.warning("outbox row %d: failure not recorded (database locked): %s", row.id, exc)
            return
        log.info("outbox row %d: retry in %.1fs (%s)", row.id, delay, exc)

    def _report(self, row: OutboxMessage, result: str) -> None:
        if self.on_result is not None:
            self.on_result(row.transport, result)

    async def _mark_unreachable(
        self, conn: aiosqlite.Connection, row: OutboxMessage, now: datetime
    ) -> bool:
        member_id = await outbox.get_outbox_member_id(conn, row.id)
        if member_id is None:
            return False
        member = await members.get_member(conn, member_id)
        # Only when the row went to the member's own chat: a refusal from a team room or
        # another chat says nothing about whether the member can be reached.
        if (
            member is None
            or member.identity.transport != row.transport
            or member.chat_id != row.chat_id
        ):
            return False
        return await members.set_unreachable(conn, member.id, now)
