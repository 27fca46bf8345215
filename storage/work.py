"""The door a unit of work writes through besides its domain rows: outbox rows and audit rows.

A chat turn (handlers.core.context.Turn) and a job outside any chat (handlers.core.context.Job:
digests, housekeeping, the menus at start) are both a Work: one transaction's connection, its
moment, and who the audit log names. Outbox rows are built here, from a Reply, by the one codec that
the delivery worker decodes with (storage.outbox.encode_reply / decode_reply), so no caller spells
out a row's columns, and queuing one is what tells the worker to look.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage.audit import add_audit
from storage.db import Conn
from storage.models import Actor, Member, OutboxKind, Recipient, Reply
from storage.outbox import add_reply, batch_slot, latest_texts, withhold_pending


@dataclass(kw_only=True)
class Work:
    conn: Conn
    now: datetime
    # Set when a row due now was queued, so the outbox worker is woken after the commit.
    wrote_outbox: bool = False
    # The audit actions written: what changed, for whoever acts after the commit (the engine
    # re-checks subscribed rooms after any "member." change, handlers/core/room_policy.py).
    audited: list[str] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        """Who the audit rows of this work name unless told otherwise."""
        raise NotImplementedError

    async def notify(
        self,
        recipient: Member | Recipient,
        reply: Reply,
        kind: OutboxKind = "notice",
        *,
        not_before: datetime | None = None,
        batch: timedelta | None = None,
        document_file: str | None = None,
    ) -> int:
        """Queue ``reply`` for ``recipient`` (a member: their private chat) in this
        transaction; returns the row's id. ``not_before`` holds the row back (a durable reply
        its transport is about to send itself). ``batch``: at most one message of this kind
        per that long to the chat; the row waits for the chat's next batch
        (storage.outbox.batch_slot), and the worker sends the batch as one message.
        ``document_file``: the reply's document was spooled there (storage/outbox_files.py)."""
        to = recipient if isinstance(recipient, Recipient) else Recipient.of(recipient)
        if batch is not None and batch.total_seconds() > 0 and not_before is None:
            not_before = await batch_slot(
                self.conn,
                transport=to.transport,
                chat_id=to.chat_id,
                kind=kind,
                now=self.now,
                window=batch,
            )
        row_id = await add_reply(
            self.conn,
            to,
            reply,
            kind=kind,
            now=self.now,
            not_before=not_before,
            document_file=document_file,
        )
        if not_before is None or not_before <= self.now:
            self.wrote_outbox = True
        return row_id

    async def withhold(
        self, transport: str, chat_id: str, kinds: tuple[OutboxKind, ...], reason: str
    ) -> int:
        """Never send the chat's pending rows of ``kinds`` (a room the room policy held);
        returns how many were pending."""
        return await withhold_pending(
            self.conn,
            transport=transport,
            chat_id=chat_id,
            kinds=kinds,
            now=self.now,
            reason=reason,
        )

    async def audit(
        self,
        action: str,
        target: str | None,
        summary: str | None = None,
        *,
        params: Mapping[str, object] | None = None,
        actor: Actor | None = None,
    ) -> None:
        """The audit row of a change, in the change's own transaction.

        ``action`` is a code with an ``audit.action.<action>`` name in the catalogs;
        ``params`` (JSON values) fill ``audit.detail.<action>`` in the reader's language
        (handlers/admin/audit_log.py). ``summary`` is free text shown as it is.
        """
        who = actor if actor is not None else self.actor
        self.audited.append(action)
        await add_audit(
            self.conn,
            actor_id=who.id,
            actor_label=who.label,
            action=action,
            target=target,
            summary=summary,
            params=params,
            now=self.now,
        )

    async def latest_queued(self, kind: OutboxKind) -> dict[int, str]:
        """member id -> the text of the newest row of ``kind`` queued for them (sent or not),
        in one pass over the outbox (the menus' check at start)."""
        return await latest_texts(self.conn, kind=kind)
