"""Every command and button route declares, in one place, which roles may use it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.context import Turn
from handlers.events import Reply
from storage.models import Role

Handler = Callable[[Turn, str], Awaitable[list[Reply]]]

ANY_MEMBER: frozenset[Role] = frozenset(Role)
REQUESTER: frozenset[Role] = frozenset({Role.REQUESTER, Role.ADMIN})
COORDINATOR: frozenset[Role] = frozenset({Role.COORDINATOR, Role.ADMIN})
ADMIN: frozenset[Role] = frozenset({Role.ADMIN})
# Strangers may use these (only /start, to redeem an invite).
PUBLIC: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role]
    handler: Handler
    # i18n key of the one-line description for /help and the platform's command menu.
    help_key: str
    usage: str = ""
    in_menu: bool = True


@dataclass(frozen=True)
class ChoiceRoute:
    """Button payloads '<prefix>:...' go to ``handler(turn, payload_rest)``."""

    prefix: str
    roles: frozenset[Role]
    handler: Handler


@dataclass(frozen=True)
class Flow:
    """A multi-step conversation that also takes typed text."""

    name: str
    roles: frozenset[Role]
    on_text: Handler


@dataclass
class Registry:
    commands: dict[str, Command]
    choices: dict[str, ChoiceRoute]
    flows: dict[str, Flow]

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
