"""Organisations: hospitals, hromadas, NGOs and coordination bodies."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.db import fetch_all, fetch_one
from storage.models import Organisation, OrgKind, Placement
from storage.timefmt import from_db, to_db

_COLUMNS = (
    "id, kind, name, code, raion, settlement, address, created_at,"
    " raion_code, hromada_code, settlement_code, outside_oblast"
)


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
        place=Placement(
            raion_code=row["raion_code"],
            hromada_code=row["hromada_code"],
            settlement_code=row["settlement_code"],
            outside_oblast=bool(row["outside_oblast"]),
        ),
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
    place: Placement | None = None,
) -> Organisation:
    place = place or Placement()
    cur = await conn.execute(
        "INSERT INTO organisations (kind, name, code, raion, settlement, address, created_at,"
        " raion_code, hromada_code, settlement_code, outside_oblast)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            kind.value,
            name,
            code,
            raion,
            settlement,
            address,
            to_db(now),
            place.raion_code,
            place.hromada_code,
            place.settlement_code,
            int(place.outside_oblast),
        ),
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


_UNPLACED = "hromada_code IS NULL AND outside_oblast = 0"


async def list_unplaced(conn: aiosqlite.Connection) -> list[Organisation]:
    """Organisations with no place by code yet (their typed raion and settlement kept)."""
    rows_ = await fetch_all(
        conn, f"SELECT {_COLUMNS} FROM organisations WHERE {_UNPLACED} ORDER BY id"
    )
    return [_row(r) for r in rows_]


async def count_unplaced(conn: aiosqlite.Connection) -> int:
    row = await fetch_one(conn, f"SELECT COUNT(*) AS n FROM organisations WHERE {_UNPLACED}")
    return int(row["n"]) if row else 0


async def set_organisation_place(
    conn: aiosqlite.Connection, org_id: int, place: Placement, *, raion: str, settlement: str
) -> bool:
    """Place an organisation by code; ``raion``/``settlement`` are the text shown beside it
    (the codifier's names, or a place abroad). False when the organisation does not exist."""
    cur = await conn.execute(
        "UPDATE organisations SET raion_code = ?, hromada_code = ?, settlement_code = ?,"
        " outside_oblast = ?, raion = ?, settlement = ? WHERE id = ?",
        (
            place.raion_code,
            place.hromada_code,
            place.settlement_code,
            int(place.outside_oblast),
            raion,
            settlement,
            org_id,
        ),
    )
    return cur.rowcount == 1


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
