"""What every part of the fake shares about the Bot API's wire: the signature of a method
handler, and error answers in Telegram's shape (raised anywhere, answered by the server)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakes.bot_api.records import RecordedFile

# A Bot API method: decoded params and uploaded files in, the answer's "result" out.
Handler = Callable[[dict[str, Any], dict[str, RecordedFile]], Awaitable[Any]]


class ApiError(Exception):
    """An error answer in Telegram's shape."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
        fault: str | None = None,
        delay: float = 0.0,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.fault = fault
        self.delay = delay  # hold the answer back this long (simulated timeouts)

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class PollConflict(ApiError):
    """A long poll superseded by a newer getUpdates."""


class GarbageAnswer(ApiError):
    """Answer 200 with a body that is not JSON."""


def too_many_requests(retry_after: int, *, fault: str) -> ApiError:
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        parameters={"retry_after": retry_after},
        fault=fault,
    )
