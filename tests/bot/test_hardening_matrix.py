"""Issue 10 on Matrix: parts are measured in bytes, as a homeserver limits an event (65,536
bytes of canonical JSON), and a refusal as too large is re-split like Telegram's too long."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.transports.base import TooLong
from bot.transports.matrix import delivery_error
from bot.transports.matrix_html import MATRIX_TEXT_BYTES, matrix_size, text_content
from handlers.core.events import Choice, Reply
from handlers.text.split import split_message
from tests.bot.matrix_bot_harness import MatrixBot, Person
from tests.matrix_harness import Homeserver, next_messages

EVENT_LIMIT = 65_536
# More than the ~17 KB left for the rest of the event would be a budget that leaves no room.
ENVELOPE = 2_000


def content_bytes(content: dict[str, object]) -> int:
    return len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())


@pytest.mark.parametrize(
    "text",
    [
        "🚑" * 12_000,  # 4 bytes each, counted in body and formatted_body
        "\n".join(["ж" * 30] * 2_000),  # every line break is "\\n" in body, <br> in HTML
        '"' * 30_000,  # escaped in JSON
        "<b>" + "&amp;" * 10_000 + "</b>",
    ],
)
def test_every_part_fits_an_event_with_room_to_spare(text: str) -> None:
    options = [Choice(label=f"Варіант {n} 🚑", payload=f"x:{n}") for n in range(20)]
    parts = split_message(text, MATRIX_TEXT_BYTES, matrix_size)
    assert len(parts) > 1
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        content = text_content(part, options if last else [])
        assert content_bytes(content) + ENVELOPE <= EVENT_LIMIT
        assert matrix_size(part) <= MATRIX_TEXT_BYTES


def test_matrix_size_is_what_the_event_carries() -> None:
    for text in ("plain", "Привіт\n<b>світ</b> &amp; 🚑", 'a "q" \\ x'):
        content = text_content(text, [])
        body = json.dumps(content["body"], ensure_ascii=False).encode()
        formatted = json.dumps(content["formatted_body"], ensure_ascii=False).encode()
        assert matrix_size(text) == len(body) - 2 + len(formatted) - 2


def test_too_large_is_told_apart_from_other_refusals() -> None:
    resp = SimpleNamespace(
        status_code="M_TOO_LARGE",
        transport_response=SimpleNamespace(status=413),
        retry_after_ms=None,
    )
    assert isinstance(delivery_error(resp), TooLong)


@pytest.mark.slow
async def test_12000_emoji_reach_a_matrix_room_in_full(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    # 8,000 characters of emoji (the old limit) are 64 KB of content alone: Synapse refused it.
    person = await Person.register(homeserver, "reader")
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db")
    try:
        await person.open_dm(bot)
        text = "🚑" * 12_000
        choices = ((Choice(label="OK", payload="x:ok"),),)
        await bot.transport.deliver(person.room_id, Reply(text=text, choices=choices))
        expected = len(split_message(text, MATRIX_TEXT_BYTES, matrix_size))
        got = await next_messages(
            person.client, person.room_id, sender=bot.user_id, count=expected, timeout=20
        )
    finally:
        await bot.stop()
    assert sum(str(c["body"]).count("🚑") for c in got) == len(text)
    assert "1. OK" in str(got[-1]["body"])
