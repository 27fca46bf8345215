"""The outbox: messages to deliver, written in the same transaction as what they report.

Each row has a priority, set here from its kind and nowhere else: under a fan-out of
thousands of bulk notices, a person's answer or a critical alert must not queue behind them.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Final, NamedTuple

import aiosqlite
from pydantic import TypeAdapter

from storage import outbox_files
from storage.db import fetch_all, fetch_one, is_postgres, run_in_db_thread
from storage.models import Choice, Document, OutboxKind, OutboxMessage, Recipient, Reply
from storage.timefmt import from_db, opt_from_db, to_db


class Priority(IntEnum):
    """Lower goes first. Stored in outbox.priority (migration v008)."""

    # Someone is waiting for it: the answer to what they just did, a life-at-risk alert.
    URGENT = 0
    # A change to a request someone follows, an account or menu change: soon, not instantly.
    LIFECYCLE = 1
    # Many rows at once, none of them awaited: digests, broadcasts, colleagues' FYI.
    BULK = 2


# The one place a kind gets its priority; a kind not listed is a lifecycle notice.
PRIORITY_BY_KIND: Final[dict[str, Priority]] = {
    "reply": Priority.URGENT,
    "alert": Priority.URGENT,
    "notice": Priority.LIFECYCLE,
    "reconfirm": Priority.LIFECYCLE,
    "menu": Priority.LIFECYCLE,
    "digest": Priority.BULK,
    "broadcast": Priority.BULK,
    "colleague": Priority.BULK,
}


def priority_of(kind: str) -> Priority:
    return PRIORITY_BY_KIND.get(kind, Priority.LIFECYCLE)


def _row(row: aiosqlite.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        transport=row["transport"],
        chat_id=row["chat_id"],
        text=row["text"],
        kind=row["kind"],
        priority=row["priority"],
        choices_json=row["choices"],
        # The file holding a big document (storage/outbox_files.py), when the row names one.
        document_path=row["document_file"],
        document_name=row["document_name"],
        created_at=from_db(row["created_at"]),
        not_before=from_db(row["not_before"]),
        attempts=row["attempts"],
        sent_at=opt_from_db(row["sent_at"]),
        failed_at=opt_from_db(row["failed_at"]),
        last_error=row["last_error"],
        edit_ref=row["edit_ref"],
    )


async def add_outbox(
    conn: aiosqlite.Connection,
    *,
    transport: str,
    chat_id: str,
    text: str,
    now: datetime,
    not_before: datetime | None = None,
    member_id: int | None = None,
    kind: str = "notice",
    choices_json: str | None = None,
    document_name: str | None = None,
    document_mime: str | None = None,
    document: bytes | None = None,
    caption: str | None = None,
    edit_ref: str | None = None,
    document_file: str | None = None,
) -> int:
    """``caption`` goes with the document as one message; ``text`` follows it. ``edit_ref``:
    the message this row edits (Reply.edit_ref). ``document_file``: the document's bytes are
    in that file of storage/outbox_files.py's folder, not in ``document``."""
    cur = await conn.execute(
        "INSERT INTO outbox (transport, chat_id, member_id, kind, priority, text, choices,"
        " document_name, document_mime, document, caption, created_at, not_before, edit_ref,"
        " document_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            transport,
            chat_id,
            member_id,
            kind,
            int(priority_of(kind)),
            text,
            choices_json,
            document_name,
            document_mime,
            document,
            caption,
            to_db(now),
            to_db(not_before or now),
            edit_ref,
            document_file,
        ),
    )
    return int(cur.lastrowid or 0)


# --- the one codec between a Reply and an outbox row ---------------------------------------

_CHOICES = TypeAdapter(tuple[tuple[Choice, ...], ...])


@dataclass(frozen=True)
class EncodedReply:
    """A Reply as the outbox's columns hold it."""

    text: str
    choices_json: str | None
    document_name: str | None = None
    document_mime: str | None = None
    document: bytes | None = None
    caption: str | None = None
    edit_ref: str | None = None


