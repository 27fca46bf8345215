"""Telegram's checks on what a bot sends: text and caption lengths, HTML parse mode, inline
keyboards. Each returns what Telegram would show or raises the ApiError Telegram answers."""

from __future__ import annotations

import copy
import html
import re
from typing import Any, Final

from tests.fakes.bot_api.wire import ApiError

MAX_TEXT_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64

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


def utf16_len(text: str) -> int:
    # Telegram measures lengths and offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def inline_markup(markup: Any) -> dict[str, Any] | None:
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


def render_text(text: Any, parse_mode: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = render_markup(text, parse_mode)
    if not plain.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT_LENGTH:
        raise ApiError(400, "Bad Request: message is too long")
    return plain


def render_caption(caption: str, parse_mode: Any) -> str:
    plain = render_markup(caption, parse_mode)
    if utf16_len(plain) > MAX_CAPTION_LENGTH:
        raise ApiError(400, "Bad Request: message caption is too long")
    return plain


def render_markup(text: str, parse_mode: Any) -> str:
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
