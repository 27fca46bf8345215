"""Updates/s and latency of AidBridge in webhook mode: one replica on SQLite, one on PostgreSQL,
three on PostgreSQL behind a round-robin proxy, and the default one process (solo, no
AIDBRIDGE_REPLICAS), against a bare python-telegram-bot webhook app in the same run (issue 16).

    .venv/bin/python -m bench.replicas [--chats 100] [--per-chat 10] [--pace both]
        [--configs bare,solo,sqlite1,pg1,pg3] [--connections 40] [--repeat 1]
        [--steady 20 --steady-seconds 10] [--py-spy FOLDER]

Every process has its own: the fake Bot API (tests/fakes/bot_api_server.py), the PostgreSQL
server (tests/postgres_server.py, made durable like the bot's SQLite: fsync and
synchronous_commit on), each `aidbridge run` replica, the proxy and the bare app. This
process plays Telegram: it POSTs the burst to the webhook, up to --connections at once and
never two of one chat at a time (Telegram's webhook keeps one update of a chat in flight),
each update posted again until it is answered 2xx.

Every update is a /need one-liner (Ukrainian lines of tests/data/need_lines.tsv the reader
files) from a requester of the organisation the bench sets up; AidBridge answers each with
its preview, the bare app with one sendMessage. Measured per configuration:

- updates/s: the burst's size over the time from its first POST to its last reply seen by the
  fake Bot API;
- latency from an update's POST to its reply at the fake (p50, p99): the bot's own time, with
  the queue the burst makes in front of it (a chat's next update is posted only once the one
  before it is answered);
- the same latency at a steady --steady updates/s after the burst (s.p50, s.p99), without
  that queue;
- CPU milliseconds of the bot's processes (and PostgreSQL's) per burst update: unlike
  updates/s, it does not count time a loaded machine did not run the bot.

The bot's shared send pace (bot/replicas.py: 25 messages/s overall, one per chat every 1.5 s)
bounds the burst: --pace telegram measures with it (and the fake refusing anything beyond
Telegram's 30/s and 1/s per chat), --pace raised with AIDBRIDGE_TELEGRAM_PACE_FACTOR
(--factor, default 100) and the fake not limiting, so that the figure is the bot's, not the
limiter's; --pace both runs both. Each figure says whether the pace bound it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FakeServer, fake_server, machine, percentile
from bot.replicas import SHARED_CHAT_INTERVAL, SHARED_PER_SECOND
from bot.transports.webhook import SECRET_HEADER, derive_secret
from storage import members, organisations
from storage.db import open_database
from storage.models import Identity, OrgKind, Role
from storage.places import codifier
from storage.places.placing import placement_for
from tests.fakes.bot_api import DEFAULT_TOKEN
from tests.need_corpus import load as load_need_lines
from tests.postgres_server import PostgresServer
from tests.postgres_server import running as postgres_running
from tests.process.test_replicas import Proxy, free_port

FIRST_CHAT = 30_000
PROJECT = Path(__file__).resolve().parents[1]
# py-spy is no dependency of the project: PY_SPY, else the one on PATH.
PY_SPY = os.environ.get("PY_SPY") or shutil.which("py-spy") or "py-spy"
WEBHOOK_PATH = "/telegram"
DNIPRO = placement_for(codifier()["UA12020010010037010"])
CONFIGS = ("bare", "solo", "sqlite1", "pg1", "pg3")
# A figure within this much of the pace's floor is the pace's, not the bot's.
PACE_BOUND_MARGIN = 1.25


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def need_lines() -> list[str]:
    """Ukrainian one-liners the reader files without a question: what nurses type."""
    lines = [
        line.text
        for line in load_need_lines()
        if line.kind == "store" and line.comment.startswith("uk") and "\n" not in line.text
    ]
    assert lines, "tests/data/need_lines.tsv has no Ukrainian lines"
    return lines


def make_burst(chats: int, per_chat: int, first_update_id: int) -> list[dict[str, Any]]:
    """Round k of every chat before round k+1, as a busy morning would come in."""
    lines = need_lines()
    now = int(time.time())
    burst: list[dict[str, Any]] = []
    for k in range(per_chat):
        for i in range(chats):
            chat = FIRST_CHAT + i
            text = "/need " + lines[(k * chats + i) % len(lines)]
            update_id = first_update_id + len(burst)
            burst.append(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": 1_000_000 + update_id,
                        "date": now,
                        "chat": {"id": chat, "type": "private", "first_name": "Bench"},
                        "from": {
                            "id": chat,
                            "is_bot": False,
                            "first_name": "Bench",
                            "language_code": "uk",
                        },
                        "text": text,
                        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                    },
                }
            )
    return burst


# ------------------------------------------------------------------------- child processes


async def serve_proxy(port: int, upstreams: list[int]) -> None:
    """tests/process/test_replicas.py's round-robin proxy, in a process of its own."""
    proxy = Proxy(upstreams)
    proxy.port = port
    await proxy.start()
    print("READY", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.stop()


async def serve_bare(port: int, api_url: str, webhook_url: str) -> None:
    """The baseline: python-telegram-bot with one handler answering each message with one
    sendMessage, no database, behind the same kind of aiohttp webhook route as AidBridge's
    (secret checked, the POST answered once the update is handled)."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await context.bot.send_message(chat_id=message.chat_id, text="Отримано")

    root = api_url.rstrip("/")
    app = (
        Application.builder()
        .token(DEFAULT_TOKEN)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .updater(None)
        .concurrent_updates(True)  # the webhook's connections arrive at once, as with AidBridge
        .job_queue(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, answer))
    secret = derive_secret(DEFAULT_TOKEN)

    async def webhook(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != secret:
            return web.Response(status=403)
        update = Update.de_json(await request.json(), app.bot)
        await app.process_update(update)
        return web.Response(status=200)

    await app.initialize()
    await app.bot.set_webhook(url=webhook_url, secret_token=secret)
    await app.start()
    server = web.Application()
    server.router.add_post(WEBHOOK_PATH, webhook)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("READY", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await app.stop()
        await app.shutdown()


class Child:
    """A child process that prints READY (proxy, bare app) or answers /readyz (a replica)."""

    def __init__(self, name: str, args: Sequence[str], env: dict[str, str], cwd: Path) -> None:
        self.name = name
        self.args = list(args)
        self.env = env
        self.cwd = cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.log = cwd / "unstarted.log"

    async def start(self, ready_url: str | None = None) -> None:
        # Its log beside its files, out of the table (printed when it fails to start).
        self.log = self.cwd / f"{self.name.replace(' ', '-')}.log"
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *self.args,
                env=self.env,
                cwd=str(self.cwd),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if ready_url is None else log,
                stderr=log,
            )
        if ready_url is None:
            assert self.proc.stdout is not None
            line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
            if line.strip() != b"READY":
                raise RuntimeError(f"{self.name} did not start: {line!r}; {self.tail()}")
            return
        deadline = time.monotonic() + 90
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited at start; {self.tail()}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(ready_url) as answer:
                        if answer.status == 200:
                            return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not ready in 90 s; {self.tail()}")
                await asyncio.sleep(0.1)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU of these processes so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def children_of(pid: int) -> list[int]:
    """PostgreSQL's backends and helpers: the postmaster's children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


# ------------------------------------------------------------------------- one configuration


@dataclass
class Setup:
    name: str  # one of CONFIGS
    paced: bool  # the bot's pace as shipped (else raised by --factor)
    replicas: int
    engine: str  # "-", "sqlite", "pg"

    @property
    def shared(self) -> bool:
        """AIDBRIDGE_REPLICAS: chat leases and the pace reserved in the database. "solo" is
        the one process of the default deployment (its answers paced by PTB's limiter)."""
        return self.name not in ("bare", "solo")


@dataclass
class Outcome:
    setup: Setup
    updates: int
    seconds: float
    latencies_ms: list[float]
    steady_ms: list[float]  # at --steady updates/s
    cpu_bot: float
    cpu_pg: float
    failed_posts: int
    missing_replies: int
    violations: int
    pace_floor: float  # seconds the pace needs at least for the burst; 0: no pace

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def pace_bound(self) -> bool:
        return self.pace_floor > 0 and self.seconds <= self.pace_floor * PACE_BOUND_MARGIN


def pace_floor(setup: Setup, chats: int, per_chat: int, factor: float) -> float:
    """The least time the pace allows for the burst's replies (one per update)."""
    if setup.name == "bare" or (setup.name == "solo" and not setup.paced):
        return 0.0
    if setup.name == "solo":
        # PTB's AIORateLimiter: 30/s overall, nothing per private chat.
        return (chats * per_chat - 1) / 30
    scale = 1.0 if setup.paced else factor
    overall = (chats * per_chat - 1) / (SHARED_PER_SECOND * scale)
    per_chat_floor = (per_chat - 1) * SHARED_CHAT_INTERVAL / scale
    return max(overall, per_chat_floor)


def replica_env(
    api_url: str,
    db_dir: Path,
    database_url: str | None,
    front_port: int,
    port: int,
    factor: float,
    setup: Setup,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDBRIDGE_")}
    env.update(
        AIDBRIDGE_TELEGRAM_TOKEN=DEFAULT_TOKEN,
        AIDBRIDGE_TELEGRAM_API_URL=api_url,
        AIDBRIDGE_DB_PATH=str(db_dir / "aidbridge.db"),
        # The shared pace paces every send (bot/replicas.py SharedPace); PTB's limiter would
        # only pace them again. One process paces its answers with PTB's limiter, as shipped.
        AIDBRIDGE_TELEGRAM_RATE_LIMITER=str(setup.name == "solo" and setup.paced).lower(),
        AIDBRIDGE_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{front_port}{WEBHOOK_PATH}",
        AIDBRIDGE_HTTP_LISTEN=f"127.0.0.1:{port}",
        AIDBRIDGE_REPLICAS=str(setup.shared).lower(),
        # Ten messages a minute from each requester would meet the abuse limit's refusals.
        AIDBRIDGE_RATE_LIMIT_PER_MINUTE="1000",
        AIDBRIDGE_TELEGRAM_PACE_FACTOR=str(factor),
        AIDBRIDGE_LOG_LEVEL="WARNING",
    )
    if database_url is not None:
        env["AIDBRIDGE_DATABASE_URL"] = database_url
    return env


async def seed(db_dir: Path, database_url: str | None, chats: int) -> None:
    """One hospital and a requester per chat, in it."""
    db = await open_database(db_dir / "aidbridge.db", database_url)
    stamp = datetime.now(UTC)
    try:
        async with db.transaction() as conn:
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name="Лікарня №4",
                raion="Дніпровський",
                settlement="Дніпро",
                code=None,
                address="вул. Тестова, 4",
                now=stamp,
                place=DNIPRO,
            )
            for i in range(chats):
                chat = FIRST_CHAT + i
                await members.add_member(
                    conn,
                    identity=Identity(transport="telegram", user_id=str(chat)),
                    chat_id=str(chat),
                    org_id=org.id,
                    roles=frozenset({Role.REQUESTER}),
                    language="uk",
                    display_name=f"nurse {i}",
                    now=stamp,
                )
    finally:
        await db.close()


async def post_burst(
    url: str, burst: list[dict[str, Any]], connections: int, rate: float = 0.0
) -> tuple[dict[int, float], int]:
    """POST every update as Telegram would: up to ``connections`` at once, a chat's next one
    only after the one before it was answered 2xx (posted again after anything else); with a
    ``rate``, the n-th update not before n / rate seconds from the start (people writing at
    that pace). Returns each update's first POST time and the count of failed POSTs."""
    posted: dict[int, float] = {}
    failed = 0
    by_chat: dict[int, list[dict[str, Any]]] = {}
    start = time.monotonic()
    due: dict[int, float] = {}
    for index, update in enumerate(burst):
        by_chat.setdefault(int(update["message"]["chat"]["id"]), []).append(update)
        due[int(update["update_id"])] = start + index / rate if rate > 0 else start
    slots = asyncio.Semaphore(connections)
    headers = {"Content-Type": "application/json", SECRET_HEADER: derive_secret(DEFAULT_TOKEN)}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=180)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def chat_queue(updates: list[dict[str, Any]]) -> None:
            nonlocal failed
            for update in updates:
                body = json.dumps(update)
                await asyncio.sleep(max(0.0, due[int(update["update_id"])] - time.monotonic()))
                while True:
                    async with slots:
                        posted.setdefault(int(update["update_id"]), time.monotonic())
                        try:
                            async with session.post(url, data=body, headers=headers) as answer:
                                status = answer.status
                        except (aiohttp.ClientError, TimeoutError):
                            status = 0
                    if 200 <= status < 300:
                        break
                    failed += 1
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(chat_queue(u) for u in by_chat.values()))
    return posted, failed


