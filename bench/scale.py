"""What grows with the data (issue 17): the real handlers on 10k, 100k and 1M requests.

    .venv/bin/python -m bench.scale [--sizes 10000,100000,1000000] [--runs 5]
        [--cache ~/.cache/aidbridge-scale] [--only lists,digest,chart,csv,xlsx]

Each size's database is generated once into the cache folder (plain sqlite3, executemany in one
transaction, ``synchronous=OFF``; migrated first by the project's own migrations, and migrated
again by the code under test when it opens it) and reused by later runs. 300 organisations,
one of them ("Лікарня №1") with 5,000 requests; requests created over two years, three in ten
still open (new, acknowledged, pledged, in transit), the rest delivered, declined or
withdrawn; 1-4 items each; pledged requests carry pledge rows; a coordinator and a requester of
organisation 1 are members (joined by invite through the engine), and the coordinator has the
default digest subscriptions.

Each group of figures runs in a fresh child process (so its peak RSS is its own) that opens the
database through ``tests/engine_harness.py`` (the real Engine, HandlerContext, renderers; the
digest's and /chart's charts drawn in the render process, warmed first, as in the running bot):

- lists: start-up (open + migrate + engine), /open, /my, /show as the engine answers them
  (first call "cold" in the process, then the median of ``--runs`` warm calls);
- digest: ``load_digest_data`` for a one-day and a one-week window (data), and ``run_digest``
  of the weekly subscription (read, render, chart, record: the whole scheduled run);
- chart: /chart through the engine until its report is queued;
- csv / xlsx: /export csv|xlsx through the engine until its file is queued (up to 100,000 lines);
- outbox (once, not per size): one dispatch pass's due-heads query with 100,000 rows pending
  in 100,000 / 1,000 / 30 / 1 chats.

Beside each figure: the loop's worst stall while it ran (a 5 ms ticker) and the child's peak
RSS. Prints the machine and the load average (the VM is shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine
from bot.file_renderers import FileRenderers
from handlers.requests.catalog import Catalog
from storage.db import open_db
from storage.migrations import migrate
from storage.models import Filters, Identity, Role, Status, SubscriptionKind, Urgency
from storage.timefmt import to_db

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # the engine harness's default clock
SPAN_DAYS = 730
N_ORGS = 300
BIG_ORG = 1
BIG_ORG_REQUESTS = 5_000
COORDINATOR = Identity(transport="telegram", user_id="7001")
REQUESTER = Identity(transport="telegram", user_id="7002")
URGENCIES = (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)
URGENCY_WEIGHTS = (10, 25, 45, 20)
OPEN_PATH = (Status.NEW, Status.ACKNOWLEDGED, Status.PLEDGED, Status.IN_TRANSIT)
OPEN_WEIGHTS = (35, 30, 25, 10)
CLOSED = (Status.DELIVERED, Status.DECLINED, Status.WITHDRAWN)
CLOSED_WEIGHTS = (80, 10, 10)
OPEN_SHARE = 0.5
# Recent requests are more often open: the share applies to the last 90 days, older ones are
# open with a tenth of it (quiet requests that were never closed).
RECENT_DAYS = 90
FREE_TEXTS = ("Дрова", "Буржуйка", "Сухпайки", "Waschmaschine")
GROUPS = ("outbox", "lists", "digest", "chart", "csv", "xlsx")
ROOT = Path(__file__).resolve().parents[1]
# A child that raised can hang at exit on an aiosqlite thread left open: give up on it.
CHILD_TIMEOUT = 1800


def _status_for(rng: random.Random, created: datetime) -> Status:
    share = OPEN_SHARE if NOW - created < timedelta(days=RECENT_DAYS) else OPEN_SHARE / 10
    if rng.random() < share:
        return rng.choices(OPEN_PATH, OPEN_WEIGHTS)[0]
    return rng.choices(CLOSED, CLOSED_WEIGHTS)[0]


def _path_to(status: Status) -> list[Status]:
    if status in OPEN_PATH:
        return list(OPEN_PATH[: OPEN_PATH.index(status) + 1])
    if status is Status.DELIVERED:
        return [*OPEN_PATH, Status.DELIVERED]
    return [Status.NEW, status]


def generate(path: Path, n_requests: int, seed: int = 17) -> None:
    """Fill a migrated database: executemany in batches inside one transaction."""
    rng = random.Random(seed)
    items = [(item.key, item.unit) for item in Catalog.default().items()]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-200000")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
            " VALUES ('hospital', ?, 'Дніпровський', ?, ?)",
            [(f"Лікарня №{org}", f"Село {org}", to_db(NOW)) for org in range(1, N_ORGS + 1)],
        )
        big_every = max(1, n_requests // BIG_ORG_REQUESTS)
        requests_: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        pledges: list[tuple[Any, ...]] = []
        item_id = 0
        # Ids in creation order, as the bot assigns them.
        offsets = sorted(rng.uniform(0, SPAN_DAYS * 86400) for _ in range(n_requests))
        for index, offset in enumerate(offsets):
            request_id = index + 1
            created = NOW - timedelta(seconds=SPAN_DAYS * 86400 - offset)
            org = BIG_ORG if index % big_every == 0 else rng.randint(2, N_ORGS)
            status = _status_for(rng, created)
            at = created
            for step in _path_to(status):
                events.append((request_id, step.value, to_db(at)))
                at = min(NOW, at + timedelta(seconds=rng.uniform(600, 5 * 86400)))
            updated = events[-1][2]
            needed_by = (created + timedelta(days=rng.randint(3, 30))).date().isoformat()
            requests_.append(
                (
                    request_id,
                    org,
                    rng.choices(URGENCIES, URGENCY_WEIGHTS)[0].value,
                    needed_by if rng.random() < 0.7 else None,
                    status.value,
                    to_db(created),
                    updated,
                )
            )
            pledged_status = status in (Status.PLEDGED, Status.IN_TRANSIT, Status.DELIVERED)
            for position in range(rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]):
                item_id += 1
                quantity = rng.choice((1, 2, 5, 10, 20, 50, 100, 200, 500))
                pledged = quantity if pledged_status else 0
                delivered = quantity if status is Status.DELIVERED else 0
                if rng.random() < 0.02:
                    key, text, unit = None, rng.choice(FREE_TEXTS), "pcs"
                else:
                    (key, unit), text = rng.choice(items), None
                lines.append(
                    (item_id, request_id, position, key, text, quantity, unit, pledged, delivered)
                )
                if pledged:
                    pledges.append((request_id, item_id, rng.randint(2, N_ORGS), pledged, updated))
            if len(requests_) >= 50_000:
                _flush(conn, requests_, lines, events, pledges)
        _flush(conn, requests_, lines, events, pledges)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _flush(
    conn: sqlite3.Connection,
    requests_: list[tuple[Any, ...]],
    lines: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
    pledges: list[tuple[Any, ...]],
) -> None:
    conn.executemany(
        "INSERT INTO requests (id, org_id, urgency, needed_by, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        requests_,
    )
    conn.executemany(
        "INSERT INTO request_items (id, request_id, position, item_key, free_text, quantity,"
        " unit, pledged, delivered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        lines,
    )
    conn.executemany("INSERT INTO status_events (request_id, status, at) VALUES (?, ?, ?)", events)
    conn.executemany(
        "INSERT INTO pledges (request_id, item_id, org_id, quantity, at) VALUES (?, ?, ?, ?, ?)",
        pledges,
    )
    for rows in (requests_, lines, events, pledges):
        rows.clear()


async def _join_members(path: Path) -> None:
    from tests.engine_harness import EngineHarness

    harness = await EngineHarness.create(path, start=NOW)
    try:
        await harness.join(COORDINATOR, BIG_ORG, Role.COORDINATOR)
        await harness.join(REQUESTER, BIG_ORG, Role.REQUESTER)
        replies = await harness.send(COORDINATOR, "/subscribe weekly mon 09:00", update_id="b-1")
        assert replies, "no answer to /subscribe"
    finally:
        await harness.close()
    # The weekly subscription's last run a week ago, so its next run covers a whole week.
    conn = sqlite3.connect(path)
    week_ago = to_db(NOW - timedelta(days=7))
    with conn:
        conn.execute(
            "UPDATE subscriptions SET created_at = ?, last_window_end = ? WHERE kind = 'weekly'",
            (week_ago, week_ago),
        )
    conn.close()


async def _migrate(path: Path) -> None:
    db = await open_db(path)
    try:
        await migrate(db)
    finally:
        await db.close()


def build(path: Path, n_requests: int) -> None:
    """Generate ``path`` (in a temporary name, renamed when whole, so a killed build is redone)."""
    partial_path = path.with_suffix(".building")
    for stale in (partial_path, Path(f"{partial_path}-wal"), Path(f"{partial_path}-shm")):
        stale.unlink(missing_ok=True)
    asyncio.run(_migrate(partial_path))
    generate(partial_path, n_requests)
    asyncio.run(_join_members(partial_path))
    conn = sqlite3.connect(partial_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    partial_path.rename(path)


class LagProbe:
    """The event loop's worst lateness: a task asking to wake every 5 ms."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, loop.time() - began - 0.005)

    def __enter__(self) -> LagProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def _timed(call: Callable[[], Awaitable[Any]], runs: int) -> dict[str, Any]:
    times: list[float] = []
    cpu: list[float] = []
    with LagProbe() as probe:
        for _ in range(runs):
            began, cpu_began = time.perf_counter(), time.process_time()
            result = await call()
            times.append(time.perf_counter() - began)
            # The child's CPU, every thread (an export runs in a worker thread here): on the
            # shared machine a steadier figure than the wall clock.
            cpu.append(time.process_time() - cpu_began)
    ok = not isinstance(result, str)
    return {
        "cold_ms": times[0] * 1000,
        "cpu_ms": cpu[0] * 1000,
        "warm_ms": statistics.median(times[1:]) * 1000 if len(times) > 1 else None,
        "lag_ms": probe.worst * 1000,
        "ok": ok,
        "note": result if isinstance(result, str) else "",
    }


