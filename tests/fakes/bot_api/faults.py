"""Failures a test asks for: injected faults (random or scripted), blocked and missing chats,
Telegram's flood limits and a refused token. check() runs before every method's handler and
raises the refusal; a refusal with a ``fault`` is recorded as faulted, not as an error."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from tests.fakes.bot_api.chats import ChatKey, chat_key
from tests.fakes.bot_api.wire import ApiError, GarbageAnswer, too_many_requests

# "too_long" is Telegram's 400 for a text over its limit, for a test whose text fits the
# fake's own check (MAX_TEXT_LENGTH in UTF-16 units, as Telegram counts) but must be refused.
# "garbage": HTTP 200 with an HTML body, as a misbehaving proxy in front of the API answers.
# "lost_answer": the method takes effect (the message is sent or edited), but its answer is
# held for timeout_seconds and then comes back 502: the bot cannot know it went through, as
# after a SIGKILL right after Telegram accepted a call (a test kills the bot meanwhile).
FAULT_KINDS: Final = frozenset({"429", "500", "timeout", "too_long", "garbage", "lost_answer"})
GARBAGE_BODY: Final = "<html><body>502 Bad Gateway</body></html>"

# Methods that create a new message in a chat: these are what Telegram's flood control counts.
# Edits and callback answers are deliberately left out; Telegram is far more lenient with them
# and counting them would make the per-chat 1 msg/s rule reject ordinary "send, then edit on
# button press" flows.
RATE_LIMITED_METHODS: Final = frozenset({"sendMessage", "sendDocument", "sendPhoto"})

# Methods random faults hit unless set_faults() names others. getUpdates/getMe/bootstrap calls
# are left out so a fault rate does not stall polling or start-up, which is not what such
# tests want to measure.
DEFAULT_FAULT_METHODS: Final = frozenset(
    [
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "sendChatAction",
    ]
)


@dataclass(slots=True)
class _RandomFaults:
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "timeout")
    retry_after: int = 1
    timeout_seconds: float = 6.0
    methods: frozenset[str] = DEFAULT_FAULT_METHODS
    rng: random.Random = field(default_factory=random.Random)


@dataclass(slots=True)
class _Scripted:
    kind: str
    remaining: int
    retry_after: int
    timeout_seconds: float


@dataclass(slots=True)
class _RateLimits:
    global_per_second: float | None
    per_chat_per_second: float | None
    per_group_per_minute: float | None


class FaultInjector:
    """Decides, call by call, whether the fake refuses a method and how."""

    def __init__(self) -> None:
        self.rate_limit_violations = 0
        self._random = _RandomFaults()
        self._scripted: dict[str, deque[_Scripted]] = {}
        # refuse_token(): every method answers 401 while refused (until this monotonic time,
        # or for good when it is infinite).
        self._token_refused_until = 0.0
        self._blocked: set[ChatKey] = set()
        self._missing: set[ChatKey] = set()
        self._limits: _RateLimits | None = None
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[ChatKey, deque[float]] = {}

    # ------------------------------------------------------------------ configuration

    def set_random(
        self,
        rate: float,
        kinds: Iterable[str],
        retry_after: int,
        timeout_seconds: float,
        methods: Iterable[str] | None,
        seed: int | None,
    ) -> None:
        kinds_tuple = tuple(kinds)
        _check_kinds(kinds_tuple)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], not {rate}")
        self._random = _RandomFaults(
            rate=rate,
            kinds=kinds_tuple,
            retry_after=retry_after,
            timeout_seconds=timeout_seconds,
            methods=frozenset(methods) if methods is not None else DEFAULT_FAULT_METHODS,
            rng=random.Random(seed),
        )

    def fail_next(
        self, method: str, kind: str, count: int, *, retry_after: int, timeout_seconds: float
    ) -> None:
        _check_kinds((kind,))
        self._scripted.setdefault(method.lower(), deque()).append(
            _Scripted(kind, count, retry_after, timeout_seconds)
        )

    def clear(self) -> None:
        """Forget random and scripted faults and accept the token again."""
        self._random = _RandomFaults()
        self._scripted.clear()
        self._token_refused_until = 0.0

    def reset(self) -> None:
        """clear(), and forget blocks and rate windows; rate enforcement stays as configured."""
        self.clear()
        self._blocked.clear()
        self._missing.clear()
        self._global_window.clear()
        self._chat_windows.clear()
        self.rate_limit_violations = 0

    def refuse_token(self, seconds: float | None) -> None:
        self._token_refused_until = (
            math.inf if seconds is None else time.monotonic() + max(0.0, seconds)
        )

    def accept_token(self) -> None:
        self._token_refused_until = 0.0

    @property
    def token_refused(self) -> bool:
        return time.monotonic() < self._token_refused_until

    def block_chat(self, chat_id: ChatKey) -> None:
        self._blocked.add(chat_key(chat_id))

    def unblock_chat(self, chat_id: ChatKey) -> None:
        self._blocked.discard(chat_key(chat_id))

    def mark_chat_not_found(self, chat_id: ChatKey) -> None:
        self._missing.add(chat_key(chat_id))

    def enforce_rate_limits(
        self,
        global_per_second: float | None,
        per_chat_per_second: float | None,
        per_group_per_minute: float | None,
    ) -> None:
        self._limits = _RateLimits(global_per_second, per_chat_per_second, per_group_per_minute)
        self._global_window.clear()
        self._chat_windows.clear()

    def disable_rate_limits(self) -> None:
        self._limits = None

    # ------------------------------------------------------------------ per call

    def check_token(self) -> None:
        """Refuse while the token is refused; getUpdates also checks on every wake-up."""
        if self.token_refused:
            raise ApiError(401, "Unauthorized", fault="token_refused")

    def check(self, method: str, params: dict[str, Any]) -> float:
        """Raise the fault this call of `method` gets, if any; scripted faults come first.

        Returns how long to hold the answer of a call that takes effect but whose answer is
        lost ("lost_answer"), else 0."""
        kind: str | None = None
        retry_after = self._random.retry_after
        timeout_seconds = self._random.timeout_seconds
        scripted = self._scripted.get(method.lower())
        if scripted:
            entry = scripted[0]
            kind, retry_after, timeout_seconds = (
                entry.kind,
                entry.retry_after,
                entry.timeout_seconds,
            )
            entry.remaining -= 1
            if entry.remaining <= 0:
                scripted.popleft()
        elif (
            self._random.rate > 0
            and method in self._random.methods
            and self._random.rng.random() < self._random.rate
        ):
            kind = self._random.rng.choice(self._random.kinds)

        if kind == "429":
            raise too_many_requests(retry_after, fault="429")
        if kind == "500":
            raise ApiError(500, "Internal Server Error", fault="500")
        if kind == "timeout":
            raise ApiError(502, "Bad Gateway", fault="timeout", delay=timeout_seconds)
        if kind == "too_long":
            raise ApiError(400, "Bad Request: message is too long", fault="too_long")
        if kind == "garbage":
            raise GarbageAnswer(200, "not JSON", fault="garbage")
        if kind == "lost_answer":
            return timeout_seconds

        if "chat_id" in params:
            chat = chat_key(params["chat_id"])
            if chat in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user", fault="blocked")
            if chat in self._missing:
                raise ApiError(400, "Bad Request: chat not found", fault="chat_not_found")
            if self._limits is not None and method in RATE_LIMITED_METHODS:
                self._check_rate(self._limits, chat)
        return 0.0

    def _check_rate(self, limits: _RateLimits, chat: ChatKey) -> None:
        now = time.monotonic()
        checks: list[tuple[deque[float], float, float]] = []
        if limits.global_per_second is not None:
            checks.append((self._global_window, limits.global_per_second, 1.0))
        is_group = isinstance(chat, str) or chat < 0
        limit, window = (
            (limits.per_group_per_minute, 60.0) if is_group else (limits.per_chat_per_second, 1.0)
        )
        if limit is not None:
            checks.append((self._chat_windows.setdefault(chat, deque()), limit, window))
        for sent, allowed, span in checks:
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= allowed:
                self.rate_limit_violations += 1
                wait = max(1, math.ceil(sent[0] + span - now))
                raise too_many_requests(wait, fault="rate_limit")
        # Only a call every window admits takes a slot, so a refused call costs no quota.
        for sent, _, _ in checks:
            sent.append(now)


def _check_kinds(kinds: Iterable[str]) -> None:
    unknown = set(kinds) - FAULT_KINDS
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; use {sorted(FAULT_KINDS)}")
