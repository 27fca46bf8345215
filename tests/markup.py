"""Checks that a reply's text is markup the platforms accept and that no user text became a tag.

Replies are Telegram-style HTML limited to <b>, <i> and <code> (handlers/text/format.py). Telegram
refuses a message in which a '<', '>' or '&' is not part of one of those tags or of an entity,
and a person's '<b>' echoed unescaped would either be refused or change the formatting.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BOT_TAGS = frozenset({"b", "i", "code"})
_OWN_TAG = re.compile(r"</?(?:b|i|code)>")
_BAD_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)")


class _TagWalker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in BOT_TAGS or attrs:
            self.problems.append(f"tag <{tag}> {attrs}")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("unknown declaration")


def markup_problems(text: str) -> list[str]:
    """Everything wrong with ``text`` as a reply; empty when it is well-formed."""
    walker = _TagWalker()
    walker.feed(text)
    walker.close()
    problems = list(walker.problems)
    if walker.open:
        problems.append(f"unclosed {walker.open}")
    # Stricter than html.parser (which takes '< b' or '<1' as text): Telegram wants every
    # '<' and '>' outside the bot's own tags escaped, and every '&' to start an entity.
    bare = _OWN_TAG.sub("", text)
    if "<" in bare or ">" in bare:
        problems.append("bare < or >")
    if _BAD_AMP.search(text):
        problems.append("bare &")
    return problems


def assert_markup_ok(text: str) -> None:
    problems = markup_problems(text)
    assert not problems, (problems, text)