def encode_reply(reply: Reply) -> EncodedReply:
    """What an outbox row keeps of a Reply: what is shown (text, buttons, a file).

    How it was shown the first time (``replace``, ``toast``) and where (``chat``) mean nothing
    to a later delivery: the recipient is the row's own; what a later delivery edits is
    ``edit_ref`` (migration v013). A document's caption has its own column (migration v010): it
    goes with the file as one message.
    """
    choices = (
        json.dumps([[c.model_dump() for c in line] for line in reply.choices])
        if reply.choices
        else None
    )
    doc = reply.document
    if doc is None:
        return EncodedReply(text=reply.text, choices_json=choices, edit_ref=reply.edit_ref)
    return EncodedReply(
        text=reply.text,
        choices_json=choices,
        document_name=doc.filename,
        document_mime=doc.mime_type,
        document=doc.data,
        caption=doc.caption,
    )


def decode_reply(row: OutboxMessage, document: OutboxDocument | None) -> Reply:
    """The Reply a row was written from; ``document`` is get_outbox_document's answer (read
    separately, only when the row is delivered). Raises ValueError for a row it cannot read."""
    choices = _CHOICES.validate_json(row.choices_json) if row.choices_json else ()
    doc = None
    if document is not None:
        if document.file is not None:
            raise ValueError("the document's file was not read (load_document_file)")
        doc = Document(
            filename=document.name,
            mime_type=document.mime,
            data=document.data,
            caption=document.caption,
        )
    return Reply(text=row.text, choices=choices, document=doc, edit_ref=row.edit_ref)


async def add_reply(
    conn: aiosqlite.Connection,
    recipient: Recipient,
    reply: Reply,
    *,
    kind: OutboxKind,
    now: datetime,
    not_before: datetime | None = None,
    document_file: str | None = None,
) -> int:
    """The outbox row that delivers ``reply`` to ``recipient``; returns its id.
    ``document_file``: the reply's document was spooled to that file (storage/outbox_files.py)
    and the row keeps only its name."""
    encoded = encode_reply(reply)
    return await add_outbox(
        conn,
        transport=recipient.transport,
        chat_id=recipient.chat_id,
        text=encoded.text,
        now=now,
        not_before=not_before,
        member_id=recipient.member_id,
        kind=kind,
        choices_json=encoded.choices_json,
        document_name=encoded.document_name,
        document_mime=encoded.document_mime,
        document=None if document_file is not None else encoded.document,
        caption=encoded.caption,
        edit_ref=encoded.edit_ref,
        document_file=document_file,
    )


# --- delivery ---------------------------------------------------------------------------------

Chat = tuple[str, str]


def _chats_clause(chats: Collection[Chat] | None, alias: str = "") -> tuple[str, list[object]]:
    """SQL restricting rows to ``chats`` (transport, chat_id); no restriction for None."""
    if chats is None:
        return "", []
    if not chats:
        return " AND 0", []
    ordered = sorted(chats)
    pair = f"({alias}transport = ? AND {alias}chat_id = ?)"
    sql = " AND (" + " OR ".join(pair for _ in ordered) + ")"
    return sql, [part for chat in ordered for part in chat]


