"""Long polling that confirms an update to Telegram only after the bot has handled it.

PTB's Updater asks for the next batch (which confirms the previous one) while the previous
batch is still queued, so a crash in between loses updates Telegram will never resend. This
poller hands a batch to the Application, waits until every update of it has been handled (and
so committed), and only then asks for more. A replay after a crash is harmless: the engine
drops update ids it has already processed.

The batch is fetched as raw JSON and each update read on its own: ``Bot.get_updates`` reads the
whole batch at once, so one update the library cannot read (a field Telegram left out, a newer
shape) fails every update with it, is never confirmed, and stops polling at each restart; and
PTB logs the raw batch, message texts and all, at CRITICAL. Here such an update is logged by id
and kind only, counted, and confirmed past with the rest of its batch.

The loop itself never ends by accident: any failure restarts it after a capped exponential
backoff. A refused token (401) is retried slowly and loudly; refused without a break past
``RetryPolicy.token_give_up``, it is reported through ``on_fatal`` so the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import (
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

# PTB builds the form fields of every call with RequestParameter; it is not exported, but it is
# what Bot._post itself uses, so the raw getUpdates is encoded exactly like PTB's own.
# pyproject pins python-telegram-bot below 23; tests/bot/test_telegram_polling.py covers it.
from telegram.request._requestparameter import RequestParameter

from bot.transports.base import RetryPolicy, TokenRefused, TokenWatch, TransportMetrics

log = logging.getLogger(__name__)

# A handler stuck longer than this must not stop the bot from hearing anyone else.
BATCH_DEADLINE_SECONDS = 120.0


_CONFIRM_AT_STOP_SECONDS = 5.0


class ConfirmingPoller:
    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        *,
        request: BaseRequest,
        timeout: int,
        allowed_updates: list[str],
        retry: RetryPolicy | None = None,
        metrics: TransportMetrics | None = None,
        on_fatal: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._app = app
        # The Bot's own getUpdates request object (the builder's get_updates_request): the
        # bot initialises and shuts it down, and it maps HTTP errors to PTB's exceptions.
        self._request = request
        self._timeout = timeout
        self._allowed = allowed_updates
        self._retry = retry or RetryPolicy()
        self.metrics = metrics or TransportMetrics()
        self._on_fatal = on_fatal
        self._token = TokenWatch(self._retry)
        self._outstanding: set[int] = set()
        self._batch_done = asyncio.Event()
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    def mark_handled(self, update_id: int) -> None:
        """Called by the transport's one handler when it has finished with an update
        (replies sent, or given up on): the batch is confirmed once all are."""
        self._outstanding.discard(update_id)
        if not self._outstanding:
            self._batch_done.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._offset is not None and not self._outstanding:
            # Confirm the last handled batch, so a restart does not fetch it again. Raw, like
            # every fetch: what this answer holds is not read, and so cannot fail to be read.
            # Bounded: shutting down must not wait on a server that stopped answering.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._fetch(timeout=0, limit=1), _CONFIRM_AT_STOP_SECONDS)

    async def _run(self) -> None:
        delay = self._retry.first_delay
        while True:
            try:
                await self._poll_once()
            except TimedOut:
                continue  # a long poll the network dropped: ask again at once
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
                continue
            except InvalidToken as exc:
                if not await self._token_refused(exc):
                    return
                continue
            except (Conflict, NetworkError) as exc:
                # Conflict: another process polls with the same token.
                self.metrics.loop_restarts += 1
                log.warning("getUpdates failed (%s); retrying in %.1f s", exc, delay)
            except Exception:
                # Whatever else (a garbled answer, a bug here): the loop must not end while
                # the process stays up and looks healthy.
                self.metrics.loop_restarts += 1
                log.exception("telegram polling failed; restarting in %.1f s", delay)
            else:
                delay = self._retry.first_delay
                continue
            await asyncio.sleep(delay)
            delay = min(self._retry.max_delay, delay * 2)

    async def _token_refused(self, exc: InvalidToken) -> bool:
        """Wait before the next try; False when the token has been refused too long."""
        self.metrics.token_refusals += 1
        refused_for = self._token.refused()
        if self._token.expired(refused_for):
            log.critical(
                "Telegram has refused the bot token for %.0f s; giving up (check "
                "AIDBRIDGE_TELEGRAM_TOKEN with @BotFather)",
                refused_for,
            )
            if self._on_fatal is not None:
                self._on_fatal(
                    TokenRefused(
                        f"AIDBRIDGE_TELEGRAM_TOKEN: Telegram refused the token for "
                        f"{refused_for:.0f} s"
                    )
                )
            return False
        log.error(
            "Telegram refuses the bot token (%s) for %.0f s now; retrying in %.0f s, giving up "
            "after %.0f s",
            exc,
            refused_for,
            self._retry.token_retry,
            self._retry.token_give_up,
        )
        await asyncio.sleep(self._retry.token_retry)
        return True

    async def _poll_once(self) -> None:
        raw = await self._fetch(timeout=self._timeout)
        self._token.accepted()
        self.metrics.contact()
        if not isinstance(raw, list):
            raise TelegramError(f"getUpdates answered a {type(raw).__name__}, not a list")
        updates: list[Update] = []
        last_id: int | None = None
        for item in raw:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            if not isinstance(update_id, int):
                # Nothing to confirm it by; the ids around it still move the offset past it.
                self._skip(item, None, "no update_id")
                continue
            last_id = update_id if last_id is None else max(last_id, update_id)
            try:
                updates.append(Update.de_json(item, self._app.bot))
            except Exception as exc:
                self._skip(item, update_id, _reason(exc))
        if raw and last_id is None:
            raise TelegramError(f"getUpdates answered {len(raw)} update(s) without an id")
        if updates:
            await self._hand_over(updates)
        if last_id is not None:
            self._offset = last_id + 1

    def _skip(self, item: object, update_id: int | None, reason: str) -> None:
        self.metrics.skipped_updates += 1
        kinds = sorted(k for k in item if k != "update_id") if isinstance(item, dict) else []
        # Ids and kinds only: the update itself may hold anyone's message text.
        log.warning(
            "telegram update %s (%s) cannot be read (%s); skipped and confirmed",
            update_id,
            ",".join(map(str, kinds)) or type(item).__name__,
            reason,
        )

    async def _fetch(self, *, timeout: int, limit: int | None = None) -> Any:
        params: dict[str, object] = {"timeout": timeout, "allowed_updates": self._allowed}
        if self._offset is not None:
            params["offset"] = self._offset
        if limit is not None:
            params["limit"] = limit
        data = RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])
        return await self._request.post(
            f"{self._app.bot.base_url}/getUpdates",
            request_data=data,
            read_timeout=timeout + 10,
        )

    async def _hand_over(self, updates: list[Update]) -> None:
        self._outstanding = {u.update_id for u in updates}
        self._batch_done.clear()
        for update in updates:
            await self._app.update_queue.put(update)
        try:
            await asyncio.wait_for(self._batch_done.wait(), BATCH_DEADLINE_SECONDS)
        except TimeoutError:
            log.error("updates %s not handled in time; polling on", sorted(self._outstanding))
            self._outstanding.clear()


def _reason(exc: Exception) -> str:
    """Why an update could not be read, without any of its values: a missing key or a
    constructor's missing argument name the field; other messages might quote the data."""
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        return f"KeyError: {exc.args[0][:40]!r} missing"
    if isinstance(exc, TypeError) and "argument" in str(exc):
        return f"TypeError: {str(exc)[:200]}"
    return type(exc).__name__


def _seconds(exc: RetryAfter) -> float:
    period: Any = getattr(exc, "_retry_after", None)
    return float(period.total_seconds()) if period is not None else 1.0
