"""How admins name a person in commands: the member number from /members ("12" or "#12"),
or the platform identity ("telegram:123456", "matrix:@anna:example.org")."""

from __future__ import annotations

from handlers.text.numbers import small_int
from storage import members
from storage.db import Conn
from storage.models import Identity, Member


async def resolve_member(conn: Conn, ref: str) -> Member | None:
    """The member named by ``ref``, or None when the text names nobody."""
    text = ref.strip()
    number = small_int(text.removeprefix("#"))
    if number is not None:
        return await members.get_member(conn, number)
    try:
        identity = Identity.parse(text)
    except ValueError:
        return None
    return await members.get_member_by_identity(conn, identity)
