"""A hub's onward distribution (issue 14): which destinations' goods left the hub, when.

A truck via a hub (the Poltava hospital) unloads there; the hub's people send each hospital's
goods on. One row per (shipment, destination), so a second tap, or two of the hub's people at
once, record nothing more (``INSERT OR IGNORE`` on the primary key).
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
CREATE TABLE shipment_onward (
    shipment_id  INTEGER NOT NULL REFERENCES shipments(id),
    dest_org_id  INTEGER NOT NULL REFERENCES organisations(id),
    actor_id     INTEGER REFERENCES members(id),
    at           TEXT NOT NULL,
    PRIMARY KEY (shipment_id, dest_org_id)
) WITHOUT ROWID;
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
