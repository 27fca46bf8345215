"""Notifications to members, each rendered in its recipient's language.

Colleagues' notices about a new request (kind 'colleague') are batched: at most one message per
colleague per ``Policy.colleague_batch_seconds``; the notices written meanwhile wait for the
colleague's next batch and the outbox worker sends them as one message (bot/outbox.py), on
every transport alike. Nothing else is batched: critical alerts and answers never wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

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
    return await notify_replies(turn, recipients, lambda lang: Reply(text=render(lang)), kind=kind)


async def notify_replies(
    turn: Turn,
    recipients: Iterable[Member],
    make: Callable[[Language], Reply],
    *,
    kind: OutboxKind = "notice",
) -> int:
    """notify_members for notices that carry buttons: ``make`` builds the whole Reply."""
    seconds = turn.ctx.policy.colleague_batch_seconds
    batch = timedelta(seconds=seconds) if kind == "colleague" and seconds > 0 else None
    count = 0
    seen: set[int] = set()
    for member in recipients:
        if member.id in seen or not member.active:
            continue
        if turn.member is not None and member.id == turn.member.id:
            continue
        seen.add(member.id)
        lang = normalise_language(member.language, turn.ctx.policy.default_language)
        await turn.notify(member, make(lang), kind, batch=batch)
        count += 1
    return count
