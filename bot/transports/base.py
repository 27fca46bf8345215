"""What every transport offers the rest of the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from handlers.events import MenuCommand, Reply

log = logging.getLogger(__name__)

# A direct reply is tried this often before it is left to the outbox (durable replies) or given
# up on (the person sees nothing and asks again).
DIRECT_RETRIES = 3


class DeliveryError(Exception):
    """A platform refused or failed a delivery.

    ``permanent``: retrying cannot help (blocked by the user, chat gone, bad request).
    ``retry_after``: the platform said how long to wait (Telegram 429, Matrix M_LIMIT_EXCEEDED).
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class StartupError(Exception):
    """A transport cannot start for a reason the operator must fix (a wrong token)."""


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        """Send ``reply`` as new message(s); raise DeliveryError on failure."""
        ...


@runtime_checkable
class CommandMenus(Protocol):
    """A transport whose platform shows each chat a menu of commands (Telegram)."""

    async def set_menu(self, chat_id: str, commands: tuple[MenuCommand, ...]) -> None:
        """Make ``commands`` the menu of ``chat_id``; raise DeliveryError on failure."""
        ...


async def with_retries(action: Callable[[], Awaitable[None]]) -> None:
    """Run a send, retrying what may pass later: after the platform's retry_after, else with
    a doubling delay; a permanent refusal or the last failure is raised."""
    delay = 0.5
    for attempt in range(DIRECT_RETRIES):
        try:
            await action()
            return
        except DeliveryError as exc:
            if exc.permanent or attempt == DIRECT_RETRIES - 1:
                raise
            await asyncio.sleep(exc.retry_after if exc.retry_after is not None else delay)
            delay *= 2


async def send_direct_reply(
    send: Callable[[], Awaitable[None]],
    reply: Reply,
    target: str,
    mark_delivered: Callable[[int], Awaitable[None]],
) -> None:
    """Send the answer to an update now; a durable one is then marked sent in the outbox."""
    try:
        await with_retries(send)
    except DeliveryError as exc:
        # A durable reply stays in the outbox; the worker will deliver it later.
        log.warning("reply to %s not delivered: %s", target, exc)
        return
    await mark_sent(reply, mark_delivered)


async def mark_sent(reply: Reply, mark_delivered: Callable[[int], Awaitable[None]]) -> None:
    if reply.outbox_id is None:
        return
    try:
        await mark_delivered(reply.outbox_id)
    except Exception:
        # Sent but not marked: the worker may send it once more after the grace period.
        # Better twice than never, and the update's other replies still go.
        log.exception("could not mark reply %d as delivered", reply.outbox_id)
