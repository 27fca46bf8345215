"""Long messages split at line boundaries, never inside an HTML entity or tag."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from handlers.text.format import esc
from handlers.text.split import TELEGRAM_LIMIT, split_message, utf16_units


def test_split_never_cuts_an_entity_or_a_tag() -> None:
    line = esc("&" * 1000 + "<x>" * 300)
    text = f"<b>title</b>\n{line}\n" + "\n".join(f"<b>{n}</b> {esc('<&>')}" for n in range(500))
    parts = split_message(text, limit=500)
    assert "".join(p.replace("\n", "") for p in parts) == text.replace("\n", "")
    for part in parts:
        assert len(part) <= 500
        assert part.count("<b>") == part.count("</b>")
        stripped = part.rstrip()
        tail = stripped[stripped.rfind("&") :] if "&" in stripped else ""
        assert not tail or ";" in tail, tail


def test_split_counts_utf16_units_for_telegram() -> None:
    # 4,000 emoji are 4,000 characters but 8,000 UTF-16 units: two messages on Telegram.
    text = "🚑" * 4000
    assert utf16_units(text) == 8000
    parts = split_message(text)
    assert len(parts) == 2
    assert all(utf16_units(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(parts) == text


def test_split_between_lines_by_the_given_measure() -> None:
    lines = [f"<b>{n}</b> " + "🚑" * 50 + " &amp; ж" for n in range(200)]
    text = "\n".join(lines)
    for limit, measure in ((TELEGRAM_LIMIT, utf16_units), (3000, lambda s: len(s.encode()))):
        parts = split_message(text, limit, measure)
        assert len(parts) > 1
        assert all(measure(p) <= limit for p in parts)
        # Cut only between lines: every part is whole lines, all of them, in order.
        assert "\n".join(parts) == text


def test_split_leaves_out_parts_of_only_white_space() -> None:
    text = "a" * 10 + "\n" * 30 + " " * 30 + "\n" + "b" * 10
    parts = split_message(text, limit=12)
    assert [p.strip() for p in parts] == ["a" * 10, "b" * 10]


PIECES = st.sampled_from(["a", "ж", "🚑", "👩‍⚕️", "\n", " ", "&amp;", "<b>x</b>"])


@given(st.lists(PIECES, max_size=300).map("".join), st.integers(min_value=8, max_value=200))
def test_split_keeps_every_part_under_the_limit(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert all(utf16_units(p) <= limit for p in parts)
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
        assert part.strip() or parts == [text]
    # Nothing but line breaks, white space and the tags closed and reopened at a cut changes.
    assert visible("".join(parts)) == visible(text)


def visible(html: str) -> str:
    return re.sub(r"<[^>]*>|\s", "", html)


def test_a_line_cut_inside_a_tag_closes_and_reopens_it() -> None:
    text = "• <b>Назва</b> «<code>" + "🚑" * 3000 + "</code>» задовга"
    parts = split_message(text)
    assert len(parts) == 2
    assert all(utf16_units(p) <= TELEGRAM_LIMIT for p in parts)
    assert parts[0].endswith("</code>") and parts[1].startswith("<code>")
    for part in parts:
        assert part.count("<code>") == part.count("</code>") == 1
    assert "".join(parts).count("🚑") == 3000
