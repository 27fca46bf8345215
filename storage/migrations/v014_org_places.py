"""Organisations placed by the official codifier (issue 13): raion, hromada, settlement codes.

The typed ``raion`` and ``settlement`` columns stay as they were, so nothing is lost. An existing
organisation gets codes only where its text names one unit beyond doubt (storage/places/placing:
the raion, then the hromada or settlement inside it; no typo, no same-named choice). One whose
raion is sure but not its hromada or settlement keeps the raion's code (filters by raion find
it) and stays unplaced; admins see those with `aidbridge org unplaced` and in /stats.

The placing reads the codifier shipped with this version; a later codifier may place more,
but this step, once run, is not run again (a later step may).
"""

from __future__ import annotations

import aiosqlite

from storage.places.placing import resolve_parts
from storage.sqlscript import run_script

SCHEMA = """
ALTER TABLE organisations ADD COLUMN raion_code TEXT;
ALTER TABLE organisations ADD COLUMN hromada_code TEXT;
ALTER TABLE organisations ADD COLUMN settlement_code TEXT;
ALTER TABLE organisations ADD COLUMN outside_oblast INTEGER NOT NULL DEFAULT 0
    CHECK (outside_oblast IN (0, 1));
CREATE INDEX organisations_raion_code ON organisations (raion_code);
CREATE INDEX organisations_hromada_code ON organisations (hromada_code);
"""


async def upgrade(conn: aiosqlite.Connection) -> None:
    await run_script(conn, SCHEMA)
    cur = await conn.execute("SELECT id, raion, settlement FROM organisations")
    rows = list(await cur.fetchall())
    for org_id, raion, settlement in rows:
        answer = resolve_parts(raion=raion, settlement=settlement)
        place = answer.placement or answer.partial
        if place is None or place.raion_code is None:
            continue
        await conn.execute(
            "UPDATE organisations SET raion_code = ?, hromada_code = ?, settlement_code = ?"
            " WHERE id = ?",
            (place.raion_code, place.hromada_code, place.settlement_code, org_id),
        )
