"""Command menus (setMyCommands and friends) per scope and language, and which one a user
would see."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tests.fakes.bot_api.records import RecordedFile
from tests.fakes.bot_api.wire import ApiError, Handler


class CommandMenus:
    def __init__(self) -> None:
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def handlers(self) -> dict[str, Handler]:
        return {
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
        }

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


def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
    # A scope is a dict; its canonical JSON makes it hashable and order-insensitive.
    scope_dict = scope if isinstance(scope, Mapping) else {"type": "default"}
    return json.dumps(dict(scope_dict), sort_keys=True), str(language_code or "")
