"""A critical alert's delay behind a fan-out of bulk notices, and the due-rows query's cost.

    .venv/bin/python -m bench.critical_alert [--bulk 5000] [--runs 3] [--alerts 4]

Part 1: each run queues ``--bulk`` broadcast rows to distinct chats and starts the bot (its
production pacer, PTB's limiter off) against the fake Bot API in its own process, which
enforces Telegram's flood limits (30 msg/s overall, 1 msg/s per chat). Once the fan-out is
draining, an alert row is committed every few seconds and the worker woken, as
handlers/requests/submit.py does for a critical request. The delay is from that commit to the fake's
acceptance of the alert (both clocks are the machine's monotonic clock). Every other alert goes
to a chat that also has a bulk notice still pending, to show an alert overtaking its own
chat's queue. Target: every alert within 2 s.

Part 2: the worker's due-rows query (storage.outbox.list_due_heads, limit 64 as the worker
asks with nothing in flight) at 20 and at 20,000 pending rows, through aiosqlite as the worker
calls it. At 20 pending it returns 20 rows, at 20,000 it returns 64; the third line asks for
20 at 20,000 pending, so the same work is compared: the cost follows the rows returned.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FakeServer, fake_server, machine, percentile
from bot.app import build_app, open_and_migrate
from bot.config import Settings
from storage import outbox
from storage.db import open_db
from storage.migrations import migrate
from tests.fakes.bot_api import DEFAULT_TOKEN

FIRST_BULK_CHAT = 60_000
FIRST_ALERT_CHAT = 90_000
TARGET_SECONDS = 2.0
# The fan-out is under way (every delivery place taken, the pacer at its pace) before the
# first alert, and the alerts are spaced so each meets the fan-out, not the previous alert.
WARM_UP_SECONDS = 3.0
ALERT_SPACING_SECONDS = 3.0
QUERY_LIMIT = 64


def settings_for(fake: FakeServer, db_dir: Path) -> Settings:
    return Settings(
        db_path=db_dir / "bench.db",
        telegram_token=DEFAULT_TOKEN,
        telegram_api_url=fake.url,
        telegram_poll_timeout=1,
        telegram_rate_limiter=False,
        _env_file=None,
    )


async def alert_run(
    fake: FakeServer, bulk: int, alerts: int, db_dir: Path
) -> tuple[list[float], float, int]:
    """Returns (each alert's delay in s, bulk msgs/s meanwhile, 429 answers)."""
    settings = settings_for(fake, db_dir)
    db = await open_and_migrate(settings)
    async with db.transaction() as conn:
        for i in range(bulk):
            await outbox.add_outbox(
                conn,
                transport="telegram",
                chat_id=str(FIRST_BULK_CHAT + i),
                text=f"bench broadcast {i}",
                now=datetime.now(UTC),
                kind="broadcast",
            )
    await db.close()

    _, since = await fake.calls("sendMessage")
    app = await build_app(settings)
    await app.start()  # the worker starts on the fan-out at once
    delays: list[float] = []
    try:
        await asyncio.sleep(WARM_UP_SECONDS)
        for n in range(alerts):
            # Odd alerts go to a chat whose own bulk notice is near the end of the queue.
            chat = FIRST_BULK_CHAT + bulk - 1 - n if n % 2 else FIRST_ALERT_CHAT + n
            async with app.db.transaction() as conn:
                await outbox.add_outbox(
                    conn,
                    transport="telegram",
                    chat_id=str(chat),
                    text=f"bench critical alert {n}",
                    now=app.ctx.clock(),
                    kind="alert",
                )
            committed = time.monotonic()
            app.worker.wake()
            arrived, since = await arrival(fake, f"bench critical alert {n}", since)
            delays.append(arrived - committed)
            await asyncio.sleep(max(0.0, ALERT_SPACING_SECONDS - (time.monotonic() - committed)))
        calls, _ = await fake.calls("sendMessage")
    finally:
        await app.stop()
    bulk_at = sorted(float(c["at"]) for c in calls if "broadcast" in str(c["params"]["text"]))
    rate = (len(bulk_at) - 1) / (bulk_at[-1] - bulk_at[0]) if len(bulk_at) > 1 else 0.0
    stats = await fake.stats()
    return delays, rate, int(stats["rate_limit_violations"])


async def arrival(
    fake: FakeServer, text: str, since: int, timeout: float = 30.0
) -> tuple[float, int]:
    """When the fake accepted the message ``text``; and where the next search starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls, next_seq = await fake.calls("sendMessage", since=since, min_count=1, timeout=1)
        for call in calls:
            if call["params"].get("text") == text:
                return float(call["at"]), since
        since = next_seq
    raise TimeoutError(f"{text!r} not delivered within {timeout}s")


async def query_times(pending: int, limit: int, repeat: int) -> list[float]:
    """Seconds per list_due_heads call with ``pending`` rows due (and as many sent before)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = await open_db(Path(tmp) / "query.db")
        await migrate(db)
        now = datetime.now(UTC)
        kinds = ("broadcast", "notice", "alert", "digest", "colleague")
        async with db.transaction() as conn:
            for i in range(pending * 2):
                row_id = await outbox.add_outbox(
                    conn,
                    transport="telegram",
                    chat_id=str(FIRST_BULK_CHAT + i),
                    text="x",
                    now=now - timedelta(seconds=pending * 2 - i),
                    kind=kinds[i % len(kinds)],
                )
                if i % 2:  # the history a running outbox has
                    await outbox.set_outbox_sent(conn, row_id, now)
        times: list[float] = []
        try:
            for _ in range(repeat):
                began = time.perf_counter()
                async with db.read() as conn:
                    rows = await outbox.list_due_heads(
                        conn, now, transports=["telegram"], limit=limit
                    )
                times.append(time.perf_counter() - began)
                assert rows
        finally:
            await db.close()
        return times


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    print(
        f"{args.bulk} bulk notices to distinct chats, then {args.alerts} alerts per run "
        f"{ALERT_SPACING_SECONDS:.0f} s apart; the fake enforces 30 msg/s overall and "
        f"1 msg/s per chat; {args.runs} run(s)"
    )
    delays: list[float] = []
    worst_429 = 0
    async with fake_server("--enforce-rate-limits") as fake:
        for run in range(1, args.runs + 1):
            await fake.reset()
            with tempfile.TemporaryDirectory() as tmp:
                got, rate, answers_429 = await alert_run(fake, args.bulk, args.alerts, Path(tmp))
            delays += got
            worst_429 = max(worst_429, answers_429)
            shown = ", ".join(f"{d * 1000:.0f}" for d in got)
            print(
                f"run {run}: alert delays {shown} ms; bulk meanwhile {rate:.1f} msg/s; "
                f"429 answers {answers_429}"
            )
    median, p90, worst = statistics.median(delays), percentile(delays, 90), max(delays)
    verdict = "OK" if worst <= TARGET_SECONDS else "MISSED"
    print(
        f"alert delay over {len(delays)} alerts: median {median * 1000:.0f} ms, "
        f"p90 {p90 * 1000:.0f} ms, max {worst * 1000:.0f} ms "
        f"(target <= {TARGET_SECONDS:.0f} s) {verdict}"
    )
    print(f"429 answers: {worst_429} in the worst run (target 0)")
    for pending, limit in ((20, QUERY_LIMIT), (20_000, QUERY_LIMIT), (20_000, 20)):
        times = await query_times(pending, limit, args.queries)
        print(
            f"due-rows query, {pending} pending (+{pending} sent), limit {limit}: "
            f"median {statistics.median(times) * 1e6:.0f} us, "
            f"p90 {percentile(times, 90) * 1e6:.0f} us over {len(times)} calls"
        )


def main() -> None:
    # As the CLI does: PTB 22 otherwise warns on every RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bulk", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--alerts", type=int, default=4, help="alerts per run")
    parser.add_argument("--queries", type=int, default=300, help="due-rows query calls")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
