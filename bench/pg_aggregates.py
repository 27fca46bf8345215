"""The chart's and the digest's reads on PostgreSQL, from v024's aggregates (issues 16 and 17).

    python -m bench.pg_aggregates [--cache DIR] [--sizes 10000,100000] [--writes 300]

For each size, bench/scale.py's database (taken from the cache folder, built there when
missing) is copied to a throwaway PostgreSQL server with ``aidbridge migrate-data``'s
copy_database, then timed (best of 3): the chart's data from the aggregates (whole, and under an
organisation filter), the walk over the histories the chart used on PostgreSQL before v024,
the digest's totals from ``open_item_totals`` and summed over the open lines (before v024), a
daily and a weekly digest's data. Then what the triggers cost a write: a request filed with
three lines and a status change, on empty databases at v023 and at v024. The server is Debian's
PostgreSQL started as in the tests (tests/postgres_server.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bench.common import machine
from bench.scale import BIG_ORG, NOW, generate
from storage import organisations, requests
from storage.charts import _outstanding, outstanding_by_week, week_ends
from storage.db import Database, open_database, open_db, run_in_db_thread
from storage.digests import _totals, load_digest_data
from storage.migrate_data import copy_database
from storage.migrations import migrate
from storage.models import Filters, NeedItemDraft, OrgKind, Status, Urgency
from storage.timefmt import to_db
from tests.postgres_server import PostgresServer, running

END = NOW - timedelta(days=3)
KEYS = ("generator", "insulin", "bandage_elastic", "water_canister")


async def best_of(label: str, run: Callable[[], Awaitable[object]], times: int = 3) -> None:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        await run()
        best = min(best, time.perf_counter() - started)
    print(f"  {label}: {best * 1000:.0f} ms (best of {times})", flush=True)


async def reads(db: Database) -> None:
    async def chart(filters: Filters) -> None:
        async with db.read() as conn:
            await outstanding_by_week(conn, weeks=8, end=END, filters=filters)

    async def walk() -> None:
        async with db.read() as conn:
            ends = week_ends(END, 8)
            await run_in_db_thread(conn, partial(_outstanding, ends=ends, filters=Filters()))

    async def totals(kept: bool) -> None:
        async with db.read() as conn:
            await _totals(conn, to_db(END), Filters(), kept=kept)

    async def digest(days: int) -> None:
        async with db.read() as conn:
            await load_digest_data(
                conn,
                window_start=END - timedelta(days=days),
                window_end=END,
                today=END.date(),
                filters=Filters(),
            )

    await best_of("/chart data from the aggregates", partial(chart, Filters()))
    await best_of("/chart data, one organisation", partial(chart, Filters(org_id=BIG_ORG)))
    await best_of("/chart data by the walk (PostgreSQL before v024)", walk, times=1)
    await best_of("digest totals from open_item_totals", partial(totals, True))
    await best_of("digest totals summed (PostgreSQL before v024)", partial(totals, False))
    await best_of("daily digest data", partial(digest, 1))
    await best_of("weekly digest data", partial(digest, 7))


async def copied(source_path: Path, url: str) -> None:
    source = await open_database(source_path)
    target = await open_database(source_path, url)
    try:
        await migrate(source)
        started = time.perf_counter()
        report = await copy_database(source, target)
        elapsed = time.perf_counter() - started
        print(f"  migrate-data: {elapsed:.1f} s for {report.rows:,} rows", flush=True)
        async with target.transaction() as conn:
            await conn.execute("ANALYZE")
        await reads(target)
    finally:
        await source.close()
        await target.close()


async def writes(url: str, version: int, count: int) -> None:
    """Mean time of a request filed (three lines) and of a status change, at ``version``."""
    db = await open_database(Path("unused"), url)
    try:
        await migrate(db, target=version)
        now = datetime(2026, 1, 2, tzinfo=UTC)
        async with db.transaction() as conn:
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name="Лікарня",
                raion="Дніпровський",
                settlement="Дніпро",
                code=None,
                address=None,
                now=now,
            )
        rng = random.Random(1)
        ids: list[int] = []
        filing = changing = 0.0
        for _ in range(count):
            now += timedelta(minutes=7)
            started = time.perf_counter()
            async with db.transaction() as conn:
                request = await requests.add_request(
                    conn,
                    org_id=org.id,
                    created_by=None,
                    urgency=rng.choice(list(Urgency)),
                    needed_by=None,
                    delivery_place=None,
                    note=None,
                    items=[
                        NeedItemDraft(item_key=key, quantity=5, unit="pcs")
                        for key in rng.sample(KEYS, 3)
                    ],
                    now=now,
                )
            filing += time.perf_counter() - started
            ids.append(request.id)
            started = time.perf_counter()
            async with db.transaction() as conn:
                await requests.set_status(
                    conn,
                    rng.choice(ids),
                    rng.choice((Status.ACKNOWLEDGED, Status.PLEDGED, Status.DELIVERED)),
                    actor_id=None,
                    note=None,
                    now=now,
                )
            changing += time.perf_counter() - started
        print(
            f"  v{version:03d}: request filed (3 lines) {filing / count * 1000:.2f} ms,"
            f" status change {changing / count * 1000:.2f} ms (mean of {count})",
            flush=True,
        )
    finally:
        await db.close()


def scale_db(cache: Path, size: int) -> Path:
    path = cache / f"scale-{size}.db"
    if not path.exists():

        async def make() -> None:
            db = await open_db(path)
            await migrate(db)
            await db.close()

        asyncio.run(make())
        generate(path, size)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "aidbridge-scale"
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--writes", type=int, default=300)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    print(machine())
    server: PostgresServer
    with running() as server, tempfile.TemporaryDirectory(prefix="aidbridge-pgagg-") as tmp:
        for n, size in enumerate(int(s) for s in args.sizes.split(",")):
            print(f"{size:,} requests", flush=True)
            # A copy: the cache stays as built (migrations run on the copy).
            source = Path(tmp) / f"scale-{size}.db"
            shutil.copy(scale_db(args.cache, size), source)
            server.sql(f"CREATE DATABASE scale{n} TEMPLATE template0")
            asyncio.run(copied(source, server.url(f"scale{n}")))
            source.unlink()
        print("writes on PostgreSQL", flush=True)
        for n, version in enumerate((23, 24, 23, 24)):
            server.sql(f"CREATE DATABASE writes{n} TEMPLATE template0")
            asyncio.run(writes(server.url(f"writes{n}"), version, args.writes))
    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())


if __name__ == "__main__":
    main()