async def measure(
    fake: FakeServer,
    front_url: str,
    burst: list[dict[str, Any]],
    connections: int,
    pids: list[int],
    pg: PostgresServer | None,
    rate: float = 0.0,
) -> tuple[float, list[float], float, float, int, int]:
    """The burst through the front URL: (seconds, latencies ms, bot CPU s, PostgreSQL CPU s,
    failed POSTs, replies missing or extra)."""
    _, since = await fake.calls("sendMessage")
    pg_pids = children_of(pg.process.pid) if pg is not None else []
    cpu0, pg0 = cpu_seconds(pids), cpu_seconds(pg_pids)
    posted, failed = await post_burst(front_url, burst, connections, rate)
    replies, _ = await fake.calls("sendMessage", since=since, min_count=len(burst), timeout=120)
    cpu, pg_cpu = cpu_seconds(pids) - cpu0, cpu_seconds(pg_pids) - pg0
    # A chat's replies come in the order of its updates (one in flight per chat).
    by_chat: dict[int, list[float]] = {}
    for call in sorted(replies, key=lambda c: int(c["seq"])):
        by_chat.setdefault(int(call["params"]["chat_id"]), []).append(float(call["at"]))
    latencies: list[float] = []
    last = 0.0
    seen: dict[int, int] = {}
    missing = 0
    for update in burst:
        chat = int(update["message"]["chat"]["id"])
        k = seen.get(chat, 0)
        seen[chat] = k + 1
        times = by_chat.get(chat, [])
        if k >= len(times):
            missing += 1
            continue
        latencies.append((times[k] - posted[int(update["update_id"])]) * 1000)
        last = max(last, times[k])
    # A reply beyond one per update (none expected) would shift the matching: counted too.
    extra = sum(max(0, len(times) - seen.get(chat, 0)) for chat, times in by_chat.items())
    first = min(posted.values())
    return last - first, latencies, cpu, pg_cpu, failed, missing + extra


