"""Digest build time and memory at scale: 100,000 open requests across 300 organisations.

    .venv/bin/python -m bench.digest [--requests 100000] [--orgs 300] [--runs 5]

Generates a temporary SQLite database (1-4 catalogue items per request, mixed urgencies,
created over 8 weeks, status events for part of them), then builds the digest
(``load_digest_data`` + ``render_digest``) for a one-day and a one-week window. Each window is
measured in a fresh subprocess that only opens the database and builds the digest, so neither
the generation's time nor its memory counts. Prints the median build time and the child's peak
RSS against the targets.

The generation runs in a subprocess of its own too: Linux carries a process's peak RSS across
fork and exec into ``ru_maxrss``, so a child started by a parent that had just held the
generated rows would report the parent's peak instead of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine
from handlers.coordination.digest_text import render_digest
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Translator
from storage.db import open_db
from storage.digests import load_digest_data
from storage.migrations import migrate
from storage.models import OPEN_STATUSES, Filters, Status, Urgency
from storage.timefmt import to_db

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 09:00 in Kyiv, when a daily digest goes out
KYIV = ZoneInfo("Europe/Kyiv")
TARGET_SECONDS = 1.0
TARGET_MB = 200.0
RAIONS = (
    "Дніпровський",
    "Кам'янський",
    "Криворізький",
    "Нікопольський",
    "Павлоградський",
    "Самарівський",
    "Синельниківський",
)
URGENCIES = (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)
URGENCY_WEIGHTS = (10, 25, 45, 20)
# Open requests move along this path; each step is reached by a share of the previous one.
PATH = (Status.ACKNOWLEDGED, Status.PLEDGED, Status.IN_TRANSIT)
STEP_SHARE = (0.4, 0.5, 0.3)
FREE_TEXTS = ("Дрова", "дрова", "Буржуйка", "Сухпайки", "Waschmaschine")


def _events(rng: random.Random, created: datetime) -> list[tuple[Status, datetime]]:
    events = [(Status.NEW, created)]
    at = created
    for status, share in zip(PATH, STEP_SHARE, strict=True):
        if rng.random() >= share:
            break
        at += timedelta(seconds=rng.uniform(600, 6 * 86400))
        if at >= NOW:
            break
        events.append((status, at))
    return events


def generate(path: Path, n_requests: int, n_orgs: int, seed: int = 42) -> None:
    """Fill a migrated database quickly: plain sqlite3, executemany, one transaction."""
    rng = random.Random(seed)
    catalog = Catalog.default()
    items = [(item.key, item.unit) for item in catalog.items()]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO organisations (id, kind, name, raion, settlement, created_at)"
            " VALUES (?, 'hospital', ?, ?, ?, ?)",
            [
                (org, f"Лікарня №{org}", RAIONS[org % len(RAIONS)], f"Село {org}", to_db(NOW))
                for org in range(1, n_orgs + 1)
            ],
        )
        request_rows: list[tuple[Any, ...]] = []
        item_rows: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []
        first_id = 1001
        # A few delivered requests on top of the open ones, so "delivered" has rows too.
        n_delivered = n_requests // 20
        for request_id in range(first_id, first_id + n_requests + n_delivered):
            created = NOW - timedelta(seconds=rng.uniform(0, 56 * 86400))
            urgency = rng.choices(URGENCIES, URGENCY_WEIGHTS)[0]
            events = _events(rng, created)
            if request_id >= first_id + n_requests:
                done = min(NOW - timedelta(seconds=1), events[-1][1] + timedelta(days=2))
                events.append((Status.DELIVERED, done))
            needed_by = (
                (created + timedelta(days=rng.randint(3, 30))).date().isoformat()
                if rng.random() < 0.7
                else None
            )
            asked = (
                to_db(created + timedelta(days=14))
                if NOW - created > timedelta(days=15) and rng.random() < 0.05
                else None
            )
            status = events[-1][0]
            request_rows.append(
                (
                    request_id,
                    rng.randint(1, n_orgs),
                    urgency.value,
                    needed_by,
                    status.value,
                    to_db(created),
                    to_db(events[-1][1]),
                    asked,
                )
            )
            for position in range(rng.randint(1, 4)):
                quantity = rng.choice((1, 2, 5, 10, 20, 50, 100, 200, 500))
                pledged = quantity if status is Status.PLEDGED else 0
                delivered = quantity if status is Status.DELIVERED else 0
                if rng.random() < 0.02:
                    key, text, unit = None, rng.choice(FREE_TEXTS), "pcs"
                else:
                    (key, unit), text = rng.choice(items), None
                item_rows.append(
                    (request_id, position, key, text, quantity, unit, pledged, delivered)
                )
            event_rows.extend((request_id, s.value, to_db(at)) for s, at in events)
        conn.executemany(
            "INSERT INTO requests (id, org_id, urgency, needed_by, status, created_at,"
            " updated_at, reconfirm_asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            request_rows,
        )
        conn.executemany(
            "INSERT INTO request_items (request_id, position, item_key, free_text, quantity,"
            " unit, pledged, delivered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            item_rows,
        )
        conn.executemany(
            "INSERT INTO status_events (request_id, status, at) VALUES (?, ?, ?)", event_rows
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def _prepare(path: Path) -> None:
    db = await open_db(path)
    try:
        await migrate(db)
    finally:
        await db.close()


async def _build_runs(path: Path, days: int, runs: int) -> dict[str, Any]:
    t = Translator()
    catalog = Catalog.default()
    db = await open_db(path)
    timings: list[float] = []
    parts: list[str] = []
    try:
        for _ in range(runs):
            began = time.perf_counter()
            async with db.read() as conn:
                data = await load_digest_data(
                    conn,
                    window_start=NOW - timedelta(days=days),
                    window_end=NOW,
                    today=NOW.astimezone(KYIV).date(),
                    filters=Filters(),
                )
            parts = render_digest(data, lang="de", t=t, catalog=catalog, tz=KYIV)
            timings.append(time.perf_counter() - began)
    finally:
        await db.close()
    return {
        "timings": timings,
        # Linux reports ru_maxrss in KiB.
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parts": len(parts),
        "chars": sum(len(p) for p in parts),
    }


def child(path: Path, days: int, runs: int) -> None:
    print(json.dumps(asyncio.run(_build_runs(path, days, runs))))


def _run_self(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "bench.digest", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return out.stdout


def measure(path: Path, days: int, runs: int) -> dict[str, Any]:
    out = _run_self("--child", str(path), "--days", str(days), "--runs", str(runs))
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def _counts(path: Path) -> Iterator[str]:
    conn = sqlite3.connect(path)
    try:
        for table in ("organisations", "requests", "request_items", "status_events"):
            (n,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            yield f"{table} {n:,}"
        open_list = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
        (n_open,) = conn.execute(
            f"SELECT COUNT(*) FROM requests WHERE status IN ({open_list})"
        ).fetchone()
        yield f"open {n_open:,}"
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--days", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.days, args.runs)
        return
    if args.generate is not None:
        asyncio.run(_prepare(args.generate))
        generate(args.generate, args.requests, args.orgs)
        return

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="aidbridge-digest-") as tmp:
        path = Path(tmp) / "bench.db"
        began = time.perf_counter()
        _run_self(
            "--generate", str(path), "--requests", str(args.requests), "--orgs", str(args.orgs)
        )
        print(
            f"generated in {time.perf_counter() - began:.1f} s (not measured): "
            + ", ".join(_counts(path))
            + f"; file {path.stat().st_size / 1e6:.0f} MB"
        )
        print(f"window end {NOW.isoformat()}, today {date.isoformat(NOW.astimezone(KYIV).date())}")
        for label, days in (("one-day window", 1), ("one-week window", 7)):
            result = measure(path, days, args.runs)
            median = statistics.median(result["timings"])
            runs = ", ".join(f"{s * 1000:.0f}" for s in result["timings"])
            print(
                f"{label}: build {median * 1000:.0f} ms median of {len(result['timings'])}"
                f" (runs ms: {runs}; target < {TARGET_SECONDS:g} s:"
                f" {_verdict(median < TARGET_SECONDS)}), peak RSS {result['maxrss_mb']:.0f} MB"
                f" (target < {TARGET_MB:g} MB: {_verdict(result['maxrss_mb'] < TARGET_MB)}),"
                f" {result['parts']} parts, {result['chars']:,} chars"
            )


if __name__ == "__main__":
    main()