async def _child(path: Path, group: str, runs: int) -> dict[str, Any]:
    from handlers.coordination.digest_jobs import run_digest
    from storage import subscriptions
    from storage.digests import load_digest_data
    from tests.engine_harness import EngineHarness

    out: dict[str, Any] = {}
    # Update ids of their own: the build's turns are in processed_updates already.
    update_ids = (f"scale-{os.getpid()}-{n}" for n in range(1_000_000))
    # The digest's and /chart's charts are drawn as the running bot draws them: in the render
    # process (bot/app.py), started and warmed before the figures, as in a bot that drew its
    # first chart long ago (bench/loop_lag.py does the same). Drawn in the child's own
    # threads, each chart held the loop 100+ ms and paid matplotlib's import (issue 17).
    renderers = FileRenderers(process=group in ("digest", "chart"))
    if group in ("digest", "chart"):
        await asyncio.to_thread(_warm_chart, renderers)
    began = time.perf_counter()
    harness = await EngineHarness.create(path, start=NOW, renderers=renderers)
    out["startup_ms"] = (time.perf_counter() - began) * 1000
    internal_error = harness.engine.ctx.t("uk", "error.internal")
    try:

        def engine_call(who: Identity, text: str) -> Callable[[], Awaitable[Any]]:
            async def call() -> Any:
                replies = await harness.send(who, text, update_id=next(update_ids))
                failed = not replies or replies[0].text == internal_error
                return replies[0].text[:80] if failed else len(replies)

            return call

        def report_call(who: Identity, text: str) -> Callable[[], Awaitable[Any]]:
            async def call() -> Any:
                replies = await harness.report(who, text, update_id=next(update_ids))
                docs = [r.document for r in replies if r.document is not None]
                if not docs:
                    return " | ".join(r.text[:60] for r in replies)
                return sum(len(d.data) for d in docs)

            return call

        if group == "lists":
            (show_id,) = (
                await harness.rows(
                    "SELECT MAX(id) FROM requests WHERE org_id = ? AND status = 'new'", BIG_ORG
                )
            )[0]
            out["open"] = await _timed(engine_call(COORDINATOR, "/open"), runs + 1)
            out["my"] = await _timed(engine_call(REQUESTER, "/my"), runs + 1)
            out["show"] = await _timed(engine_call(REQUESTER, f"/show {show_id}"), runs + 1)
        elif group == "digest":
            for label, days in (("daily_data", 1), ("weekly_data", 7)):

                def data_call(days: int = days) -> Callable[[], Awaitable[Any]]:
                    async def call() -> Any:
                        async with harness.db.read() as conn:
                            return await load_digest_data(
                                conn,
                                window_start=NOW - timedelta(days=days),
                                window_end=NOW,
                                today=NOW.date(),
                                filters=Filters(),
                            )

                    return call

                out[label] = await _timed(data_call(), runs + 1)
            async with harness.db.read() as conn:
                subs = await subscriptions.list_subscriptions(conn)
            weekly = next(s for s in subs if s.kind is SubscriptionKind.WEEKLY)

            async def weekly_run() -> Any:
                try:
                    if not await run_digest(harness.engine.ctx, weekly.id, NOW):
                        return "nothing recorded"
                    return 1
                except Exception as exc:
                    return f"{type(exc).__name__}: {exc}"[:120]

            # The whole run is timed once (it records its run); the data reads are the medians.
            out["weekly_run"] = await _timed(weekly_run, 1)
        elif group == "chart":
            out["chart"] = await _timed(report_call(COORDINATOR, "/chart"), 1)
        elif group in ("csv", "xlsx"):
            lines = (
                await harness.rows(
                    "SELECT COUNT(*) FROM request_items i JOIN requests r ON r.id = i.request_id"
                    " WHERE r.status IN ('new', 'acknowledged', 'pledged', 'in_transit')"
                )
            )[0][0]
            out["lines"] = min(int(lines), 100_000)
            out[group] = await _timed(report_call(COORDINATOR, f"/export {group}"), 1)
    finally:
        await harness.close()
        renderers.close()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _warm_chart(renderers: FileRenderers) -> None:
    """A small chart through the render process: its start and matplotlib's first draw."""
    from handlers.coordination.charts import chart_labels
    from handlers.text.i18n import Translator
    from storage.charts import ChartCell, ChartData, ChartWeek

    cells = (ChartCell(key="medical_supplies", urgency=Urgency.HIGH, outstanding=3),)
    chart = ChartData(weeks=(ChartWeek(end=NOW, cells=cells),))
    labels = chart_labels(Translator(), Catalog.default(), "uk")
    renderers.weekly_chart(chart, lang="uk", title="warm-up", labels=labels)


