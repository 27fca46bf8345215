"""Matching offers to needs at scale, one new request or offer at a time (issue 15).

    .venv/bin/python -m bench.matching [--needs 100000] [--lines 5000] [--new 200]

``--needs`` open request items and ``--lines`` open offer lines over the catalog's items,
the items' popularity Zipf-like (the most asked-for item holds about a sixth of all needs, as
generators do), urgencies 5 % critical, 15 % high, 60 % normal, 20 % low, a third with a
needed-by date of which half are past.

Part 1, the pure function (handlers/offers/matching.py): MatchIndex built once, then for
``--new`` new requests (1-3 items each) the offer lines each item could use, and for ``--new``
new offer lines the ranked needs each could cover; each timed from the new item to its answer.

Part 2, what the bot runs on SQLite (a real file, migrated, the same rows): for a new critical
request, its own open needs and the first open offer lines of each of its items
(service.alert_request_covered, /matches R-1042); for a new offer line, the first critical
needs it could cover (service.alert_offer_covers), and what /matches O-7 reads per line (the
count and the first ten, ranked in SQL as the pure function ranks). Timed through aiosqlite
as the handlers call it, one request or line at a time.

Target: under 50 ms per new item.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, percentile
from handlers.offers.matching import MatchIndex, lines_for_need, needs_for_line
from handlers.requests.catalog import Catalog
from storage import offers
from storage.db import open_db
from storage.migrations import migrate
from storage.models import Urgency
from storage.offer_models import OpenNeed, OpenOfferLine
from storage.timefmt import date_to_db, to_db

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)
URGENCIES = (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)
URGENCY_WEIGHTS = (5, 15, 60, 20)
ORGS = 300
TOP = 10  # what /matches O-7 shows per line (handlers/offers/commands.MAX_MATCHES)
RAIONS = ("UA1202", "UA1204", "UA1206", "UA1208", "UA1210", "UA1212", "UA1214")


def summary(values_ms: list[float]) -> str:
    return (
        f"p50 {percentile(values_ms, 50):.2f} ms, p99 {percentile(values_ms, 99):.2f} ms,"
        f" max {max(values_ms):.2f} ms"
    )


class World:
    """Synthetic needs and offer lines, the same for both parts."""

    def __init__(self, needs: int, lines: int, seed: int = 15) -> None:
        self.rng = random.Random(seed)
        self.keys = [item.key for item in Catalog.default().items()]
        self.weights = [1 / (rank + 1) for rank in range(len(self.keys))]
        self.needs = [self.need(i + 1) for i in range(needs)]
        self.lines = [self.line(i + 1) for i in range(lines)]

    def key(self) -> str:
        return self.rng.choices(self.keys, self.weights)[0]

    def need(self, item_id: int, *, request_id: int | None = None) -> OpenNeed:
        rng = self.rng
        needed_by = None
        if rng.random() < 1 / 3:
            needed_by = TODAY + timedelta(days=rng.randint(-30, 30))
        return OpenNeed(
            request_id=request_id or 1000 + item_id // 2,
            item_id=item_id,
            org_id=1 + item_id % ORGS,
            item_key=self.key(),
            free_text=None,
            spec=rng.choice((None, "30 kVA", "5 kW", "20 л")),
            outstanding=rng.randint(1, 200),
            unit="pcs",
            urgency=rng.choices(URGENCIES, URGENCY_WEIGHTS)[0],
            needed_by=needed_by,
            created_at=NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 180)),
            raion=RAIONS[item_id % len(RAIONS)],
        )

    def line(self, line_id: int) -> OpenOfferLine:
        rng = self.rng
        return OpenOfferLine(
            line_id=line_id,
            offer_id=1 + line_id // 3,
            org_id=ORGS + 1 + line_id % 50,
            item_key=self.key(),
            spec=rng.choice((None, "20 kVA", "630 kVA")),
            remaining=rng.randint(1, 50),
            unit="pcs",
            available_until=TODAY + timedelta(days=rng.randint(1, 120)),
        )


def part_pure(world: World, new: int) -> None:
    started = time.perf_counter()
    index = MatchIndex.build(world.needs, world.lines)
    built = (time.perf_counter() - started) * 1000
    print(f"  index of {len(world.needs):,} needs and {len(world.lines):,} lines: {built:.0f} ms")
    per_request: list[float] = []
    next_id = len(world.needs) + 1
    for r in range(new):
        items = [
            world.need(next_id + k, request_id=900_000 + r) for k in range(world.rng.randint(1, 3))
        ]
        next_id += len(items)
        t0 = time.perf_counter()
        for item in items:
            index.for_need(item)
            index.add_need(item)
        per_request.append((time.perf_counter() - t0) * 1000)
    per_offer: list[float] = []
    per_offer_all: list[float] = []
    covered = 0
    for n in range(new):
        line = world.line(len(world.lines) + n + 1)
        t0 = time.perf_counter()
        index.for_line(line, TODAY, limit=TOP)
        covered += index.count_for_line(line)
        index.add_line(line)
        per_offer.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        index.for_line(line, TODAY)
        per_offer_all.append((time.perf_counter() - t0) * 1000)
    print(f"  new request (1-3 items), its offer lines: {summary(per_request)}")
    print(
        f"  new offer line, its first {TOP} needs and their count: {summary(per_offer)}"
        f" (needs per line: {covered // new:,} on average)"
    )
    print(f"  new offer line, every need it could cover ranked: {summary(per_offer_all)}")


async def fill(path: Path, world: World) -> None:
    db = await open_db(path)
    await migrate(db)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO organisations (id, kind, name, raion, settlement, created_at,"
            " raion_code) VALUES (?, ?, ?, '-', '-', ?, ?)",
            [
                (i, "hospital" if i <= ORGS else "company", f"org {i}", to_db(NOW), RAIONS[i % 7])
                for i in range(1, ORGS + 52)
            ],
        )
        requests: dict[int, OpenNeed] = {}
        for need in world.needs:
            requests.setdefault(need.request_id, need)
        await conn.executemany(
            "INSERT INTO requests (id, org_id, urgency, needed_by, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'new', ?, ?)",
            [
                (
                    r.request_id,
                    r.org_id,
                    r.urgency.value,
                    date_to_db(r.needed_by),
                    to_db(r.created_at),
                    to_db(r.created_at),
                )
                for r in requests.values()
            ],
        )
        await conn.executemany(
            "INSERT INTO request_items (id, request_id, position, item_key, spec, quantity, unit)"
            " VALUES (?, ?, 0, ?, ?, ?, 'pcs')",
            [(n.item_id, n.request_id, n.item_key, n.spec, n.outstanding) for n in world.needs],
        )
        offer_ids = sorted({line.offer_id for line in world.lines})
        await conn.executemany(
            "INSERT INTO offers (id, org_id, status, available_until, pickup_place, condition,"
            " created_at, updated_at) VALUES (?, ?, 'open', ?, 'Wuppertal', 'new', ?, ?)",
            [
                (
                    o,
                    ORGS + 1 + o % 50,
                    date_to_db(TODAY + timedelta(days=60)),
                    to_db(NOW),
                    to_db(NOW),
                )
                for o in offer_ids
            ],
        )
        await conn.executemany(
            "INSERT INTO offer_lines (id, offer_id, position, item_key, spec, quantity, unit)"
            " VALUES (?, ?, 0, ?, ?, ?, 'pcs')",
            [(ln.line_id, ln.offer_id, ln.item_key, ln.spec, ln.remaining) for ln in world.lines],
        )
    await db.close()


async def part_sqlite(world: World, new: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        await fill(path, world)
        print(f"  database filled in {time.perf_counter() - t0:.1f} s")
        db = await open_db(path)
        rng = random.Random(7)
        request_ids = sorted({n.request_id for n in world.needs})
        per_request: list[float] = []
        per_offer: list[float] = []
        per_matches: list[float] = []
        async with db.read() as conn:
            for _ in range(new):
                request_id = rng.choice(request_ids)
                t0 = time.perf_counter()
                needs = await offers.list_open_needs(conn, request_id=request_id)
                lines = []
                for key in sorted({n.item_key for n in needs if n.item_key}):
                    lines += await offers.list_open_offer_lines(
                        conn, today=TODAY, item_keys=[key], limit=TOP
                    )
                for need in needs:
                    lines_for_need(need, lines)
                per_request.append((time.perf_counter() - t0) * 1000)
            for _ in range(new):
                line = world.line(len(world.lines) + 1)
                wanted = {line.item_key or ""}
                t0 = time.perf_counter()
                critical = await offers.list_open_needs(
                    conn, item_keys=wanted, urgency=Urgency.CRITICAL, top=(TODAY, TOP)
                )
                needs_for_line(line, critical, TODAY)
                per_offer.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                top, total = await offers.top_open_needs(
                    conn, line.item_key or "", today=TODAY, n=TOP
                )
                needs_for_line(line, top, TODAY)
                per_matches.append((time.perf_counter() - t0) * 1000)
                assert total >= len(top)
        await db.close()
    print(f"  new request (its items' open offer lines): {summary(per_request)}")
    print(f"  new offer line (the critical needs it could cover, alert): {summary(per_offer)}")
    print(f"  /matches O-7 per line (its count and first {TOP} ranked): {summary(per_matches)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=5_000)
    parser.add_argument("--new", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    world = World(args.needs, args.lines)
    top = max(
        set(n.item_key for n in world.needs),
        key=lambda k: sum(1 for n in world.needs if n.item_key == k),
    )
    print(
        f"{args.needs:,} open request items, {args.lines:,} open offer lines,"
        f" {len(world.keys)} catalog items (most needed: {top})"
    )
    print("part 1, the pure function with MatchIndex:")
    part_pure(world, args.new)
    print("part 2, through SQLite as the handlers read it:")
    asyncio.run(part_sqlite(world, args.new))


if __name__ == "__main__":
    main()