# A chat's head: its first pending row in (priority, id) order. Only heads are offered, so a
# chat gets its rows of one priority in the order written, and a row waiting for its retry
# holds back the rows behind it; a more urgent row overtakes the chat's less urgent ones.
# The planner walks ``outbox_due`` for the candidates, in delivery order (no sort step), and
# probes ``outbox_chat_head`` for "anything pending before it in this chat?";
# tests/storage/test_outbox_priority.py checks that plan. The walk is bounded (its LIMIT is
# the number of candidates, not of heads): a backlog of 100,000 rows in a few chats is nearly
# all non-heads, and an unbounded walk passed every one of them on each dispatch pass
# (150 ms at 100,000 rows in one chat, issue 17). When the bounded walk finds too few heads,
# ``_heads_by_chat`` asks each pending chat for its head instead.
# "Before it" is two probes, each an index range: a row value ``(priority, id) < (...)``
# is searched from the start of the chat's rows of that priority, which for the head of a
# chat with 100,000 rows read them all.
_DUE_HEADS = """
SELECT o.id, NOT EXISTS (
    SELECT 1 FROM outbox AS e
    WHERE e.transport = o.transport AND e.chat_id = o.chat_id
      AND e.sent_at IS NULL AND e.failed_at IS NULL
      AND e.priority < o.priority)
  AND NOT EXISTS (
    SELECT 1 FROM outbox AS e
    WHERE e.transport = o.transport AND e.chat_id = o.chat_id
      AND e.sent_at IS NULL AND e.failed_at IS NULL
      AND e.priority = o.priority AND e.id < o.id) AS head
FROM (
  SELECT id, transport, chat_id, priority, not_before FROM outbox
  WHERE sent_at IS NULL AND failed_at IS NULL AND priority = ? AND not_before <= ?
    AND transport IN ({transports}){chats}
  ORDER BY not_before, id
  LIMIT ?) AS o
"""
# Candidates one walk looks at, per priority, for every head wanted.
_WALK_PER_HEAD = 4
_WALK_MIN = 256
# The next pending chat after a given one, by a seek in ``outbox_chat_head``: first in the
# same transport, then in the next one. (A row value ``(transport, chat_id) > (?, ?)`` is
# searched from the given chat's first row, passing all its rows.)
_NEXT_CHAT = """
SELECT transport, chat_id FROM outbox INDEXED BY outbox_chat_head
WHERE sent_at IS NULL AND failed_at IS NULL AND transport = ? AND chat_id > ?
ORDER BY chat_id LIMIT 1
"""
_NEXT_TRANSPORT = """
SELECT transport, chat_id FROM outbox INDEXED BY outbox_chat_head
WHERE sent_at IS NULL AND failed_at IS NULL AND transport > ?
ORDER BY transport, chat_id LIMIT 1
"""
_CHAT_HEAD = """
SELECT id, priority, not_before FROM outbox
WHERE transport = ? AND chat_id = ? AND sent_at IS NULL AND failed_at IS NULL
ORDER BY priority, id LIMIT 1
"""


def due_heads_sql(transports: int, chats: Collection[Chat] | None) -> tuple[str, list[object]]:
    """The due-heads query of one priority (its parameters: priority, now, the transports,
    the chats' arguments returned here, the number of candidates to look at); tests read its
    plan. It answers (id, is the chat's head) for each candidate."""
    only, only_args = _chats_clause(chats, alias="")
    marks = ", ".join("?" for _ in range(transports))
    return _DUE_HEADS.format(transports=marks, chats=only), only_args


def _heads_by_chat(
    raw: sqlite3.Connection,
    moment: str,
    transports: Sequence[str],
    chats: Collection[Chat] | None,
) -> list[tuple[int, str, int]]:
    """Every pending chat's head that is due, as (priority, not_before, id): one index seek
    per pending chat, so its cost follows the number of chats, not of rows."""
    wanted = set(transports)
    only = None if chats is None else set(chats)
    heads: list[tuple[int, str, int]] = []
    chat: tuple[str, str] = ("", "")
    while True:
        row = raw.execute(_NEXT_CHAT, chat).fetchone()
        if row is None:
            row = raw.execute(_NEXT_TRANSPORT, chat[:1]).fetchone()
        if row is None:
            return heads
        chat = (str(row[0]), str(row[1]))
        if chat[0] not in wanted or (only is not None and chat not in only):
            continue
        head = raw.execute(_CHAT_HEAD, chat).fetchone()
        if head is not None and head[2] <= moment:
            heads.append((int(head[1]), str(head[2]), int(head[0])))


