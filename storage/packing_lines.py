"""A shipment's packing list read from the database file, for a process that has no
``Database`` (the render process, bot/packing_writer.py): one read-only connection in one
read transaction, so every part of a list split for the platform shows the same committed
state (the export's way, storage/exports.py).

The lines come in keyset pages (``PAGE`` at a time, after a (destination, id) anchor, off
the ``shipment_lines_shipment`` index, whose rowid is the line's id): a 20,000-line truck
never has more than a page alive, on SQLite and on PostgreSQL alike (whose synchronous
adapter returns each statement's rows whole, storage/pg.py ``sync_snapshot``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from storage.db import read_only_snapshot
from storage.models import Frozen, Organisation
from storage.organisations import _COLUMNS as _ORG_COLUMNS
from storage.organisations import _row as _organisation
from storage.shipment_models import Shipment, ShipmentLine
from storage.shipments import _COLUMNS as _SHIPMENT_COLUMNS
from storage.shipments import _LINE_COLUMNS, _line, _shipment

# Lines per trip to the database: a page of models is a few hundred KB.
PAGE: Final = 1_000

# (destination organisation id, line id): where the next page starts, after this line.
LineKey = tuple[int, int]


class Destination(Frozen):
    """A destination on the shipment and its number of lines, in list order."""

    org_id: int
    lines: int


class PackingHead(Frozen):
    """All of a packing list but its lines: the shipment, the organisations it names (its
    destinations, carrier and hub), and its destinations in order with their counts."""

    shipment: Shipment
    orgs: dict[int, Organisation]
    destinations: tuple[Destination, ...]

    @property
    def total(self) -> int:
        return sum(d.lines for d in self.destinations)


class PackingSnapshot:
    """A read-only connection inside one read transaction (``packing_snapshot``)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def head(self, shipment_id: int) -> PackingHead | None:
        """The shipment and what its list names; None when there is no such shipment."""
        row = self._raw.execute(
            f"SELECT {_SHIPMENT_COLUMNS} FROM shipments WHERE id = ?", (shipment_id,)
        ).fetchone()
        if row is None:
            return None
        shipment = _shipment(row)
        destinations = tuple(
            Destination(org_id=r[0], lines=r[1])
            for r in self._raw.execute(
                "SELECT dest_org_id, COUNT(*) FROM shipment_lines WHERE shipment_id = ?"
                " GROUP BY dest_org_id ORDER BY dest_org_id",
                (shipment_id,),
            ).fetchall()
        )
        orgs = {
            org.id: org
            for org in (
                _organisation(r)
                for r in self._raw.execute(
                    f"SELECT {_ORG_COLUMNS} FROM organisations WHERE id IN"
                    " (SELECT dest_org_id FROM shipment_lines WHERE shipment_id = ?)"
                    " OR id = ? OR id = ?",
                    (shipment_id, shipment.carrier_org_id, shipment.hub_org_id),
                ).fetchall()
            )
        }
        return PackingHead(shipment=shipment, orgs=orgs, destinations=destinations)

    def lines(
        self, shipment_id: int, *, after: LineKey | None = None, limit: int
    ) -> Iterator[ShipmentLine]:
        """Up to ``limit`` lines after ``after`` in list order (destination, then id), read
        a page at a time: nothing but the current page is held."""
        left = limit
        while left > 0:
            page = min(PAGE, left)
            if after is None:
                rows = self._raw.execute(
                    f"SELECT {_LINE_COLUMNS} FROM shipment_lines WHERE shipment_id = ?"
                    " ORDER BY dest_org_id, id LIMIT ?",
                    (shipment_id, page),
                ).fetchall()
            else:
                rows = self._raw.execute(
                    f"SELECT {_LINE_COLUMNS} FROM shipment_lines WHERE shipment_id = ?"
                    " AND (dest_org_id, id) > (?, ?) ORDER BY dest_org_id, id LIMIT ?",
                    (shipment_id, after[0], after[1], page),
                ).fetchall()
            for row in rows:
                line = _line(row)
                yield line
            if len(rows) < page:
                return
            last = rows[-1]
            after = (last["dest_org_id"], last["id"])
            left -= len(rows)
            del rows


@contextlib.contextmanager
def packing_snapshot(path: str | Path) -> Iterator[PackingSnapshot]:
    """``PackingSnapshot`` of the database at ``path`` (a file or a PostgreSQL URL), in
    one read-only transaction (storage.db.read_only_snapshot)."""
    with read_only_snapshot(path, rows_by_name=True) as raw:
        yield PackingSnapshot(raw)
