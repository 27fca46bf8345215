"""Updates on their way to the bot: the queue behind getUpdates (long polling, offsets,
replays, 409 conflicts), the webhook methods that share it, and builders of Update dicts."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.bot_api.chats import chat_for
from tests.fakes.bot_api.faults import FaultInjector
from tests.fakes.bot_api.records import RecordedFile
from tests.fakes.bot_api.validation import utf16_len
from tests.fakes.bot_api.wire import Handler, PollConflict


@dataclass(slots=True)
class _QueuedUpdate:
    update: dict[str, Any]
    # A replay reuses an update_id that was already pushed. Telegram would never send one, so
    # offset arithmetic cannot apply to it: it is delivered regardless of the offset and then
    # confirmed by the next getUpdates that carries any offset.
    replay: bool
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


class UpdateQueue:
    """Pushed updates until an offset confirms them, and the long polls waiting for them."""

    def __init__(self, faults: FaultInjector) -> None:
        self._faults = faults  # a refused token ends a long poll with 401
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        # Webhook mode: pushed updates are POSTed to webhook_url, one at a time in order, and
        # confirmed by a 2xx answer; any other answer is retried, as Telegram does.
        self.webhook_posts: list[tuple[int, int]] = []  # (update_id, HTTP status)
        # Above 1: up to this many POSTs at once (setWebhook's max_connections caps it), one
        # per chat at a time, as Telegram's bot API server (telegram-bot-api's WebhookActor)
        # keeps one update in flight per chat queue. 1: one POST at a time, oldest first.
        self.webhook_connections = 1
        self._max_connections = 40
        self._webhook_task: asyncio.Task[None] | None = None
        self.last_confirmed_offset = 0
        self.pushed_at: dict[int, float] = {}  # update_id -> time.monotonic() of push
        self.poll_conflicts = 0  # long polls terminated by a newer getUpdates (409)
        self.waiting_polls = 0  # getUpdates requests parked in a long poll right now
        # Set while the server shuts down: long polls answer at once and raise no 409.
        self.closing = False
        self._queue: list[_QueuedUpdate] = []
        self._max_update_id = 0
        self._poll_generation = 0
        # Both events are replaced after every set(), so a waiter sleeps until the next change.
        self._updates_changed = asyncio.Event()
        self._polls_changed = asyncio.Event()

    def handlers(self) -> dict[str, Handler]:
        return {
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }

    @property
    def max_update_id(self) -> int:
        return self._max_update_id

    def open(self) -> None:
        self.closing = False

    def close(self) -> None:
        self.closing = True
        self._stop_webhook()
        self.wake()

    def wake(self) -> None:
        """Make every long poll look again (new updates, a refused token, shutdown)."""
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def push(self, update: Mapping[str, Any], absorb: Callable[[dict[str, Any]], None]) -> int:
        """Queue a copy of `update`, after `absorb` filled in what it leaves out; returns its
        update_id. Without one the next is assigned; a given id at or below the highest pushed
        so far is a deliberate replay."""
        upd = copy.deepcopy(dict(update))
        given = upd.get("update_id")
        if given is None:
            update_id = self._max_update_id + 1
            replay = False
        else:
            update_id = int(given)
            replay = update_id <= self._max_update_id
        self._max_update_id = max(self._max_update_id, update_id)
        upd["update_id"] = update_id
        absorb(upd)
        self._enqueue(update_id, upd, replay)
        return update_id

    def push_raw(self, update: Mapping[str, Any]) -> int:
        """Queue a copy of `update` as given, only assigning a missing update_id."""
        upd = copy.deepcopy(dict(update))
        update_id = int(upd.get("update_id") or self._max_update_id + 1)
        upd["update_id"] = update_id
        self._max_update_id = max(self._max_update_id, update_id)
        self._enqueue(update_id, upd, replay=False)
        return update_id

    def pending(self) -> int:
        """Updates not yet confirmed by an offset (delivered or not)."""
        return len(self._queue)

    def reset(self) -> None:
        """Drop pending updates and push times; ids keep counting up from the last one."""
        self._queue.clear()
        self.pushed_at.clear()
        self.poll_conflicts = 0
        self.wake()

    async def wait_until_polling(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self.waiting_polls < count:
                await self._polls_changed.wait()

    async def get_updates(self, params: dict[str, Any], request: web.Request) -> Any:
        if self.webhook_url:
            raise PollConflict(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        # A new poll terminates any poll still waiting, as on Telegram (409 for the old one).
        self._poll_generation += 1
        generation = self._poll_generation
        self.wake()
        if isinstance(offset, int):
            self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            self._faults.check_token()
            if request.transport is None or request.transport.is_closing():
                # The client gave up (PTB cancels its long poll on stop): hand out nothing, or
                # a replay would count as delivered to nobody.
                return []
            if generation != self._poll_generation and not self.closing:
                # Counted, not recorded in `errors`: PTB's own stop/restart cancels a poll and
                # sends the next one at once, so the server routinely sees this race.
                self.poll_conflicts += 1
                raise PollConflict(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._take_batch(limit)
            if batch or self.closing:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.waiting_polls += 1
            self._polls_changed.set()
            self._polls_changed = asyncio.Event()
            try:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._updates_changed.wait(), remaining)
            finally:
                self.waiting_polls -= 1
        for entry in batch:
            entry.delivered = True
        return [copy.deepcopy(entry.update) for entry in batch]

    def _enqueue(self, update_id: int, update: dict[str, Any], replay: bool) -> None:
        self._queue.append(_QueuedUpdate(update, replay))
        self.pushed_at[update_id] = time.monotonic()
        self.wake()

    def _confirm(self, offset: int) -> None:
        if offset == 0:
            return  # 0 means "no offset" to Telegram
        if offset < 0:
            # Telegram: a negative offset keeps only the last -offset updates.
            del self._queue[: max(0, len(self._queue) + offset)]
            return
        self.last_confirmed_offset = max(self.last_confirmed_offset, offset)
        self._queue = [
            e
            for e in self._queue
            if (e.replay and not e.delivered) or (not e.replay and e.update_id >= offset)
        ]

    def _take_batch(self, limit: int) -> list[_QueuedUpdate]:
        batch: list[_QueuedUpdate] = []
        seen_regular = False
        for entry in self._queue:
            # PTB confirms with "last update_id in the batch + 1". A replay after a regular
            # update would lower that and leave the regular one unconfirmed (and redelivered),
            # so replays only ever start a batch.
            if entry.replay and seen_regular:
                break
            seen_regular = seen_regular or not entry.replay
            batch.append(entry)
            if len(batch) >= limit:
                break
        return batch

    async def _set_webhook(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        self.webhook_url = str(params.get("url", ""))
        secret = params.get("secret_token")
        self.webhook_secret = str(secret) if secret else None
        self._max_connections = int(params.get("max_connections") or 40)
        if self.webhook_url and self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._post_updates(), name="fake-webhook")
        elif not self.webhook_url:
            self._stop_webhook()
        return True

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        self.webhook_url = ""
        self._stop_webhook()
        if params.get("drop_pending_updates") is True:
            self._queue.clear()
        return True

    def _stop_webhook(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            self._webhook_task = None

    async def _post_updates(self) -> None:
        """Telegram's side of a webhook: the oldest unconfirmed update is POSTed until the bot
        answers 2xx; then it is gone, and the next one goes."""
        if self.webhook_connections > 1:
            await self._post_in_parallel()
            return
        async with aiohttp.ClientSession() as session:
            while self.webhook_url:
                if not self._queue:
                    changed = self._updates_changed
                    with suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 1.0)
                    continue
                entry = self._queue[0]
                headers = {"Content-Type": "application/json"}
                if self.webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
                try:
                    async with session.post(
                        self.webhook_url,
                        data=json.dumps(entry.update),
                        headers=headers,
                        timeout=aiohttp.ClientTimeout(total=60),
                    ) as answer:
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError):
                    status = 0  # not reachable: retried like an error answer
                self.webhook_posts.append((entry.update_id, status))
                if 200 <= status < 300:
                    entry.delivered = True
                    if self._queue and self._queue[0] is entry:
                        self._queue.pop(0)
                    self.wake()
                else:
                    await asyncio.sleep(0.05)

    async def _post_in_parallel(self) -> None:
        """Several POSTs at once, never two of one chat: a chat's next update goes only once
        the one before it was answered 2xx (or after it, retried, was)."""
        in_flight: dict[int, asyncio.Task[None]] = {}  # id(entry) -> its POST
        busy_chats: set[object] = set()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def post(entry: _QueuedUpdate, chat: object) -> None:
                try:
                    status = await self._post_one(session, entry)
                    if 200 <= status < 300:
                        entry.delivered = True
                        with suppress(ValueError):
                            self._queue.remove(entry)
                    else:
                        await asyncio.sleep(0.05)
                finally:
                    busy_chats.discard(chat)
                    in_flight.pop(id(entry), None)
                    self.wake()

            try:
                while self.webhook_url:
                    limit = min(self.webhook_connections, self._max_connections)
                    for entry in list(self._queue):
                        if len(in_flight) >= limit:
                            break
                        chat = _chat_of(entry.update)
                        if id(entry) in in_flight or chat in busy_chats:
                            continue
                        busy_chats.add(chat)
                        in_flight[id(entry)] = asyncio.create_task(post(entry, chat))
                    changed = self._updates_changed
                    with suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), 1.0)
            finally:
                for task in list(in_flight.values()):
                    task.cancel()
                await asyncio.gather(*in_flight.values(), return_exceptions=True)

    async def _post_one(self, session: aiohttp.ClientSession, entry: _QueuedUpdate) -> int:
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        try:
            async with session.post(
                self.webhook_url,
                data=json.dumps(entry.update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=60),
            ) as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0  # not reachable: retried like an error answer
        self.webhook_posts.append((entry.update_id, status))
        return status

    async def _get_webhook_info(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.pending(),
        }


def _chat_of(update: Mapping[str, Any]) -> object:
    """The chat an update belongs to (its queue on Telegram's side)."""
    for key in ("message", "edited_message", "channel_post"):
        if key in update:
            return update[key]["chat"]["id"]
    query = update.get("callback_query")
    if query is not None:
        message = query.get("message")
        return message["chat"]["id"] if message else query["from"]["id"]
    return ("update", update.get("update_id"))


# ---------------------------------------------------------------------- update builders


def make_user(
    user_id: int, *, first_name: str = "Olena", language_code: str = "uk"
) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def make_text_update(
    user_id: int,
    text: str,
    *,
    first_name: str = "Olena",
    language_code: str = "uk",
    chat_id: int | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    """An Update dict for a text message; update_id and message_id are left for the fake
    (push_update, or POST /control/push_updates) to assign unless given."""
    user = make_user(user_id, first_name=first_name, language_code=language_code)
    message: dict[str, Any] = {
        "date": int(time.time()),
        "chat": chat_for(chat_id if chat_id is not None else user_id, user),
        "from": user,
        "text": text,
    }
    if message_id is not None:
        message["message_id"] = message_id
    if text.startswith("/"):
        # Without this entity PTB's CommandHandler ignores the message.
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
    return {"message": message}


def make_callback_update(
    query_id: str, user: dict[str, Any], chat: int, data: str, message: dict[str, Any]
) -> dict[str, Any]:
    """A button press on `message`; its date must be non-zero, or PTB treats the message
    as inaccessible."""
    return {
        "callback_query": {
            "id": query_id,
            "from": user,
            "chat_instance": f"ci{chat}",
            "data": data,
            "message": message,
        }
    }


def make_document_update(
    user: dict[str, Any], chat: int, document: dict[str, Any], caption: str | None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "date": int(time.time()),
        "chat": chat_for(chat, user),
        "from": user,
        "document": document,
    }
    if caption is not None:
        message["caption"] = caption
    return {"message": message}
