"""The event loop's worst lag and chat latency while heavy reports run.

    .venv/bin/python -m bench.loop_lag [--requests 42000] [--rate 50] [--chats 50] [--repeat 3]

A temporary SQLite database holds ``--requests`` requests (bench/digest.py's generator: 1-4
items each, so ~105,000 item lines by default; 100,000 is the export's limit). The full bot
(build_app, Telegram against the fake Bot API in its own process) answers a steady stream of
requesters' messages, paced by the fake at ``--rate``/s from ``--chats`` chats. After a few
seconds of the stream alone, three heavy jobs start at once:

* a weekly digest with its 8-week chart (``run_digest``, as the scheduler calls it);
* ``/export xlsx`` from one coordinator (100,000 item lines);
* ``/chart`` from another coordinator;
* with ``--jobs ...,csv``, also ``/export csv`` from a fourth (not in the default set, which
  is the issue's).

A ticker task sleeps 5 ms at a time and records how late it wakes (the loop's lag). Chat
latency is from the fake's push of an update to its reply's arrival at the fake (both on the
machine's monotonic clock). Printed: worst lag and chat p50/p99/max for the stream alone and
while the heavy jobs run: from their start until the digest is queued and the /export and
/chart files reached the fake (the digest's own chart follows its text parts at the outbox's
per-chat pace, which is no heavy work); also the five longest lags and slowest answers with
their times, and the longest garbage collection meanwhile (it holds the interpreter lock, so
it stops the loop whichever thread runs it), and each lag less the time the loop's thread
waited for a CPU (the bot's own part; the rest is the machine not running it). Targets while
they run: worst lag < 50 ms, chat p99 < 100 ms. Each round has a database, bot and fake of its
own; shared 2-core machines are noisy, so the medians of the rounds are the figures to quote.
``--jobs`` runs a subset.

The bench only uses what the base commit had too (``run_digest``, ``ctx.renderers``), so the
same file measures the code before and after issue 11's reports change.

A small chart and workbook are drawn before the measurement (after the start, as a running bot
draws its first chart some time after it): the figures are a long-running bot's, not those of
the first chart after a start, which pays for imports and font caches.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FakeServer, fake_server, machine, percentile
from bench.digest import NOW, generate
from bench.telegram_throughput import FIRST_USER, match_replies, text_update
from bot.app import App, build_app, open_and_migrate
from bot.config import Settings
from handlers.coordination.charts import CHART_WEEKS, chart_labels
from handlers.coordination.digest_jobs import run_digest
from handlers.coordination.hxl_export import ExportTable
from storage import members, organisations, subscriptions
from storage.charts import ChartData, ChartWeek
from storage.models import Filters, Identity, OrgKind, Role, SubscriptionKind
from tests.fakes.bot_api import DEFAULT_TOKEN

TICK = 0.005
TARGET_LAG_MS = 50.0
TARGET_P99_MS = 100.0
# Coordinators' chats: the digest goes to the first, /export and /chart come from the others.
DIGEST_CHAT, EXPORT_CHAT, CHART_CHAT, CSV_CHAT = 3000, 3001, 3002, 3003
ALONE_SECONDS = 3.0
# Far beyond the slowest run seen (~35 s): a missing file fails the round instead of hanging.
DOCUMENT_DEADLINE_SECONDS = 300.0


@dataclass
class Collections:
    """The garbage collector's pauses: they hold the interpreter lock, so they stop the loop
    whichever thread triggered them."""

    samples: list[tuple[float, int, float]] = field(default_factory=list)
    _began: float = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.monotonic()
        else:
            now = time.monotonic()
            self.samples.append((now, info["generation"], (now - self._began) * 1000))

    def worst(self, start: float, end: float) -> tuple[float, int]:
        inside = [(ms, gen) for at, gen, ms in self.samples if start <= at <= end]
        return max(inside, default=(float("nan"), -1))


@dataclass
class Ticker:
    """Oversleep of 5 ms sleeps, stamped with the monotonic time the tick ended.

    Each tick also keeps how long the loop's thread waited for a CPU meanwhile (Linux's
    per-thread ``schedstat``: time runnable but not running). That part of a lag is the
    machine's (on a shared VM, other people's work); the rest is the bot's own (its code on
    the loop, or another thread holding the interpreter lock).
    """

    samples: list[tuple[float, float, float]] = field(default_factory=list)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        with _RunDelay() as run_delay:
            while True:
                before, waited = loop.time(), run_delay()
                await asyncio.sleep(TICK)
                lag = (loop.time() - before - TICK) * 1000
                for_cpu = min(lag, (run_delay() - waited) * 1000)
                self.samples.append((time.monotonic(), lag, max(0.0, lag - for_cpu)))

    def worst(self, start: float, end: float) -> float:
        inside = (lag for at, lag, _ in self.samples if start <= at <= end)
        return max(inside, default=float("nan"))

    def worst_own(self, start: float, end: float) -> float:
        """The longest lag less its wait for a CPU: what the bot itself stalled the loop for."""
        inside = (own for at, _, own in self.samples if start <= at <= end)
        return max(inside, default=float("nan"))

    def top(self, start: float, end: float, n: int = 5, *, own: bool = False) -> str:
        inside = sorted(
            ((o if own else lag, lag, o, at) for at, lag, o in self.samples if start <= at <= end),
            reverse=True,
        )
        return ", ".join(
            f"{lag:.0f} ms (own {o:.0f}) at +{at - start:.1f} s" for _, lag, o, at in inside[:n]
        )


class _RunDelay:
    """The calling thread's time waiting for a CPU so far, in seconds (0 where Linux's
    /proc/thread-self/schedstat is missing: then every lag counts as the bot's own)."""

    def __enter__(self) -> Callable[[], float]:
        try:
            self._fd: int | None = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None
        return self._read

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)

    def _read(self) -> float:
        if self._fd is None:
            return 0.0
        return int(os.pread(self._fd, 100, 0).split()[1]) / 1e9


