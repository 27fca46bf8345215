"""The bot's own account: its token, its user and the methods about it (getMe, logOut)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from tests.fakes.bot_api.records import RecordedFile
from tests.fakes.bot_api.wire import Handler

DEFAULT_TOKEN: Final = "123456:TEST"
BOT_USERNAME: Final = "aidbridge_test_bot"
BOT_FIRST_NAME: Final = "AidBridge Test"


@dataclass(slots=True)
class BotAccount:
    """Shared by reference with every part that names the bot (message senders, file and
    query ids, the token check), so a test changing the facade's username is seen by all."""

    token: str
    username: str
    bot_id: int

    @classmethod
    def for_token(cls, token: str, username: str) -> BotAccount:
        # Telegram tokens start with the bot's id; a made-up token gets a fixed one.
        bot_id = token.split(":", 1)[0]
        return cls(token, username, int(bot_id) if bot_id.isdigit() else 123456)

    def user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.username,
        }

    def handlers(self) -> dict[str, Handler]:
        return {"getMe": self._get_me, "logOut": _true, "close": _true}

    async def _get_me(self, params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
        return {
            **self.user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


async def _true(params: dict[str, Any], files: dict[str, RecordedFile]) -> Any:
    return True
