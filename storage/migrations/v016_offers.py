"""Donors and their offers (issue 15).

The donor role joins the roles an invite may carry, and companies, associations and partner
cities the kinds of organisation. Both are CHECK constraints of tables many others reference;
SQLite cannot ALTER a CHECK, and rebuilding ``organisations`` inside the migration's
transaction would trip the foreign keys that point at it. A CHECK that only widens does not
touch the file format, so the table's stored definition is edited in place, as SQLite's
ALTER TABLE documentation describes for constraint changes ("writable_schema", the schema
version bumped so every connection re-reads it). ``integrity_check`` runs afterwards.

An offer (O-7) is a donor organisation's list of goods, available until a date, to be picked
up at a place in NRW, in one condition. Each line (``offer_lines``) is a catalog item or free
text as /need keeps it, with what is allocated; ``offer_allocations`` records each allocation
to a request item and the pledge it made, so the donor sees where the goods went.
"""

from __future__ import annotations

import aiosqlite

from storage.pg import run_pg_script
from storage.sqlscript import run_script

_ORG_OLD = "CHECK (kind IN ('hospital','municipality','ngo','coordination'))"
_ORG_NEW = (
    "CHECK (kind IN ('hospital','municipality','ngo','coordination',"
    "'company','association','city'))"
)
_ROLE_OLD = "CHECK (role IN ('requester','coordinator','admin'))"
_ROLE_NEW = "CHECK (role IN ('requester','coordinator','admin','donor'))"

SCHEMA = """
CREATE TABLE offers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           INTEGER NOT NULL REFERENCES organisations(id),
    created_by       INTEGER REFERENCES members(id),
    status           TEXT NOT NULL CHECK (status IN ('open','withdrawn','expired')),
    available_until  TEXT NOT NULL,
    pickup_place     TEXT NOT NULL,
    condition        TEXT NOT NULL CHECK (condition IN ('new','used','refurbished')),
    note             TEXT,
    named            INTEGER NOT NULL DEFAULT 0 CHECK (named IN (0, 1)),
    reminded_at      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX offers_open ON offers (status, available_until);
CREATE INDEX offers_org ON offers (org_id, id);

CREATE TABLE offer_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id    INTEGER NOT NULL REFERENCES offers(id),
    position    INTEGER NOT NULL,
    item_key    TEXT,
    free_text   TEXT,
    spec        TEXT,
    quantity    INTEGER NOT NULL CHECK (quantity > 0 AND quantity <= 1000000),
    unit        TEXT NOT NULL,
    allocated   INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0 AND allocated <= quantity),
    source      TEXT,
    CHECK (item_key IS NOT NULL OR free_text IS NOT NULL)
);
CREATE INDEX offer_lines_offer ON offer_lines (offer_id, position);
CREATE INDEX offer_lines_item ON offer_lines (item_key);

CREATE TABLE offer_allocations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id         INTEGER NOT NULL REFERENCES offers(id),
    line_id          INTEGER NOT NULL REFERENCES offer_lines(id),
    request_id       INTEGER NOT NULL REFERENCES requests(id),
    item_id          INTEGER NOT NULL REFERENCES request_items(id),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    member_id        INTEGER REFERENCES members(id),
    at               TEXT NOT NULL
);
CREATE INDEX offer_allocations_offer ON offer_allocations (offer_id);
CREATE INDEX offer_allocations_request ON offer_allocations (request_id);
CREATE INDEX request_items_key ON request_items (item_key);
"""


async def _widen_check(conn: aiosqlite.Connection, table: str, old: str, new: str) -> None:
    cur = await conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    )
    row = await cur.fetchone()
    assert row is not None, table
    sql = str(row[0])
    if old not in sql:
        raise RuntimeError(f"v016: {table} has no {old!r} to widen")
    await conn.execute(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (sql.replace(old, new), table),
    )


async def upgrade(conn: aiosqlite.Connection) -> None:
    cur = await conn.execute("PRAGMA schema_version")
    row = await cur.fetchone()
    assert row is not None
    version = int(row[0])
    await conn.execute("PRAGMA writable_schema = ON")
    try:
        await _widen_check(conn, "organisations", _ORG_OLD, _ORG_NEW)
        await _widen_check(conn, "invites", _ROLE_OLD, _ROLE_NEW)
        await conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        await conn.execute("PRAGMA writable_schema = OFF")
    cur = await conn.execute("PRAGMA integrity_check")
    check = await cur.fetchone()
    if check is None or check[0] != "ok":
        raise RuntimeError(f"v016: integrity check after widening: {check}")
    await run_script(conn, SCHEMA)


# PostgreSQL alters a CHECK constraint in place (its name is PostgreSQL's default for v001's).
PG_WIDEN = f"""
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check,
    ADD CONSTRAINT organisations_kind_check {_ORG_NEW};
ALTER TABLE invites DROP CONSTRAINT invites_role_check,
    ADD CONSTRAINT invites_role_check {_ROLE_NEW};
"""


async def upgrade_pg(conn: aiosqlite.Connection) -> None:
    await run_pg_script(conn, PG_WIDEN)
    await run_script(conn, SCHEMA)
