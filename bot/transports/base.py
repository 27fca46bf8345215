"""What every transport offers the rest of the bot."""

from __future__ import annotations

from typing import Protocol

from handlers.events import Reply


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
