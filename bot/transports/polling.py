"""Long polling that confirms an update to Telegram only after the bot has handled it.

PTB's Updater asks for the next batch (which confirms the previous one) while the previous
batch is still queued, so a crash in between loses updates Telegram will never resend. This
poller hands a batch to the Application, waits until every update of it has been handled (and
so committed), and only then asks for more. A replay after a crash is harmless: the engine
drops update ids it has already processed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

# A handler stuck longer than this must not stop the bot from hearing anyone else.
BATCH_DEADLINE_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 30.0


class ConfirmingPoller:
    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        *,
        timeout: int,
        allowed_updates: list[str],
    ) -> None:
        self._app = app
        self._timeout = timeout
        self._allowed = allowed_updates
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
            # Confirm the last handled batch, so a restart does not fetch it again.
            with contextlib.suppress(Exception):
                await self._app.bot.get_updates(offset=self._offset, timeout=0, limit=1)

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                updates = await self._app.bot.get_updates(
                    offset=self._offset,
                    timeout=self._timeout,
                    allowed_updates=self._allowed,
                    read_timeout=self._timeout + 10,
                )
            except TimedOut:
                continue
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
                continue
            except InvalidToken:
                log.critical("Telegram refused the bot token; polling stopped")
                return
            except (Conflict, NetworkError) as exc:
                # Conflict: another process polls with the same token.
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
                continue
            backoff = 1.0
            if not updates:
                continue
            await self._hand_over(updates)
            self._offset = updates[-1].update_id + 1

    async def _hand_over(self, updates: tuple[Update, ...]) -> None:
        self._outstanding = {u.update_id for u in updates}
        self._batch_done.clear()
        for update in updates:
            await self._app.update_queue.put(update)
        try:
            await asyncio.wait_for(self._batch_done.wait(), BATCH_DEADLINE_SECONDS)
        except TimeoutError:
            log.error("updates %s not handled in time; polling on", sorted(self._outstanding))
            self._outstanding.clear()


def _seconds(exc: RetryAfter) -> float:
    period: Any = getattr(exc, "_retry_after", None)
    return float(period.total_seconds()) if period is not None else 1.0