OUTBOX_PENDING = 100_000
OUTBOX_CHATS = (100_000, 1_000, 30, 1)


async def _outbox_pass(folder: Path, chats: int, runs: int) -> float:
    """Median time of one dispatch pass's query (list_due_heads, limit 64) with 100,000 rows
    pending across ``chats`` chats."""
    from storage.outbox import list_due_heads

    path = folder / f"outbox-{chats}.db"
    await _migrate(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO outbox (transport, chat_id, kind, text, created_at, not_before, priority)"
        " VALUES ('telegram', ?, 'notice', 'x', ?, ?, 1)",
        [
            (str(n % chats), to_db(NOW - timedelta(seconds=OUTBOX_PENDING - n)), to_db(NOW))
            for n in range(OUTBOX_PENDING)
        ],
    )
    conn.execute("COMMIT")
    conn.close()
    db = await open_db(path)
    times: list[float] = []
    try:
        for _ in range(runs):
            async with db.read() as read:
                began = time.perf_counter()
                await list_due_heads(read, NOW, transports=["telegram"], limit=64)
                times.append(time.perf_counter() - began)
    finally:
        await db.close()
    return statistics.median(times)


def outbox_figures(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="aidbridge-scale-outbox-") as tmp:
        for chats in OUTBOX_CHATS:
            seconds = asyncio.run(_outbox_pass(Path(tmp), chats, runs))
            print(
                f"  outbox pass, {OUTBOX_PENDING:,} pending in {chats:,} chats:"
                f" {seconds * 1000:.2f} ms (median of {runs}), load {os.getloadavg()[0]:.2f}"
            )


