"""Updates through the full AidBridge stack vs a bare python-telegram-bot echo bot.

    .venv/bin/python -m bench.telegram_throughput [--burst 2000] [--rate 200] [--seconds 5]

Both bots poll the same fake Bot API server, which runs in its own process. Each update to
AidBridge is a registered requester's message, so every one is a database transaction (dedupe
row, member seen, reply). Prints updates/s for a burst, and latency percentiles at a steady
pace. Telegram's own rate limiter is off in both: it would measure Telegram's limits, not us.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FakeServer, fake_server, machine, percentile, summary
from bot.app import build_app
from bot.config import Settings
from storage import members, organisations
from storage.models import Identity, OrgKind, Role
from tests.fakes.bot_api import DEFAULT_TOKEN
from tests.fakes.echo_bot import build_echo_app

FIRST_USER = 4000


def user_of(i: int, chats: int) -> int:
    return FIRST_USER + i % chats


def text_update(i: int, text: str, chats: int) -> dict[str, Any]:
    user = user_of(i, chats)
    return {
        "message": {
            "message_id": 10_000 + i,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "uk"},
            "text": text,
        }
    }


def match_replies(replies: list[dict[str, Any]], n: int, chats: int) -> list[dict[str, Any]]:
    """The reply to each update: per chat, replies come in the order the updates were sent."""
    by_chat: dict[int, list[dict[str, Any]]] = {}
    for call in sorted(replies, key=lambda c: int(c["seq"])):
        by_chat.setdefault(int(call["params"]["chat_id"]), []).append(call)
    position: dict[int, int] = {}
    matched = []
    for i in range(n):
        chat = user_of(i, chats)
        k = position.get(chat, 0)
        position[chat] = k + 1
        matched.append(by_chat[chat][k])
    return matched


async def burst(
    fake: FakeServer, n: int, chats: int, text: Callable[[int], str]
) -> tuple[float, float]:
    """Push n updates at once; updates/s until the n-th reply, and this process's CPU time
    per update (ms) meanwhile: unlike updates/s, it does not count time in which a loaded
    machine did not run the bot, so it compares code on a shared VM."""
    _, since = await fake.calls("sendMessage")
    start, cpu = time.monotonic(), time.process_time()
    await fake.push([text_update(i, text(i), chats) for i in range(n)])
    replies, _ = await fake.calls("sendMessage", since=since, min_count=n)
    cpu_ms = (time.process_time() - cpu) * 1000 / n
    last = max(float(c["at"]) for c in replies[:n])
    return n / (last - start), cpu_ms


async def paced(
    fake: FakeServer, rate: float, seconds: float, chats: int, text: Callable[[int], str]
) -> list[float]:
    """The fake pushes at ``rate``/s from its own process; latency from push to reply."""
    _, since = await fake.calls("sendMessage")
    n = int(rate * seconds)
    # The fake numbers pushed updates consecutively after the highest id so far.
    first = int((await fake.stats())["max_update_id"]) + 1
    await fake.pace([text_update(i, text(i), chats) for i in range(n)], rate)
    replies, _ = await fake.calls("sendMessage", since=since, min_count=n, timeout=seconds + 120)
    matched = match_replies(replies, n, chats)
    pushed = await fake.pushed_at()
    return [(float(c["at"]) - pushed[first + i]) * 1000 for i, c in enumerate(matched)]


async def run_bare(
    fake: FakeServer, args: argparse.Namespace
) -> tuple[tuple[float, float], list[float]]:
    app = build_echo_app(fake.url, DEFAULT_TOKEN)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        rate = await burst(fake, args.burst, args.chats, lambda i: f"echo {i}")
        latencies = await paced(fake, args.rate, args.seconds, args.chats, lambda i: f"echo {i}")
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    return rate, latencies


async def prepare_members(settings: Settings, chats: int) -> None:
    from bot.app import open_and_migrate, utc_now

    db = await open_and_migrate(settings)
    async with db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Bench hospital",
            raion="R",
            settlement="S",
            code=None,
            address="A",
            now=utc_now(),
        )
        for user in range(FIRST_USER, FIRST_USER + chats):
            await members.add_member(
                conn,
                identity=Identity(transport="telegram", user_id=str(user)),
                chat_id=str(user),
                org_id=org.id,
                roles=frozenset({Role.REQUESTER}),
                language="uk",
                display_name="Bench",
                now=utc_now(),
            )
    await db.close()


async def run_full(
    fake: FakeServer, args: argparse.Namespace, db_dir: Path
) -> tuple[tuple[float, float], list[float]]:
    settings = Settings(
        db_path=db_dir / "bench.db",
        telegram_token=DEFAULT_TOKEN,
        telegram_api_url=fake.url,
        telegram_poll_timeout=1,
        telegram_rate_limiter=False,
        # Thousands of messages a minute from each requester: the bench measures throughput,
        # not the per-member abuse limit (which would answer most of them with a refusal).
        rate_limit_per_minute=1000,
        _env_file=None,
    )
    await prepare_members(settings, args.chats)
    app = await build_app(settings)
    await app.start()
    try:
        # Free text from a requester: engine, role check, conversation lookup, commit, reply.
        rate = await burst(fake, args.burst, args.chats, lambda i: f"Потрібні генератори {i}")
        latencies = await paced(
            fake, args.rate, args.seconds, args.chats, lambda i: f"Потрібні бинти {i}"
        )
    finally:
        await app.stop()
    return rate, latencies


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    print(
        f"burst {args.burst} updates; paced {args.rate}/s for {args.seconds} s; "
        f"from {args.chats} chats; {args.repeat} rounds, bare and full alternating"
    )
    ratios: list[float] = []
    p99s: list[float] = []
    cpus: list[tuple[float, float]] = []
    async with fake_server() as fake:
        for round_no in range(1, args.repeat + 1):
            (bare_rate, bare_cpu), bare_lat = await run_bare(fake, args)
            await fake.reset()
            with tempfile.TemporaryDirectory() as tmp:
                (full_rate, full_cpu), full_lat = await run_full(fake, args, Path(tmp))
            await fake.reset()
            ratios.append(full_rate / bare_rate)
            cpus.append((full_cpu, bare_cpu))
            p99s.append(percentile(full_lat, 99))
            print(f"round {round_no}")
            print(
                f"  bare echo bot : {bare_rate:6.0f} updates/s burst ({bare_cpu:.2f} ms CPU"
                f" each); paced: {summary(bare_lat)}"
            )
            print(
                f"  full AidBridge: {full_rate:6.0f} updates/s burst ({full_cpu:.2f} ms CPU"
                f" each); paced: {summary(full_lat)}"
            )
            print(f"  ratio {ratios[-1]:.2f}")
    # Shared 2-core VMs are noisy; the median of alternating rounds is the figure to quote.
    ratio, p99 = statistics.median(ratios), statistics.median(p99s)
    full_cpu = statistics.median(f for f, _ in cpus)
    bare_cpu = statistics.median(b for _, b in cpus)
    print(
        f"median CPU per update in the burst: full {full_cpu:.2f} ms, bare {bare_cpu:.2f} ms"
        f" (full/bare {full_cpu / bare_cpu:.2f})"
    )
    print(
        f"median ratio full/bare throughput: {ratio:.2f} (target >= 0.5) "
        f"{'OK' if ratio >= 0.5 else 'MISSED'}"
    )
    print(
        f"median full-stack p99 at {args.rate:.0f}/s: {p99:.2f} ms (target < 25 ms) "
        f"{'OK' if p99 < 25 else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument(
        "--chats",
        type=int,
        default=50,
        help="distinct requesters the updates come from (1 = everything in one chat)",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
