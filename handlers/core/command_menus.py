"""The command menu a platform shows one person: their commands, in their language.

Telegram shows a menu of commands beside the text field. A single menu for everyone would
follow the phone's language rather than /lang and could only hold the requesters' commands, so
each person gets their own: written as an outbox row of kind ``menu`` whenever what it lists
changes (joining, /lang, a role changed, revoked, restored). The row carries the list as JSON;
a transport that has such menus sets it for that chat (bot/outbox.py), the others have nothing
to do. Handlers stay free of any platform: they only say what the menu holds.
"""

from __future__ import annotations

import json
from typing import Final

from pydantic import TypeAdapter

from handlers.core.context import HandlerContext, Job, Turn
from handlers.core.events import MenuCommand, Reply
from handlers.core.registry import Registry
from handlers.text.i18n import Language, Translator, normalise_language
from storage import members
from storage.models import Member, Role

MENU_KIND: Final = "menu"
# Telegram's limit on a command's description.
MAX_DESCRIPTION = 256

_COMMANDS = TypeAdapter(tuple[MenuCommand, ...])


def menu_for(turn: Turn, roles: frozenset[Role], lang: Language) -> tuple[MenuCommand, ...]:
    return menu_of(turn.registry, turn.ctx.t, roles, lang)


def menu_of(
    registry: Registry, t: Translator, roles: frozenset[Role], lang: Language
) -> tuple[MenuCommand, ...]:
    """The commands the registry shows these roles, described in ``lang``.

    No roles (a revoked member) means only /start, which a new invite code needs: never the
    requesters' menu, and not an empty list, which the platform may read as "no menu of this
    chat's own" and fall back to the default one.
    """
    if not roles:
        start = registry.commands["start"]
        return (MenuCommand(name=start.name, description=t(lang, start.help_key)),)
    return tuple(
        MenuCommand(name=c.name, description=t(lang, c.help_key)[:MAX_DESCRIPTION])
        for c in registry.visible_commands(roles)
    )


def encode_menu(commands: tuple[MenuCommand, ...]) -> str:
    return json.dumps([c.model_dump() for c in commands], ensure_ascii=False)


def decode_menu(text: str) -> tuple[MenuCommand, ...]:
    return _COMMANDS.validate_json(text)


async def queue_menu(
    turn: Turn,
    member: Member,
    *,
    roles: frozenset[Role] | None = None,
    lang: Language | None = None,
) -> None:
    """Queue ``member``'s menu for their private chat, in this turn's transaction.

    ``roles`` and ``lang`` default to the member row's; pass them when the row read earlier
    in the turn is older than the change being made.
    """
    await queue_member_menu(turn, turn.registry, member, roles=roles, lang=lang)


async def queue_member_menu(
    work: Turn | Job,
    registry: Registry,
    member: Member,
    *,
    roles: frozenset[Role] | None = None,
    lang: Language | None = None,
) -> str:
    """The outbox row for ``member``'s menu (see queue_menu); returns the encoded menu."""
    ctx = work.ctx
    if roles is None:
        roles = member.roles if member.active and member.forgotten_at is None else frozenset()
    if lang is None:
        lang = normalise_language(member.language, ctx.policy.default_language)
    text = encode_menu(menu_of(registry, ctx.t, roles, lang))
    await work.notify(member, Reply(text=text), MENU_KIND)
    return text


async def sync_menus(ctx: HandlerContext, registry: Registry, transports: set[str]) -> int:
    """At start: queue the menu of every member whose last queued menu is not what they
    should see now. Members who joined before per-chat menus existed, configured admins, and
    everyone after an update that changed the commands or their descriptions get theirs
    without waiting for their next /lang. Returns how many were queued."""
    queued = 0
    async with ctx.job("menus") as job:
        shown = await job.latest_queued(MENU_KIND)
        for member in await members.list_members(job.conn, active_only=False):
            if member.identity.transport not in transports or member.forgotten_at is not None:
                continue
            roles = member.roles if member.active else frozenset()
            lang = normalise_language(member.language, ctx.policy.default_language)
            wanted = encode_menu(menu_of(registry, ctx.t, roles, lang))
            if shown.get(member.id) == wanted:
                continue
            await queue_member_menu(job, registry, member, roles=roles, lang=lang)
            queued += 1
    return queued
