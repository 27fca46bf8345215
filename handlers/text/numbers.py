"""Reading numbers people type or buttons carry, safely.

``str.isdigit`` accepts '²' and other digits ``int`` rejects, and a long number overflows
SQLite's 64-bit integers; every id, page and index goes through here instead.
"""

from __future__ import annotations

import re

_SMALL_INT = re.compile(r"^[0-9]{1,9}$")


def small_int(text: str) -> int | None:
    """A non-negative ASCII number of at most nine digits, or None."""
    text = text.strip()
    return int(text) if _SMALL_INT.match(text) else None
