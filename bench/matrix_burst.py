"""Hospitals filing at once through a Synapse with its DEFAULT rate limits (issue 12).

    .venv/bin/python -m bench.matrix_burst [--hospitals 15] [--runs 1]

Each run starts a fresh Synapse (its own data directory, Synapse's default limits: the bot
may send 10 messages at once, then one every 5 s, and join 10 rooms at once, then one every
10 s) and the whole bot (build_app) in this process. The hospitals are members already; each
opens a direct chat with the bot and sends `!need` at once, then answers the preview with
Submit (tests/bot/matrix_burst.py). Printed per run: the time from the first chat opened to
the last confirmation received, and how many of the bot's requests Synapse answered
M_LIMIT_EXCEEDED (each one waited out and retried). Every run also checks what the test
checks: every room joined, one preview and one confirmation per hospital, nothing twice.

Needs Synapse's virtualenv (`make synapse`, or AIDBRIDGE_SYNAPSE_PYTHON).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from bench.common import machine
from tests.bot.matrix_burst import run_burst
from tests.matrix_harness import Homeserver


async def one_run(hospitals: int) -> tuple[float, int, bool]:
    with tempfile.TemporaryDirectory(prefix="aidbridge-burst-") as tmp:
        async with Homeserver(default_rate_limits=True) as hs:
            result = await run_burst(hs, Path(tmp) / "bot.db", hospitals=hospitals)
    complete = (
        result.joined == hospitals
        and result.requests == hospitals
        and all(len(said) == 2 and "R-" in said[1] for said in result.said)
        and result.outbox_pending == 0
        and result.outbox_failed == 0
    )
    return result.seconds_to_last_confirmation, result.rate_limited, complete


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=15)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"{args.hospitals} hospitals, Synapse with its default rate limits")
    ok = True
    for run in range(1, args.runs + 1):
        seconds, limited, complete = await one_run(args.hospitals)
        ok = ok and complete
        print(
            f"run {run}: last confirmation after {seconds:.1f} s; {limited} requests answered"
            f" M_LIMIT_EXCEEDED; {'all' if complete else 'NOT all'} joins, previews and"
            " confirmations, nothing twice"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