def warm_up(app: App) -> None:
    """One small chart and workbook: the libraries' imports and first-use caches (fonts).

    Through ``ctx.renderers`` only, as on the base commit too, so the bench runs on both.
    """
    ctx = app.ctx
    end = ctx.clock()
    weeks = ChartData(weeks=tuple(ChartWeek(end=end) for _ in range(CHART_WEEKS)))
    labels = chart_labels(ctx.t, ctx.catalog, "de")
    ctx.renderers.weekly_chart(weeks, lang="de", title="", labels=labels)
    ctx.renderers.xlsx(ExportTable(header=("a",), hxl=("#a",), rows=((1,),)), sheet_title="x")


def command_update(user: int, text: str, message_id: int) -> dict[str, Any]:
    command = text.split()[0]
    return {
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private"},
            "from": {
                "id": user,
                "is_bot": False,
                "first_name": "Coord",
                "language_code": "de",
            },
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        }
    }


async def prepare(settings: Settings, requests: int, chats: int) -> int:
    """Requests, the stream's requesters, four coordinators; returns the subscription id."""
    db = await open_and_migrate(settings)
    await db.close()
    generate(settings.db_path, requests, 300)
    db = await open_and_migrate(settings)
    try:
        async with db.transaction() as conn:
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name="Bench hospital",
                raion="R",
                settlement="S",
                code=None,
                address="A",
                now=NOW,
            )
            people = [(user, Role.REQUESTER) for user in range(FIRST_USER, FIRST_USER + chats)]
            coordinators = (DIGEST_CHAT, EXPORT_CHAT, CHART_CHAT, CSV_CHAT)
            people += [(user, Role.COORDINATOR) for user in coordinators]
            member_ids: dict[int, int] = {}
            for user, role in people:
                member = await members.add_member(
                    conn,
                    identity=Identity(transport="telegram", user_id=str(user)),
                    chat_id=str(user),
                    org_id=org.id,
                    roles=frozenset({role}),
                    language="de" if role is Role.COORDINATOR else "uk",
                    display_name="Bench",
                    now=NOW,
                )
                member_ids[user] = member.id
            # No cron: the scheduler neither schedules nor catches it up at start; the bench
            # fires it itself. Its window is the week before the measurement.
            sub = await subscriptions.add_subscription(
                conn,
                member_id=member_ids[DIGEST_CHAT],
                transport="telegram",
                chat_id=str(DIGEST_CHAT),
                language="de",
                kind=SubscriptionKind.WEEKLY,
                cron=None,
                timezone="Europe/Berlin",
                filters=Filters(),
                now=NOW - timedelta(days=7),
            )
    finally:
        await db.close()
    return sub.id


def shifted_clock() -> Any:
    """The bot's clock runs from the generated data's "now", at the real pace."""
    began = time.monotonic()

    def clock() -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - began)

    return clock


