"""What the fake saw: every call as a RecordedCall, in the log tests assert on and wait on.

Delivered calls end up in ``delivered``; calls the fake refused because a test configured it
to (fault injection, blocked or missing chats, rate enforcement) end up in ``faulted``; calls
refused because the request itself was wrong end up in ``errors``. Nothing refused ever counts
as delivered, so a test can prove "no message lost, none duplicated" from ``delivered`` alone.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.bot_api.chats import ChatKey, chat_key

CallPredicate = Callable[["RecordedCall"], bool]


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """One uploaded file part of a multipart request."""

    field: str
    file_name: str | None
    content: bytes
    content_type: str | None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One Bot API call as the fake saw it; params are decoded back to Python values."""

    method: str
    params: dict[str, Any]
    files: dict[str, RecordedFile]
    at: float  # time.monotonic() when the request arrived; system-wide on Linux
    seq: int = -1  # position in the fake's call log, increasing, never reused
    result: Any = None  # the "result" the fake answered with (e.g. the Message dict)
    fault: str | None = None  # why the fake refused it: "429", "500", "timeout", "blocked", ...
    error_code: int | None = None
    description: str | None = None

    @property
    def chat_id(self) -> ChatKey | None:
        value = self.params.get("chat_id")
        return None if value is None else chat_key(value)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe view (file bytes left out) for the out-of-process control API."""
        return {
            "seq": self.seq,
            "method": self.method,
            "params": self.params,
            "files": {
                name: {"file_name": f.file_name, "size": f.size, "content_type": f.content_type}
                for name, f in self.files.items()
            },
            "at": self.at,
            "result": self.result,
            "fault": self.fault,
            "error_code": self.error_code,
            "description": self.description,
        }


class CallLog:
    """Delivered, faulted and erroneous calls, numbered in one sequence across all three."""

    def __init__(self) -> None:
        self.delivered: list[RecordedCall] = []
        self.faulted: list[RecordedCall] = []
        self.errors: list[RecordedCall] = []
        # Called with each accepted call before its answer goes back: a test can act at the
        # moment the platform has a message and the bot does not know it yet.
        self.on_accepted: Callable[[RecordedCall], None] | None = None
        # Awaited with each accepted call before its answer goes back, for a test that must
        # wait for something (a lock another connection takes) without blocking the loop.
        self.before_answer: Callable[[RecordedCall], Awaitable[None]] | None = None
        self._seq = 0
        # Replaced after every set(), so each waiter sleeps until the next call only.
        self._changed = asyncio.Event()

    @property
    def last_seq(self) -> int:
        """The seq of the latest call recorded (delivered, faulted or error); 0 before any."""
        return self._seq

    def accept(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, RecordedFile],
        at: float,
        result: Any,
    ) -> RecordedCall:
        call = RecordedCall(method, params, files, at, seq=self._next_seq(), result=result)
        self.delivered.append(call)
        if self.on_accepted is not None:
            self.on_accepted(call)
        self._changed.set()
        self._changed = asyncio.Event()
        return call

    def refuse(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, RecordedFile],
        at: float,
        *,
        fault: str | None,
        error_code: int,
        description: str,
    ) -> RecordedCall:
        """Record a refused call: a configured fault goes to ``faulted``, anything else to
        ``errors``. Refusals wake no waiter, since wait_for only counts delivered calls."""
        call = RecordedCall(
            method,
            params,
            files,
            at,
            seq=self._next_seq(),
            fault=fault,
            error_code=error_code,
            description=description,
        )
        (self.faulted if fault is not None else self.errors).append(call)
        return call

    def clear(self) -> None:
        # New lists rather than clear(): a running wait_for notices the swap and rescans.
        self.delivered = []
        self.faulted = []
        self.errors = []

    def calls(
        self, method: str | None = None, chat_id: ChatKey | None = None
    ) -> list[RecordedCall]:
        """Delivered calls in arrival order, optionally filtered."""
        want_chat = None if chat_id is None else chat_key(chat_id)
        return [
            c
            for c in self.delivered
            if (method is None or c.method == method)
            and (want_chat is None or c.chat_id == want_chat)
        ]

    def sent_texts(self, chat_id: ChatKey) -> list[str]:
        """Texts the bot put into a chat, sendMessage and editMessageText, in order."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls(chat_id=chat_id)
            if c.method in ("sendMessage", "editMessageText")
        ]

    async def wait_for(
        self,
        what: str | CallPredicate,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[RecordedCall]:
        """Wait until at least `count` delivered calls match; returns all matching calls.

        `what` is a method name or a predicate over RecordedCall. Raises TimeoutError with the
        calls seen so far, so a failing test says what the bot did instead.
        """
        predicate: CallPredicate = (lambda c: c.method == what) if isinstance(what, str) else what
        matched: list[RecordedCall] = []
        log, position = self.delivered, 0
        try:
            async with asyncio.timeout(timeout):
                while True:
                    # Examine each call once, so a benchmark waiting for thousands stays linear.
                    if log is not self.delivered:  # clear() started a new log
                        log, position = self.delivered, 0
                    while position < len(log):
                        if predicate(log[position]):
                            matched.append(log[position])
                        position += 1
                    if len(matched) >= count:
                        return matched
                    await self._changed.wait()
        except TimeoutError:
            seen = Counter(c.method for c in self.delivered)
            raise TimeoutError(
                f"waited {timeout}s for {count} call(s) matching {what!r}, got {len(matched)}; "
                f"delivered calls: {dict(seen)}; faulted: {len(self.faulted)}; "
                f"errors: {[e.description for e in self.errors[-5:]]}"
            ) from None

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(Counter(c.method for c in self.delivered)),
            "total_calls": len(self.delivered),
            "faulted": len(self.faulted),
            "faulted_by_kind": dict(Counter(c.fault for c in self.faulted)),
            "errors": len(self.errors),
        }

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq
