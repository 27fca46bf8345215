"""Splitting long messages at line boundaries under a platform's size limit.

Each platform measures size its own way, so the splitter takes the measure with the limit:
Telegram counts UTF-16 code units (an emoji outside the Basic Multilingual Plane is two, so
4,096 of them do not fit where 4,096 Cyrillic letters do); Matrix limits an event's bytes
(bot/transports/matrix_html.py). A measure must be additive over lines: the size of
``a + "\\n" + b`` is ``measure(a) + measure("\\n") + measure(b)``, which holds for both because
tags and entities never span lines in our messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Telegram's limit for a message's text, in UTF-16 code units (after entity parsing; our
# measure counts the HTML source, which is never shorter, so a part that fits here fits there).
TELEGRAM_LIMIT = 4096

Measure = Callable[[str], int]

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")
_ENDING_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9-]*[^<>]*>$")


def utf16_units(text: str) -> int:
    """Telegram's length: UTF-16 code units, so characters beyond U+FFFF count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_message(
    text: str, limit: int = TELEGRAM_LIMIT, measure: Measure = utf16_units
) -> list[str]:
    """Chunks of at most ``limit`` (by ``measure``), cut between lines where possible.

    A single line longer than the limit is cut hard; HTML tags never span lines in our
    messages, so cutting between lines keeps every chunk well-formed. Chunks of nothing but
    white space are left out: platforms refuse an empty message.
    """
    if measure(text) <= limit:
        return [text]
    separator = measure("\n")
    chunks: list[str] = []
    current: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        chunk = "\n".join(current)
        if chunk.strip():
            chunks.append(chunk)
        current.clear()
        size = 0

    for line in text.split("\n"):
        line_size = measure(line)
        while line_size > limit:
            flush()
            head, line = cut_line(line, limit, measure)
            current.append(head)
            flush()
            line_size = measure(line)
        if current and size + separator + line_size > limit:
            flush()
        size = size + separator + line_size if current else line_size
        current.append(line)
    flush()
    return chunks


def cut_line(line: str, limit: int, measure: Measure) -> tuple[str, str]:
    """A line too long for one message as (head, rest): the head fits ``limit`` and ends with
    the tags still open at the cut closed, and the rest opens them again, so both are
    well-formed HTML (a person's long text inside <code> is cut like this)."""
    room = limit
    while True:
        cut = hard_cut(line, room, measure)
        # Not right after an opening tag: it would be closed empty and opened again.
        while (tag := _ENDING_TAG.search(line, 0, cut)) is not None and tag.start() > 0:
            cut = tag.start()
        opened = open_tags(line[:cut])
        closers = "".join(f"</{name}>" for name, _ in reversed(opened))
        if measure(line[:cut]) + measure(closers) <= limit or room <= 1:
            return line[:cut] + closers, "".join(tag for _, tag in opened) + line[cut:]
        # Leave room for the closing tags; strictly less each time, so this ends.
        room = min(room - 1, limit - measure(closers))


def open_tags(html: str) -> list[tuple[str, str]]:
    """The tags ``html`` leaves open, outermost first: (name, the opening tag as written)."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if not match.group(1):
            stack.append((name, match.group(0)))
        elif stack and stack[-1][0] == name:
            stack.pop()
    return stack


def hard_cut(line: str, limit: int, measure: Measure) -> int:
    """Where to cut a line longer than ``limit``: the longest prefix that fits, moved back
    out of any HTML entity (&amp;) or tag (<b>) it would cut."""
    # The measures are monotonic in the prefix length: find the longest fitting prefix.
    low, high = 1, len(line)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(line[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return safe_cut(line, low)


def safe_cut(line: str, limit: int) -> int:
    """Where to cut at or before index ``limit``: never inside an HTML entity or tag."""
    cut = limit
    amp, semi = line.rfind("&", 0, cut), line.rfind(";", 0, cut)
    if amp > semi:
        cut = amp
    lt, gt = line.rfind("<", 0, cut), line.rfind(">", 0, cut)
    if lt > gt:
        cut = lt
    return cut if cut > 0 else limit
