"""Telegram through python-telegram-bot: updates become Incoming, Replies become messages."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.transports.base import (
    DeliveryError,
    EditResult,
    RetryPolicy,
    StartupError,
    TooLong,
    TransportMetrics,
    Unreachable,
    mark_sent,
    send_direct_reply,
    send_parts,
    with_retries,
)
from bot.transports.ordering import PerChatOrderedProcessor
from bot.transports.polling import ConfirmingPoller
from bot.transports.webhook import WebhookReceiver
from handlers.core.events import ChatRef, Choice, Incoming, MenuCommand, Reply, Upload
from handlers.core.registry import Registry
from handlers.requests.spreadsheet_reader import is_spreadsheet_name
from handlers.text.i18n import LANGUAGES, Translator
from handlers.text.split import TELEGRAM_LIMIT, split_message, utf16_units
from storage.models import Identity, Role

if TYPE_CHECKING:
    from typing_extensions import Buffer

log = logging.getLogger(__name__)

NAME = "telegram"
# Requests often contain addresses and links; previews would only cost a phone's data.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Direct answers to updates (replies, edits, button answers) in flight at once. Each one more
# costs httpx/httpcore bookkeeping on every request: with 16 in flight a burst took 2.1 ms of
# CPU per update, with 4 it took 1.6 (docs/PERFORMANCE.md). Four calls of ~50 ms round trip
# carry 80 calls/s, above Telegram's 30 messages/s. The outbox worker's deliveries are not
# limited here: they are paced, and must not queue behind replies held by a timeout (a durable
# reply held too long is the worker's to deliver anyway).
CONCURRENT_CALLS = 4

HandleFn = Callable[[Incoming], Awaitable[list[Reply]]]


# A file of this type is sent as a photo (the charts).
PHOTO_MIME = "image/png"


@dataclass(frozen=True)
class WebhookSettings:
    """Webhook mode: Telegram POSTs updates to ``url`` with ``secret`` in a header."""

    url: str
    secret: str
    max_connections: int = 40


MarkFn = Callable[[int], Awaitable[None]]
# Several replicas (bot/replicas.py): wait for the shared pace before a message to a chat, and
# hold a chat while running its turn.
PaceFn = Callable[[str], Awaitable[None]]
ChatGuard = Callable[[str, str], AbstractAsyncContextManager[None]]


def is_too_long(exc: BadRequest) -> bool:
    """Telegram's "message is too long" (and MESSAGE_TOO_LONG, as some answers spell it)."""
    text = str(exc).lower()
    return "too long" in text or "too_long" in text


def retry_seconds(exc: RetryAfter) -> float:
    # PTB 22.2+ keeps a timedelta internally; the public attribute may be an int and warns.
    period = getattr(exc, "_retry_after", None)
    if period is not None and hasattr(period, "total_seconds"):
        return float(period.total_seconds())
    return 1.0


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    return _markup(reply.choices) if reply.choices else None


@functools.lru_cache(maxsize=512)
def _markup(choices: tuple[tuple[Choice, ...], ...]) -> InlineKeyboardMarkup:
    # Most keyboards repeat (wizard steps, "New request"); PTB objects are immutable, so
    # building each once saves work on every message.
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text=c.label, callback_data=c.payload) for c in row]
            for row in choices
        ]
    )


def to_incoming(update: Update) -> Incoming | None:
    """The neutral event for a Telegram update; None for updates the bot ignores."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    base = {
        "chat": ChatRef(transport=NAME, chat_id=str(chat.id)),
        "sender": Identity(transport=NAME, user_id=str(user.id)),
        "update_id": str(update.update_id),
        "sender_name": user.full_name[:100] if user.full_name else None,
        "language_code": user.language_code,
        "private": chat.type == "private",
    }
    if update.callback_query is not None:
        pressed = update.callback_query.message
        return Incoming(
            **base,
            choice=update.callback_query.data or "",
            message_ref=str(pressed.message_id) if pressed is not None else None,
        )
    message = update.message or update.edited_message
    if message is None:
        return None
    text = message.text or message.caption
    size = None
    upload = None
    if message.document is not None:
        size = message.document.file_size or 0
        if is_spreadsheet_name(message.document.file_name):
            # Fetched by the transport before the engine sees it (TelegramTransport._fetch).
            upload = Upload(
                filename=message.document.file_name or "",
                mime_type=message.document.mime_type,
                size=size,
            )
    elif message.photo:
        size = message.photo[-1].file_size or 0
    return Incoming(**base, text=text, attachment_size=size, upload=upload)


class _TooLarge(Exception):
    pass


class _Bounded(io.BytesIO):
    """A download target that refuses more than ``limit`` bytes, whatever the file claimed."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def write(self, data: Buffer, /) -> int:
        if self.tell() + len(memoryview(data)) > self._limit:
            raise _TooLarge
        return super().write(data)


