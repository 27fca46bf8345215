"""On PostgreSQL the chart's and the digest's reads have plans that follow indexes (issue 17).

Every statement the reads send is captured (asyncpg's query logger) and EXPLAINed with
sequential scans, hash and merge joins priced out of reach: whatever the planner prefers for a
test's few thousand rows, that leaves the plans driven by indexes wherever an index can drive
them, so a base table still read whole (a Seq Scan, or an index walked end to end without a
condition) means no index serves the statement, and at 1,000,000 requests it would read the
table. A partial index (the open requests, the open lines: v018, v021) is the set it covers,
not the table. The chart must read v024's aggregates, the digest its totals.

Lenient by design: a scan with any index condition passes, even one on a later column of the
index (with joins forced to nested loops, the planner walks a small table's index by such a
condition when that is cheap at a test's size, so a stricter rule would judge the size, not
the SQL). Dropping request_open_changes_at makes it fail.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from storage.charts import outstanding_by_week
from storage.db import Database, open_database
from storage.digests import load_digest_data
from storage.models import Filters, Urgency
from tests.storage.test_chart_aggregates import write_history

# The tables whose size grows with the history.
BASE = frozenset({"requests", "request_items", "status_events", "request_open_changes"})
SCANS = frozenset(
    {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan"}
)
_INDEX_DRIVEN = "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off"
_DEFAULTS = "RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin"


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


async def _plans(
    database: Database, read: Callable[[aiosqlite.Connection], Awaitable[object]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each SELECT ``read`` sent, with its plan's nodes."""
    sent: list[tuple[str, tuple[object, ...]]] = []
    async with database.read() as conn:
        raw = conn.raw  # type: ignore[attr-defined]  # PgConn's asyncpg connection

        def log(query: Any) -> None:
            sent.append((query.query, tuple(query.args)))

        raw.add_query_logger(log)
        try:
            await read(conn)
        finally:
            raw.remove_query_logger(log)
        await raw.execute(_INDEX_DRIVEN)
        try:
            plans = []
            for sql, args in sent:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                text = await raw.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
                plans.append((sql, _nodes(json.loads(text)[0]["Plan"])))
        finally:
            await raw.execute(_DEFAULTS)
    return plans


async def _partial_indexes(database: Database) -> set[str]:
    async with database.read() as conn:
        rows = await conn.raw.fetch(  # type: ignore[attr-defined]
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indpred IS NOT NULL"
        )
    return {str(r[0]) for r in rows}


def _whole_reads(
    plans: list[tuple[str, list[dict[str, Any]]]], partial: set[str]
) -> list[tuple[str, str, str | None]]:
    """(statement, table, index) of every base table read whole."""
    whole = []
    for sql, nodes in plans:
        for node in nodes:
            table = node.get("Relation Name")
            if node["Node Type"] not in SCANS or table not in BASE:
                continue
            index = node.get("Index Name")
            conditioned = "Index Cond" in node or "Recheck Cond" in node
            if not conditioned and index not in partial:
                whole.append((sql[:120], str(table), index))
    return whole


def _tables(plans: list[tuple[str, list[dict[str, Any]]]]) -> set[str]:
    return {str(node.get("Relation Name")) for _, nodes in plans for node in nodes}


@pytest.fixture
async def db(tmp_path: Path, pg_migrated_url: str) -> AsyncIterator[Database]:
    """PostgreSQL only: SQLite's plans are read by test_query_plans.py and test_chart_plans.py."""
    database = await open_database(tmp_path / "unused", pg_migrated_url)
    try:
        yield database
    finally:
        await database.close()


async def test_the_chart_and_the_digest_follow_indexes_on_postgresql(db: Database) -> None:
    moments = await write_history(db, seed=71, steps=250)
    end = moments[-1]
    partial = await _partial_indexes(db)
    assert "request_items_open_totals" in partial
    for filters in (
        Filters(),
        Filters(urgency=Urgency.HIGH),
        Filters(item_keys=("generator", "insulin")),
        Filters(org_id=2),
        Filters(raion="Дніпровський"),
    ):
        for count_lines in (False, True):

            async def chart(
                conn: aiosqlite.Connection, f: Filters = filters, lines: bool = count_lines
            ) -> object:
                return await outstanding_by_week(
                    conn, weeks=8, end=end, filters=f, count_lines=lines
                )

            plans = await _plans(db, chart)
            assert plans
            assert _whole_reads(plans, partial) == [], filters
            if filters.org_id is None and filters.raion is None:
                assert "outstanding_changes" in _tables(plans)
    for filters in (Filters(), Filters(item_keys=("insulin",)), Filters(urgency=Urgency.LOW)):

        async def digest(conn: aiosqlite.Connection, f: Filters = filters) -> object:
            return await load_digest_data(
                conn,
                window_start=end - timedelta(days=7),
                window_end=end,
                today=end.date(),
                filters=f,
            )

        plans = await _plans(db, digest)
        assert _whole_reads(plans, partial) == [], filters
        if filters.urgency is None:
            assert "open_item_totals" in _tables(plans)
