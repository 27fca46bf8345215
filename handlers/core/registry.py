"""Every command and button route declares, in one place, which roles may use it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from handlers.core.context import Turn
from handlers.core.events import Incoming, Reply
from storage.models import Role

if TYPE_CHECKING:
    from handlers.core.context import HandlerContext

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]

ANY_MEMBER: frozenset[Role] = frozenset(Role)
REQUESTER: frozenset[Role] = frozenset({Role.REQUESTER, Role.ADMIN})
COORDINATOR: frozenset[Role] = frozenset({Role.COORDINATOR, Role.ADMIN})
ADMIN: frozenset[Role] = frozenset({Role.ADMIN})
DONOR: frozenset[Role] = frozenset({Role.DONOR, Role.ADMIN})
# Strangers may use these (only /start, to redeem an invite).
PUBLIC: frozenset[Role] = frozenset()


def command_name(text: str | None, commands: Collection[str]) -> str | None:
    """The command ``text`` starts with ("start" for "/start@bot CODE"), or None for text.

    The one rule for what is a command, used by the engine to route and by transports that
    must pick commands out of group chatter (Matrix rooms), so that both always agree.
    "/anything" is a command (an unknown one is answered as such); "!" (Matrix's habit, as
    Element keeps "/" for itself) only when a registered command follows, so "!!! терміново"
    typed into a note, or into a group, stays text.
    """
    body = (text or "").strip()
    if len(body) < 2 or body[0] not in "/!" or body[1].isspace():
        return None
    name = body[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()
    if body[0] == "!" and name not in commands:
        return None
    return name


def is_command(text: str | None, commands: Collection[str]) -> bool:
    return command_name(text, commands) is not None


class Where(StrEnum):
    """Where a command's (or button's, or conversation's) answers may be shown.

    One rule for every role, enforced once by the engine after the role check: anything that
    shows people (names, messenger ids), organisations' requests and needs, delivery places,
    notes, or a file of them answers in a one-to-one chat with the bot (Incoming.private: a
    Telegram private chat, a Matrix direct room that is not the team room), and elsewhere only
    where who is in the room allows it (handlers/core/room_policy.view_refusal: coordinator
    and admin views in a room of such members only, with its history closed to later
    members). Otherwise it gets a short refusal that says why and points to the private chat,
    and the handler never runs.

    PRIVATE is the default, so a command added later is private until someone decides that
    its answers are fit for a room of people the bot does not know. The few declared ANY_CHAT
    say why at their registration.
    """

    PRIVATE = "private"
    ANY_CHAT = "any_chat"


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role]
    handler: Handler
    # i18n key of the one-line description for /help and the platform's command menu.
    help_key: str
    usage: str = ""
    in_menu: bool = True
    where: Where = Where.PRIVATE


@dataclass(frozen=True)
class ChoiceRoute:
    """Button payloads '<prefix>:...' go to ``handler(turn, payload_rest)``."""

    prefix: str
    roles: frozenset[Role]
    handler: Handler
    where: Where = Where.PRIVATE


@dataclass(frozen=True)
class Flow:
    """A multi-step conversation that also takes typed text."""

    name: str
    roles: frozenset[Role]
    on_text: Handler
    where: Where = Where.PRIVATE


@dataclass(frozen=True)
class UploadRoute:
    """A file sent to the bot (Incoming.upload). ``prepare`` runs before the turn's
    transaction, with no lock held (reading a file is CPU work); ``handler`` gets its result in
    the turn, after the role and private-chat checks, like a command's handler."""

    roles: frozenset[Role]
    prepare: Callable[[HandlerContext, Incoming], Awaitable[object | None]]
    handler: Callable[[Turn, object | None], Awaitable[list[Reply]]]
    where: Where = Where.PRIVATE


@dataclass
class Registry:
    commands: dict[str, Command]
    choices: dict[str, ChoiceRoute]
    flows: dict[str, Flow]
    upload: UploadRoute | None = None

    def set_upload(self, route: UploadRoute) -> None:
        if self.upload is not None:
            raise ValueError("an upload route is registered twice")
        self.upload = route

    def add_command(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"command /{command.name} registered twice")
        self.commands[command.name] = command

    def add_choice(self, route: ChoiceRoute) -> None:
        if route.prefix in self.choices:
            raise ValueError(f"choice prefix {route.prefix!r} registered twice")
        self.choices[route.prefix] = route

    def add_flow(self, flow: Flow) -> None:
        self.flows[flow.name] = flow

    def visible_commands(self, roles: frozenset[Role]) -> list[Command]:
        return [c for c in self.commands.values() if c.in_menu and (not c.roles or c.roles & roles)]
