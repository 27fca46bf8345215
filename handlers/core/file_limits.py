"""The largest file each platform takes, asked of its transport at the moment of sending.

An export bigger than that is sent in parts, each announced ("part 2 of 3"), never cut
(handlers/coordination/hxl_export.py). Telegram's Bot API takes documents up to 50 MB; a
Matrix homeserver says its own limit (``m.upload.size`` of the media config): a transport
that learns its limit at run time registers a callable here, and until it knows, the default
stands. The console writes files to disk and has no limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final

# A little under the platforms' 50 MB (Telegram's documents, Synapse's default
# max_upload_size 50M): the upload's own framing (multipart, encryption) needs some room.
DEFAULT_LIMITS: Final = MappingProxyType({"telegram": 49_000_000, "matrix": 49_000_000})

# The transport's current limit in bytes, None when it does not know it (yet).
LimitFn = Callable[[], int | None]


class FileLimits:
    """Per transport: a registered callable's answer, else the default, else no limit."""

    def __init__(self, defaults: Mapping[str, int] = DEFAULT_LIMITS) -> None:
        self._defaults = dict(defaults)
        self._sources: dict[str, LimitFn] = {}

    def register(self, transport: str, limit: LimitFn) -> None:
        self._sources[transport] = limit

    def max_bytes(self, transport: str) -> int | None:
        source = self._sources.get(transport)
        learned = source() if source is not None else None
        return learned if learned is not None else self._defaults.get(transport)
