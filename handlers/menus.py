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

from pydantic import TypeAdapter

from handlers.context import Turn
from handlers.events import MenuCommand
from handlers.i18n import Language, normalise_language
from storage import outbox
from storage.models import Member, Role

MENU_KIND = "menu"
# Telegram's limit on a command's description.
MAX_DESCRIPTION = 256

_COMMANDS = TypeAdapter(tuple[MenuCommand, ...])


def menu_for(turn: Turn, roles: frozenset[Role], lang: Language) -> tuple[MenuCommand, ...]:
    """The commands the registry shows these roles, described in ``lang``.

    No roles (a revoked member) means only /start, which a new invite code needs: never the
    requesters' menu, and not an empty list, which the platform may read as "no menu of this
    chat's own" and fall back to the default one.
    """
    if not roles:
        start = turn.registry.commands["start"]
        return (MenuCommand(name=start.name, description=turn.ctx.t(lang, start.help_key)),)
    return tuple(
        MenuCommand(name=c.name, description=turn.ctx.t(lang, c.help_key)[:MAX_DESCRIPTION])
        for c in turn.registry.visible_commands(roles)
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
    if roles is None:
        roles = member.roles if member.active and member.forgotten_at is None else frozenset()
    if lang is None:
        lang = normalise_language(member.language, turn.ctx.policy.default_language)
    await outbox.add_outbox(
        turn.conn,
        transport=member.identity.transport,
        chat_id=member.chat_id,
        text=encode_menu(menu_for(turn, roles, lang)),
        now=turn.now,
        member_id=member.id,
        kind=MENU_KIND,
    )
    turn.wrote_outbox = True
