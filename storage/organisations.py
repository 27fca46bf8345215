"""Organisations: hospitals, hromadas, NGOs and coordination bodies."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Organisation, OrgKind
from storage.timefmt import from_db, to_db

_COLUMNS = "id, kind, name, code, raion, settlement, address, created_at"


def _row(row: aiosqlite.Row) -> Organisation:
    return Organisation(
        id=row["id"],
        kind=OrgKind(row["kind"]),
        name=row["name"],
        code=row["code"],
        raion=row["raion"],
        settlement=row["settlement"],
        address=row["address"],
        created_at=from_db(row["created_at"]),
    )


async def add_organisation(
    conn: aiosqlite.Connection,
    *,
    kind: OrgKind,
    name: str,
    raion: str,
    settlement: str,
    code: str | None,
    address: str | None,
    now: datetime,
) -> Organisation:
    cur = await conn.execute(
        "INSERT INTO organisations (kind, name, code, raion, settlement, address, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind.value, name, code, raion, settlement, address, to_db(now)),
    )
    org = await get_organisation(conn, int(cur.lastrowid or 0))
    assert org is not None
    return org


async def get_organisation(conn: aiosqlite.Connection, org_id: int) -> Organisation | None:
    row = await fetch_one(conn, f"SELECT {_COLUMNS} FROM organisations WHERE id = ?", (org_id,))

    return _row(row) if row else None


async def list_organisations(conn: aiosqlite.Connection) -> list[Organisation]:
    rows_ = await fetch_all(conn, f"SELECT {_COLUMNS} FROM organisations ORDER BY id")
    return [_row(r) for r in rows_]


# The columns an admin may change from chat; the name is the SQL column as well.
EDITABLE_FIELDS: tuple[str, ...] = ("name", "kind", "raion", "settlement", "code", "address")


async def set_organisation_field(
    conn: aiosqlite.Connection, org_id: int, field: str, value: str | None
) -> bool:
    """Change one field; False when the organisation does not exist.

    ``field`` must be one of EDITABLE_FIELDS: it is spliced into the SQL, so it is checked
    here rather than trusted from the caller.
    """
    if field not in EDITABLE_FIELDS:
        raise ValueError(f"organisation field {field!r} cannot be edited")
    cur = await conn.execute(f"UPDATE organisations SET {field} = ? WHERE id = ?", (value, org_id))
    return cur.rowcount == 1
