"""Shipments (issue 14): the weekly truck, its lines and its history.

A shipment (S-12) carries item lines of requests (up to what was pledged and not yet shipped)
to each requesting organisation, optionally via a hub organisation that distributes onward. A
line may also carry goods to the hub without a request (``request_id`` NULL). Each
destination signs for its lines: received, damaged, missing.

``shipment_events`` is the history: ``kind = 'status'`` rows change the shipment's status
(``status`` is the status after); ``kind = 'line'`` rows change one line's status
(``line_id`` set, ``status`` the line's status after, ``detail`` the amounts as JSON).
"""

from __future__ import annotations

import aiosqlite

from storage.sqlscript import run_script

SCHEMA = """
CREATE TABLE shipments (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL,
    carrier_org_id      INTEGER REFERENCES organisations(id),
    hub_org_id          INTEGER REFERENCES organisations(id),
    origin              TEXT,
    planned_departure   TEXT,
    vehicle             TEXT,
    waybill             TEXT,
    declared_value_eur  INTEGER CHECK (declared_value_eur IS NULL OR declared_value_eur >= 0),
    status              TEXT NOT NULL CHECK (status IN
                            ('planned','loading','departed','at_hub','closed','cancelled')),
    created_by          INTEGER REFERENCES members(id),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX shipments_status ON shipments (status);

CREATE TABLE shipment_lines (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id   INTEGER NOT NULL REFERENCES shipments(id),
    request_id    INTEGER REFERENCES requests(id),
    item_id       INTEGER REFERENCES request_items(id),
    dest_org_id   INTEGER NOT NULL REFERENCES organisations(id),
    item_key      TEXT,
    free_text     TEXT,
    unit          TEXT NOT NULL,
    quantity      INTEGER NOT NULL CHECK (quantity > 0 AND quantity <= 1000000),
    status        TEXT NOT NULL DEFAULT 'shipped' CHECK (status IN
                      ('shipped','received','partly_received','damaged','missing')),
    received      INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
    damaged       INTEGER NOT NULL DEFAULT 0 CHECK (damaged >= 0),
    missing       INTEGER NOT NULL DEFAULT 0 CHECK (missing >= 0),
    note          TEXT,
    confirmed_by  INTEGER REFERENCES members(id),
    confirmed_at  TEXT,
    created_at    TEXT NOT NULL,
    CHECK ((request_id IS NULL) = (item_id IS NULL)),
    CHECK (item_key IS NOT NULL OR free_text IS NOT NULL),
    CHECK (received + damaged + missing <= quantity)
);
CREATE INDEX shipment_lines_shipment ON shipment_lines (shipment_id, dest_org_id);
CREATE INDEX shipment_lines_item ON shipment_lines (item_id);

CREATE TABLE shipment_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id  INTEGER NOT NULL REFERENCES shipments(id),
    line_id      INTEGER REFERENCES shipment_lines(id),
    kind         TEXT NOT NULL CHECK (kind IN ('status', 'line', 'lines', 'note')),
    status       TEXT NOT NULL,
    actor_id     INTEGER REFERENCES members(id),
    note         TEXT,
    detail       TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX shipment_events_shipment ON shipment_events (shipment_id, at);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
