"""The throwaway server the PostgreSQL tests use: a fresh, empty database per test."""

from __future__ import annotations

import asyncpg


async def test_each_test_gets_an_empty_database(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
        await conn.execute("CREATE TABLE probe (x TEXT)")
        # C.UTF-8: lower() folds Cyrillic (SQLite's folds ASCII only; repositories rely on it).
        assert await conn.fetchval("SELECT lower('ГЕНЕРАТОР')") == "генератор"
    finally:
        await conn.close()


async def test_a_second_test_does_not_see_the_first_ones_tables(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('probe')") is None
    finally:
        await conn.close()