async def list_due_heads(
    conn: aiosqlite.Connection,
    now: datetime,
    *,
    transports: Sequence[str],
    limit: int = 100,
    chats: Collection[Chat] | None = None,
) -> list[OutboxMessage]:
    """Up to ``limit`` chat heads that are due, most urgent first, then oldest due first.

    One priority at a time, each a bounded index walk: the cost follows ``limit``, not the
    number pending; when the walk meets mostly rows queued behind heads, each pending chat is
    asked for its head (the cost then follows the number of chats).
    ``chats`` limits the rows to those chats (a console process delivers only its own).
    """
    if not transports or limit <= 0:
        return []
    sql, only_args = due_heads_sql(len(transports), chats)
    moment = to_db(now)
    walk = max(_WALK_MIN, _WALK_PER_HEAD * limit)

    def query(raw: sqlite3.Connection) -> list[sqlite3.Row]:
        ids: list[int] = []
        for priority in Priority:
            wanted = limit - len(ids)
            if wanted <= 0:
                break
            args = [int(priority), moment, *transports, *only_args, walk]
            candidates = raw.execute(sql, args).fetchall()
            heads = [int(row[0]) for row in candidates if row[1]]
            if len(candidates) == walk and len(heads) < wanted:
                ordered = sorted(_heads_by_chat(raw, moment, transports, chats))
                ids = [head[2] for head in ordered[:limit]]
                break
            ids += heads[:wanted]
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = raw.execute(f"SELECT * FROM outbox WHERE id IN ({marks})", ids).fetchall()
        by_id = {int(row["id"]): row for row in rows}
        return [by_id[i] for i in ids]

    # All priorities in one trip to the database thread.
    return [_row(r) for r in await run_in_db_thread(conn, query)]


async def get_outbox_member_id(conn: aiosqlite.Connection, outbox_id: int) -> int | None:
    """The member a row is addressed to, if it was written for one."""
    row = await fetch_one(conn, "SELECT member_id FROM outbox WHERE id = ?", (outbox_id,))
    return None if row is None or row["member_id"] is None else int(row["member_id"])


class OutboxDocument(NamedTuple):
    name: str
    mime: str
    data: bytes
    caption: str | None
    # The file holding the bytes (storage/outbox_files.py); ``data`` is empty until
    # ``load_document_file`` reads it.
    file: str | None = None


async def get_outbox_document(conn: aiosqlite.Connection, outbox_id: int) -> OutboxDocument | None:
    """The row's document; one kept in a file comes without its bytes (read them with
    ``load_document_file`` after letting go of the connection)."""
    row = await fetch_one(
        conn,
        "SELECT document_name, document_mime, document, caption, document_file FROM outbox"
        " WHERE id = ?",
        (outbox_id,),
    )
    if row is None:
        return None
    if row["document_file"] is not None:
        return OutboxDocument(
            str(row["document_name"]),
            str(row["document_mime"]),
            b"",
            row["caption"],
            str(row["document_file"]),
        )
    if row["document"] is None:
        return None
    return OutboxDocument(
        str(row["document_name"]), str(row["document_mime"]), bytes(row["document"]), row["caption"]
    )


async def load_document_file(db_path: str, document: OutboxDocument) -> OutboxDocument:
    """``document`` with its bytes read from its file, in a worker thread (no lock held)."""
    if document.file is None:
        return document
    folder = outbox_files.folder_of(db_path)
    if folder is None:
        raise ValueError("an in-memory database keeps no outbox files")
    data = await asyncio.to_thread(outbox_files.read, folder, document.file)
    return document._replace(data=data, file=None)


async def list_pending_files(conn: aiosqlite.Connection) -> set[str]:
    """The files that unsent, not given-up rows still name (storage/outbox_files.sweep)."""
    rows = await fetch_all(
        conn,
        "SELECT document_file FROM outbox WHERE document_file IS NOT NULL"
        " AND sent_at IS NULL AND failed_at IS NULL",
    )
    return {str(row[0]) for row in rows}


async def get_outbox(conn: aiosqlite.Connection, outbox_id: int) -> OutboxMessage | None:
    row = await fetch_one(conn, "SELECT * FROM outbox WHERE id = ?", (outbox_id,))

    return _row(row) if row else None