def _run_child(path: Path, group: str, runs: int) -> dict[str, Any]:
    began = time.perf_counter()
    command = [sys.executable, "-m", "bench.scale", "--child", str(path), "--group", group]
    try:
        proc = subprocess.run(
            [*command, "--runs", str(runs)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=CHILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"no answer within {CHILD_TIMEOUT} s"}
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {
            "failed": f"exit {proc.returncode}: {tail[:160]}",
            "wall_s": time.perf_counter() - began,
        }
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _fmt(figure: dict[str, Any] | None) -> str:
    if figure is None:
        return "-"
    if not figure.get("ok", True):
        return f"FAILED ({figure['note']})"
    text = f"{figure['cold_ms']:.0f} ms (CPU {figure['cpu_ms']:.0f} ms)"
    if figure.get("warm_ms") is not None:
        text = f"warm {figure['warm_ms']:.1f} ms (cold {figure['cold_ms']:.0f})"
    return text + f", lag {figure['lag_ms']:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "aidbridge-scale"
    )
    parser.add_argument("--only", default=",".join(GROUPS))
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--group", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(asyncio.run(_child(args.child, args.group, args.runs))))
        return

    print(f"machine: {machine()}")
    args.cache.mkdir(parents=True, exist_ok=True)
    groups = [g for g in args.only.split(",") if g]
    if "outbox" in groups:
        print("\n== outbox dispatch pass (list_due_heads)")
        outbox_figures(args.runs)
        groups.remove("outbox")
    if not groups:
        return
    for size in (int(s) for s in args.sizes.split(",")):
        path = args.cache / f"scale-{size}.db"
        if not path.exists():
            began = time.perf_counter()
            build(path, size)
            print(f"built {path} in {time.perf_counter() - began:.0f} s")
        # The figures run on a copy: a run records digests and exports, the cache stays as built.
        with tempfile.TemporaryDirectory(prefix="aidbridge-scale-", dir=args.cache) as tmp:
            work = Path(tmp) / path.name
            # The cache is checkpointed and closed: a file copy is a whole database.
            shutil.copyfile(path, work)
            # Migrations the cache predates run here, untimed: start-up is measured as it is
            # on every start after the first.
            asyncio.run(_migrate(work))
            size_mb = path.stat().st_size / 1e6
            print(f"\n== {size:,} requests: file {size_mb:.0f} MB, load {os.getloadavg()[0]:.2f}")
            for group in groups:
                result = _run_child(work, group, args.runs)
                if "failed" in result:
                    print(f"  {group}: FAILED {result['failed']}")
                    continue
                figures = {
                    k: v for k, v in result.items() if isinstance(v, dict) and "cold_ms" in v
                }
                head = f"  {group}: start-up {result['startup_ms']:.0f} ms, peak RSS" + (
                    f" {result['peak_rss_mb']:.0f} MB, load {os.getloadavg()[0]:.2f}"
                )
                if "lines" in result:
                    head += f", {result['lines']:,} lines"
                print(head)
                for name, figure in figures.items():
                    print(f"    {name}: {_fmt(figure)}")


if __name__ == "__main__":
    main()
