"""Notifications to members, each rendered in its recipient's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.text.i18n import Language, normalise_language
from storage.models import Member, OutboxKind


async def notify_members(
    turn: Turn,
    recipients: Iterable[Member],
    render: Callable[[Language], str],
    *,
    kind: OutboxKind = "notice",
) -> int:
    """One outbox row per recipient (never the sender), rendered in each one's language."""
    count = 0
    seen: set[int] = set()
    for member in recipients:
        if member.id in seen or not member.active:
            continue
        if turn.member is not None and member.id == turn.member.id:
            continue
        seen.add(member.id)
        lang = normalise_language(member.language, turn.ctx.policy.default_language)
        await turn.notify(member, Reply(text=render(lang)), kind)
        count += 1
    return count