async def set_outbox_sent(conn: aiosqlite.Connection, outbox_id: int, now: datetime) -> bool:
    cur = await conn.execute(
        "UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
        (to_db(now), outbox_id),
    )
    return cur.rowcount == 1


async def set_outbox_retry(
    conn: aiosqlite.Connection, outbox_id: int, *, not_before: datetime, error: str
) -> None:
    # The claim ends with the attempt: whichever replica is free when the row is due again
    # takes it (it is still its chat's head, so the chat's order holds).
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ?,"
        " claimed_by = NULL, claim_until = NULL WHERE id = ?",
        (to_db(not_before), error[:500], outbox_id),
    )


async def set_outbox_failed(
    conn: aiosqlite.Connection, outbox_id: int, *, now: datetime, error: str
) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?",
        (to_db(now), error[:500], outbox_id),
    )


async def set_all_pending_due(
    conn: aiosqlite.Connection,
    now: datetime,
    *,
    created_before: datetime | None = None,
    chats: Collection[Chat] | None = None,
) -> int:
    """At start-up: rows that a previous process meant to send itself are now the worker's.

    ``created_before`` leaves alone the replies this process has already written (its
    transport may be sending them right now), so the worker never sends one a second time.
    ``chats`` leaves alone the replies of chats another process serves.
    """
    only, only_args = _chats_clause(chats)
    sql = (
        "UPDATE outbox SET not_before = ? WHERE sent_at IS NULL AND failed_at IS NULL"
        f" AND not_before > ? AND kind = 'reply'{only}"
    )
    args: list[object] = [to_db(now), to_db(now), *only_args]
    if created_before is not None:
        sql += " AND created_at < ?"
        args.append(to_db(created_before))
    cur = await conn.execute(sql, args)
    return cur.rowcount


# --- claims: several replicas delivering from one outbox (issue 16) -----------------------

# One statement claims the rows a replica is about to send: each only if it is still pending,
# not claimed by another replica whose claim runs, and no other pending row of its chat is
# claimed by another replica (one replica at a time per chat keeps the chat's order). SQLite
# has one writer at a time, so nothing can change between the test and the write.
_CLAIM = """
UPDATE outbox SET claimed_by = ?, claim_until = ?
WHERE id IN ({ids}) AND sent_at IS NULL AND failed_at IS NULL
  AND (claimed_by IS NULL OR claimed_by = ? OR claim_until <= ?)
  AND NOT EXISTS (
    SELECT 1 FROM outbox AS e
    WHERE e.transport = outbox.transport AND e.chat_id = outbox.chat_id
      AND e.sent_at IS NULL AND e.failed_at IS NULL AND e.id <> outbox.id
      AND e.claimed_by IS NOT NULL AND e.claimed_by <> ? AND e.claim_until > ?)
RETURNING id
"""

# PostgreSQL runs the replicas' transactions side by side (READ COMMITTED), so the claim is
# two statements there, neither of which ever waits for another replica:
# 1. each asked row's chat is locked for this transaction with a try-lock (an advisory lock
#    keyed by the chat, released at COMMIT); a chat another replica is claiming in right now
#    is left out. Without it two replicas could claim two different rows of one chat at once
#    (an urgent row overtaking a bulk one), each statement reading the other's claim as not
#    yet committed. The CTE is MATERIALIZED so the lock is tried for the asked rows only,
#    never for rows of a whole-table scan.
# 2. `SELECT ... FOR UPDATE SKIP LOCKED` takes the rows: a row another transaction holds
#    (a replica marking it sent, a turn editing it) is skipped, not waited for (a wait would
#    hold up this replica's one writer connection, and every turn behind it). The statement
#    starts after step 1, so its snapshot already sees a claim committed before the chat
#    lock was won, and the NOT EXISTS below decides on it.
_CHAT_LOCKS = 0x0A1D  # the project's namespace (first key) of advisory locks on chats
_CLAIM_CHATS_PG = f"""
WITH asked AS MATERIALIZED (SELECT id, transport, chat_id FROM outbox WHERE id IN ({{ids}}))
SELECT id FROM asked
WHERE pg_try_advisory_xact_lock({_CHAT_LOCKS}, hashtext(transport || ' ' || chat_id))
"""
_CLAIM_PG = """
UPDATE outbox SET claimed_by = ?, claim_until = ?
WHERE id IN (
    SELECT id FROM outbox
    WHERE id IN ({ids}) AND sent_at IS NULL AND failed_at IS NULL
      AND (claimed_by IS NULL OR claimed_by = ? OR claim_until <= ?)
    FOR UPDATE SKIP LOCKED)
  AND NOT EXISTS (
    SELECT 1 FROM outbox AS e
    WHERE e.transport = outbox.transport AND e.chat_id = outbox.chat_id
      AND e.sent_at IS NULL AND e.failed_at IS NULL AND e.id <> outbox.id
      AND e.claimed_by IS NOT NULL AND e.claimed_by <> ? AND e.claim_until > ?)
RETURNING id
"""


