"""Concurrent turns through the engine on each storage engine: does PostgreSQL need group commit?

    .venv/bin/python -m bench.pg_turns [--chats 40] [--per-chat 10] [--text "/need 5 шприци"]

Each of CHATS chats sends PER_CHAT lines one after another, all chats at once, straight into
Engine.handle (no transport): what a webhook burst asks of the database. Measured on an SQLite
file and on a throwaway PostgreSQL server run with its durable defaults (fsync and synchronous
commits on, as a deployment runs it; the tests switch them off). Printed per engine: turns/s,
turn latency, and the mean number of turns per COMMIT (Database.on_group_commit).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import machine, summary
from storage import members
from storage.models import Identity, Role
from storage.pg import MAX_GROUP, PgDatabase
from tests.engine_harness import EngineHarness
from tests.postgres_server import running


async def run(
    path: Path, url: str | None, chats: int, per_chat: int, text: str, max_group: int = 0
) -> str:
    harness = await EngineHarness.create(path, url=url)
    if max_group:
        assert isinstance(harness.db, PgDatabase)
        harness.db.max_group = max_group
    try:
        org = await harness.add_org()
        people = [Identity(transport="telegram", user_id=str(10_000 + i)) for i in range(chats)]
        async with harness.db.transaction() as conn:
            for who in people:
                await members.add_member(
                    conn,
                    identity=who,
                    chat_id=who.user_id,
                    org_id=org.id,
                    roles=frozenset({Role.REQUESTER}),
                    language="uk",
                    display_name=f"nurse {who.user_id}",
                    now=datetime.now(UTC),
                )
        groups: list[int] = []
        harness.db.on_group_commit = groups.append
        latencies: list[float] = []
        errors = 0

        async def chat(who: Identity) -> None:
            nonlocal errors
            for _ in range(per_chat):
                began = time.perf_counter()
                replies = await harness.send(who, text)
                latencies.append((time.perf_counter() - began) * 1000)
                errors += any("⚠" in r.text or "помилк" in r.text.lower() for r in replies)

        began = time.perf_counter()
        await asyncio.gather(*(chat(who) for who in people))
        elapsed = time.perf_counter() - began
        turns = chats * per_chat
        return (
            f"{turns / elapsed:7.0f} turns/s, {summary(latencies)}, "
            f"{statistics.fmean(groups) if groups else 0:.2f} turns per commit, "
            f"{errors} errors"
        )
    finally:
        await harness.close()


async def main_async(args: argparse.Namespace) -> None:
    print(machine())
    print(f"{args.chats} chats x {args.per_chat} turns ({args.text!r}), all chats at once")
    with tempfile.TemporaryDirectory() as tmp, running(durable=not args.no_fsync) as server:
        # The modes take turns, so a neighbour's load spreads over all of them.
        for rep in range(args.repeat):
            line = await run(Path(tmp) / f"t{rep}.db", None, args.chats, args.per_chat, args.text)
            print(f"sqlite (group commit)          {line}")
            for label, max_group in (
                (f"postgresql group commit <= {MAX_GROUP}", MAX_GROUP),
                ("postgresql a commit per turn  ", 1),
            ):
                name = f"bench{rep}_{max_group}"
                server.sql(f"CREATE DATABASE {name} TEMPLATE template0")
                line = await run(
                    Path(tmp) / "unused.db",
                    server.url(name),
                    args.chats,
                    args.per_chat,
                    args.text,
                    max_group,
                )
                print(f"{label} {line}")


def uptime() -> str:
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--per-chat", type=int, default=10)
    parser.add_argument("--text", default="/need 5 шприци")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-fsync", action="store_true", help="PostgreSQL as the tests run it (no fsync)"
    )
    asyncio.run(main_async(parser.parse_args()))
    print(f"uptime: {uptime()}")


if __name__ == "__main__":
    main()
