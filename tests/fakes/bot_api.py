"""A fake Telegram Bot API server that the real python-telegram-bot talks to over HTTP.

Point an Application at it with::

    Application.builder().token(fake.token)
        .base_url(f"{fake.url}/bot").base_file_url(f"{fake.url}/file/bot")

The fake answers the way api.telegram.org does for the methods AidBridge uses, records every
call so tests can assert on what the bot sent, lets tests inject updates for getUpdates, and
can inject faults (429 / 500 / timeouts / an answer that is not JSON), blocked chats,
Telegram's flood limits, a refused token (401 on every method, for a while) and updates the
library cannot read (push_raw_update: nothing filled in).

Delivered calls end up in ``calls()``; calls the fake refused because a test configured it to
(fault injection, blocked or missing chats, rate enforcement) end up in ``faulted``; calls the
fake refused because the request itself was wrong (message not modified, unknown message,
bad HTML...) end up in ``errors``. Nothing refused ever counts as delivered, so a test can
prove "no message lost, none duplicated" by looking at ``calls()`` alone.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import math
import mimetypes
import random
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import web

DEFAULT_TOKEN: Final = "123456:TEST"
BOT_USERNAME: Final = "aidbridge_test_bot"
BOT_FIRST_NAME: Final = "AidBridge Test"

# "too_long" is Telegram's 400 for a text over its limit, for a test whose text fits the
# fake's own check (MAX_TEXT_LENGTH in UTF-16 units, as Telegram counts) but must be refused.
# "garbage": HTTP 200 with an HTML body, as a misbehaving proxy in front of the API answers.
FAULT_KINDS: Final = frozenset({"429", "500", "timeout", "too_long", "garbage"})
GARBAGE_BODY: Final = "<html><body>502 Bad Gateway</body></html>"

# Methods that create a new message in a chat: these are what Telegram's flood control counts.
# Edits and callback answers are deliberately left out; Telegram is far more lenient with them
# and counting them would make the per-chat 1 msg/s rule reject ordinary "send, then edit on
# button press" flows.
RATE_LIMITED_METHODS: Final = frozenset({"sendMessage", "sendDocument", "sendPhoto"})

# Methods random faults hit unless set_faults() names others. getUpdates/getMe/bootstrap calls
# are left out so a fault rate does not stall polling or start-up, which is not what such
# tests want to measure.
DEFAULT_FAULT_METHODS: Final = frozenset(
    [
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "sendChatAction",
    ]
)

# PTB sends strings raw and JSON-encodes everything else, so a form value can only be decoded
# as JSON if the parameter is not a string parameter: text "42" must stay the string "42".
STRING_PARAMS: Final = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "url",
        "language_code",
        "action",
        "secret_token",
        "ip_address",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "query",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "thumbnail",
    ]
)

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_DOWNLOAD_BYTES: Final = 20 * 1024 * 1024  # bots cannot getFile anything larger

_ALLOWED_HTML_TAGS: Final = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    ]
)
_TAG_RE: Final = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_ENTITY_RE: Final = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);")

ChatKey = int | str
CallPredicate = Callable[["RecordedCall"], bool]


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One uploaded file part of a multipart request."""

    field: str
    file_name: str | None
    content: bytes
    content_type: str | None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One Bot API call as the fake saw it; params are decoded back to Python values."""

    method: str
    params: dict[str, Any]
    files: dict[str, RecordedFile]
    at: float  # time.monotonic() when the request arrived; system-wide on Linux
    seq: int = -1  # position in the fake's call log, increasing, never reused
    result: Any = None  # the "result" the fake answered with (e.g. the Message dict)
    fault: str | None = None  # why the fake refused it: "429", "500", "timeout", "blocked", ...
    error_code: int | None = None
    description: str | None = None

    @property
    def chat_id(self) -> ChatKey | None:
        value = self.params.get("chat_id")
        return None if value is None else _chat_key(value)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe view (file bytes left out) for the out-of-process control API."""
        return {
            "seq": self.seq,
            "method": self.method,
            "params": self.params,
            "files": {
                name: {"file_name": f.file_name, "size": f.size, "content_type": f.content_type}
                for name, f in self.files.items()
            },
            "at": self.at,
            "result": self.result,
            "fault": self.fault,
            "error_code": self.error_code,
            "description": self.description,
        }


