"""Chats, users and messages as Telegram holds them: what the bot sends, edits and deletes,
what pushed updates carry, and which callback queries still await an answer."""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.fakes.bot_api.account import BotAccount
from tests.fakes.bot_api.chats import ChatKey, chat_for, chat_key
from tests.fakes.bot_api.files import FileStore, document_dict
from tests.fakes.bot_api.records import RecordedFile
from tests.fakes.bot_api.validation import inline_markup, render_caption, render_text
from tests.fakes.bot_api.wire import ApiError, Handler


class MessageStore:
    def __init__(self, account: BotAccount, files: FileStore) -> None:
        self._account = account
        self._files = files
        self._messages: dict[tuple[ChatKey, int], dict[str, Any]] = {}
        self._next_message_id: dict[ChatKey, int] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._open_queries: set[str] = set()
        self._query_counter = 0

    def handlers(self) -> dict[str, Handler]:
        return {
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
        }

    def message(self, chat_id: ChatKey, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the fake knows (after edits), or None if deleted."""
        stored = self._messages.get((chat_key(chat_id), message_id))
        return copy.deepcopy(stored) if stored is not None else None

    def message_with_buttons(self, chat: ChatKey, message_id: int, text: str) -> dict[str, Any]:
        """A copy of the message a button press comes from, created if the fake has none."""
        stored = self._messages.get((chat, message_id))
        if stored is None:
            # Telegram would only offer buttons on a real bot message, so make this one real:
            # later edits of it must succeed.
            stored = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(chat),
                "from": self._account.user(),
                "text": text,
            }
            self._messages[(chat, message_id)] = stored
            self._bump_message_id(chat, message_id)
        return copy.deepcopy(stored)

    def open_query(self) -> str:
        """A new callback query id, open until answerCallbackQuery answers it."""
        self._query_counter += 1
        query_id = f"{self._account.bot_id}{self._query_counter:08d}"
        self._open_queries.add(query_id)
        return query_id

    def absorb_update(self, update: dict[str, Any]) -> None:
        """Fill in what a pushed update leaves out and learn its users, chats and ids."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if not isinstance(message, dict):
                continue
            message.setdefault("date", int(time.time()))
            chat_info = message.get("chat")
            if not isinstance(chat_info, dict) or "id" not in chat_info:
                continue
            chat = chat_key(chat_info["id"])
            if "message_id" in message:
                self._bump_message_id(chat, int(message["message_id"]))
            else:
                message["message_id"] = self._alloc_message_id(chat)
            sender = message.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self._users[sender["id"]] = sender
            document = message.get("document")
            if isinstance(document, dict) and not self._files.knows(document.get("file_id")):
                # A hand-built update: make its file downloadable like a real one.
                self._files.register_foreign(document)
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
                chat = chat_key(chat_info.get("id"))
                message.setdefault("date", int(time.time()))
                self._messages.setdefault(
                    (chat, int(message["message_id"])), copy.deepcopy(message)
                )
                self._bump_message_id(chat, int(message["message_id"]))
            sender = query.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                self._users[sender["id"]] = sender

    # ------------------------------------------------------------------ state helpers

    def _alloc_message_id(self, chat: ChatKey) -> int:
        # Private chats share one message counter between the user and the bot, as in Telegram.
        message_id = self._next_message_id.get(chat, 1)
        self._next_message_id[chat] = message_id + 1
        return message_id

    def _bump_message_id(self, chat: ChatKey, used: int) -> None:
        self._next_message_id[chat] = max(self._next_message_id.get(chat, 1), used + 1)

    def _chat(self, chat: ChatKey) -> dict[str, Any]:
        # A private chat is named after the user the fake has seen in it, as Telegram does.
        if isinstance(chat, int) and chat > 0:
            user = self._users.get(chat)
            info: dict[str, Any] = {"id": chat, "type": "private"}
            info["first_name"] = user.get("first_name", "User") if user else "User"
            if user and "username" in user:
                info["username"] = user["username"]
            return info
        return chat_for(chat, None)

    def _new_message(self, chat: ChatKey, content: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._alloc_message_id(chat),
            "date": int(time.time()),
            "chat": self._chat(chat),
            "from": self._account.user(),
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

    def _add_reply_to(self, chat: ChatKey, params: dict[str, Any], content: dict[str, Any]) -> None:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else None
        target = target if target is not None else params.get("reply_to_message_id")
        if isinstance(target, int) and (chat, target) in self._messages:
            content["reply_to_message"] = copy.deepcopy(self._messages[(chat, target)])

    # ------------------------------------------------------------------ Bot API methods

    async def _send_message(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        chat = _require_chat(params)
        text = render_text(params.get("text"), params.get("parse_mode"))
        content: dict[str, Any] = {"text": text}
        markup = inline_markup(params.get("reply_markup"))
        if markup is not None:
            content["reply_markup"] = markup
        self._add_reply_to(chat, params, content)
        return self._new_message(chat, content)

    async def _edit_message_text(
        self, params: dict[str, Any], files: dict[str, RecordedFile]
    ) -> Any:
        if "inline_message_id" in params:
            render_text(params.get("text"), params.get("parse_mode"))
            return True
        stored = self._stored_message(params, "edit")
        if "text" not in stored:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = render_text(params.get("text"), params.get("parse_mode"))
        # Editing without reply_markup removes the keyboard, as in Telegram.
        markup = inline_markup(params.get("reply_markup"))
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
            inline_markup(params.get("reply_markup"))
            return True
        stored = self._stored_message(params, "edit")
        markup = inline_markup(params.get("reply_markup"))
        if markup == stored.get("reply_markup"):
            raise _not_modified()
        _set_markup(stored, markup)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _delete_message(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        stored = self._stored_message(params, "delete")
        del self._messages[(chat_key(stored["chat"]["id"]), stored["message_id"])]
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
        stored = self._files.resolve_upload("document", params, files, "documents")
        content: dict[str, Any] = {"document": document_dict(stored)}
        _add_caption(params, content)
        return self._new_message(chat, content)

    async def _send_photo(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        chat = _require_chat(params)
        stored = self._files.resolve_upload("photo", params, files, "photos")
        # The fake does not decode images, so the dimensions are nominal.
        photo = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": stored.size,
        }
        content: dict[str, Any] = {"photo": [photo]}
        _add_caption(params, content)
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


def _require_chat(params: dict[str, Any]) -> ChatKey:
    if "chat_id" not in params or params["chat_id"] in ("", None):
        raise ApiError(400, "Bad Request: chat_id is empty")
    chat = chat_key(params["chat_id"])
    # The fake knows no channels by @username and no chat 0.
    if isinstance(chat, str) or chat == 0:
        raise ApiError(400, "Bad Request: chat not found")
    return chat


def _add_caption(params: dict[str, Any], content: dict[str, Any]) -> None:
    caption = params.get("caption")
    if caption is not None:
        content["caption"] = render_caption(str(caption), params.get("parse_mode"))


def _set_markup(stored: dict[str, Any], markup: dict[str, Any] | None) -> None:
    if markup is None:
        stored.pop("reply_markup", None)
    else:
        stored["reply_markup"] = markup


def _not_modified() -> ApiError:
    return ApiError(
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )
