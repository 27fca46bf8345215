"""The bot's one HTTP server (aiohttp): Telegram's webhook, /healthz, /readyz and /metrics.

Off unless AIDBRIDGE_HTTP_LISTEN is set. Meant to sit behind the operator's reverse proxy,
which terminates TLS; /metrics and /readyz say nothing personal (counts and states only).

- /healthz: the process and its event loop answer (for a restart policy).
- /readyz: the database takes a write lock, every transport heard from its platform recently,
  and the outbox has no row due for longer than STUCK_AFTER (for a load balancer).
- /metrics: bot/metrics.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics
from bot.transports.base import TransportMetrics
from storage import outbox
from storage.db import Database, DatabaseLocked

log = logging.getLogger(__name__)

# A due outbox row older than this means deliveries stopped (a platform down, a bug).
STUCK_AFTER = timedelta(minutes=10)
# How long the database may take to grant the write lock before the bot counts as unready.
WRITE_CHECK_SECONDS = 3.0

WebhookHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        db: Database,
        metrics: Metrics,
        transports: Mapping[str, TransportMetrics],
        clock: Callable[[], datetime],
    ) -> None:
        self.host = host
        self.port = port
        self._db = db
        self._metrics = metrics
        self._transports = transports
        self._clock = clock
        # The last backlog read (metrics are collected synchronously, the read is async).
        self._backlog = outbox.OutboxBacklog(0, None)
        metrics.watch(transports, lambda: self._backlog, clock)
        self._web = web.Application(client_max_size=1 << 20)
        self._web.router.add_get("/healthz", self._healthz)
        self._web.router.add_get("/readyz", self._readyz)
        self._web.router.add_get("/metrics", self._metrics_page)
        self._runner: web.AppRunner | None = None

    def add_webhook(self, path: str, handler: WebhookHandler) -> None:
        """Route Telegram's POSTs; call before start()."""
        self._web.router.add_post(path, handler)

    async def start(self) -> None:
        # access_log=None: the access log would write every webhook path and caller.
        self._runner = web.AppRunner(self._web, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        # Port 0 (tests): the port the system chose.
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readiness(self) -> dict[str, bool]:
        checks = {"database": await self._writable()}
        for name, metrics in self._transports.items():
            checks[f"transport:{name}"] = metrics.connected()
        backlog = await self._read_backlog()
        oldest = backlog[1]
        checks["outbox"] = oldest is None or self._clock() - oldest <= STUCK_AFTER
        return checks

    async def _readyz(self, request: web.Request) -> web.Response:
        checks = await self.readiness()
        ready = all(checks.values())
        return web.Response(
            status=200 if ready else 503,
            text=json.dumps({"ready": ready, "checks": checks}, sort_keys=True) + "\n",
            content_type="application/json",
        )

    async def _metrics_page(self, request: web.Request) -> web.Response:
        await self._read_backlog()
        # Rendering a page of a few hundred lines: short enough for the loop.
        body = self._metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    async def _writable(self) -> bool:
        try:
            async with asyncio.timeout(WRITE_CHECK_SECONDS):
                async with self._db.transaction():
                    pass  # BEGIN IMMEDIATE took the write lock: that is the check
            return True
        except (TimeoutError, DatabaseLocked):
            return False
        except Exception:
            log.exception("readiness: the database check failed")
            return False

    async def _read_backlog(self) -> outbox.OutboxBacklog:
        try:
            async with self._db.read() as conn:
                self._backlog = await outbox.outbox_backlog(conn)
        except DatabaseLocked:
            pass  # the figures of the last read stand
        return self._backlog
