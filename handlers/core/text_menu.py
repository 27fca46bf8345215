"""Buttons on platforms without buttons: numbered options and words for navigation.

Options (``nav=False``) are numbered 1..n in the order shown; navigation choices (Back, Cancel,
Skip) are offered as words. The same numbering is used to render (bot/transports) and to
read the answer back (engine), so "2" always means what the person saw as 2.
"""

from __future__ import annotations

import json
import re
import unicodedata

from handlers.core.events import Choice, Reply

_NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)


def numbered(choices: list[Choice]) -> list[tuple[int | None, Choice]]:
    result: list[tuple[int | None, Choice]] = []
    number = 0
    for choice in choices:
        if choice.nav:
            result.append((None, choice))
        else:
            number += 1
            result.append((number, choice))
    return result


def menu_from_replies(replies: list[Reply]) -> str:
    """The choices of the last reply that has any (an empty menu clears the old one)."""
    for reply in reversed(replies):
        if reply.choices:
            return json.dumps(
                [
                    {"label": c.label, "payload": c.payload, "nav": c.nav}
                    for c in reply.flat_choices()
                ]
            )
    return "[]"


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


def match_menu(menu_json: str | None, text: str) -> str | None:
    """The payload that typed ``text`` selects from the last menu, or None."""
    if not menu_json:
        return None
    try:
        raw = json.loads(menu_json)
        choices = [Choice(**c) for c in raw]
    except (ValueError, TypeError):
        return None
    typed = text.strip()
    for number, choice in numbered(choices):
        if number is not None and typed == str(number):
            return choice.payload
    folded = _fold(typed)
    if not folded:
        return None
    for _, choice in numbered(choices):
        if _fold(choice.label) == folded:
            return choice.payload
    return None
