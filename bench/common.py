"""Helpers for benchmarks: the fake Bot API in its own process, percentiles, machine facts."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def summary(latencies_ms: Sequence[float]) -> str:
    return (
        f"p50 {percentile(latencies_ms, 50):.2f} ms, p99 {percentile(latencies_ms, 99):.2f} ms, "
        f"mean {statistics.fmean(latencies_ms):.2f} ms"
    )


class FakeServer:
    """Control client for `python -m tests.fakes.bot_api_server` running in its own process."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def push(self, updates: list[dict[str, Any]]) -> list[int]:
        async with self.session.post(f"{self.url}/control/push_updates", json=updates) as resp:
            resp.raise_for_status()
            body = await resp.json()
            return [int(i) for i in body["update_ids"]]

    async def pace(self, updates: list[dict[str, Any]], rate: float) -> None:
        async with self.session.post(
            f"{self.url}/control/pace", json={"updates": updates, "rate": rate}
        ) as resp:
            resp.raise_for_status()

    async def pushed_at(self) -> dict[int, float]:
        async with self.session.get(f"{self.url}/control/pushed") as resp:
            resp.raise_for_status()
            return {int(k): float(v) for k, v in (await resp.json()).items()}

    async def calls(
        self, method: str, since: int = 0, min_count: int = 0, timeout: float = 120
    ) -> tuple[list[dict[str, Any]], int]:
        params = {
            "method": method,
            "since": str(since),
            "min_count": str(min_count),
            "timeout": str(timeout),
        }
        async with self.session.get(
            f"{self.url}/control/calls",
            params=params,
            timeout=aiohttp.ClientTimeout(total=timeout + 30),
        ) as resp:
            resp.raise_for_status()
            body = await resp.json()
            return body["calls"], int(body["next"])

    async def stats(self) -> dict[str, Any]:
        async with self.session.get(f"{self.url}/control/stats") as resp:
            return dict(await resp.json())

    async def reset(self) -> None:
        async with self.session.post(f"{self.url}/control/reset") as resp:
            resp.raise_for_status()


@asynccontextmanager
async def fake_server(*extra_args: str) -> AsyncIterator[FakeServer]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.bot_api_server",
        "--port",
        "0",
        *extra_args,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"fake server did not start: {line!r}")
    url = line.split(" ", 1)[1]
    try:
        async with aiohttp.ClientSession() as session:
            yield FakeServer(url, session)
    finally:
        proc.terminate()
        await proc.wait()
