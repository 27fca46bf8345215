"""Figures for admins (/stats): requests, members, the outbox backlog and digests.

Every figure is one aggregate query over indexed or small tables; nothing is loaded row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import OPEN_STATUSES, Status, SubscriptionKind, Urgency
from storage.organisations import count_unplaced
from storage.subscriptions import kind_of
from storage.timefmt import opt_from_db, to_db


@dataclass(frozen=True)
class DigestLine:
    subscription_id: int
    member_id: int
    kind: SubscriptionKind
    last_run: datetime | None  # when the last digest was recorded; None: never


@dataclass(frozen=True)
class Stats:
    by_status: dict[Status, int]
    open_by_urgency: dict[Urgency, int]
    members: int
    active_recently: int
    unreachable: int
    outbox_pending: int
    outbox_oldest: datetime | None
    outbox_failed: int
    digests: list[DigestLine]
    unplaced_orgs: int = 0  # organisations without a KATOTTH code (storage/organisations.py)


async def _counts(conn: aiosqlite.Connection, sql: str, args: Sequence[object]) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in await fetch_all(conn, sql, args)}


async def _one(conn: aiosqlite.Connection, sql: str, args: Sequence[object]) -> int:
    row = await fetch_one(conn, sql, args)
    return int(row[0]) if row and row[0] is not None else 0


async def collect_stats(conn: aiosqlite.Connection, *, active_since: datetime) -> Stats:
    """``active_since``: members seen since then count as recently active."""
    by_status = await _counts(conn, "SELECT status, COUNT(*) FROM requests GROUP BY status", [])
    open_marks = ",".join("?" for _ in OPEN_STATUSES)
    by_urgency = await _counts(
        conn,
        f"SELECT urgency, COUNT(*) FROM requests WHERE status IN ({open_marks}) GROUP BY urgency",
        sorted(s.value for s in OPEN_STATUSES),
    )
    # Forgotten people are inactive, so "active = 1" leaves them out of every member figure.
    members = await _one(conn, "SELECT COUNT(*) FROM members WHERE active = 1", [])
    recent = await _one(
        conn,
        "SELECT COUNT(*) FROM members WHERE active = 1 AND last_seen_at >= ?",
        [to_db(active_since)],
    )
    unreachable = await _one(
        conn, "SELECT COUNT(*) FROM members WHERE active = 1 AND unreachable_at IS NOT NULL", []
    )
    backlog = await fetch_one(
        conn,
        "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
    )
    failed = await _one(conn, "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL", [])
    digests = await fetch_all(
        conn,
        "SELECT s.id, s.member_id, s.kind, s.weeks_apart, MAX(d.created_at) AS last_run"
        " FROM subscriptions s"
        " LEFT JOIN digest_runs d ON d.subscription_id = s.id"
        " WHERE s.active = 1 AND s.kind != ? GROUP BY s.id ORDER BY s.id",
        [SubscriptionKind.CRITICAL.value],
    )
    unplaced = await count_unplaced(conn)
    return Stats(
        unplaced_orgs=unplaced,
        by_status={s: by_status.get(s.value, 0) for s in Status},
        open_by_urgency={u: by_urgency.get(u.value, 0) for u in Urgency},
        members=members,
        active_recently=recent,
        unreachable=unreachable,
        outbox_pending=int(backlog[0]) if backlog else 0,
        outbox_oldest=opt_from_db(backlog[1]) if backlog else None,
        outbox_failed=failed,
        digests=[
            DigestLine(
                subscription_id=int(r["id"]),
                member_id=int(r["member_id"]),
                kind=kind_of(r["kind"], r["weeks_apart"]),
                last_run=opt_from_db(r["last_run"]),
            )
            for r in digests
        ],
    )