class Claimed(NamedTuple):
    ids: list[int]
    # Of those, rows another replica had claimed and let expire (it died, or stalled): each
    # may have been in flight there, so each may repeat once (an edit as the same edit).
    retaken: list[int]


async def claim_rows(
    conn: aiosqlite.Connection,
    outbox_ids: Collection[int],
    *,
    holder: str,
    now: datetime,
    until: datetime,
) -> Claimed:
    """Claim ``outbox_ids`` for ``holder`` until ``until``; call inside a write transaction.
    Returns the rows claimed (the others are another replica's now)."""
    if not outbox_ids:
        return Claimed([], [])
    ids = sorted(outbox_ids)
    marks = ", ".join("?" for _ in ids)
    moment = to_db(now)
    stale = await fetch_all(
        conn,
        f"SELECT id FROM outbox WHERE id IN ({marks}) AND claimed_by IS NOT NULL"
        " AND claimed_by <> ? AND claim_until <= ?",
        (*ids, holder, moment),
    )
    statement = _CLAIM
    if is_postgres(conn):
        free = await fetch_all(conn, _CLAIM_CHATS_PG.format(ids=marks), ids)
        ids = sorted(int(r[0]) for r in free)
        if not ids:
            return Claimed([], [])
        marks = ", ".join("?" for _ in ids)
        statement = _CLAIM_PG
    rows = await fetch_all(
        conn,
        statement.format(ids=marks),
        (holder, to_db(until), *ids, holder, moment, holder, moment),
    )
    claimed = sorted(int(r[0]) for r in rows)
    taken = set(claimed)
    return Claimed(claimed, [int(r[0]) for r in stale if int(r[0]) in taken])


async def renew_claims(
    conn: aiosqlite.Connection, outbox_ids: Collection[int], *, holder: str, until: datetime
) -> int:
    """Extend the claims ``holder`` still has on rows it is delivering."""
    if not outbox_ids:
        return 0
    marks = ", ".join("?" for _ in outbox_ids)
    cur = await conn.execute(
        f"UPDATE outbox SET claim_until = ? WHERE claimed_by = ? AND id IN ({marks})"
        " AND sent_at IS NULL AND failed_at IS NULL",
        (to_db(until), holder, *outbox_ids),
    )
    return cur.rowcount


async def release_claims(conn: aiosqlite.Connection, *, holder: str) -> int:
    """A clean stop: the rows ``holder`` claimed and did not finish are anyone's at once."""
    cur = await conn.execute(
        "UPDATE outbox SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = ?"
        " AND sent_at IS NULL AND failed_at IS NULL",
        (holder,),
    )
    return cur.rowcount


# --- batches: several rows of one kind to one chat, delivered as one message --------------


