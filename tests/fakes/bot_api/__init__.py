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

Tests hold one FakeBotApi (facade.py); it composes the parts, one concern per module:

- server.py: the aiohttp app, routing of methods, request decoding, start/stop
- records.py: RecordedCall and the call log that tests assert and wait on
- faults.py: injected faults, flood limits, blocked/missing chats, a refused token
- updates.py: the update queue behind getUpdates long polling, webhooks, Update builders
- store.py: chats, users and messages (sends, edits, deletes, callback queries)
- files.py: uploaded and received files and their downloads
- commands.py: command menus per scope and language
- validation.py: Telegram's checks on texts, captions, HTML and inline keyboards
- account.py: the bot's token and user (getMe); chats.py: chat ids and Chat objects
- wire.py: the handler signature and errors in Telegram's shape, shared by all parts
"""

from tests.fakes.bot_api.account import BOT_FIRST_NAME, BOT_USERNAME, DEFAULT_TOKEN
from tests.fakes.bot_api.chats import ChatKey
from tests.fakes.bot_api.facade import FakeBotApi
from tests.fakes.bot_api.faults import (
    DEFAULT_FAULT_METHODS,
    FAULT_KINDS,
    GARBAGE_BODY,
    RATE_LIMITED_METHODS,
)
from tests.fakes.bot_api.files import MAX_DOWNLOAD_BYTES
from tests.fakes.bot_api.records import CallPredicate, RecordedCall, RecordedFile
from tests.fakes.bot_api.server import STRING_PARAMS
from tests.fakes.bot_api.updates import make_text_update, make_user
from tests.fakes.bot_api.validation import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    render_html,
)
from tests.fakes.bot_api.wire import ApiError

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_USERNAME",
    "DEFAULT_FAULT_METHODS",
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "GARBAGE_BODY",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_DOWNLOAD_BYTES",
    "MAX_TEXT_LENGTH",
    "RATE_LIMITED_METHODS",
    "STRING_PARAMS",
    "ApiError",
    "CallPredicate",
    "ChatKey",
    "FakeBotApi",
    "RecordedCall",
    "RecordedFile",
    "make_text_update",
    "make_user",
    "render_html",
]
