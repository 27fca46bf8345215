"""What every transport offers the rest of the bot."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from handlers.core.events import MenuCommand, Reply
from handlers.text.split import Measure, split_message

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


class Unreachable(DeliveryError):
    """The recipient cannot be reached at all (blocked the bot, account or chat gone).

    Always permanent. A transport raises it so the worker can mark the member unreachable.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class TooLong(DeliveryError):
    """The platform refused one message as too long.

    Permanent for that message as it is, but the same text in smaller parts will pass: the
    sender re-splits rather than let the person go without an answer (see send_parts).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


# A part refused as too long is cut in halves down to this size (in the platform's measure);
# a part this small still refused means the measure is wrong, and only a notice can go.
MIN_RESPLIT = 256


async def send_parts(
    parts: Sequence[str],
    send_part: Callable[[str, bool], Awaitable[None]],
    *,
    measure: Measure,
    notice: str,
    where: str,
) -> None:
    """Send ``parts`` in order with ``send_part(text, is_last)``; a part refused as too long
    (TooLong) is sent again in halves, and as a last resort replaced by ``notice``.

    Our splitter measures as the platform does, so a refusal means the two disagree (an
    entity expanded, a limit lowered). It must never end in silence: the halves go out, or
    at least the person is told, and the operator sees an error in the log either way.
    """
    queue = deque(parts)
    noticed = False
    while queue:
        part = queue.popleft()
        last = not queue
        try:
            await send_part(part, last)
            continue
        except TooLong as exc:
            size = measure(part)
            halves = split_message(part, size // 2, measure) if size // 2 >= MIN_RESPLIT else []
            if len(halves) > 1:
                log.error(
                    "%s refused a part of size %d as too long (%s); sending it in %d parts",
                    where,
                    size,
                    exc,
                    len(halves),
                )
                queue.extendleft(reversed(halves))
                continue
            log.error(
                "%s refused a part of size %d as too long even cut small (%s); it is lost",
                where,
                size,
                exc,
            )
        # One notice per delivery is enough, but the last part's goes anyway: it carries the
        # buttons the person needs to go on.
        if not noticed or last:
            noticed = True
            await send_part(notice, last)


class StartupError(Exception):
    """A transport cannot start for a reason the operator must fix (a wrong token)."""


class TokenRefused(StartupError):
    """The platform kept refusing the bot's token past the configured limit: the process
    exits (non-zero) so that a supervisor, and the operator, notice."""


@dataclass
class TransportMetrics:
    """Counters a transport keeps about its receiving loop; a metrics endpoint reads them.

    One object per transport (no module-level state), only ever incremented.
    """

    # Updates (Telegram) or events (Matrix) the bot could not read or handle and skipped.
    skipped_updates: int = 0
    # Times the polling / sync loop failed and started again after a backoff.
    loop_restarts: int = 0
    # Answers refusing the token (401, M_UNKNOWN_TOKEN).
    token_refusals: int = 0
    # Requests the platform refused for its rate limit (429, M_LIMIT_EXCEEDED); each was
    # waited out and tried again.
    rate_limited: int = 0
    # Webhook calls refused for a missing or wrong secret token.
    refused_calls: int = 0
    # time.monotonic() of the last answer from the platform that showed the bot connected
    # (a poll or sync that came back, a webhook set or called); None until the first.
    last_contact: float | None = None
    # How long without contact still counts as connected; None: silence is normal (a webhook
    # is called only when someone writes).
    contact_window: float | None = 120.0

    def contact(self) -> None:
        self.last_contact = time.monotonic()

    def connected(self, now: float | None = None) -> bool:
        """Whether the platform answered recently enough: what /readyz reports."""
        if self.last_contact is None:
            return False
        if self.contact_window is None:
            return True
        return (now if now is not None else time.monotonic()) - self.last_contact <= (
            self.contact_window
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How a receiving loop waits after failures, and when a refused token ends the process."""

    first_delay: float = 1.0
    max_delay: float = 60.0
    # A refused token is not fixed by hammering: wait this long between tries.
    token_retry: float = 30.0
    # The token refused without a break for this long: give up (TokenRefused).
    token_give_up: float = 600.0


class TokenWatch:
    """Tracks how long the platform has refused the token without a break."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._since: float | None = None

    def accepted(self) -> None:
        self._since = None

    def refused(self) -> float:
        """Record a refusal; returns the seconds refused so far (0 on the first)."""
        now = self._clock()
        if self._since is None:
            self._since = now
        return now - self._since

    def expired(self, refused_for: float) -> bool:
        return refused_for >= self._policy.token_give_up


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, chat_id: str, reply: Reply) -> None:
        """Send ``reply`` as new message(s); raise DeliveryError on failure."""
        ...


class ReplyDeferral(Protocol):
    """Where a transport hands an answer it could not send in time: the outbox worker."""

    def pending_replies(self, transport: str, chat_id: str) -> bool:
        """Whether answers handed over for this chat are still undelivered (a later answer
        then goes behind them, to keep the order)."""
        ...

    async def defer_reply(
        self, transport: str, chat_id: str, reply: Reply, *, partial: bool
    ) -> None:
        """Deliver ``reply`` later; ``partial``: its first part(s) went out already and
        ``reply`` holds only the rest (a durable reply's row is then marked sent)."""
        ...


@runtime_checkable
class CommandMenus(Protocol):
    """A transport whose platform shows each chat a menu of commands (Telegram)."""

    async def set_menu(self, chat_id: str, commands: tuple[MenuCommand, ...]) -> None:
        """Make ``commands`` the menu of ``chat_id``; raise DeliveryError on failure."""
        ...


# What an edit did: "edited"; "unchanged" (the message already showed it: a repeat after a
# crash or a lost answer); "not_editable" (too old, gone, a file, too long: send it as new).
EditResult = Literal["edited", "unchanged", "not_editable"]


@runtime_checkable
class MessageEditing(Protocol):
    """A transport that can edit a message it sent (Telegram)."""

    async def edit(self, chat_id: str, message_ref: str, reply: Reply) -> EditResult:
        """Make message ``message_ref`` show ``reply``; raise DeliveryError for what may pass
        (a retry is the same edit, so repeating it is harmless)."""
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
        # The mark retries until it commits (OutboxWorker.mark_delivered); this is a bug or a
        # stop cutting the retries short. The update's other replies still go.
        log.exception("could not mark reply %d as delivered", reply.outbox_id)