async def batch_slot(
    conn: aiosqlite.Connection,
    *,
    transport: str,
    chat_id: str,
    kind: str,
    now: datetime,
    window: timedelta,
) -> datetime:
    """When a new row of ``kind`` for this chat is due, for at most one message per ``window``.

    ``last`` is the latest due time of the chat's rows of that kind (sent, pending or being
    retried). Still ahead: the new row joins that batch. Otherwise the chat's last message
    of the kind went out at ``last``, so the new row is due now, or ``window`` after it. The
    first notice after a quiet spell goes at once; the ones that follow it within the window
    wait and go together (bot/outbox.py joins due rows of a batch into one message).
    """
    row = await fetch_one(
        conn,
        "SELECT MAX(not_before) FROM outbox WHERE transport = ? AND chat_id = ? AND kind = ?",
        (transport, chat_id, kind),
    )
    if row is None or row[0] is None:
        return now
    last = from_db(row[0])
    if last > now:
        return last
    return max(now, last + window)


async def list_batch(
    conn: aiosqlite.Connection, head: OutboxMessage, now: datetime, *, limit: int
) -> list[OutboxMessage]:
    """The rows that go with ``head`` in one message: pending rows of its chat and kind that
    are due, after it, text only (no buttons, no file), oldest first; ``head`` not included."""
    rows = await fetch_all(
        conn,
        "SELECT * FROM outbox WHERE transport = ? AND chat_id = ? AND kind = ?"
        " AND sent_at IS NULL AND failed_at IS NULL AND not_before <= ? AND id > ?"
        " AND choices IS NULL AND document_name IS NULL ORDER BY id LIMIT ?",
        (head.transport, head.chat_id, head.kind, to_db(now), head.id, limit),
    )
    return [_row(r) for r in rows]


async def set_outbox_sent_many(
    conn: aiosqlite.Connection, outbox_ids: Collection[int], now: datetime
) -> int:
    marks = ", ".join("?" for _ in outbox_ids)
    if not marks:
        return 0
    cur = await conn.execute(
        "UPDATE outbox SET sent_at = ?, attempts = attempts + 1"
        f" WHERE id IN ({marks}) AND sent_at IS NULL",
        (to_db(now), *outbox_ids),
    )
    return cur.rowcount


async def withhold_pending(
    conn: aiosqlite.Connection,
    *,
    transport: str,
    chat_id: str,
    kinds: Collection[str],
    now: datetime,
    reason: str,
) -> int:
    """Give up the chat's pending rows of ``kinds`` (the room policy held the room): marked
    failed with ``reason``, so they are never sent there, and kept for the record."""
    marks = ", ".join("?" for _ in kinds)
    if not marks:
        return 0
    cur = await conn.execute(
        "UPDATE outbox SET failed_at = ?, last_error = ? WHERE transport = ? AND chat_id = ?"
        f" AND kind IN ({marks}) AND sent_at IS NULL AND failed_at IS NULL",
        (to_db(now), reason[:500], transport, chat_id, *kinds),
    )
    return cur.rowcount


async def count_pending_outbox(conn: aiosqlite.Connection) -> int:
    row = await fetch_one(
        conn, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    )

    return int(row[0]) if row else 0


class OutboxBacklog(NamedTuple):
    pending: int
    # The earliest not_before among pending rows (None when nothing is pending); in the past,
    # it says how long the oldest due row has waited.
    oldest_due: datetime | None


async def outbox_backlog(conn: aiosqlite.Connection) -> OutboxBacklog:
    """Pending rows and the oldest one's due time, from the partial index outbox_pending."""
    row = await fetch_one(
        conn,
        "SELECT COUNT(*), MIN(not_before) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    if row is None:
        return OutboxBacklog(0, None)
    return OutboxBacklog(int(row[0]), opt_from_db(row[1]))


async def latest_texts(conn: aiosqlite.Connection, *, kind: str) -> dict[int, str]:
    """member id -> the text of that member's newest row of this kind, delivered or not.
    One pass over the table (run once at start), not one query per member."""
    cursor = await conn.execute(
        "SELECT member_id, text FROM outbox WHERE id IN"
        " (SELECT MAX(id) FROM outbox WHERE kind = ? AND member_id IS NOT NULL"
        " GROUP BY member_id)",
        (kind,),
    )
    return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}
