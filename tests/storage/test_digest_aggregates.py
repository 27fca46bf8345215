"""The digest's totals from ``open_item_totals`` (migration v021; v024 on PostgreSQL) equal the
sums over the open lines, for the same data, on SQLite and PostgreSQL: the seeded history of
test_chart_aggregates (statuses back and forth, withdrawn and declined, pledges and deliveries,
items added later, several lines of one item and unit in a request), at window ends before and
after requests were filed, with and without an item filter; and after the backfill of a
database written before v021 (or, on PostgreSQL, before v024)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database, fetch_all, open_database
from storage.digests import ItemTotal, _totals
from storage.migrations import migrate
from storage.models import Filters, Urgency
from storage.timefmt import to_db
from tests.storage.test_chart_aggregates import db, empty_url, write_history

__all__ = ["db", "empty_url"]  # the fixtures, shared


async def both(
    database: Database, end: datetime, filters: Filters
) -> tuple[tuple[list[ItemTotal], int], tuple[list[ItemTotal], int]]:
    async with database.read() as conn:
        summed = await _totals(conn, to_db(end), filters, kept=False)
        kept = await _totals(conn, to_db(end), filters, kept=True)
    return summed, kept


async def assert_same_totals(database: Database, moments: list[datetime]) -> int:
    """Returns how many groups were compared."""
    compared = 0
    ends = [moments[-1] + timedelta(days=1), moments[-1], moments[len(moments) // 2]]
    ends += [moments[len(moments) // 3] - timedelta(microseconds=1)]
    for end in ends:
        for filters in (Filters(), Filters(item_keys=("generator", "insulin"))):
            summed, kept = await both(database, end, filters)
            assert kept == summed, (end, filters)
            compared += len(summed[0]) + summed[1]
    return compared


async def test_kept_totals_equal_the_sums(db: Database) -> None:
    moments = await write_history(db, seed=29, steps=600)
    assert await assert_same_totals(db, moments) > 30
    async with db.read() as conn:
        # Some request holds two open lines of one item and unit: counted once.
        twice = await fetch_all(
            conn,
            "SELECT COUNT(*) FROM (SELECT request_id FROM request_items"
            " WHERE request_open = 1 AND item_key IS NOT NULL"
            " GROUP BY request_id, item_key, unit HAVING COUNT(*) > 1)",
        )
    assert twice[0][0] > 0
    # Requests filed after the window's end are left out: the totals differ with the end.
    late, _ = await both(db, moments[-1] + timedelta(days=1), Filters())
    early, _ = await both(db, moments[len(moments) // 2], Filters())
    assert late != early


async def test_a_request_filter_sums_the_lines(db: Database) -> None:
    moments = await write_history(db, seed=31, steps=200)
    async with db.read() as conn:
        high = await _totals(conn, to_db(moments[-1]), Filters(urgency=Urgency.HIGH))
        every = await _totals(conn, to_db(moments[-1]), Filters())
    assert high != every


@pytest.mark.parametrize("before", [20, 23])
async def test_backfilled_totals_equal_the_sums(
    tmp_path: Path, empty_url: str | None, before: int
) -> None:
    database = await open_database(tmp_path / "old.db", empty_url)
    try:
        await migrate(database, target=before)
        moments = await write_history(database, seed=37, steps=400)
        await migrate(database)
        assert await assert_same_totals(database, moments) > 20
    finally:
        await database.close()


async def test_edits_to_item_and_quantity_keep_the_totals(db: Database) -> None:
    moments = await write_history(db, seed=43, steps=300)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE request_items SET item_key = 'insulin', unit = 'packs'"
            " WHERE id % 4 = 0 AND item_key IS NOT NULL"
        )
        await conn.execute("UPDATE request_items SET quantity = quantity + 5 WHERE id % 5 = 0")
    assert await assert_same_totals(db, moments) > 10
