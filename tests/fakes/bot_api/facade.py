"""FakeBotApi: the one object tests hold. It owns the parts (server, call log, faults, update
queue, message, file and menu stores) and keeps the public methods tests call, each handing
the work to the part that owns that state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakes.bot_api.account import BOT_USERNAME, DEFAULT_TOKEN, BotAccount
from tests.fakes.bot_api.chats import ChatKey
from tests.fakes.bot_api.commands import CommandMenus
from tests.fakes.bot_api.faults import FaultInjector
from tests.fakes.bot_api.files import FileStore
from tests.fakes.bot_api.records import CallLog, CallPredicate, RecordedCall
from tests.fakes.bot_api.server import BotApiServer
from tests.fakes.bot_api.store import MessageStore
from tests.fakes.bot_api.updates import (
    UpdateQueue,
    make_callback_update,
    make_document_update,
    make_text_update,
    make_user,
)


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
        self._account = BotAccount.for_token(token, username)
        self._log = CallLog()
        self._faults = FaultInjector()
        self._updates = UpdateQueue(self._faults)
        self._files = FileStore(self._account)
        self._store = MessageStore(self._account, self._files)
        self._menus = CommandMenus()
        self._server = BotApiServer(
            self._account,
            host=host,
            port=port,
            handlers={
                **self._account.handlers(),
                **self._menus.handlers(),
                **self._updates.handlers(),
                **self._store.handlers(),
                **self._files.handlers(),
            },
            poll=self._updates.get_updates,
            faults=self._faults,
            log=self._log,
            files=self._files,
            on_start=self._updates.open,
            on_stop=self._updates.close,
        )

    # ------------------------------------------------------------------ identity and lifecycle

    @property
    def token(self) -> str:
        return self._account.token

    @token.setter
    def token(self, value: str) -> None:
        self._account.token = value

    @property
    def username(self) -> str:
        return self._account.username

    @username.setter
    def username(self, value: str) -> None:
        self._account.username = value

    @property
    def bot_id(self) -> int:
        return self._account.bot_id

    @bot_id.setter
    def bot_id(self, value: int) -> None:
        self._account.bot_id = value

    @property
    def bot_user(self) -> dict[str, Any]:
        return self._account.user()

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def app(self) -> web.Application:
        return self._server.app

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Extra routes (the control API of the out-of-process server); call before start()."""
        self._server.add_routes(routes)

    async def start(self) -> None:
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()

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

    @property
    def faulted(self) -> list[RecordedCall]:
        return self._log.faulted

    @property
    def errors(self) -> list[RecordedCall]:
        return self._log.errors

    @property
    def on_accepted(self) -> Callable[[RecordedCall], None] | None:
        """Called with each accepted call before its answer goes back: a test can act at the
        moment the platform has a message and the bot does not know it yet."""
        return self._log.on_accepted

    @on_accepted.setter
    def on_accepted(self, hook: Callable[[RecordedCall], None] | None) -> None:
        self._log.on_accepted = hook

    @property
    def before_answer(self) -> Callable[[RecordedCall], Awaitable[None]] | None:
        """Awaited with each accepted call before its answer goes back (after on_accepted):
        unlike on_accepted it may wait, e.g. for a lock, without stopping the event loop."""
        return self._log.before_answer

    @before_answer.setter
    def before_answer(self, hook: Callable[[RecordedCall], Awaitable[None]] | None) -> None:
        self._log.before_answer = hook

    @property
    def last_seq(self) -> int:
        """The seq of the latest call recorded (delivered, faulted or error); 0 before any."""
        return self._log.last_seq

    def calls(
        self, method: str | None = None, chat_id: ChatKey | None = None
    ) -> list[RecordedCall]:
        """Delivered calls in arrival order, optionally filtered."""
        return self._log.calls(method, chat_id)

    def sent_texts(self, chat_id: ChatKey) -> list[str]:
        """Texts the bot put into a chat, sendMessage and editMessageText, in order."""
        return self._log.sent_texts(chat_id)

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
        return await self._log.wait_for(what, count, timeout)

    def clear_calls(self) -> None:
        self._log.clear()

    def stats(self) -> dict[str, Any]:
        return {
            **self._log.stats(),
            "rate_limit_violations": self._faults.rate_limit_violations,
            "pending_updates": self._updates.pending(),
            "last_confirmed_offset": self._updates.last_confirmed_offset,
            "poll_conflicts": self._updates.poll_conflicts,
            "max_update_id": self._updates.max_update_id,
        }

    def reset(self) -> None:
        """Forget recordings, pending updates, faults, blocks and rate windows.

        Rate enforcement stays as configured, as do known messages and files.
        """
        self._log.clear()
        self._faults.reset()
        self._updates.reset()

    # ------------------------------------------------------------------ what Telegram holds

    def message(self, chat_id: ChatKey, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the fake knows (after edits), or None if deleted."""
        return self._store.message(chat_id, message_id)

    def my_commands(
        self, language_code: str = "", scope: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        return self._menus.my_commands(language_code, scope)

    def menu_shown(self, chat_id: int, language_code: str = "") -> list[str]:
        """The command names Telegram shows in a private chat to a user whose app is in
        ``language_code``: the first scope set, in Telegram's order (the chat's own menu for
        that language, then for any, then all private chats, then the default)."""
        return self._menus.menu_shown(chat_id, language_code)

    @property
    def webhook_url(self) -> str:
        return self._updates.webhook_url

    @property
    def webhook_secret(self) -> str | None:
        """The secret_token of the last setWebhook (sent with every POST of an update)."""
        return self._updates.webhook_secret

    @property
    def webhook_connections(self) -> int:
        """POSTs to the webhook at once (1: one at a time); never two of one chat."""
        return self._updates.webhook_connections

    @webhook_connections.setter
    def webhook_connections(self, value: int) -> None:
        self._updates.webhook_connections = max(1, value)

    @property
    def webhook_posts(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status) of every POST to the webhook, in order; status 0: the
        webhook could not be reached."""
        return self._updates.webhook_posts

    # ------------------------------------------------------------------ updates

    @property
    def pushed_at(self) -> dict[int, float]:
        """update_id -> time.monotonic() of its push."""
        return self._updates.pushed_at

    @property
    def last_confirmed_offset(self) -> int:
        return self._updates.last_confirmed_offset

    @property
    def poll_conflicts(self) -> int:
        """Long polls terminated by a newer getUpdates (409)."""
        return self._updates.poll_conflicts

    @property
    def waiting_polls(self) -> int:
        """getUpdates requests parked in a long poll right now."""
        return self._updates.waiting_polls

    async def wait_until_polling(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until `count` getUpdates requests are parked in a long poll.

        For tests that must act while the bot is idle in getUpdates (shutdown, conflicts).
        """
        await self._updates.wait_until_polling(count, timeout)

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id.

        Without an update_id the next one is assigned. A given id at or below the highest id
        pushed so far is a deliberate replay (to test the bot's de-duplication): it is
        delivered even though the bot's offset already confirmed that id.
        """
        return self._updates.push(update, self._store.absorb_update)

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
        message = self._store.message_with_buttons(chat, message_id, text)
        update = make_callback_update(self._store.open_query(), user, chat, data, message)
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
        document = self._files.receive_document(file_name, size, content, mime_type)
        user = make_user(user_id, first_name=first_name, language_code=language_code)
        chat = chat_id if chat_id is not None else user_id
        update = make_document_update(user, chat, document, caption)
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def downloads(self) -> list[str]:
        """The file paths the bot downloaded (the file download path), in order."""
        return list(self._files.downloads)

    def push_raw_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update exactly as given (only update_id is assigned when missing): nothing
        is filled in, so an update without ``date`` or with a poll missing a field reaches the
        bot as Telegram might send one that the library cannot read."""
        return self._updates.push_raw(update)

    def pending_updates(self) -> int:
        """Updates not yet confirmed by an offset (delivered or not)."""
        return self._updates.pending()

    # ------------------------------------------------------------------ faults

    @property
    def rate_limit_violations(self) -> int:
        return self._faults.rate_limit_violations

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
        self._faults.set_random(rate, kinds, retry_after, timeout_seconds, methods, seed)

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
        self._faults.fail_next(
            method, kind, count, retry_after=retry_after, timeout_seconds=timeout_seconds
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def refuse_token(self, seconds: float | None = None) -> None:
        """Answer every method 401 Unauthorized (a revoked token, or Telegram's own hiccup)
        for ``seconds``, or until accept_token() when None. Refused calls go to ``faulted``
        with fault "token_refused"."""
        self._faults.refuse_token(seconds)
        # A long poll in progress is answered 401 at once, as a new token check would.
        self._updates.wake()

    def accept_token(self) -> None:
        self._faults.accept_token()

    @property
    def token_refused(self) -> bool:
        return self._faults.token_refused

    def block_chat(self, chat_id: ChatKey) -> None:
        """The user blocked the bot: everything addressed to the chat gets 403."""
        self._faults.block_chat(chat_id)

    def unblock_chat(self, chat_id: ChatKey) -> None:
        self._faults.unblock_chat(chat_id)

    def mark_chat_not_found(self, chat_id: ChatKey) -> None:
        """Calls addressed to the chat get 400 "chat not found" (deleted account, wrong id)."""
        self._faults.mark_chat_not_found(chat_id)

    def enforce_rate_limits(
        self,
        global_per_second: float | None = 30,
        per_chat_per_second: float | None = 1,
        per_group_per_minute: float | None = 20,
    ) -> None:
        """Refuse new messages beyond Telegram's flood limits with 429 (sliding windows)."""
        self._faults.enforce_rate_limits(
            global_per_second, per_chat_per_second, per_group_per_minute
        )

    def disable_rate_limits(self) -> None:
        self._faults.disable_rate_limits()
