"""Replies as Matrix message content, and Matrix message content as text for the engine.

Pure functions, no nio: the transport (bot/transports/matrix.py) sends what these build.

- Our HTML subset (<b>, <i>, <code>) goes into ``formatted_body``; Matrix clients render it as
  HTML, so line breaks become <br>. ``body`` is the same text without tags, for clients and
  notifications that show plain text.
- The bot's own messages are ``m.notice``: by convention bots never answer notices, so two
  bots in one room cannot talk each other into a loop.
- Buttons become numbered options (handlers/core/text_menu.py numbers them the same way the engine
  reads the answer back); navigation choices (Back, Cancel) are offered as words.
- Element treats a typed "/word" as a client command, so "/new" in our texts is shown as "!new",
  which the engine accepts as the same command.
"""

from __future__ import annotations

import html
import json
import re
import struct
from collections.abc import Collection
from typing import Any

from handlers.core.events import Choice, Document
from handlers.core.text_menu import numbered

NOTICE = "m.notice"
HTML_FORMAT = "org.matrix.custom.html"
# A homeserver refuses an event whose canonical JSON (UTF-8, the whole PDU: room and event ids,
# hashes, signatures besides the content) exceeds 65,536 bytes. One part's text, as body and
# formatted_body together (matrix_size), stays under this budget; the ~17 KB left over hold the
# rest of the event and the numbered options added to the last part. Characters are no measure
# here: an emoji is 4 bytes, and counted twice (plain and HTML), 8,000 of them would not fit.
MATRIX_TEXT_BYTES = 48_000

_TAGS = re.compile(r"</?(?:b|i|code|pre|u|s)>")
# "/new" at the start of a line or after a space, bracket or tag; not inside URLs ("t.me/x").
_COMMAND = re.compile(r"(?:^|(?<=[\s(>«\"']))/([a-z_]+)\b", re.MULTILINE)
_REPLY_FALLBACK = re.compile(r"\A(?:> .*\n)+\n", re.MULTILINE)


def bang_commands(text: str, commands: Collection[str]) -> str:
    """'/new' -> '!new' for the registered command names only."""

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"!{name}" if name in commands else match.group(0)

    return _COMMAND.sub(swap, text)


def plain(text_html: str) -> str:
    """Our HTML subset as plain text."""
    return html.unescape(_TAGS.sub("", text_html))


def matrix_size(text_html: str) -> int:
    """The bytes ``text_html`` adds to an event: once as ``body`` (plain text), once as
    ``formatted_body`` (line breaks as <br>), each JSON-escaped and in UTF-8, as the
    homeserver counts them. Additive over lines, as handlers/text/split.py needs."""
    body = plain(text_html)
    formatted = text_html.replace("\n", "<br>")
    return _json_bytes(body) + _json_bytes(formatted)


def _json_bytes(text: str) -> int:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text)  # the common case, without building the escaped copy
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


def options(choices: list[Choice]) -> tuple[list[str], list[str]]:
    """(plain lines, HTML lines) listing the numbered options and the navigation words."""
    plain_lines: list[str] = []
    html_lines: list[str] = []
    words: list[str] = []
    for number, choice in numbered(choices):
        if number is None:
            words.append(choice.label)
        else:
            plain_lines.append(f"{number}. {choice.label}")
            html_lines.append(f"<b>{number}.</b> {html.escape(choice.label, quote=False)}")
    if words:
        plain_lines.append("(" + " · ".join(words) + ")")
        html_lines.append("<i>(" + " · ".join(html.escape(w, quote=False) for w in words) + ")</i>")
    return plain_lines, html_lines


def text_content(
    text_html: str, choices: list[Choice], commands: Collection[str] = ()
) -> dict[str, Any]:
    """An m.notice with both bodies; the options, if any, follow the text."""
    text_html = bang_commands(text_html, commands) if commands else text_html
    plain_lines, html_lines = options(choices)
    body_parts = [plain(text_html)] if text_html else []
    html_parts = [text_html.replace("\n", "<br>")] if text_html else []
    if plain_lines:
        body_parts.append("\n".join(plain_lines))
        html_parts.append("<br>".join(html_lines))
    return {
        "msgtype": NOTICE,
        "body": "\n\n".join(body_parts),
        "format": HTML_FORMAT,
        "formatted_body": "<br><br>".join(html_parts),
    }


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG header, so clients can lay the image out before loading."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def file_content(
    document: Document,
    url: str,
    commands: Collection[str] = (),
    *,
    encryption: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """m.image for images, m.file otherwise; a caption is the body (Matrix 1.10 captions).

    ``encryption`` (key, iv, hashes, v from the encrypted upload) makes it an encrypted file:
    the URL moves into ``file`` with the keys, as the spec's EncryptedFile."""
    is_image = document.mime_type.startswith("image/")
    info: dict[str, Any] = {"mimetype": document.mime_type, "size": len(document.data)}
    size = png_size(document.data) if is_image else None
    if size is not None:
        info["w"], info["h"] = size
    content: dict[str, Any] = {
        "msgtype": "m.image" if is_image else "m.file",
        "body": document.filename,
        "filename": document.filename,
        "info": info,
    }
    if encryption is None:
        content["url"] = url
    else:
        content["file"] = {"url": url, "mimetype": document.mime_type, **encryption}
    if document.caption:
        caption = bang_commands(document.caption, commands) if commands else document.caption
        content["body"] = plain(caption)
        content["format"] = HTML_FORMAT
        content["formatted_body"] = caption.replace("\n", "<br>")
    return content


def incoming_text(content: dict[str, Any]) -> str | None:
    """What a person typed: the new text of an edit, without a quoted reply's fallback."""
    new = content.get("m.new_content")
    if isinstance(new, dict):
        content = new
    body = content.get("body")
    if not isinstance(body, str):
        return None
    msgtype = content.get("msgtype")
    if msgtype in ("m.file", "m.image", "m.video", "m.audio"):
        # A file's body is its name unless a caption was written (then "filename" is set).
        filename = content.get("filename")
        return body if filename and filename != body else None
    return _REPLY_FALLBACK.sub("", body, count=1)


def file_name(content: dict[str, Any]) -> str | None:
    """An m.file's name: ``filename`` when set (the body is then a caption), else its body."""
    if content.get("msgtype") != "m.file":
        return None
    name = content.get("filename") or content.get("body")
    return name if isinstance(name, str) else None


def attachment_size(content: dict[str, Any]) -> int | None:
    if content.get("msgtype") not in ("m.file", "m.image", "m.video", "m.audio"):
        return None
    info = content.get("info")
    size = info.get("size") if isinstance(info, dict) else None
    return int(size) if isinstance(size, int) else 0
