"""The coordination round's pack and a 2,000-line packing list over 100,000 requests.

    .venv/bin/python -m bench.shipments [--requests 100000] [--orgs 300] [--lines 2000]
        [--jobs meeting,packing]

A temporary SQLite database is filled in a subprocess (bench/digest.py's generator: 1-4 items
per request over 8 weeks, plus 5 donor organisations, a pledge for every pledged item line, a
truck on the way with ``--lines`` lines and a closed one whose 500 lines were signed for, some
damaged or missing). Each job then runs in a fresh subprocess that only opens the database and
builds it, as the bot does (a report: read from a snapshot, drawn in a worker thread, the
chart in the renderers' chart process):

* ``meeting``: the pack of the last 14 days (``meeting_pack``: summary, XLSX of nine sheets,
  PNG of open item lines per category over 8 weeks);
* ``packing``: the packing list of the ``--lines`` truck as XLSX (``packing_documents``: the
  render process reads the lines and writes them as they come, in parts past Telegram's
  limit).

Printed per job: wall time (median of ``--runs``) and the CPU time the process used in it
(every thread; on a shared VM the wall time also holds the waits for a core, and the render
processes, niced, wait longest), the render processes' CPU time per run, the child's peak
RSS and the largest render process's (its VmHWM: a forked child's getrusage counts its parent's
pages), and the event loop's worst stall while the job ran (a ticker sleeping 5 ms at a time
records how late it wakes), with the part of it that was not the loop thread waiting for a
CPU (Linux's schedstat: on a shared VM other people's work stalls the loop too).
Targets: under 2 s each, peak RSS under 300 MB, no stall over 50 ms.

openpyxl and matplotlib are imported before the measurement, as in a bot that has run for a
while; the first run of a job also warms the chart process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine
from bench.digest import NOW, _prepare, generate
from bench.loop_lag import Ticker
from bot.app import SWITCH_INTERVAL_SECONDS, make_context, open_and_migrate
from bot.config import Settings
from bot.file_renderers import FileRenderers
from handlers.coordination.meeting_pack import meeting_pack
from handlers.core.file_limits import DEFAULT_LIMITS
from handlers.core.location_policy import Detail
from handlers.shipments.packing_list import packing_documents
from storage.invites import KEY_BYTES, InviteKey
from storage.timefmt import to_db

TARGET_SECONDS = 2.0
TARGET_MB = 300.0
TARGET_STALL_MS = 50.0
DONORS = 5
ROUND = timedelta(days=14)
TELEGRAM_LIMIT = DEFAULT_LIMITS["telegram"]


def add_shipments(path: Path, n_orgs: int, n_lines: int, seed: int = 7) -> None:
    """Donors, pledges of every pledged item line, a truck on the way, a signed one."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        donors = list(range(n_orgs + 1, n_orgs + DONORS + 1))
        conn.executemany(
            "INSERT INTO organisations (id, kind, name, raion, settlement, created_at)"
            " VALUES (?, 'ngo', ?, '-', 'Köln', ?)",
            [(d, f"Hilfswerk {d}", to_db(NOW)) for d in donors],
        )
        items = conn.execute(
            "SELECT i.id, i.request_id, r.org_id, i.item_key, i.free_text, i.unit, i.pledged,"
            " r.updated_at FROM request_items i JOIN requests r ON r.id = i.request_id"
            " WHERE i.pledged > 0 ORDER BY i.id"
        ).fetchall()
        conn.executemany(
            "INSERT INTO pledges (request_id, item_id, org_id, quantity, at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(r[1], r[0], rng.choice(donors), r[6], r[7]) for r in items],
        )
        chosen = rng.sample(items, min(len(items), n_lines + 500))
        departed, signed_at = NOW - timedelta(days=3), NOW - timedelta(days=1)
        for sid, name, status, lines in (
            (1, "NRW-Hilfstransport 48/2026", "departed", chosen[:n_lines]),
            (2, "NRW-Hilfstransport 46/2026", "closed", chosen[n_lines:]),
        ):
            conn.execute(
                "INSERT INTO shipments (id, name, carrier_org_id, hub_org_id, waybill, status,"
                " created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                (sid, name, donors[0], f"CMR-{sid}", status, to_db(departed), to_db(departed)),
            )
            conn.execute(
                "INSERT INTO shipment_events (shipment_id, kind, status, at)"
                " VALUES (?, 'status', 'departed', ?)",
                (sid, to_db(departed)),
            )
            rows = []
            for r in lines:
                qty = r[6]
                if status == "closed":
                    damaged = qty if rng.random() < 0.05 else 0
                    missing = qty if not damaged and rng.random() < 0.03 else 0
                    received = qty - damaged - missing
                    line_status = "damaged" if damaged else "missing" if missing else "received"
                    confirmed = to_db(signed_at)
                else:
                    received = damaged = missing = 0
                    line_status, confirmed = "shipped", None
                rows.append(
                    (
                        sid,
                        r[1],
                        r[0],
                        r[2],
                        r[3],
                        r[4],
                        r[5],
                        qty,
                        line_status,
                        received,
                        damaged,
                        missing,
                        confirmed,
                        to_db(departed),
                    )
                )
            conn.executemany(
                "INSERT INTO shipment_lines (shipment_id, request_id, item_id, dest_org_id,"
                " item_key, free_text, unit, quantity, status, received, damaged, missing,"
                " confirmed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def _job(path: Path, job: str, runs: int) -> dict[str, Any]:
    # Imported before the clock starts: a bot that has run a while has them loaded.
    import matplotlib.pyplot  # noqa: F401
    import openpyxl  # noqa: F401

    settings = Settings(db_path=path)
    db = await open_and_migrate(settings)
    renderers = FileRenderers(process=True)
    ctx = make_context(
        settings, db, lambda: NOW, invite_key=InviteKey(b"k" * KEY_BYTES), renderers=renderers
    )
    # As App.start leaves a running bot: what was built at start out of the collector's sight,
    # and the short switch interval that lets the loop in beside a drawing thread.
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    timings: list[float] = []
    cpu: list[float] = []
    stalls: list[float] = []
    own: list[float] = []  # the same less the loop thread's wait for a CPU
    size = parts = 0
    try:
        for _ in range(runs + 1):  # the first warms the chart process and SQLite's cache
            await asyncio.sleep(0.05)
            began, mono, used = time.perf_counter(), time.monotonic(), time.process_time()
            if job == "meeting":
                replies = await meeting_pack(ctx, since=NOW - ROUND, until=NOW, lang="de")
                files = [r.document for r in replies if r.document is not None]
                size, parts = sum(len(d.data) for d in files), len(files)
            else:
                # The carrier's copy: every address, the most a packing list carries; in parts
                # past Telegram's limit, as the bot sends it there.
                documents = await packing_documents(
                    ctx, 1, "de", "xlsx", Detail.FULL, max_bytes=TELEGRAM_LIMIT
                )
                assert documents
                size, parts = sum(len(d.data) for d in documents), len(documents)
            timings.append(time.perf_counter() - began)
            cpu.append(time.process_time() - used)
            await asyncio.sleep(0.01)  # the tick that was due when the job ended
            stalls.append(ticker.worst(mono, time.monotonic()))
            own.append(ticker.worst_own(mono, time.monotonic()))
        render_peak = _render_peak_mb(renderers)
    finally:
        ticking.cancel()
        renderers.close()  # waits for the render processes: their CPU time is counted now
        await db.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "render_cpu": (children.ru_utime + children.ru_stime) / (runs + 1),
        "timings": timings[1:],
        "cpu": cpu[1:],
        "stalls": stalls[1:],
        "own": own[1:],
        "first": timings[0],
        "bytes": size,
        "parts": parts,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "render_maxrss_mb": render_peak,
    }