async def wait_documents(fake: FakeServer, since: int, chats: set[int]) -> dict[int, float]:
    """When each chat's first file reached the fake: a document, or a photo (a chart is
    sent as one)."""
    arrived: dict[int, float] = {}
    cursors = {"sendDocument": since, "sendPhoto": since}
    deadline = time.monotonic() + DOCUMENT_DEADLINE_SECONDS
    while not chats <= arrived.keys():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no document for chats {sorted(chats - arrived.keys())}")
        found = False
        for method, cursor in cursors.items():
            calls, cursors[method] = await fake.calls(method, since=cursor, timeout=0)
            for call in calls:
                chat = int(call["params"]["chat_id"])
                arrived.setdefault(chat, float(call["at"]))
            found = found or bool(calls)
        if not found:
            await asyncio.sleep(0.2)
    return arrived


@dataclass
class Window:
    start: float
    end: float

    def holds(self, at: float) -> bool:
        return self.start <= at <= self.end


async def stream_latencies(
    fake: FakeServer,
    since: int,
    first: int,
    others: set[int],
    chats: int,
    windows: Sequence[Window],
) -> list[list[tuple[float, float]]]:
    """(push time, latency in ms) of the stream's updates pushed inside each window.

    The fake numbers updates in push order from ``first``; ``others`` (the commands pushed
    meanwhile) are not the stream's.
    """
    pushed = await fake.pushed_at()
    ids = sorted(uid for uid in pushed if uid >= first and uid not in others)
    needed = sum(1 for uid in ids if pushed[uid] <= windows[-1].end)
    stream_chats = {str(FIRST_USER + i) for i in range(chats)}
    for _ in range(600):
        calls, _ = await fake.calls("sendMessage", since=since)
        replies = [c for c in calls if str(c["params"]["chat_id"]) in stream_chats]
        if len(replies) >= needed:
            break
        await asyncio.sleep(0.1)
    matched = match_replies(replies, needed, chats)
    result: list[list[tuple[float, float]]] = [[] for _ in windows]
    for uid, call in zip(ids, matched, strict=False):
        at = pushed[uid]
        for k, window in enumerate(windows):
            if window.holds(at):
                result[k].append((at, (float(call["at"]) - at) * 1000))
    return result


def line(label: str, lag: float, latencies: list[float]) -> str:
    return (
        f"{label}: worst loop lag {lag:.1f} ms; chat p50 {percentile(latencies, 50):.1f} ms,"
        f" p99 {percentile(latencies, 99):.1f} ms, max {max(latencies, default=float('nan')):.1f}"
        f" ms ({len(latencies)} updates)"
    )


