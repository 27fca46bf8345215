"""Which rooms the bot joins and stays in, and what it shows in them.

Who is in a room decides what is shown there (issue 12): the transport only tells who is in
it (handlers/core/room_people.py); what that means is decided here, for every transport: a
view (view_refusal, asked by the engine before a handler runs) and a digest or alert target
(recheck_room: held while anyone in the room is not a coordinator).

A platform where people invite the bot into rooms (Matrix) joins and leaves as this module
says; the transport only does the joining and leaving. Every answer is read from the members
table when the question is asked, so a member revoked a moment ago is a stranger at once,
with no cache in a transport to go stale until a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from handlers.core.context import HandlerContext
from handlers.core.events import ChatRef, Reply
from handlers.core.registry import ADMIN, COORDINATOR, command_name
from handlers.core.room_people import RoomFacts
from handlers.text.i18n import normalise_language
from storage import members, room_holds, subscriptions
from storage.db import Conn, Database
from storage.models import Identity, OutboxKind, Recipient, Role

log = logging.getLogger(__name__)


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


# -- who is in the room decides what is shown (issue 12) --------------------------------------


async def outsiders(
    conn: Conn, people: Collection[Identity], roles: frozenset[Role]
) -> list[Identity]:
    """Those of ``people`` who are not active members holding one of ``roles``."""
    found: list[Identity] = []
    for identity in sorted(people, key=str):
        member = await members.get_member_by_identity(conn, identity)
        if member is None or not member.active or not (member.roles & roles):
            found.append(identity)
    return found


async def view_refusal(
    conn: Conn,
    *,
    room: RoomFacts | None,
    sender: Identity,
    private: bool,
    roles: frozenset[Role],
    sender_roles: frozenset[Role],
) -> str | None:
    """Whether a view that ``roles`` may use, asked for by someone holding ``sender_roles``,
    can be shown in this chat: None when it can, else the i18n key of the refusal.

    ``room`` is what the transport says of the chat: who is in it, joined or invited (None
    when it cannot tell). A one-to-one chat shows every view. Anywhere else only coordinator
    and admin views, and only when everyone else in the room holds such a role (a stranger, a
    requester or a revoked member in the room means the answer would reach them) and the
    room's history is not shown to people who join later (or the next person invited would
    read every answer given before). A view is a coordinator's when a coordinator (or admin)
    asks for it (/show of any request, /open) and an admin's when only admins may use it
    (/members, /audit). Requesters' views stay in one-to-one chats: a room of requesters may
    hold several organisations, each of which may see only its own requests. A chat the
    transport calls private that holds someone else after all (a direct chat into which
    somebody was invited) is a room like any other.
    """
    others = None if room is None else room.people - {sender}
    if private and not others:
        return None
    if others is None:
        return "policy.private_only"  # a group whose people are unknown (Telegram)
    # The roles that may see what this sender gets: a coordinator's or an admin's view.
    needed = (roles or frozenset(Role)) & sender_roles & COORDINATOR
    if not needed:
        return "rooms.others_present" if private else "policy.private_only"
    needed = ADMIN if roles and roles <= ADMIN else COORDINATOR
    if await outsiders(conn, others, needed):
        return "rooms.outsiders_admin" if needed == ADMIN else "rooms.outsiders_coordinator"
    assert room is not None
    if room.open_history:
        return "rooms.open_history"
    return None


# Who may be in a room that digests and alerts go to.
SUBSCRIBERS = COORDINATOR
# Rows of a held room that are never sent there (digests and alerts already queued).
HELD_KINDS: tuple[OutboxKind, ...] = ("digest", "alert")


async def recheck_room(ctx: HandlerContext, chat: ChatRef) -> bool:
    """Hold or release a room that digests or alerts go to, by who is in it now.

    Called when the room's membership changed (someone joined, was invited, left) and before
    a digest is built for it. A room with anyone who is not a coordinator or admin is held:
    its queued digests and alerts are withheld, nothing new is built for it, and the room is
    told why in its subscription's language. When it holds only such members again, it is
    released and told so; digests resume by themselves (what the coordinators who made the
    subscription expect after removing the stranger), the next one covering the time held,
    since a held digest is not recorded as sent. Alerts of the time held are not repeated.

    Returns whether the room may receive its digests now. A room whose people the transport
    cannot tell (a Telegram group) is left as it is.
    """
    async with ctx.db.read() as conn:
        # Most rooms are nobody's digest target, and most checks change nothing: a read
        # answers for them, and no write is opened.
        subs = await subscriptions.list_chat_subscriptions(conn, chat.transport, chat.chat_id)
        held = await room_holds.is_held(conn, chat.transport, chat.chat_id)
        if not subs and not held:
            return True
    room = await ctx.rooms.of(chat)
    if subs and room is not None:
        async with ctx.db.read() as conn:
            someone_else = bool(await outsiders(conn, room.people, SUBSCRIBERS))
        if someone_else == held:
            return not held
    elif subs:
        return not held  # the transport cannot tell: left as it is
    async with ctx.job("room policy") as job:
        subs = await subscriptions.list_chat_subscriptions(job.conn, chat.transport, chat.chat_id)
        held = await room_holds.is_held(job.conn, chat.transport, chat.chat_id)
        if not subs:
            if held:
                await room_holds.release(job.conn, chat.transport, chat.chat_id)
            return True
        if room is None:
            return not held
        found = await outsiders(job.conn, room.people, SUBSCRIBERS)
        lang = normalise_language(subs[0].language, ctx.policy.default_language)
        recipient = Recipient(transport=chat.transport, chat_id=chat.chat_id)
        if found and not held:
            reason = f"{len(found)} not a coordinator"
            await room_holds.hold(job.conn, chat.transport, chat.chat_id, reason, job.now)
            withheld = await job.withhold(
                chat.transport, chat.chat_id, HELD_KINDS, "withheld: room holds non-members"
            )
            await job.notify(recipient, Reply(text=ctx.t(lang, "rooms.held")), "notice")
            await job.audit(
                "room.hold",
                f"{chat.transport}:{chat.chat_id}",
                params={"reason": reason, "withheld": withheld},
            )
            log.info("room %s held: %s (%d queued rows withheld)", chat.chat_id, reason, withheld)
        elif not found and held:
            await room_holds.release(job.conn, chat.transport, chat.chat_id)
            await job.notify(recipient, Reply(text=ctx.t(lang, "rooms.released")), "notice")
            await job.audit("room.release", f"{chat.transport}:{chat.chat_id}", None)
            log.info("room %s released: only coordinators in it again", chat.chat_id)
        return not found


async def recheck_rooms(ctx: HandlerContext) -> None:
    """Re-check every subscribed or held room whose transport tells who is in it: after a
    change of who is a member with which role (joined, given or lost a role, revoked,
    restored, forgotten), the same people in a room may now be allowed or not."""
    async with ctx.db.read() as conn:
        chats = await subscriptions.list_subscription_chats(conn) | await room_holds.held_chats(
            conn
        )
    for transport, chat_id in sorted(chats):
        if ctx.rooms.knows(transport):
            await recheck_room(ctx, ChatRef(transport=transport, chat_id=chat_id))