@contextlib.contextmanager
def delivery_errors() -> Iterator[None]:
    """Telegram's errors as DeliveryError: with ``retry_after`` for 429, permanent for
    refusals a retry cannot change, Unreachable when the recipient is gone for good."""
    try:
        yield
    except RetryAfter as exc:
        raise DeliveryError(str(exc), retry_after=retry_seconds(exc)) from exc
    except Forbidden as exc:
        # Blocked by the user, user deactivated, bot removed from the group.
        raise Unreachable(str(exc)) from exc
    except BadRequest as exc:
        if "chat not found" in str(exc).lower():
            raise Unreachable(str(exc)) from exc
        # Malformed text, too long, bad markup: the same request fails the same way.
        raise DeliveryError(str(exc), permanent=True) from exc
    except ChatMigrated as exc:
        # The group became a supergroup under a new id; the old id will never work again.
        raise DeliveryError(f"chat migrated to {exc.new_chat_id}", permanent=True) from exc
    except NetworkError as exc:  # includes TimedOut and 5xx answers
        raise DeliveryError(str(exc)) from exc
    except TelegramError as exc:
        raise DeliveryError(str(exc)) from exc


class TelegramTransport:
    name = NAME

    def __init__(
        self,
        *,
        token: str,
        api_url: str,
        handle: HandleFn,
        mark_delivered: MarkFn,
        translator: Translator,
        registry: Registry,
        poll_timeout: int = 30,
        rate_limiter: bool = True,
        retry: RetryPolicy | None = None,
        on_fatal: Callable[[BaseException], None] | None = None,
        webhook: WebhookSettings | None = None,
        max_upload_bytes: int = 10_000_000,
    ) -> None:
        self._handle = handle
        # Spreadsheets are fetched up to this size (Policy.max_attachment_bytes); a larger
        # one reaches the engine unfetched and is refused there by its declared size.
        self._max_upload_bytes = max_upload_bytes
        self._mark_delivered = mark_delivered
        self._t = translator
        # Sent instead of a part Telegram refuses as too long even when cut small; a
        # delivery does not know its reader's language, so it says it in all three.
        self._too_long_notice = "\n".join(translator.all_forms("outbox.too_long"))
        self._registry = registry
        self._poll_timeout = poll_timeout
        self._calls = asyncio.Semaphore(CONCURRENT_CALLS)
        # getUpdates' own connection, as PTB would build it; the poller fetches raw updates
        # through it (bot/transports/polling.py).
        updates_request = HTTPXRequest(connection_pool_size=1, read_timeout=poll_timeout + 10)
        builder = (
            Application.builder()
            .token(token)
            .base_url(f"{api_url}/bot")
            .base_file_url(f"{api_url}/file/bot")
            .concurrent_updates(PerChatOrderedProcessor())
            .get_updates_request(updates_request)
            .updater(None)  # bot/transports/polling.py confirms updates only once handled
        )
        if rate_limiter:
            # PTB's limiter paces the overall and group limits and retries 429 twice.
            limiter = AIORateLimiter(max_retries=2)
            builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB generics
        self.app: Application = builder.build()  # type: ignore[type-arg]
        # One handler for every update: to_incoming decides what matters, and the poller
        # learns in its ``finally`` that the update is done. (Separate handlers per kind, plus
        # a last group marking updates done, cost a second handler pass on each update.)
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        # Skipped updates, loop restarts and token refusals, for a metrics endpoint.
        self.metrics = TransportMetrics()
        allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
        self.webhook: WebhookReceiver | None = None
        self._poller: ConfirmingPoller | WebhookReceiver
        if webhook is not None:
            # Updates are POSTed to bot/http_server.py, which routes them to the receiver.
            self.webhook = WebhookReceiver(
                self.app,
                url=webhook.url,
                secret=webhook.secret,
                allowed_updates=allowed,
                max_connections=webhook.max_connections,
                metrics=self.metrics,
            )
            self._poller = self.webhook
        else:
            self._poller = ConfirmingPoller(
                self.app,
                request=updates_request,
                timeout=poll_timeout,
                allowed_updates=allowed,
                retry=retry,
                metrics=self.metrics,
                on_fatal=on_fatal,
            )
        self.username: str | None = None
        # Several replicas: the pace all replicas share (before each message, direct or from
        # the outbox) and the chat's lease around each turn (webhook mode); None: one process.
        self.shared_pace: PaceFn | None = None
        self.chat_guard: ChatGuard | None = None
        # Called with each update id once its replies went out: metrics and tests use it.
        self.after_update: Callable[[int], None] | None = None

    async def start(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.app.initialize()
                break
            except InvalidToken as exc:
                raise StartupError(
                    "AIDBRIDGE_TELEGRAM_TOKEN: Telegram refused this token (check it with "
                    "@BotFather)"
                ) from exc
            except NetworkError as exc:
                # Power and network cuts happen: keep trying rather than exit.
                log.warning(
                    "cannot reach the Telegram Bot API (%s); retrying in %.0f s", exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)
        self.username = self.app.bot.username
        await self._set_commands()
        if self.webhook is None:
            await self.app.bot.delete_webhook(drop_pending_updates=False)
        await self.app.start()
        await self._poller.start()
        log.info("telegram transport started as @%s", self.username)

    async def stop(self) -> None:
        await self._poller.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def _set_commands(self) -> None:
        """The default command menu in each language, showing what requesters use most."""
        # The menu of chats that have none of their own yet (strangers, people who joined
        # before per-chat menus): what requesters use, never admin commands. Members get
        # their own menu for their roles and language through set_menu.
        commands = self._registry.visible_commands(frozenset({Role.REQUESTER}))
        for lang in LANGUAGES:
            menu = [BotCommand(c.name, self._t(lang, c.help_key)[:256]) for c in commands]
            try:
                await self.app.bot.set_my_commands(menu, language_code=lang)
                if lang == "uk":
                    await self.app.bot.set_my_commands(menu)
            except TelegramError as exc:
                # The menu is a convenience; the bot works without it.
                log.warning("setMyCommands(%s) failed: %s", lang, exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler error: %s", context.error, exc_info=context.error)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            chat = update.effective_chat
            if self.chat_guard is not None and chat is not None:
                async with self.chat_guard(NAME, str(chat.id)):
                    await self._process(update)
            else:
                await self._process(update)
        finally:
            self._poller.mark_handled(update.update_id)
            if self.after_update is not None:
                self.after_update(update.update_id)

    async def _process(self, update: Update) -> None:
        incoming = to_incoming(update)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await self._answer(query, None)
            return
        if incoming.upload is not None and incoming.private and update.message is not None:
            # Only in a private chat: a list in a group is refused unread (Where.PRIVATE).
            incoming = await self._fetch(incoming, update.message)
        replies = await self._handle(incoming)
        toast = next((r for r in replies if r.toast), None)
        if query is not None:
            await self._answer(query, toast.text if toast else None)
        for reply in replies:
            if reply.toast:
                continue
            await self._reply(update, reply)

    async def _fetch(self, incoming: Incoming, message: Message) -> Incoming:
        """The spreadsheet's bytes, as Telegram hands files to bots: getFile, then the file
        path. Only into memory, and only up to the size limit; on any failure the event goes
        on unfetched and the engine says so."""
        upload = incoming.upload
        document = message.document
        if upload is None or document is None or upload.size > self._max_upload_bytes:
            return incoming
        try:
            async with self._calls:
                file = await self.app.bot.get_file(document.file_id)
                target = _Bounded(self._max_upload_bytes)
                await file.download_to_memory(out=target)
        except _TooLarge:
            log.warning("telegram: file in update %s over the limit", incoming.update_id)
            return incoming.model_copy(
                update={"attachment_size": self._max_upload_bytes + 1, "upload": None}
            )
        except TelegramError as exc:
            log.warning("telegram: file of update %s not fetched: %s", incoming.update_id, exc)
            return incoming
        fetched = upload.model_copy(update={"data": target.getvalue()})
        return incoming.model_copy(update={"upload": fetched})

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            async with self._calls:
                await query.answer(text=text[:200] if text else None)
        except TelegramError as exc:
            # An old callback (>15 min) cannot be answered; that is harmless.
            log.debug("answerCallbackQuery failed: %s", exc)

    async def _reply(self, update: Update, reply: Reply) -> None:
        chat = update.effective_chat
        assert chat is not None
        target = str(reply.chat.chat_id) if reply.chat else str(chat.id)
        query = update.callback_query
        if (
            reply.replace
            and query is not None
            and isinstance(query.message, Message)
            and (reply.chat is None)
        ):
            edited = await self._edit(query.message, reply)
            if edited:
                await mark_sent(reply, self._mark_delivered)
                return
            if edited is None and reply.outbox_id is not None:
                # Whether Telegram took the edit is unknown (its answer was lost). The outbox
                # row repeats the same edit after the grace period: harmless if it landed, and
                # never a second confirmation beside the first.
                log.warning("edit in chat %s unconfirmed; the outbox repeats it", target)
                return
        await send_direct_reply(
            lambda: self._deliver_reply(target, reply), reply, target, self._mark_delivered
        )

    async def _deliver_reply(self, chat_id: str, reply: Reply) -> None:
        async with self._calls:
            await self.deliver(chat_id, reply)

    async def _edit(self, message: Message, reply: Reply) -> bool | None:
        """True: the message shows the reply; False: it cannot be edited (send it as new);
        None: still unknown after the retries (answers lost, Telegram failing)."""
        result: EditResult = "not_editable"

        async def attempt() -> None:
            nonlocal result
            async with self._calls:
                result = await self.edit(str(message.chat.id), str(message.message_id), reply)

        try:
            await with_retries(attempt)
        except DeliveryError as exc:
            if exc.permanent:
                log.debug("edit refused, sending instead: %s", exc)
                return False
            log.debug("edit not confirmed: %s", exc)
            return None
        return result != "not_editable"

    async def edit(self, chat_id: str, message_ref: str, reply: Reply) -> EditResult:
        """Edit message ``message_ref`` to show ``reply`` (MessageEditing). Repeating an edit
        that already landed is answered "message is not modified": "unchanged"."""
        if (
            reply.document is not None
            or not message_ref.isdigit()
            or utf16_units(reply.text) > TELEGRAM_LIMIT
        ):
            return "not_editable"
        timeout = BaseRequest.DEFAULT_NONE if self.send_timeout is None else self.send_timeout
        try:
            with delivery_errors():
                if self.shared_pace is not None:
                    await self.shared_pace(chat_id)
                await self.app.bot.edit_message_text(
                    chat_id=int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                    message_id=int(message_ref),
                    text=reply.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard(reply),
                    link_preview_options=NO_PREVIEW if "://" in reply.text else None,
                    read_timeout=timeout,
                )
        except DeliveryError as exc:
            text = str(exc).lower()
            if "not modified" in text:
                return "unchanged"
            if exc.permanent and not isinstance(exc, Unreachable):
                # Too old to edit, deleted, not the bot's own: a new message instead.
                return "not_editable"
            raise
        return "edited"

    # Seconds to wait for the answer to a send; None keeps PTB's default (5 s). Tests lower
    # it to exercise timeouts quickly. A timed-out send may still have been delivered.
    send_timeout: float | None = None
    # Between the messages of one reply (document, text parts): Telegram's one message a
    # second per chat. Sent back to back, the second would meet a 429, and the retry would
    # repeat the first.
    part_gap: float = 1.05

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        """Send as new message(s). Long text is split; the buttons go with the last part.

        Raises DeliveryError: with ``retry_after`` for 429, permanent for refusals that a
        retry cannot change, and Unreachable when the recipient is gone for good (blocked the
        bot, deactivated, chat not found). Timeouts, 5xx and network errors are retryable.
        """
        timeout = BaseRequest.DEFAULT_NONE if self.send_timeout is None else self.send_timeout
        with delivery_errors():
            gap = False  # a message went before: wait part_gap
            if reply.document is not None and reply.document.mime_type == PHOTO_MIME:
                # Charts go as photos: shown in the chat at a glance, not a file to open
                # (issue 14: "charts (PNG, sent as photos)"). Matrix shows them as m.image.
                doc = reply.document
                await self.app.bot.send_photo(
                    chat_id=chat_id,
                    photo=doc.data,
                    filename=doc.filename,
                    caption=doc.caption,
                    parse_mode=ParseMode.HTML,
                    read_timeout=timeout,
                )
                if not reply.text:
                    return
                gap = True
            elif reply.document is not None:
                doc = reply.document
                if self.shared_pace is not None:
                    await self.shared_pace(chat_id)
                await self.app.bot.send_document(
                    chat_id=chat_id,
                    document=doc.data,
                    filename=doc.filename,
                    caption=doc.caption,
                    parse_mode=ParseMode.HTML,
                    read_timeout=timeout,
                )
                if not reply.text:
                    return
                gap = True

            async def send_part(part: str, last: bool) -> None:
                nonlocal gap
                if gap:
                    await asyncio.sleep(self.part_gap)
                gap = True
                if self.shared_pace is not None:
                    await self.shared_pace(chat_id)
                try:
                    await self.app.bot.send_message(
                        chat_id=chat_id,
                        text=part,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard(reply) if last else None,
                        # Only invites carry links; sparing the option elsewhere saves
                        # encoding it on every message.
                        link_preview_options=NO_PREVIEW if "://" in part else None,
                        read_timeout=timeout,
                    )
                except BadRequest as exc:
                    if is_too_long(exc):
                        raise TooLong(str(exc)) from exc
                    raise

            await send_parts(
                split_message(reply.text, TELEGRAM_LIMIT, utf16_units),
                send_part,
                measure=utf16_units,
                notice=self._too_long_notice,
                where=f"telegram chat {chat_id}",
            )

    async def set_menu(self, chat_id: str, commands: tuple[MenuCommand, ...]) -> None:
        """This chat's own command menu (handlers/core/command_menus.py): its person's
        commands in their /lang language. A chat scope outranks the per-language menus everyone
        else gets, so the phone's language no longer decides."""
        chat: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        menu = [BotCommand(c.name, c.description) for c in commands]
        with delivery_errors():
            await self.app.bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id=chat))
