"""Abuse limits applied to every event before any handler runs: message rate and attachments.

What counts against the rate limit (Policy.rate_limit_per_minute, per identity, strangers too):
typed text and commands, including captions. Button presses do NOT count against that budget: a
nurse tapping through /new presses a dozen buttons in a few seconds, and each press only moves
along options the bot itself offered. They have their own budget, BUTTON_FACTOR times larger, so
a script replaying callback data cannot flood either. On text-only platforms (console, Matrix) a
typed number or label that selects one of the options shown is that same button press and
counts as one: the engine reads the last menu with the turn's first database trip anyway.

Only admitted events enter the sliding window: a person who keeps sending while throttled is
served again as soon as their oldest admitted message is a minute old, and the refused ones cost
no more than the update-id claim the engine already made. The first refused event of a throttled
stretch gets one polite answer; the rest get none, so a flood is not amplified into a reply flood.

The state is in memory (one RateLimiter built in bot/app.py, carried by the HandlerContext): a
restart forgets it, which only ever lets a person through, never locks one out.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from handlers.core.events import Incoming, Reply
from handlers.text.i18n import Language

if TYPE_CHECKING:
    from handlers.core.context import HandlerContext

WINDOW = timedelta(minutes=1)
# Buttons get this many times the typed-message budget (see the module docstring).
BUTTON_FACTOR = 5
# Once this many windows are held, those of people who went quiet are dropped (at most once a
# window period, so the sweep's cost is spread thin): memory stays bounded by recent senders.
SWEEP_AT = 1024

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Admission:
    allowed: bool
    # Refused and this is the first refusal of the stretch: answer once.
    answer: bool = False
    # When the next event will be admitted (set when refused).
    retry_at: datetime | None = None


@dataclass
class _Window:
    admitted: deque[datetime] = field(default_factory=deque)
    answered: bool = False


class RateLimiter:
    """Sliding-window counter per key; limit and window are given per call (the policy's)."""

    def __init__(self) -> None:
        self._windows: dict[Key, _Window] = {}
        self._swept_at: datetime | None = None

    def admit(
        self, key: Key, now: datetime, *, limit: int, window: timedelta = WINDOW
    ) -> Admission:
        state = self._windows.get(key)
        if state is None:
            if len(self._windows) >= SWEEP_AT and (
                self._swept_at is None or now - self._swept_at >= window
            ):
                self._sweep(now, window)
            state = self._windows[key] = _Window()
        cutoff = now - window
        admitted = state.admitted
        while admitted and admitted[0] <= cutoff:
            admitted.popleft()
        if len(admitted) < limit:
            admitted.append(now)
            state.answered = False
            return Admission(allowed=True)
        # The count falls below the limit when the oldest admitted event we must shed expires.
        retry_at = admitted[len(admitted) - limit] + window
        if state.answered:
            return Admission(allowed=False, retry_at=retry_at)
        state.answered = True
        return Admission(allowed=False, answer=True, retry_at=retry_at)

    def _sweep(self, now: datetime, window: timedelta) -> None:
        cutoff = now - window
        self._windows = {
            key: state
            for key, state in self._windows.items()
            if state.admitted and state.admitted[-1] > cutoff
        }
        self._swept_at = now

    def __len__(self) -> int:
        return len(self._windows)


@dataclass(frozen=True)
class Screening:
    """The verdict on one event: refuse it outright, or go on (perhaps with a notice first)."""

    refusal: list[Reply] | None = None
    notice: Reply | None = None


def screen(
    ctx: HandlerContext,
    incoming: Incoming,
    lang: Language,
    now: datetime,
    *,
    selects_option: bool = False,
) -> Screening:
    """Rate and attachment limits. A refusal is the whole answer; nothing else is written.

    ``selects_option``: typed text that picks one of the options last shown (see above).
    """
    button = incoming.choice is not None or selects_option
    kind = "button" if button else "message"
    factor = BUTTON_FACTOR if button else 1
    admission = ctx.limiter.admit(
        (kind, incoming.sender.transport, incoming.sender.user_id),
        now,
        limit=ctx.policy.rate_limit_per_minute * factor,
    )
    if not admission.allowed:
        if not admission.answer or admission.retry_at is None:
            return Screening(refusal=[])
        seconds = max(1, math.ceil((admission.retry_at - now).total_seconds()))
        text = ctx.t(lang, "security.rate_limited", seconds=seconds)
        return Screening(refusal=[Reply(text=text, toast=button)])
    size = incoming.attachment_size
    if size is None:
        return Screening()
    limit = ctx.policy.max_attachment_bytes
    if size > limit:
        text = ctx.t(
            lang,
            "security.attachment_too_large",
            size=_megabytes(size, lang),
            limit=_megabytes(limit, lang),
        )
        return Screening(refusal=[Reply(text=text)])
    if incoming.upload is not None:
        # A spreadsheet by its name: read (or refused by name) by its own route, never kept.
        return Screening()
    # Nothing stores files: say so rather than drop the file silently. A caption is still
    # a message the person typed, so it is handled, after the notice.
    if incoming.text is None or not incoming.text.strip():
        return Screening(refusal=[Reply(text=ctx.t(lang, "security.attachment_not_kept"))])
    return Screening(notice=Reply(text=ctx.t(lang, "security.attachment_caption_used")))


def _megabytes(size: int, lang: Language) -> str:
    # One decimal, rounded up, so a file just over the limit never reads as equal to it.
    text = f"{math.ceil(size / 100_000) / 10:.1f}"
    return text if lang == "en" else text.replace(".", ",")
