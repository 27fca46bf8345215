"""Run FakeBotApi in its own process, for benchmarks that must not share a CPU loop with it.

    python -m tests.fakes.bot_api_server --port 0 [--enforce-rate-limits] [--token T]

Prints ``READY http://127.0.0.1:PORT`` on stdout once listening. Besides the Bot API it
serves a small control API for the driver:

    POST /control/push_updates   JSON list of Update dicts (update_id/message_id optional)
                                 -> {"update_ids": [...]}
    POST /control/push_raw_updates  the same, queued exactly as given (push_raw_update)
    GET  /control/calls          ?method=sendMessage&since=SEQ[&min_count=N&timeout=S]
                                 -> {"calls": [...], "next": SEQ}; with min_count it waits
                                 up to timeout seconds for that many matching calls
    GET  /control/stats          counts per method, faulted, rate_limit_violations, ...
    POST /control/faults         set_faults() keyword arguments as JSON, plus optional
                                 "fail_next": [{"method", "kind", "count"}],
                                 "refuse_token": SECONDS|null, "accept_token": true
    POST /control/reset          FakeBotApi.reset()

SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from aiohttp import web

from tests.fakes.bot_api import DEFAULT_TOKEN, FakeBotApi, RecordedCall


def control_routes(fake: FakeBotApi) -> list[web.RouteDef]:
    async def push_updates(request: web.Request) -> web.Response:
        body = await request.json()
        updates = body.get("updates") if isinstance(body, dict) else body
        if not isinstance(updates, list):
            raise web.HTTPBadRequest(text="expected a JSON list of updates")
        return web.json_response({"update_ids": [fake.push_update(u) for u in updates]})

    async def push_raw_updates(request: web.Request) -> web.Response:
        updates = await request.json()
        if not isinstance(updates, list):
            raise web.HTTPBadRequest(text="expected a JSON list of updates")
        return web.json_response({"update_ids": [fake.push_raw_update(u) for u in updates]})

    pacers: set[asyncio.Task[None]] = set()

    async def pace(request: web.Request) -> web.Response:
        """Push updates at a steady rate from inside this process, like Telegram would.

        The driver then shares no CPU with the bot it measures; push times are recorded
        in ``pushed_at`` (see /control/pushed).
        """
        body = await request.json()
        updates, rate = body["updates"], float(body["rate"])

        async def run() -> None:
            loop = asyncio.get_running_loop()
            start = loop.time()
            for index, update in enumerate(updates):
                delay = start + index / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                fake.push_update(update)

        task = asyncio.create_task(run())
        pacers.add(task)
        task.add_done_callback(pacers.discard)
        return web.json_response({"ok": True, "count": len(updates)})

    async def pushed(request: web.Request) -> web.Response:
        return web.json_response({str(k): v for k, v in fake.pushed_at.items()})

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        since = int(request.query.get("since", "0"))
        min_count = int(request.query.get("min_count", "0"))

        def wanted(call: RecordedCall) -> bool:
            return call.seq >= since and (method is None or call.method == method)

        if min_count > 0:
            # The driver waits here instead of polling; a timeout just returns what exists.
            with contextlib.suppress(TimeoutError):
                await fake.wait_for(
                    wanted, count=min_count, timeout=float(request.query.get("timeout", "10"))
                )
        found = [c for c in fake.calls() if wanted(c)]
        # Everything up to last_seq has been looked at, so the next page starts after it.
        return web.json_response({"calls": [c.to_json() for c in found], "next": fake.last_seq + 1})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(fake.stats())

    async def faults(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        for scripted in body.pop("fail_next", []):
            fake.fail_next(scripted["method"], scripted["kind"], int(scripted.get("count", 1)))
        if "refuse_token" in body:
            seconds = body.pop("refuse_token")
            fake.refuse_token(None if seconds is None else float(seconds))
        if body.pop("accept_token", False):
            fake.accept_token()
        if body:
            try:
                fake.set_faults(**body)
            except (TypeError, ValueError) as exc:
                raise web.HTTPBadRequest(text=str(exc)) from exc
        return web.json_response({"ok": True})

    async def reset(request: web.Request) -> web.Response:
        fake.reset()
        return web.json_response({"ok": True})

    return [
        web.post("/control/push_updates", push_updates),
        web.post("/control/push_raw_updates", push_raw_updates),
        web.post("/control/pace", pace),
        web.get("/control/pushed", pushed),
        web.get("/control/calls", calls),
        web.get("/control/stats", stats),
        web.post("/control/faults", faults),
        web.post("/control/reset", reset),
    ]


async def serve(port: int, token: str, enforce_rate_limits: bool) -> None:
    fake = FakeBotApi(token, port=port)
    fake.add_routes(control_routes(fake))
    if enforce_rate_limits:
        fake.enforce_rate_limits()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await fake.start()
    print(f"READY {fake.url}", flush=True)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--enforce-rate-limits", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.token, args.enforce_rate_limits))


if __name__ == "__main__":
    main(sys.argv[1:])