async def measure(
    fake: FakeServer, args: argparse.Namespace, db_dir: Path
) -> tuple[float, float, float]:
    """One round; returns the worst loop lag, the chat p99 and the worst lag less the loop's
    wait for a CPU (ms) while the jobs ran."""
    settings = Settings(
        db_path=db_dir / "bench.db",
        telegram_token=DEFAULT_TOKEN,
        telegram_api_url=fake.url,
        telegram_poll_timeout=1,
        telegram_rate_limiter=False,
        # The stream sends a message a second from each requester; the abuse limit would
        # answer most with a refusal.
        rate_limit_per_minute=1000,
        _env_file=None,
    )
    began = time.perf_counter()
    sub_id = await prepare(settings, args.requests, args.chats)
    print(f"  generated {args.requests:,} requests in {time.perf_counter() - began:.1f} s")
    app: App = await build_app(settings, clock=shifted_clock())
    await app.start()
    # A chart and a workbook drawn now, not in the measurement, and after the start's
    # gc.freeze(), as in a bot that drew its first ones long ago (see the module's docstring).
    await asyncio.to_thread(warm_up, app)

    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    collections = Collections()
    gc.callbacks.append(collections)
    try:
        # Warm up: a first round trip through PTB, the engine and the database.
        _, since = await fake.calls("sendMessage")
        await fake.push([text_update(i, f"Потрібні бинти {i}", args.chats) for i in range(5)])
        await fake.calls("sendMessage", since=since, min_count=5)
        _, since = await fake.calls("sendMessage")
        _, doc_since = await fake.calls("sendDocument")
        first = int((await fake.stats())["max_update_id"]) + 1
        n = int(args.rate * args.max_seconds)
        updates = [text_update(i, f"Потрібні бинти {i}", args.chats) for i in range(n)]
        alone = Window(time.monotonic() + 0.5, 0.0)
        await fake.pace(updates, args.rate)
        await asyncio.sleep(ALONE_SECONDS)
        # Updates pushed just before the jobs start are answered while they run.
        alone.end = time.monotonic() - 0.5

        heavy = Window(time.monotonic(), 0.0)
        jobs = set(args.jobs.split(","))
        digest = (
            asyncio.create_task(run_digest(app.ctx, sub_id, app.ctx.clock()))
            if "digest" in jobs
            else None
        )
        pushes = [
            command_update(chat, text, message_id)
            for job, chat, text, message_id in (
                ("export", EXPORT_CHAT, "/export xlsx", 1),
                ("chart", CHART_CHAT, "/chart", 2),
                ("csv", CSV_CHAT, "/export csv", 3),
            )
            if job in jobs
        ]
        commands = await fake.push(pushes) if pushes else []
        queued = await digest if digest is not None else False
        digest_done = time.monotonic()
        app.worker.wake()
        # The digest's own chart is sent by the outbox worker, paced per chat behind the
        # digest's text parts: its delivery is no heavy work and does not end the window.
        files = {
            c
            for job, c in (
                ("export", EXPORT_CHAT),
                ("chart", CHART_CHAT),
                ("csv", CSV_CHAT),
            )
            if job in jobs
        }
        arrived = await wait_documents(fake, doc_since, files)
        # With --jobs digest alone no file is awaited: the window ends when the digest is queued.
        heavy.end = max([digest_done, *arrived.values()])
        if digest is not None:
            arrived.update(await wait_documents(fake, doc_since, {DIGEST_CHAT}))
        alone_timed, heavy_timed = await stream_latencies(
            fake, since, first, set(commands), args.chats, [alone, heavy]
        )
    finally:
        gc.callbacks.remove(collections)
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
        await app.stop()
    done = [f"digest queued={queued} in {digest_done - heavy.start:.2f} s"] if digest else []
    done += [
        f"{label} at the fake after {arrived[chat] - heavy.start:.2f} s"
        for label, chat in (
            ("digest chart", DIGEST_CHAT),
            ("export", EXPORT_CHAT),
            ("/chart", CHART_CHAT),
            ("csv", CSV_CHAT),
        )
        if chat in arrived
    ]
    print("  heavy jobs: " + "; ".join(done))
    alone_ms = [ms for _, ms in alone_timed]
    heavy_ms = [ms for _, ms in heavy_timed]
    print(line("  stream alone      ", ticker.worst(alone.start, alone.end), alone_ms))
    worst = ticker.worst(heavy.start, heavy.end)
    print(line("  with the heavy jobs", worst, heavy_ms))
    pause, generation = collections.worst(heavy.start, heavy.end)
    own = ticker.worst_own(heavy.start, heavy.end)
    print(f"    longest lags: {ticker.top(heavy.start, heavy.end)}")
    print(f"    longest own lags: {ticker.top(heavy.start, heavy.end, own=True)}")
    print(
        f"    worst lag less the loop's wait for a CPU: {own:.1f} ms"
        f" (stream alone: {ticker.worst_own(alone.start, alone.end):.1f} ms)"
    )
    slowest = sorted(((ms, at) for at, ms in heavy_timed), reverse=True)[:5]
    print(
        "    slowest answers: "
        + ", ".join(f"{ms:.0f} ms at +{at - heavy.start:.1f} s" for ms, at in slowest)
    )
    print(f"    longest garbage collection meanwhile: {pause:.1f} ms (generation {generation})")
    return worst, percentile(heavy_ms, 99), own


def verdict(label: str, worst: float, p99: float) -> str:
    return (
        f"{label}worst loop lag {worst:.1f} ms (target < {TARGET_LAG_MS:g} ms)"
        f" {'OK' if worst < TARGET_LAG_MS else 'MISSED'}; chat p99 {p99:.1f} ms"
        f" (target < {TARGET_P99_MS:g} ms) {'OK' if p99 < TARGET_P99_MS else 'MISSED'}"
    )


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    print(
        f"{args.requests:,} requests; stream {args.rate:g} updates/s from {args.chats} chats;"
        f" started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    lags: list[float] = []
    p99s: list[float] = []
    owns: list[float] = []
    for round_no in range(1, args.repeat + 1):
        print(f"round {round_no}")
        # A fake of its own each round: the last round's paced stream is still pushing.
        async with fake_server() as fake:
            with tempfile.TemporaryDirectory(prefix="aidbridge-lag-") as tmp:
                worst, p99, own = await measure(fake, args, Path(tmp))
        print(verdict("  ", worst, p99))
        lags.append(worst)
        p99s.append(p99)
        owns.append(own)
    # Shared 2-core machines are noisy: the medians of the rounds are the figures to quote.
    print(verdict("median of the rounds: ", statistics.median(lags), statistics.median(p99s)))
    print(
        "median of the rounds' worst lag less the loop's wait for a CPU:"
        f" {statistics.median(owns):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=42_000)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument(
        "--jobs",
        default="digest,export,chart",
        help="which heavy jobs run: digest (weekly, with its chart), export (XLSX), chart, csv",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=120,
        help="the stream's length; it outlasts the jobs",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
