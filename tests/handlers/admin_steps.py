"""Steps shared by the admin command tests (tests/handlers/test_admin_*.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from handlers.core.events import Reply
from storage.models import Identity
from tests.engine_harness import ADMIN, EngineHarness

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")


async def say(h: EngineHarness, who: Identity, text: str, **kw: Any) -> list[Reply]:
    """Send like a person does: a few seconds apart, so the per-minute message limit (a
    frozen clock would otherwise put a whole scenario into one minute) never interferes."""
    h.clock.advance(seconds=4)
    return await h.send(who, text, **kw)


async def tap(h: EngineHarness, who: Identity, payload: str) -> list[Reply]:
    h.clock.advance(seconds=1)
    return await h.press(who, payload)


async def admin_in_english(h: EngineHarness) -> None:
    """The bootstrap admin's first message creates them; English makes assertions readable."""
    await say(h, ADMIN, "/help", lang="en")


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def invite_code(replies: list[Reply]) -> str:
    found = re.search(r"<code>([A-Z0-9]{6}(?:-[A-Z0-9]{6}){2})</code>", text_of(replies))
    assert found, text_of(replies)
    return found.group(1)


async def audit_rows(h: EngineHarness, action: str) -> list[tuple[object, ...]]:
    """(actor id, target, parameters) of each row of ``action``, oldest first."""
    rows = await h.rows(
        "SELECT actor_id, target, params FROM audit WHERE action = ? ORDER BY id", action
    )
    return [(actor, target, json.loads(str(params))) for actor, target, params in rows]