@contextlib.asynccontextmanager
async def deployment(
    setup: Setup,
    fake: FakeServer,
    pg: PostgresServer | None,
    work: Path,
    factor: float,
    chats: int,
) -> AsyncIterator[tuple[str, list[int]]]:
    """The configuration running: (the URL Telegram posts to, the bot's pids)."""
    children: list[Child] = []
    ports = [free_port() for _ in range(max(1, setup.replicas))]
    front = free_port() if setup.replicas > 1 else ports[0]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AIDBRIDGE_")}
    me = [sys.executable, "-m", "bench.replicas"]
    base_env["PYTHONPATH"] = str(PROJECT)
    try:
        if setup.name == "bare":
            bare = Child(
                "bare app",
                [*me, "bare", str(ports[0]), fake.url, f"http://127.0.0.1:{front}{WEBHOOK_PATH}"],
                base_env,
                work,
            )
            children.append(bare)
            await bare.start()
            yield f"http://127.0.0.1:{front}{WEBHOOK_PATH}", [bare.pid]
            return
        db_dir = work / setup.name
        db_dir.mkdir()
        database_url = None
        if pg is not None:
            name = f"bench_{setup.name}_{int(time.time() * 1000) % 10**9}"
            pg.sql(f"CREATE DATABASE {name} TEMPLATE template0")
            database_url = pg.url(name)
        envs = [replica_env(fake.url, db_dir, database_url, front, p, factor, setup) for p in ports]
        migrate = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "migrate",
            env=envs[0],
            cwd=str(db_dir),
            stdout=asyncio.subprocess.DEVNULL,
        )
        if await migrate.wait() != 0:
            raise RuntimeError("aidbridge migrate failed")
        await seed(db_dir, database_url, chats)
        if setup.replicas > 1:
            proxy = Child(
                "proxy", [*me, "proxy", str(front), ",".join(map(str, ports))], base_env, db_dir
            )
            children.append(proxy)
            await proxy.start()
        bots: list[Child] = []
        # One after another: the first creates the invite key file beside the database.
        for index, (port, env) in enumerate(zip(ports, envs, strict=True)):
            replica = Child(
                f"replica {index}", [sys.executable, "-m", "bot.cli", "run"], env, db_dir
            )
            children.append(replica)
            bots.append(replica)
            await replica.start(ready_url=f"http://127.0.0.1:{port}/readyz")
        pids = [b.pid for b in bots] + [c.pid for c in children if c.name == "proxy"]
        yield f"http://127.0.0.1:{front}{WEBHOOK_PATH}", pids
    finally:
        for child in reversed(children):
            await child.stop()


