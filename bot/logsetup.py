"""Logging that holds no personal data and no secret.

By default no log line, at any level, carries a message's text, an invite code, an address
or an SQL parameter. The bot's own code logs ids, counts and kinds only; the libraries that
print payloads below a certain level are held above it (LIBRARY_LEVELS), and the few lines
they print above it with a payload in them lose the payload (PayloadFilter).

``AIDBRIDGE_LOG_TEXT=1`` lifts both, for debugging on one's own machine: the libraries then
log requests, updates and statements in full. Even then RedactSecrets takes out bot tokens,
Matrix access tokens and invite codes (``/start CODE``, ``?start=CODE``), as it does always.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from storage.fileperms import create_private, restrict
from storage.invites import CODE_REGEX

# Below these levels the libraries log what people wrote or what identifies them:
LIBRARY_LEVELS: dict[str, int] = {
    # DEBUG: every Bot API call with its parameters and answer, every update in full.
    "telegram": logging.INFO,
    # INFO: every request URL, and Telegram's carries the bot token.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    # DEBUG: every statement with its parameters.
    "aiosqlite": logging.INFO,
    # DEBUG: every sync answer (message texts); INFO: room ids on each sync.
    "nio": logging.WARNING,
    # DEBUG: every statement of matrix-nio's crypto store with its parameters, the bot's
    # pickled device keys and sessions among them.
    "peewee": logging.INFO,
    "apscheduler": logging.WARNING,
    # Not personal, only loud at DEBUG (font searches).
    "matplotlib": logging.WARNING,
    "PIL": logging.WARNING,
}

REDACTED = "[redacted]"

# Telegram bot tokens look like 123456789:AA... (35 characters after the colon); they appear
# in Bot API URLs as /bot<token>/. 20 rather than 30 characters: a test token is shorter.
_TELEGRAM_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
_SECRETS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_TELEGRAM_TOKEN, REDACTED),
    # Synapse access and refresh tokens (syt_, syr_) and MAS tokens (mat_, mct_).
    (re.compile(r"\b(?:syt|syr|mat|mct)_[A-Za-z0-9_-]{8,}"), REDACTED),
    # Tokens in URLs (matrix-nio sends access_token as a query parameter), headers and JSON.
    (re.compile(r"(access_token=)[^&\s\"'<>]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)(bearer\s+)[^\s\"',]+"), rf"\1{REDACTED}"),
    (
        re.compile(r"([\"'](?:access_token|refresh_token|password)[\"']\s*:\s*[\"'])[^\"']*"),
        rf"\1{REDACTED}",
    ),
    # Invite codes: "/start CODE", "!start CODE", "/start@bot CODE", t.me/bot?start=CODE.
    (re.compile(r"(?i)([/!]start(?:@\w+)?\s+)[^\s\"'\\]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)([?&]start=)[^\s&\"'\\]+"), rf"\1{REDACTED}"),
    # A code on its own, as the /invite answer shows it; in a repr a line break before it
    # is written "\n".
    (re.compile(rf"(?:(?<=\\[nt])|(?<![A-Za-z0-9_])){CODE_REGEX}(?![A-Za-z0-9_])"), REDACTED),
)

# Lines libraries log above LIBRARY_LEVELS that quote what they received: only the payload
# goes. (PTB's CRITICAL "Error while parsing updates" cannot happen with our poller, which
# reads updates itself, but a library update must not bring it back.)
_PAYLOAD_LINES = (
    "Can not load invalid JSON data",
    "Error while parsing updates! Received data was",
    "Error validating response",
)
# A pydantic ValidationError quotes the value it refused (a message's text, say).
_PYDANTIC_INPUT = re.compile(r"input_value=.*?, input_type=")


class RedactSecrets(logging.Filter):
    """Takes the given secrets, bot and access tokens and invite codes out of each record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _SECRETS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        _rewrite(record, self.clean)
        return True


class PayloadFilter(logging.Filter):
    """Drops the payload of the library lines that quote one, and refused values from
    pydantic errors (the default; AIDBRIDGE_LOG_TEXT=1 leaves them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith(_PAYLOAD_LINES):
            head = next(p for p in _PAYLOAD_LINES if record.msg.startswith(p))
            record.msg, record.args = f"{head} [payload not logged]", None
        _rewrite(record, _drop_refused_values)
        return True


def _drop_refused_values(text: str) -> str:
    return _PYDANTIC_INPUT.sub("input_value=[not logged], input_type=", text)


def _rewrite(record: logging.LogRecord, clean: Callable[[str], str]) -> None:
    message = record.getMessage()
    cleaned = clean(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = clean(record.exc_text)
    if record.stack_info:
        record.stack_info = clean(record.stack_info)


def setup_logging(
    level: str,
    secrets: list[str],
    *,
    log_file: Path | None = None,
    log_text: bool = False,
) -> logging.Handler:
    """Log to stderr, or to ``log_file`` (appended to) when the terminal is a conversation.

    Returns the handler installed on the root logger.
    """
    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler()
        fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    else:
        # Ids and names of people are in it: readable by the bot's user only.
        log_file.parent.mkdir(parents=True, exist_ok=True)
        create_private(log_file)
        restrict(log_file)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        # Several console processes may append to one file: the pid tells them apart.
        fmt = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    if not log_text:
        handler.addFilter(PayloadFilter())
    # Last, so that it also cleans what the other filter left.
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, floor in LIBRARY_LEVELS.items():
        library = logging.getLogger(name)
        library.setLevel(logging.NOTSET if log_text else floor)
    return handler
