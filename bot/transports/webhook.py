"""Telegram's webhook: updates POSTed by Telegram, answered only once they are handled.

Telegram counts an update as delivered when the webhook answers 2xx, and sends it again
(later, to whichever replica the proxy picks) after any other answer or a dropped connection.
So the answer waits until the update has gone through the Application (its turn committed,
its replies sent or handed to the outbox), as the long poller waits before it confirms an
offset: a crash before the answer means a redelivery, which the engine drops if it already
committed that update id.

Telegram's secret token (``X-Telegram-Bot-Api-Secret-Token``) is checked on every call: a
request without it, or with another one, is refused before its body is read.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.transports.base import TransportMetrics

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# Telegram posts updates up to about 1 MB; anything larger is not an update.
MAX_BODY_BYTES = 1 << 20
# A handler stuck longer than this must not hold Telegram's connection: it is answered (and so
# confirmed) anyway, as the poller moves on after the same deadline.
UPDATE_DEADLINE_SECONDS = 120.0


def derive_secret(token: str) -> str:
    """A stable secret for the webhook when none is configured: the same for every replica
    that has the token, unguessable without it, and of the alphabet Telegram accepts."""
    return hashlib.sha256(b"aidbridge-webhook:" + token.encode()).hexdigest()


class WebhookReceiver:
    """The webhook's counterpart of ConfirmingPoller (same start/stop/mark_handled)."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        *,
        url: str,
        secret: str,
        allowed_updates: list[str],
        max_connections: int = 40,
        metrics: TransportMetrics | None = None,
    ) -> None:
        self._app = app
        self.url = url
        self._secret = secret.encode()
        self._allowed = allowed_updates
        self._max_connections = max_connections
        self.metrics = metrics or TransportMetrics()
        # Silence is normal for a webhook: it is called only when someone writes.
        self.metrics.contact_window = None
        # Updates handed to the Application and not yet handled, by id. Telegram may post an
        # update again while the first post still waits (its own timeout): both wait for one.
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._stopping = False

    @property
    def path(self) -> str:
        """The path the HTTP server routes to this receiver (the URL's own path)."""
        return urlsplit(self.url).path or "/"

    async def start(self) -> None:
        self._stopping = False
        delay = 1.0
        while True:
            try:
                await self._app.bot.set_webhook(
                    url=self.url,
                    secret_token=self._secret.decode(),
                    allowed_updates=self._allowed,
                    max_connections=self._max_connections,
                    drop_pending_updates=False,
                )
                break
            except (NetworkError, RetryAfter) as exc:
                # Telegram keeps the updates meanwhile; a cut network must not end the bot.
                log.warning("setWebhook failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
        self.metrics.contact()
        log.info("telegram webhook set (%d connections at most)", self._max_connections)

    async def stop(self) -> None:
        # The webhook stays set: Telegram keeps the updates that arrive meanwhile and posts
        # them to the next process (or replica) that answers. Posts still waiting here are
        # answered 503 once stop() returns, so Telegram sends them again.
        self._stopping = True
        for future in self._waiting.values():
            if not future.done():
                future.cancel()

    def mark_handled(self, update_id: int) -> None:
        future = self._waiting.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self.metrics.refused_calls += 1
            log.warning("webhook call without the right secret token refused")
            return web.Response(status=403)
        if self._stopping:
            return web.Response(status=503)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.Response(status=413)
        try:
            body = await request.content.read(MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES:
                return web.Response(status=413)
            item: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            # Not JSON: Telegram never sends that, so nothing of its would be lost.
            return web.Response(status=400)
        self.metrics.contact()
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int):
            self.metrics.skipped_updates += 1
            log.warning("webhook update without an update_id skipped")
            return web.Response(status=200)
        try:
            update = Update.de_json(item, self._app.bot)
        except (TelegramError, KeyError, TypeError, ValueError) as exc:
            # Ids and kinds only, as the poller logs them: the update may hold anyone's text.
            self.metrics.skipped_updates += 1
            kinds = ",".join(sorted(k for k in item if k != "update_id"))
            log.warning(
                "telegram update %s (%s) cannot be read (%s); skipped", update_id, kinds, exc
            )
            return web.Response(status=200)
        future = self._waiting.get(update_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[update_id] = future
            await self._app.update_queue.put(update)
        try:
            async with asyncio.timeout(UPDATE_DEADLINE_SECONDS):
                await asyncio.shield(future)
        except TimeoutError:
            log.error("update %s not handled in time; answered anyway", update_id)
            self._waiting.pop(update_id, None)
        except asyncio.CancelledError:
            if self._stopping:
                return web.Response(status=503)
            raise
        return web.Response(status=200)