class ApiError(Exception):
    """An error answer in Telegram's shape."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
        fault: str | None = None,
        delay: float = 0.0,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.fault = fault
        self.delay = delay  # hold the answer back this long (simulated timeouts)

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class _PollConflict(ApiError):
    """A long poll superseded by a newer getUpdates."""


class _Garbage(ApiError):
    """Answer 200 with a body that is not JSON."""


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


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    size: int
    content: bytes | None  # None: generate `size` filler bytes on download (huge fake files)

    def data(self) -> bytes:
        return self.content if self.content is not None else _filler(self.size)


@dataclass(slots=True)
class _Faults:
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "timeout")
    retry_after: int = 1
    timeout_seconds: float = 6.0
    methods: frozenset[str] = DEFAULT_FAULT_METHODS
    rng: random.Random = field(default_factory=random.Random)


@dataclass(slots=True)
class _Scripted:
    kind: str
    remaining: int
    retry_after: int
    timeout_seconds: float


@dataclass(slots=True)
class _RateLimits:
    global_per_second: float | None
    per_chat_per_second: float | None
    per_group_per_minute: float | None


_Handler = Callable[[dict[str, Any], dict[str, RecordedFile]], Awaitable[Any]]


class FakeBotApi:
    """An aiohttp server on 127.0.0.1 speaking enough of the Bot API for AidBridge's tests."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = BOT_USERNAME,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.username = username
        bot_id = token.split(":", 1)[0]
        self.bot_id = int(bot_id) if bot_id.isdigit() else 123456

        self.faulted: list[RecordedCall] = []
        self.errors: list[RecordedCall] = []
        # refuse_token(): every method answers 401 while refused (until this monotonic time,
        # or for good when it is infinite).
        self._token_refused_until = 0.0
        self.rate_limit_violations = 0
        self.poll_conflicts = 0  # long polls terminated by a newer getUpdates (409)
        self.waiting_polls = 0  # getUpdates requests parked in a long poll right now
        self._polls_changed = asyncio.Event()
        self.last_confirmed_offset = 0
        self.pushed_at: dict[int, float] = {}  # update_id -> time.monotonic() of push

        self._calls: list[RecordedCall] = []
        self._seq = 0
        self._calls_changed = asyncio.Event()

        self._queue: list[_QueuedUpdate] = []
        self._max_update_id = 0
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0

        self._messages: dict[tuple[ChatKey, int], dict[str, Any]] = {}
        self._next_message_id: dict[ChatKey, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._open_queries: set[str] = set()
        self._query_counter = 0
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook_url = ""

        self._faults = _Faults()
        self._scripted: dict[str, deque[_Scripted]] = {}
        self._blocked: set[ChatKey] = set()
        self._missing: set[ChatKey] = set()
        self._limits: _RateLimits | None = None
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[ChatKey, deque[float]] = {}

        # Called with each accepted call before its answer goes back: a test can act at the
        # moment the platform has a message and the bot does not know it yet.
        self.on_accepted: Callable[[RecordedCall], None] | None = None

        self._closing = False
        self._closed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        # Telegram treats method names case-insensitively; calls are recorded under the
        # canonical spelling so calls("sendMessage") finds "sendmessage" too. getUpdates maps
        # to None because it needs the request itself (to notice a client that gave up).
        handlers: dict[str, _Handler | None] = {
            "getUpdates": None,
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getFile": self._get_file,
        }
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

        # Large uploads (exports, scans) must fit; aiohttp's default body limit is 1 MiB.
        self.app = web.Application(client_max_size=60 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._url

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.username,
        }

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Extra routes (the control API of the out-of-process server); call before start()."""
        self.app.router.add_routes(routes)

    async def start(self) -> None:
        if self._runner is not None:
            return
        # A short shutdown_timeout is a safety net only: stop() wakes every waiting handler,
        # so cleanup normally finishes at once.
        self._closing = False
        self._closed = asyncio.Event()
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        # A restart binds the port of the first start, so a bot keeps its base_url across a
        # simulated Telegram outage (stop(), then start() again).
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        self._closed.set()
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ recorded calls

    def calls(
        self, method: str | None = None, chat_id: ChatKey | None = None
    ) -> list[RecordedCall]:
        """Delivered calls in arrival order, optionally filtered."""
        want_chat = None if chat_id is None else _chat_key(chat_id)
        return [
            c
            for c in self._calls
            if (method is None or c.method == method)
            and (want_chat is None or c.chat_id == want_chat)
        ]

    def sent_texts(self, chat_id: ChatKey) -> list[str]:
        """Texts the bot put into a chat, sendMessage and editMessageText, in order."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls(chat_id=chat_id)
            if c.method in ("sendMessage", "editMessageText")
        ]

    async def wait_for(
        self,
        what: str | CallPredicate,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[RecordedCall]:
        """Wait until at least `count` delivered calls match; returns all matching calls.

        `what` is a method name or a predicate over RecordedCall. Raises TimeoutError with the
        calls seen so far, so a failing test says what the bot did instead.
        """
        predicate: CallPredicate = (lambda c: c.method == what) if isinstance(what, str) else what
        matched: list[RecordedCall] = []
        log, position = self._calls, 0
        try:
            async with asyncio.timeout(timeout):
                while True:
                    # Examine each call once, so a benchmark waiting for thousands stays linear.
                    if log is not self._calls:  # clear_calls() started a new log
                        log, position = self._calls, 0
                    while position < len(log):
                        if predicate(log[position]):
                            matched.append(log[position])
                        position += 1
                    if len(matched) >= count:
                        return matched
                    await self._calls_changed.wait()
        except TimeoutError:
            seen = Counter(c.method for c in self._calls)
            raise TimeoutError(
                f"waited {timeout}s for {count} call(s) matching {what!r}, got {len(matched)}; "
                f"delivered calls: {dict(seen)}; faulted: {len(self.faulted)}; "
                f"errors: {[e.description for e in self.errors[-5:]]}"
            ) from None

    async def wait_until_polling(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until `count` getUpdates requests are parked in a long poll.

        For tests that must act while the bot is idle in getUpdates (shutdown, conflicts).
        """
        async with asyncio.timeout(timeout):
            while self.waiting_polls < count:
                await self._polls_changed.wait()

    @property
    def last_seq(self) -> int:
        """The seq of the latest call recorded (delivered, faulted or error); 0 before any."""
        return self._seq

    def clear_calls(self) -> None:
        # New lists rather than clear(): a running wait_for notices the swap and rescans.
        self._calls = []
        self.faulted = []
        self.errors = []

    def message(self, chat_id: ChatKey, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the fake knows (after edits), or None if deleted."""
        stored = self._messages.get((_chat_key(chat_id), message_id))
        return copy.deepcopy(stored) if stored is not None else None

    def my_commands(
        self, language_code: str = "", scope: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        return list(self._commands.get(_commands_key(scope, language_code), []))

    def menu_shown(self, chat_id: int, language_code: str = "") -> list[str]:
        """The command names Telegram shows in a private chat to a user whose app is in
        ``language_code``: the first scope set, in Telegram's order (the chat's own menu for
        that language, then for any, then all private chats, then the default)."""
        chat_scope = {"type": "chat", "chat_id": chat_id}
        private_scope = {"type": "all_private_chats"}
        for scope, lang in (
            (chat_scope, language_code),
            (chat_scope, ""),
            (private_scope, language_code),
            (private_scope, ""),
            (None, language_code),
            (None, ""),
        ):
            key = _commands_key(scope, lang)
            if key in self._commands:
                return [str(c["command"]) for c in self._commands[key]]
        return []

    def reset(self) -> None:
        """Forget recordings, pending updates, faults, blocks and rate windows.

        Rate enforcement stays as configured, as do known messages and files.
        """
        self.clear_calls()
        self._queue.clear()
        self.pushed_at.clear()
        self.clear_faults()
        self._blocked.clear()
        self._missing.clear()
        self._global_window.clear()
        self._chat_windows.clear()
        self.rate_limit_violations = 0
        self.poll_conflicts = 0
        self._wake_pollers()

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(Counter(c.method for c in self._calls)),
            "total_calls": len(self._calls),
            "faulted": len(self.faulted),
            "faulted_by_kind": dict(Counter(c.fault for c in self.faulted)),
            "errors": len(self.errors),
            "rate_limit_violations": self.rate_limit_violations,
            "pending_updates": self.pending_updates(),
            "last_confirmed_offset": self.last_confirmed_offset,
            "poll_conflicts": self.poll_conflicts,
            "max_update_id": self._max_update_id,
        }

    # ------------------------------------------------------------------ updates

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id.

        Without an update_id the next one is assigned. A given id at or below the highest id
        pushed so far is a deliberate replay (to test the bot's de-duplication): it is
        delivered even though the bot's offset already confirmed that id.
        """
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
        self._absorb_update(upd)
        self._queue.append(_QueuedUpdate(upd, replay))
        self.pushed_at[update_id] = time.monotonic()
        self._wake_pollers()
        return update_id

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Olena",
        language_code: str = "uk",
        chat_id: int | None = None,
        update_id: int | None = None,
    ) -> int:
        update = make_text_update(
            user_id, text, first_name=first_name, language_code=language_code, chat_id=chat_id
        )
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def push_callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        chat_id: int | None = None,
        text: str = "...",
        first_name: str = "Olena",
        language_code: str = "uk",
        update_id: int | None = None,
    ) -> int:
        """A button press on message `message_id` (normally one the bot sent earlier)."""
        chat = chat_id if chat_id is not None else user_id
        user = make_user(user_id, first_name=first_name, language_code=language_code)
        stored = self._messages.get((chat, message_id))
        if stored is None:
            # Telegram would only offer buttons on a real bot message, so make this one real:
            # later edits of it must succeed.
            stored = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(chat),
                "from": self.bot_user,
                "text": text,
            }
            self._messages[(chat, message_id)] = stored
            self._bump_message_id(chat, message_id)
        self._query_counter += 1
        query_id = f"{self.bot_id}{self._query_counter:08d}"
        self._open_queries.add(query_id)
        update: dict[str, Any] = {
            "callback_query": {
                "id": query_id,
                "from": user,
                "chat_instance": f"ci{chat}",
                "data": data,
                # date must be non-zero: PTB treats a date-0 message as inaccessible.
                "message": copy.deepcopy(stored),
            }
        }
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def push_document(
        self,
        user_id: int,
        file_name: str,
        size: int,
        *,
        content: bytes | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        first_name: str = "Olena",
        language_code: str = "uk",
        chat_id: int | None = None,
        update_id: int | None = None,
    ) -> int:
        """A user sends a file. `size` is what Telegram reports; without `content` the bytes
        are generated on download, so a 30 MB upload costs nothing until someone fetches it."""
        stored = self._store_file(
            "documents",
            file_name,
            content,
            mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream",
            size=size if content is None else len(content),
        )
        user = make_user(user_id, first_name=first_name, language_code=language_code)
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "date": int(time.time()),
            "chat": _chat_for(chat, user),
            "from": user,
            "document": _document_dict(stored),
        }
        if caption is not None:
            message["caption"] = caption
        update: dict[str, Any] = {"message": message}
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def push_raw_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update exactly as given (only update_id is assigned when missing): nothing
        is filled in, so an update without ``date`` or with a poll missing a field reaches the
        bot as Telegram might send one that the library cannot read."""
        upd = copy.deepcopy(dict(update))
        update_id = int(upd.get("update_id") or self._max_update_id + 1)
        upd["update_id"] = update_id
        self._max_update_id = max(self._max_update_id, update_id)
        self._queue.append(_QueuedUpdate(upd, replay=False))
        self.pushed_at[update_id] = time.monotonic()
        self._wake_pollers()
        return update_id

    def pending_updates(self) -> int:
        """Updates not yet confirmed by an offset (delivered or not)."""
        return len(self._queue)

    # ------------------------------------------------------------------ faults

    def set_faults(
        self,
        rate: float,
        kinds: Iterable[str] = ("429", "500", "timeout"),
        retry_after: int = 1,
        timeout_seconds: float = 6.0,
        methods: Iterable[str] | None = None,
        seed: int | None = None,
    ) -> None:
        """Make fraction `rate` of calls to `methods` fail with a random kind of `kinds`.

        "timeout" holds the answer `timeout_seconds` (set it above the client's read timeout)
        and then answers 502, so even a patient client never sees it delivered.
        """
        kinds_tuple = tuple(kinds)
        _check_kinds(kinds_tuple)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], not {rate}")
        self._faults = _Faults(
            rate=rate,
            kinds=kinds_tuple,
            retry_after=retry_after,
            timeout_seconds=timeout_seconds,
            methods=frozenset(methods) if methods is not None else DEFAULT_FAULT_METHODS,
            rng=random.Random(seed),
        )

    def fail_next(
        self,
        method: str,
        kind: str,
        count: int = 1,
        *,
        retry_after: int = 1,
        timeout_seconds: float = 6.0,
    ) -> None:
        """Fail the next `count` calls of `method` with `kind`, before any random faults."""
        _check_kinds((kind,))
        self._scripted.setdefault(method.lower(), deque()).append(
            _Scripted(kind, count, retry_after, timeout_seconds)
        )

    def clear_faults(self) -> None:
        self._faults = _Faults()
        self._scripted.clear()
        self._token_refused_until = 0.0

    def refuse_token(self, seconds: float | None = None) -> None:
        """Answer every method 401 Unauthorized (a revoked token, or Telegram's own hiccup)
        for ``seconds``, or until accept_token() when None. Refused calls go to ``faulted``
        with fault "token_refused"."""
        self._token_refused_until = (
            math.inf if seconds is None else time.monotonic() + max(0.0, seconds)
        )
        # A long poll in progress is answered 401 at once, as a new token check would.
        self._wake_pollers()

    def accept_token(self) -> None:
        self._token_refused_until = 0.0

    @property
    def token_refused(self) -> bool:
        return time.monotonic() < self._token_refused_until

    def block_chat(self, chat_id: ChatKey) -> None:
        """The user blocked the bot: everything addressed to the chat gets 403."""
        self._blocked.add(_chat_key(chat_id))

    def unblock_chat(self, chat_id: ChatKey) -> None:
        self._blocked.discard(_chat_key(chat_id))

    def mark_chat_not_found(self, chat_id: ChatKey) -> None:
        """Calls addressed to the chat get 400 "chat not found" (deleted account, wrong id)."""
        self._missing.add(_chat_key(chat_id))

    def enforce_rate_limits(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        per_group_per_minute: float | None = 20,
    ) -> None:
        """Refuse new messages beyond Telegram's flood limits with 429 (sliding windows)."""
        self._limits = _RateLimits(global_per_second, per_chat_per_second, per_group_per_minute)
        self._global_window.clear()
        self._chat_windows.clear()

    def disable_rate_limits(self) -> None:
        self._limits = None

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_method(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method_name = request.match_info["method"]
        params, files = await _read_params(request)
        known = self._methods.get(method_name.lower())
        canonical, handler = known if known is not None else (method_name, None)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if self.token_refused:
                raise ApiError(401, "Unauthorized", fault="token_refused")
            if known is None:
                raise ApiError(404, "Not Found")
            await self._apply_faults(canonical, params)
            if handler is None:
                result: Any = await self._get_updates(params, request)
            else:
                result = await handler(params, files)
        except _PollConflict as exc:
            return web.json_response(exc.payload(), status=exc.code)
        except ApiError as exc:
            refused = RecordedCall(
                canonical,
                params,
                files,
                at,
                seq=self._next_seq(),
                fault=exc.fault,
                error_code=exc.code,
                description=exc.description,
            )
            (self.faulted if exc.fault is not None else self.errors).append(refused)
            if exc.delay > 0:
                # Recorded first, so a test sees the fault while the client is still waiting.
                await self._sleep_unless_closing(exc.delay)
            if isinstance(exc, _Garbage):
                return web.Response(text=GARBAGE_BODY, status=200, content_type="text/html")
            return web.json_response(exc.payload(), status=exc.code)
        accepted = RecordedCall(canonical, params, files, at, seq=self._next_seq(), result=result)
        self._calls.append(accepted)
        if self.on_accepted is not None:
            self.on_accepted(accepted)
        self._calls_changed.set()
        self._calls_changed = asyncio.Event()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(
            body=stored.data(),
            content_type=(stored.mime_type or "application/octet-stream").split(";")[0],
        )

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    async def _sleep_unless_closing(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)

    async def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        kind: str | None = None
        retry_after = self._faults.retry_after
        timeout_seconds = self._faults.timeout_seconds
        scripted = self._scripted.get(method.lower())
        if scripted:
            entry = scripted[0]
            kind, retry_after, timeout_seconds = (
                entry.kind,
                entry.retry_after,
                entry.timeout_seconds,
            )
            entry.remaining -= 1
            if entry.remaining <= 0:
                scripted.popleft()
        elif (
            self._faults.rate > 0
            and method in self._faults.methods
            and self._faults.rng.random() < self._faults.rate
        ):
            kind = self._faults.rng.choice(self._faults.kinds)

        if kind == "429":
            raise _too_many_requests(retry_after, fault="429")
        if kind == "500":
            raise ApiError(500, "Internal Server Error", fault="500")
        if kind == "timeout":
            raise ApiError(502, "Bad Gateway", fault="timeout", delay=timeout_seconds)
        if kind == "too_long":
            raise ApiError(400, "Bad Request: message is too long", fault="too_long")
        if kind == "garbage":
            raise _Garbage(200, "not JSON", fault="garbage")

        if "chat_id" in params:
            chat = _chat_key(params["chat_id"])
            if chat in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user", fault="blocked")
            if chat in self._missing:
                raise ApiError(400, "Bad Request: chat not found", fault="chat_not_found")
            if self._limits is not None and method in RATE_LIMITED_METHODS:
                self._check_rate(chat)

    def _check_rate(self, chat: ChatKey) -> None:
        assert self._limits is not None
        now = time.monotonic()
        checks: list[tuple[deque[float], float, float]] = []
        if self._limits.global_per_second is not None:
            checks.append((self._global_window, self._limits.global_per_second, 1.0))
        is_group = isinstance(chat, str) or chat < 0
        limit, window = (
            (self._limits.per_group_per_minute, 60.0)
            if is_group
            else (self._limits.per_chat_per_second, 1.0)
        )
        if limit is not None:
            checks.append((self._chat_windows.setdefault(chat, deque()), limit, window))
        for sent, allowed, span in checks:
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= allowed:
                self.rate_limit_violations += 1
                wait = max(1, math.ceil(sent[0] + span - now))
                raise _too_many_requests(wait, fault="rate_limit")
        for sent, _, _ in checks:
            sent.append(now)

    # ------------------------------------------------------------------ state helpers

    def _absorb_update(self, update: dict[str, Any]) -> None:
        """Fill in what a pushed update leaves out and learn its users, chats and ids."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if not isinstance(message, dict):
                continue
            message.setdefault("date", int(time.time()))
            chat_info = message.get("chat")
            if not isinstance(chat_info, dict) or "id" not in chat_info:
                continue
            chat = _chat_key(chat_info["id"])
            if "message_id" in message:
                self._bump_message_id(chat, int(message["message_id"]))
            else:
                message["message_id"] = self._alloc_message_id(chat)
            sender = message.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self._users[sender["id"]] = sender
            document = message.get("document")
            if isinstance(document, dict) and document.get("file_id") not in self._files:
                # A hand-built update: make its file downloadable like a real one.
                self._register_foreign_file(document)
        query = update.get("callback_query")
        if isinstance(query, dict):
            if "id" in query:
                self._open_queries.add(str(query["id"]))
            message = query.get("message")
            chat_info = message.get("chat") if isinstance(message, dict) else None
            if (
                isinstance(message, dict)
                and isinstance(chat_info, dict)
                and "message_id" in message
            ):
                # A hand-built button press (out-of-process driver): its message must exist for
                # the bot's edits, as it would on Telegram.
                chat = _chat_key(chat_info.get("id"))
                message.setdefault("date", int(time.time()))
                self._messages.setdefault(
                    (chat, int(message["message_id"])), copy.deepcopy(message)
                )
                self._bump_message_id(chat, int(message["message_id"]))
            sender = query.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self._users[sender["id"]] = sender

    def _alloc_message_id(self, chat: ChatKey) -> int:
        # Private chats share one message counter between the user and the bot, as in Telegram.
        message_id = self._next_message_id.get(chat, 1)
        self._next_message_id[chat] = message_id + 1
        return message_id

    def _bump_message_id(self, chat: ChatKey, used: int) -> None:
        self._next_message_id[chat] = max(self._next_message_id.get(chat, 1), used + 1)

    def _chat(self, chat: ChatKey) -> dict[str, Any]:
        if isinstance(chat, int) and chat > 0:
            user = self._users.get(chat)
            info: dict[str, Any] = {"id": chat, "type": "private"}
            info["first_name"] = user.get("first_name", "User") if user else "User"
            if user and "username" in user:
                info["username"] = user["username"]
            return info
        return _chat_for(chat, None)

    def _store_file(
        self,
        folder: str,
        file_name: str | None,
        content: bytes | None,
        mime_type: str | None,
        *,
        size: int,
    ) -> _StoredFile:
        number = len(self._files) + 1
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkBAAI{self.bot_id}_{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            size=size,
            content=content,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _register_foreign_file(self, document: dict[str, Any]) -> None:
        file_name = document.get("file_name")
        stored = self._store_file(
            "documents",
            file_name if isinstance(file_name, str) else None,
            None,
            document.get("mime_type"),
            size=int(document.get("file_size") or 0),
        )
        document.update(_document_dict(stored))

    def _new_message(self, chat: ChatKey, content: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._alloc_message_id(chat),
            "date": int(time.time()),
            "chat": self._chat(chat),
            "from": self.bot_user,
            **content,
        }
        self._messages[(chat, message["message_id"])] = message
        return copy.deepcopy(message)

    def _stored_message(self, params: dict[str, Any], action: str) -> dict[str, Any]:
        chat = _require_chat(params)
        message_id = params.get("message_id")
        stored = self._messages.get((chat, message_id)) if isinstance(message_id, int) else None
        if stored is None:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return stored

    def _resolve_upload(
        self, name: str, params: dict[str, Any], files: dict[str, RecordedFile], folder: str
    ) -> _StoredFile:
        upload = files.get(name)
        value = params.get(name)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is not None:
            return self._store_file(
                folder,
                upload.file_name,
                upload.content,
                upload.content_type or mimetypes.guess_type(upload.file_name or "")[0],
                size=upload.size,
            )
        if isinstance(value, str) and value in self._files:
            return self._files[value]  # re-sending by file_id
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    # ------------------------------------------------------------------ Bot API methods

    async def _true(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        return True

    async def _get_me(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_my_commands(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        key = _commands_key(params.get("scope"), params.get("language_code", ""))
        self._commands[key] = commands
        return True

    async def _delete_my_commands(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        self._commands.pop(
            _commands_key(params.get("scope"), params.get("language_code", "")), None
        )
        return True

    async def _get_my_commands(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        return self.my_commands(params.get("language_code", ""), params.get("scope"))

    async def _set_webhook(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        self.webhook_url = str(params.get("url", ""))
        return True

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self._queue.clear()
        return True

    async def _get_webhook_info(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.pending_updates(),
        }

    async def _get_updates(self, params: dict[str, Any], request: web.Request) -> Any:
        offset = params.get("offset")
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        # A new poll terminates any poll still waiting, as on Telegram (409 for the old one).
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        if isinstance(offset, int):
            self._confirm(offset)
        deadline = time.monotonic() + timeout
        while True:
            if self.token_refused:
                raise ApiError(401, "Unauthorized", fault="token_refused")
            if request.transport is None or request.transport.is_closing():
                # The client gave up (PTB cancels its long poll on stop): hand out nothing, or
                # a replay would count as delivered to nobody.
                return []
            if generation != self._poll_generation and not self._closing:
                # Counted, not recorded in `errors`: PTB's own stop/restart cancels a poll and
                # sends the next one at once, so the server routinely sees this race.
                self.poll_conflicts += 1
                raise _PollConflict(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._take_batch(limit)
            if batch or self._closing:
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

    async def _send_message(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        chat = _require_chat(params)
        text = _render_text(params.get("text"), params.get("parse_mode"))
        content: dict[str, Any] = {"text": text}
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            content["reply_markup"] = markup
        self._add_reply_to(chat, params, content)
        return self._new_message(chat, content)

    async def _edit_message_text(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        if "inline_message_id" in params:
            _render_text(params.get("text"), params.get("parse_mode"))
            return True
        stored = self._stored_message(params, "edit")
        if "text" not in stored:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _render_text(params.get("text"), params.get("parse_mode"))
        # Editing without reply_markup removes the keyboard, as in Telegram.
        markup = _inline_markup(params.get("reply_markup"))
        if text == stored["text"] and markup == stored.get("reply_markup"):
            raise _not_modified()
        stored["text"] = text
        _set_markup(stored, markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        if "inline_message_id" in params:
            _inline_markup(params.get("reply_markup"))
            return True
        stored = self._stored_message(params, "edit")
        markup = _inline_markup(params.get("reply_markup"))
        if markup == stored.get("reply_markup"):
            raise _not_modified()
        _set_markup(stored, markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _delete_message(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        stored = self._stored_message(params, "delete")
        del self._messages[(_chat_key(stored["chat"]["id"]), stored["message_id"])]
        return True

    async def _answer_callback_query(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or query_id not in self._open_queries:
            # Telegram's answer to an unknown or already answered query.
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)
        return True

    async def _send_document(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        chat = _require_chat(params)
        stored = self._resolve_upload("document", params, files, "documents")
        content: dict[str, Any] = {"document": _document_dict(stored)}
        self._add_caption(params, content)
        return self._new_message(chat, content)

    async def _send_photo(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        chat = _require_chat(params)
        stored = self._resolve_upload("photo", params, files, "photos")
        # The fake does not decode images, so the dimensions are nominal.
        photo = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": stored.size,
        }
        content: dict[str, Any] = {"photo": [photo]}
        self._add_caption(params, content)
        return self._new_message(chat, content)

    async def _send_chat_action(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        _require_chat(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    async def _get_chat(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        chat = _require_chat(params)
        return {
            **self._chat(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_file(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _add_caption(self, params: dict[str, Any], content: dict[str, Any]) -> None:
        caption = params.get("caption")
        if caption is None:
            return
        plain = _render_markup(str(caption), params.get("parse_mode"))
        if _utf16_len(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        content["caption"] = plain

    def _add_reply_to(self, chat: ChatKey, params: dict[str, Any], content: dict[str, Any]) -> None:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else None
        target = target if target is not None else params.get("reply_to_message_id")
        if isinstance(target, int) and (chat, target) in self._messages:
            content["reply_to_message"] = copy.deepcopy(self._messages[(chat, target)])


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
        "chat": _chat_for(chat_id if chat_id is not None else user_id, user),
        "from": user,
        "text": text,
    }
    if message_id is not None:
        message["message_id"] = message_id
    if text.startswith("/"):
        # Without this entity PTB's CommandHandler ignores the message.
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
    return {"message": message}


# ---------------------------------------------------------------------- helpers


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, RecordedFile]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, RecordedFile] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = RecordedFile(
                        key, value.filename, value.file.read(), value.content_type
                    )
                else:
                    raw[key] = value
    return {key: _decode(key, value) for key, value in raw.items()}, files


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str) or key in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id "@channel"


def _chat_key(value: Any) -> ChatKey:
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def _require_chat(params: dict[str, Any]) -> ChatKey:
    if "chat_id" not in params or params["chat_id"] in ("", None):
        raise ApiError(400, "Bad Request: chat_id is empty")
    chat = _chat_key(params["chat_id"])
    # The fake knows no channels by @username and no chat 0.
    if isinstance(chat, str) or chat == 0:
        raise ApiError(400, "Bad Request: chat not found")
    return chat


def _chat_for(chat: ChatKey, user: dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(chat, int) and chat > 0:
        info: dict[str, Any] = {"id": chat, "type": "private"}
        if user is not None:
            info["first_name"] = user["first_name"]
        return info
    kind = "supergroup" if str(chat).startswith("-100") else "group"
    return {"id": chat, "type": kind, "title": f"Chat {chat}"}


def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    scope_dict = scope if isinstance(scope, Mapping) else {"type": "default"}
    return json.dumps(dict(scope_dict), sort_keys=True), str(language_code or "")


def _document_dict(stored: _StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name is not None:
        document["file_name"] = stored.file_name
    if stored.mime_type is not None:
        document["mime_type"] = stored.mime_type
    return document


def _filler(size: int) -> bytes:
    pattern = b"AidBridge fake file\n"
    return (pattern * (size // len(pattern) + 1))[:size]


def _utf16_len(text: str) -> int:
    # Telegram measures lengths and offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _too_many_requests(retry_after: int, *, fault: str) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        parameters={"retry_after": retry_after},
        fault=fault,
    )


def _not_modified() -> ApiError:
    return ApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )


def _check_kinds(kinds: Iterable[str]) -> None:
    unknown = set(kinds) - FAULT_KINDS
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; use {sorted(FAULT_KINDS)}")


def _set_markup(stored: dict[str, Any], markup: dict[str, Any] | None) -> None:
    if markup is None:
        stored.pop("reply_markup", None)
    else:
        stored["reply_markup"] = markup


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard Telegram would echo in the Message, validated like Telegram does.

    Reply keyboards, ForceReply and ReplyKeyboardRemove are accepted but never echoed:
    Telegram only returns inline keyboards in Message.reply_markup.
    """
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            400,
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
            "must be an Array of Arrays",
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return copy.deepcopy(markup)


def _render_text(text: Any, parse_mode: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = _render_markup(text, parse_mode)
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(plain) > MAX_TEXT_LENGTH:
        raise ApiError(400, "Bad Request: message is too long")
    return plain


def _render_markup(text: str, parse_mode: Any) -> str:
    if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
        return render_html(text)
    # Markdown is passed through unparsed; AidBridge formats with HTML.
    return text


def render_html(text: str) -> str:
    """The plain text Telegram shows for an HTML-formatted message, or ApiError 400 where
    Telegram would refuse it (unescaped "<", unknown or unbalanced tags)."""
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG_RE.match(text, i)
            offset = len(text[:i].encode())
            if match is None:
                raise _cant_parse(f'Unsupported start tag "" at byte offset {offset}')
            name = match.group(2).lower()
            if name not in _ALLOWED_HTML_TAGS:
                raise _cant_parse(f'Unsupported start tag "{name}" at byte offset {offset}')
            if match.group(1):
                if not open_tags or open_tags[-1] != name:
                    expected = f'"</{open_tags[-1]}>"' if open_tags else "no end tag"
                    raise _cant_parse(
                        f"Unmatched end tag at byte offset {offset}, expected {expected}, "
                        f'found "</{name}>"'
                    )
                open_tags.pop()
            else:
                open_tags.append(name)
            i = match.end()
            continue
        if char == "&":
            entity = _ENTITY_RE.match(text, i)
            if entity is not None:
                out.append(html.unescape(entity.group(0)))
                i = entity.end()
                continue
        out.append(char)
        i += 1
    if open_tags:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _cant_parse(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")