def _render_peak_mb(renderers: FileRenderers) -> float:
    """The largest render process's peak RSS (VmHWM), read while it runs: RUSAGE_CHILDREN
    would report the bot's own size, which a forked child starts with."""
    peak = 0.0
    for process in (renderers._charts, renderers._tables):
        child = None if process is None else process._child
        if child is None:
            continue
        status = Path(f"/proc/{child.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def _run_self(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "bench.shipments", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return out.stdout.strip().splitlines()[-1]


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=300)
    parser.add_argument("--lines", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--jobs", default="meeting,packing", help="which to run, e.g. packing (default: both)"
    )
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--job", default="meeting", help=argparse.SUPPRESS)
    parser.add_argument(
        "--db",
        type=Path,
        help="keep the generated database here and reuse it when it exists (repeated runs)",
    )
    args = parser.parse_args()
    if args.generate is not None:
        asyncio.run(_prepare(args.generate))
        generate(args.generate, args.requests, args.orgs)
        add_shipments(args.generate, args.orgs, args.lines)
        print("{}")
        return
    if args.child is not None:
        print(json.dumps(asyncio.run(_job(args.child, args.job, args.runs))))
        return
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db if args.db is not None else Path(tmp) / "bench.db"
        began = time.perf_counter()
        if not path.exists():
            _run_self(
                "--generate",
                str(path),
                "--requests",
                str(args.requests),
                "--orgs",
                str(args.orgs),
                "--lines",
                str(args.lines),
            )
        conn = sqlite3.connect(path)
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("requests", "request_items", "pledges", "shipment_lines")
        }
        conn.close()
        print(
            f"data: {counts['requests']:,} requests, {counts['request_items']:,} item lines,"
            f" {counts['pledges']:,} pledges, {counts['shipment_lines']:,} shipment lines"
            f" (generated in {time.perf_counter() - began:.1f} s)"
        )
        jobs = args.jobs.split(",")
        for job, label in (
            ("meeting", "meeting pack (14 days, XLSX + PNG)"),
            ("packing", f"packing list ({args.lines:,} lines, XLSX)"),
        ):
            if job not in jobs:
                continue
            result = json.loads(
                _run_self("--child", str(path), "--job", job, "--runs", str(args.runs))
            )
            took = statistics.median(result["timings"])
            stall = max(result["stalls"])
            rss = result["maxrss_mb"]
            ok = took < TARGET_SECONDS and rss < TARGET_MB and stall < TARGET_STALL_MS
            print(
                f"{label}: {took:.2f} s median of {len(result['timings'])}"
                f" (first {result['first']:.2f} s; CPU of this process"
                f" {statistics.median(result['cpu']):.2f} s, of the render processes"
                f" {result['render_cpu']:.2f} s a run on average, their start included),"
                f" peak RSS {rss:.0f} MB, worst loop stall"
                f" {stall:.1f} ms ({max(result['own']):.1f} ms of it not waiting for a CPU),"
                f" {result['bytes'] / 1024:.0f} KiB in {result['parts']} file(s), render"
                f" process peak RSS {result['render_maxrss_mb']:.0f} MB  [{_verdict(ok)}]"
            )


if __name__ == "__main__":
    main()
