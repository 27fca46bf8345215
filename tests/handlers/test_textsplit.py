"""Long messages split at line boundaries, never inside an HTML entity or tag."""

from __future__ import annotations

from handlers.render import esc
from handlers.textsplit import split_message


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
