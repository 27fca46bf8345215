"""Who is in a chat, as the transport that serves it can tell at the moment of asking.

A transport that knows a room's people (Matrix: everyone joined or invited, from the room
state each sync brings before its events are handled) registers a callable here when it is
built; the engine and the jobs ask through it whenever a view, a digest or an alert is about
to be shown in a chat (handlers/core/room_policy.py decides). Nothing is kept here between
questions, so no answer is older than the transport's own view of the room. A transport that
cannot tell (Telegram's Bot API lists no group's members; the console is one person) gives
None, and the policy treats the chat by what the transport said of it (private or not).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from storage.models import ChatRef, Identity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoomFacts:
    """What a transport can tell of a chat at the moment of asking."""

    # Everyone in it besides the bot: joined or invited (an invited person reads it on joining).
    people: frozenset[Identity]
    # Whether people who join later can read what is said now (Matrix history visibility
    # "shared" or "world_readable", Element's default for new rooms).
    open_history: bool = False


# chat id -> what the transport can tell of that chat, None when it cannot tell.
PeopleFn = Callable[[str], Awaitable[RoomFacts | None]]


class RoomPeople:
    """The transports' answers to "who is in this chat?", one callable per transport."""

    def __init__(self) -> None:
        self._sources: dict[str, PeopleFn] = {}

    def register(self, transport: str, people: PeopleFn) -> None:
        self._sources[transport] = people

    def knows(self, transport: str) -> bool:
        return transport in self._sources

    async def of(self, chat: ChatRef) -> RoomFacts | None:
        source = self._sources.get(chat.transport)
        if source is None:
            return None
        try:
            return await source(chat.chat_id)
        except Exception:
            # Unknown, not empty: the policy then refuses what only a known room may see.
            log.exception("who is in %s:%s could not be told", chat.transport, chat.chat_id)
            return None
