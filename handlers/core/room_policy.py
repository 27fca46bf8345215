"""Which rooms the bot joins and stays in: the policy that transports ask about.

A platform where people invite the bot into rooms (Matrix) joins and leaves as this module
says; the transport only does the joining and leaving. Every answer is read from the members
table when the question is asked, so a member revoked a moment ago is a stranger at once,
with no cache in a transport to go stale until a restart.
"""

from __future__ import annotations

from collections.abc import Collection

from handlers.core.registry import command_name
from storage import members
from storage.db import Database
from storage.models import Identity


async def accepts_invite(db: Database, inviter: Identity, direct: bool) -> bool:
    """Whether to join a room ``inviter`` invited the bot to.

    A direct chat is joined whoever asks: a stranger (or a revoked member) may be bringing an
    invite code, and anything else they say gets the engine's explanation before the bot
    leaves (may_stay). A group room only on a member's invitation: a room of people the bot
    does not know is no place for it.
    """
    if direct:
        return True
    return await any_active_member(db, [inviter])


async def may_stay(
    db: Database, people: Collection[Identity], said: str | None, commands: Collection[str]
) -> bool:
    """Whether to stay in a one-to-one chat with ``people`` after one of them said ``said``.

    While one of them is an active member. Someone else is answered once and then left,
    unless what they said was /start: a mistyped code deserves a second try in the same
    chat (the engine's cool-down limits the guessing).
    """
    if command_name(said, commands) == "start":
        return True
    return await any_active_member(db, people)


async def any_active_member(db: Database, people: Collection[Identity]) -> bool:
    if not people:
        return False
    async with db.read() as conn:
        for identity in people:
            member = await members.get_member_by_identity(conn, identity)
            if member is not None and member.active:
                return True
    return False
