"""What a member's roles bring with them: the default subscriptions, set up in one place.

Whoever comes to use coordinator commands, by joining with an invite (handlers/people/account.py) or
by an admin's /role (handlers/admin/people.py), gets the critical alerts: they are what a
coordinator needs first, and /unsubscribe turns them off. Losing those commands stops every
subscription (admin_people.stop_subscriptions). A configured admin (AIDBRIDGE_ADMINS) does not
join: the operator chose them and they subscribe as they like; and /restore leaves what the
revocation stopped switched off, as it tells the admin.
"""

from __future__ import annotations

from datetime import datetime

from handlers.core.registry import COORDINATOR
from storage import subscriptions
from storage.db import Conn
from storage.models import Filters, Member, Role, Subscription, SubscriptionKind


def default_kinds(roles: frozenset[Role]) -> frozenset[SubscriptionKind]:
    """The subscriptions these roles come with."""
    return frozenset({SubscriptionKind.CRITICAL}) if roles & COORDINATOR else frozenset()


async def add_default_subscriptions(
    conn: Conn,
    member: Member,
    *,
    before: frozenset[Role],
    timezone: str,
    now: datetime,
) -> list[Subscription]:
    """Start what ``member.roles`` come with and the roles ``before`` did not; the new ones.

    ``before``: the roles the member could use until now (none for a newcomer or a revoked
    member). A kind the member already has active is not started twice. Delivered where the
    member row says (their private chat, in their language).
    """
    added: list[Subscription] = []
    for kind in sorted(default_kinds(member.roles) - default_kinds(before)):
        if await subscriptions.list_subscriptions(conn, member_id=member.id, kind=kind):
            continue
        sub = await subscriptions.add_subscription(
            conn,
            member_id=member.id,
            transport=member.identity.transport,
            chat_id=member.chat_id,
            language=member.language,
            kind=kind,
            cron=None,
            timezone=timezone,
            filters=Filters(),
            now=now,
        )
        added.append(sub)
    return added