@contextlib.asynccontextmanager
async def profiled(folder: Path | None, setup: Setup, pids: list[int]) -> AsyncIterator[None]:
    """With --py-spy: py-spy samples each of the bot's processes during the burst, its stacks
    (py-spy's raw format: one collapsed stack and its count a line) written to the folder."""
    if folder is None:
        yield
        return
    spies = []
    for pid in pids:
        pace = "telegram" if setup.paced else "raised"
        out = folder / f"{setup.name}-{pace}-{pid}.txt"
        spies.append(
            await asyncio.create_subprocess_exec(
                PY_SPY,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--nonblocking",
                "--gil",
                "-o",
                str(out),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )
    await asyncio.sleep(0.5)  # attached before the burst starts
    try:
        yield
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            await spy.wait()


async def run_setup(
    setup: Setup,
    fake: FakeServer,
    pg: PostgresServer | None,
    args: argparse.Namespace,
    first_update_id: int,
) -> Outcome:
    burst = make_burst(args.chats, args.per_chat, first_update_id)
    # Then people writing at a steady pace, each chat every chats / rate seconds: latency
    # without the burst's queue.
    steady_count = int(args.steady * args.steady_seconds)
    steady = make_burst(args.chats, -(-steady_count // args.chats), first_update_id + len(burst))[
        :steady_count
    ]
    await fake.reset()
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
        factor = 1.0 if setup.paced else args.factor
        async with deployment(setup, fake, pg, Path(tmp), factor, args.chats) as (url, pids):
            if setup.name != "bare":
                # At start each replica sets the default menus (4 calls) and the outbox sends
                # every member's own menu: done before the burst, so it is not measured.
                await fake.calls(
                    "setMyCommands", min_count=4 * setup.replicas + args.chats, timeout=60
                )
            before = await fake.stats()
            async with profiled(args.py_spy, setup, pids):
                seconds, latencies, cpu, pg_cpu, failed, missing = await measure(
                    fake, url, burst, args.connections, pids, pg
                )
            steady_latencies: list[float] = []
            if steady:
                # Past every chat's interval from the burst, so no steady update waits for it.
                await asyncio.sleep(2 * SHARED_CHAT_INTERVAL)
                _, steady_latencies, _, _, failed_steady, missing_steady = await measure(
                    fake, url, steady, args.connections, pids, pg, rate=args.steady
                )
                failed += failed_steady
                missing += missing_steady
            after = await fake.stats()
    violations = int(after["rate_limit_violations"]) - int(before["rate_limit_violations"])
    return Outcome(
        setup=setup,
        updates=len(burst),
        seconds=seconds,
        latencies_ms=latencies,
        steady_ms=steady_latencies,
        cpu_bot=cpu,
        cpu_pg=pg_cpu,
        failed_posts=failed,
        missing_replies=missing,
        violations=violations,
        pace_floor=pace_floor(setup, args.chats, args.per_chat, args.factor),
    )


# ------------------------------------------------------------------------- report


def describe(setup: Setup) -> str:
    if setup.name == "bare":
        return "bare PTB webhook app"
    if setup.name == "solo":
        return "1 process SQLite, no replicas"
    engine = "SQLite" if setup.engine == "sqlite" else "PostgreSQL"
    proxy = " + proxy" if setup.replicas > 1 else ""
    return f"{setup.replicas} replica{'s' if setup.replicas > 1 else ''} {engine}{proxy}"


def row(outcome: Outcome, factor: float) -> str:
    setup = outcome.setup
    if setup.name == "solo":
        pace = "PTB 30/s" if setup.paced else "off"
    else:
        pace = "none" if setup.name == "bare" else ("Telegram" if setup.paced else f"x{factor:g}")
    if outcome.pace_bound:
        bound = f"yes (floor {outcome.pace_floor:.1f} s)"
    elif outcome.pace_floor > 0:
        bound = f"no (floor {outcome.pace_floor:.1f} s)"
    else:
        bound = "-"
    per_k = 1000 / outcome.updates
    lat = outcome.latencies_ms
    problems = []
    if outcome.missing_replies:
        problems.append(f"{outcome.missing_replies} replies missing or extra")
    if outcome.failed_posts:
        problems.append(f"{outcome.failed_posts} POSTs failed")
    if outcome.violations:
        problems.append(f"{outcome.violations} over Telegram's limits")
    return (
        f"{describe(setup):<30} {pace:<9} {outcome.rate:7.1f} {percentile(lat, 50):7.0f} "
        f"{percentile(lat, 99):7.0f} {percentile(outcome.steady_ms, 50):7.0f} "
        f"{percentile(outcome.steady_ms, 99):7.0f} {outcome.cpu_bot * per_k:7.1f} "
        f"{outcome.cpu_pg * per_k:6.1f}  {bound:<22} {'; '.join(problems) or 'ok'}"
    )


# CPU: milliseconds of CPU per update, the bot's processes (with the proxy) and PostgreSQL's.
HEADER = (
    f"{'configuration':<30} {'pace':<9} {'upd/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
    f"{'s.p50':>7} {'s.p99':>7} {'CPU bot':>7} {'CPU PG':>6}  {'pace-bound':<22} checks"
)


def plan(args: argparse.Namespace) -> list[Setup]:
    wanted = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(wanted) - set(CONFIGS)
    if unknown:
        raise SystemExit(f"unknown configurations {sorted(unknown)}; use {','.join(CONFIGS)}")
    paces = {"telegram": [True], "raised": [False], "both": [False, True]}[args.pace]
    setups: list[Setup] = []
    for paced in paces:
        for name in wanted:
            if name == "bare" and paced:
                continue  # the bare app paces nothing: it runs once, unpaced
            if name in ("bare", "solo"):
                engine, replicas = ("-", 0) if name == "bare" else ("sqlite", 1)
            else:
                engine, replicas = name[:-1], int(name[-1])
            setups.append(Setup(name, paced, replicas, engine))
    return setups


@contextlib.contextmanager
def durable_postgres(needed: bool) -> Iterator[PostgresServer | None]:
    """tests/postgres_server.py's throwaway server, made as durable as the bot's SQLite
    (synchronous = FULL): the tests' server skips fsync, which would flatter PostgreSQL."""
    if not needed:
        yield None
        return
    with postgres_running() as server:
        server.sql("ALTER SYSTEM SET fsync = on")
        server.sql("ALTER SYSTEM SET synchronous_commit = on")
        server.sql("ALTER SYSTEM SET full_page_writes = on")
        server.sql("SELECT pg_reload_conf()")
        yield server


async def main_async(args: argparse.Namespace) -> None:
    setups = plan(args)
    print(f"machine: {machine()}")
    print(f"uptime at start: {uptime()}")
    print(
        f"burst: {args.chats * args.per_chat} /need updates from {args.chats} chats "
        f"({args.per_chat} each), {args.connections} webhook connections; then "
        f"{args.steady:g} updates/s for {args.steady_seconds:g} s (s.p50, s.p99); "
        f"{args.repeat} round(s)"
    )
    print(
        "upd/s: the burst's updates over first POST to last reply; p50/p99: POST to reply "
        "in the burst; CPU: ms per burst update (bot = replicas + proxy)"
    )
    results: dict[tuple[str, bool], list[Outcome]] = {}
    next_id = 1
    with durable_postgres(any(s.engine == "pg" for s in setups)) as pg:
        # Two fakes: one refusing beyond Telegram's limits (for the bot's own pace), one not
        # limiting (the bare app, which paces nothing, and the raised pace).
        async with fake_server() as free, fake_server("--enforce-rate-limits") as strict:
            for round_no in range(1, args.repeat + 1):
                print(f"\nround {round_no}; uptime: {uptime()}")
                print(HEADER)
                for setup in setups:
                    fake = strict if setup.paced else free
                    outcome = await run_setup(
                        setup, fake, pg if setup.engine == "pg" else None, args, next_id
                    )
                    next_id += outcome.updates
                    results.setdefault((setup.name, setup.paced), []).append(outcome)
                    print(row(outcome, args.factor), flush=True)
    if args.repeat > 1:
        print(f"\nmedians over {args.repeat} rounds; uptime: {uptime()}")
        print(
            f"{'configuration':<30} {'pace':<9} {'upd/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'s.p50':>7} {'s.p99':>7} {'CPU bot':>7} {'CPU PG':>6}"
        )
        for outcomes in results.values():
            setup = outcomes[0].setup
            pace = "none" if setup.name == "bare" else ("Telegram" if setup.paced else "raised")
            rate = statistics.median(o.rate for o in outcomes)
            p50 = statistics.median(percentile(o.latencies_ms, 50) for o in outcomes)
            p99 = statistics.median(percentile(o.latencies_ms, 99) for o in outcomes)
            s50 = statistics.median(percentile(o.steady_ms, 50) for o in outcomes)
            s99 = statistics.median(percentile(o.steady_ms, 99) for o in outcomes)
            cpu = statistics.median(o.cpu_bot * 1000 / o.updates for o in outcomes)
            pg_cpu = statistics.median(o.cpu_pg * 1000 / o.updates for o in outcomes)
            print(
                f"{describe(setup):<30} {pace:<9} {rate:7.1f} {p50:7.0f} {p99:7.0f} "
                f"{s50:7.0f} {s99:7.0f} {cpu:7.1f} {pg_cpu:6.1f}"
            )
    print(f"\nuptime at the end: {uptime()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command")
    proxy = commands.add_parser("proxy", help="(internal) the round-robin proxy")
    proxy.add_argument("port", type=int)
    proxy.add_argument("upstreams")
    bare = commands.add_parser("bare", help="(internal) the bare PTB webhook app")
    bare.add_argument("port", type=int)
    bare.add_argument("api_url")
    bare.add_argument("webhook_url")
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--per-chat", type=int, default=10, help="updates from each chat")
    parser.add_argument(
        "--connections",
        type=int,
        default=40,
        help="webhook POSTs at once (Telegram's max_connections default is 40)",
    )
    parser.add_argument("--configs", default=",".join(CONFIGS), help=",".join(CONFIGS))
    parser.add_argument(
        "--pace",
        choices=("telegram", "raised", "both"),
        default="both",
        help="the bot's send pace as shipped, raised by --factor, or both",
    )
    parser.add_argument(
        "--factor", type=float, default=100.0, help="AIDBRIDGE_TELEGRAM_PACE_FACTOR when raised"
    )
    parser.add_argument(
        "--steady",
        type=float,
        default=20.0,
        help="after the burst, updates/s at a steady pace for the s.p50/s.p99 latency (0: none)",
    )
    parser.add_argument("--steady-seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are printed")
    parser.add_argument(
        "--py-spy",
        type=Path,
        default=None,
        metavar="FOLDER",
        help="sample the bot's processes during each burst with py-spy (PY_SPY: its path)",
    )
    args = parser.parse_args()
    if getattr(args, "py_spy", None) is not None:
        args.py_spy.mkdir(parents=True, exist_ok=True)
    if args.command == "proxy":
        asyncio.run(serve_proxy(args.port, [int(p) for p in args.upstreams.split(",")]))
    elif args.command == "bare":
        asyncio.run(serve_bare(args.port, args.api_url, args.webhook_url))
    else:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
