"""Outbox drain rate under Telegram's flood limits, enforced by the fake Bot API.

    .venv/bin/python -m bench.outbox [--rows 1000] [--repeat 1]

The fake runs in its own process and answers 429 to any message beyond 30/s overall or 1/s per
chat (sliding one-second windows). The bot runs here with its production pacer and PTB's own
rate limiter off, so the pace is the outbox's alone. Each row goes to a different chat, so the
overall limit is the one that binds. The rate is the fake's: first to last accepted send, by
the arrival times it recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FakeServer, fake_server, machine
from bot.app import build_app, open_and_migrate
from bot.config import Settings
from storage import outbox
from tests.fakes.bot_api import DEFAULT_TOKEN

FIRST_CHAT = 50_000
TARGET_RATE = 27.0


async def one_round(fake: FakeServer, rows: int, db_dir: Path) -> tuple[float, int, int, float]:
    """Returns (messages/s, 429 answers, rows not delivered exactly once, seconds)."""
    settings = Settings(
        db_path=db_dir / "bench.db",
        telegram_token=DEFAULT_TOKEN,
        telegram_api_url=fake.url,
        telegram_poll_timeout=1,
        telegram_rate_limiter=False,
        _env_file=None,
    )
    db = await open_and_migrate(settings)
    async with db.transaction() as conn:
        for i in range(rows):
            await outbox.add_outbox(
                conn,
                transport="telegram",
                chat_id=str(FIRST_CHAT + i),
                text=f"bench notification {i}",
                now=datetime.now(UTC),
            )
    await db.close()

    _, since = await fake.calls("sendMessage")
    app = await build_app(settings)
    started = time.monotonic()
    await app.start()  # the worker starts draining at once
    try:
        calls, _ = await fake.calls("sendMessage", since=since, min_count=rows, timeout=rows)
        elapsed = time.monotonic() - started
    finally:
        await app.stop()
    stats = await fake.stats()
    by_kind = stats.get("faulted_by_kind", {})
    # rate_limit_violations are the fake's flood-limit 429s; "429" would be injected ones.
    answers_429 = int(stats["rate_limit_violations"]) + int(by_kind.get("429", 0))
    arrivals = sorted(float(c["at"]) for c in calls)
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    texts = Counter(str(c["params"]["text"]) for c in calls)
    wrong = sum(1 for i in range(rows) if texts[f"bench notification {i}"] != 1)
    return rate, answers_429, wrong, elapsed


async def main_async(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    print(
        f"{args.rows} notifications to distinct chats; the fake enforces 30 msg/s overall and "
        f"1 msg/s per chat; {args.repeat} round(s)"
    )
    rates: list[float] = []
    total_429 = 0
    total_wrong = 0
    async with fake_server("--enforce-rate-limits") as fake:
        for round_no in range(1, args.repeat + 1):
            await fake.reset()
            with tempfile.TemporaryDirectory() as tmp:
                rate, answers_429, wrong, elapsed = await one_round(fake, args.rows, Path(tmp))
            rates.append(rate)
            total_429 += answers_429
            total_wrong += wrong
            print(
                f"round {round_no}: {rate:.2f} msg/s first to last send; 429 answers "
                f"{answers_429}; rows not delivered exactly once {wrong}; "
                f"{elapsed:.1f} s from start-up to the last send"
            )
    rate = statistics.median(rates)
    print(
        f"drain rate (median): {rate:.2f} msg/s (target >= {TARGET_RATE:.0f}) "
        f"{'OK' if rate >= TARGET_RATE else 'MISSED'}"
    )
    print(f"429 answers: {total_429} (target 0) {'OK' if total_429 == 0 else 'MISSED'}")
    verdict = "OK" if total_wrong == 0 else "MISSED"
    print(f"rows not delivered exactly once: {total_wrong} (target 0) {verdict}")


def main() -> None:
    # As the CLI does: PTB 22 otherwise warns on every RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the median is reported")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
