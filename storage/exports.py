"""Flat item lines for spreadsheet exports: one row per request item, one query.

Contact details (who filed a request) are read only when the caller asks for them: an export
without contacts never has them in memory, so no later formatting slip can leak them.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

import aiosqlite

from storage.db import read_only_snapshot, run_in_db_thread
from storage.filters import request_conditions
from storage.models import Filters, Identity, OrgKind, Status, Urgency
from storage.timefmt import date_from_db, from_db

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportLine:
    """One item line with its request, organisation and, for admins only, the requester.

    A plain frozen dataclass, not a pydantic model: it is built from the database's own
    rows (typed by the schema's CHECKs) 100,000 times per export, and pydantic's checks
    were a quarter of a CSV export's time (measured); nothing crosses a boundary here."""

    request_id: int
    created_at: datetime
    needed_by: date | None
    urgency: Urgency
    status: Status
    note: str | None
    org_id: int
    org_name: str
    org_code: str | None
    org_kind: OrgKind
    raion: str
    settlement: str
    # The organisation's place by KATOTTH code (storage/places); None before it was placed.
    raion_code: str | None = None
    hromada_code: str | None = None
    settlement_code: str | None = None
    outside_oblast: bool = False
    position: int
    item_key: str | None
    free_text: str | None
    spec: str | None
    quantity: int
    unit: str
    pledged: int
    delivered: int
    creator_name: str | None = None
    creator: Identity | None = None
    creator_forgotten: bool = False
    # The shipments carrying the line (not cancelled ones), lowest id first (issue 14).
    shipment_ids: tuple[int, ...] = ()


def filter_sql(
    filters: Filters, statuses: Sequence[Status] | None = None
) -> tuple[str, list[object]]:
    """``AND ...`` conditions over ``r`` (requests), ``i`` (request_items), ``o`` (orgs).

    ``filters.category`` is ignored here: handlers expand it into ``item_keys``. An item-key
    filter selects item lines, not whole requests: an export of "power" lists generators,
    not the bandages filed on the same request.
    """
    sql, args = request_conditions(filters, statuses)
    if filters.item_keys is not None:
        sql += f" AND i.item_key IN ({','.join('?' for _ in filters.item_keys)})"
        args.extend(filters.item_keys)
    return sql, args


# A forgotten member's row holds only a tombstone; it reads as "former member", nothing else.
_CONTACT_COLUMNS = (
    "CASE WHEN m.forgotten_at IS NULL THEN m.display_name END AS creator_name,"
    " CASE WHEN m.forgotten_at IS NULL THEN m.transport END AS transport,"
    " CASE WHEN m.forgotten_at IS NULL THEN m.user_id END AS user_id,"
    " m.forgotten_at IS NOT NULL AS creator_forgotten"
)
# Same shape without reading the members row: contacts stay in the database.
_NO_CONTACT_COLUMNS = (
    "NULL AS creator_name, NULL AS transport, NULL AS user_id, 0 AS creator_forgotten"
)


async def list_export_lines(
    conn: aiosqlite.Connection,
    filters: Filters,
    *,
    include_contacts: bool,
    statuses: Sequence[Status] | None = None,
    limit: int = 100_000,
) -> list[ExportLine]:
    """Item lines ordered by request id, then item position. Empty key/status lists match none."""
    return await map_export_lines(
        conn,
        filters,
        _same,
        include_contacts=include_contacts,
        statuses=statuses,
        limit=limit,
    )


async def map_export_lines(
    conn: aiosqlite.Connection,
    filters: Filters,
    fn: Callable[[ExportLine], T],
    *,
    include_contacts: bool,
    statuses: Sequence[Status] | None = None,
    limit: int = 100_000,
) -> list[T]:
    """``fn`` of each item line, in ``list_export_lines``'s order, as the rows are read.

    The query, the models and ``fn`` all run in the database thread, in one trip. Exports
    of a database file no longer come here: the render process reads them itself
    (``export_snapshot``); this is for an in-memory database (tests) and small readers.
    """
    query = export_query(filters, include_contacts=include_contacts, statuses=statuses)
    if query is None:
        return []
    return await run_in_db_thread(
        conn, partial(_read_lines, query=query, limit=limit, offset=0, fn=fn)
    )


# One row of export_query as it comes from the cursor, its columns in this order (the
# query's AS names; tests/bot/test_export_csv_bytes.py reads them from the cursor).
ExportRow = tuple[Any, ...]
EXPORT_COLUMNS: Final = (
    "request_id",
    "created_at",
    "needed_by",
    "urgency",
    "status",
    "note",
    "org_id",
    "org_name",
    "org_code",
    "org_kind",
    "raion",
    "settlement",
    "raion_code",
    "hromada_code",
    "settlement_code",
    "outside_oblast",
    "position",
    "item_key",
    "free_text",
    "spec",
    "quantity",
    "unit",
    "pledged",
    "delivered",
    "creator_name",
    "transport",
    "user_id",
    "creator_forgotten",
    "shipment_ids",
)
# Rows a batch holds: a few hundred kilobytes of tuples, and the per-batch work (a join, an
# encode, a write) a thousandth of the per-row work.
BATCH_ROWS: Final = 2000


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """The item lines' SELECT and its arguments, without LIMIT and OFFSET."""

    sql: str
    args: tuple[object, ...]


# The shipments carrying an item line: through shipment_lines' index on item_id, a few rows
# per line at most. A cancelled shipment carries nothing. Most lines are on no truck: the
# EXISTS probe answers them without the subquery's DISTINCT set (a tenth of the query).
_SHIPMENT_IDS = (
    "CASE WHEN EXISTS (SELECT 1 FROM shipment_lines sl WHERE sl.item_id = i.id) THEN"
    " (SELECT group_concat(shipment_id) FROM (SELECT DISTINCT sl.shipment_id"
    " FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id"
    " WHERE sl.item_id = i.id AND s.status <> 'cancelled' ORDER BY sl.shipment_id))"
    " END AS shipment_ids"
)
# The organisation's columns of a row, org_name to outside_oblast in EXPORT_COLUMNS.
ORG_COLUMNS: Final = slice(EXPORT_COLUMNS.index("org_name"), EXPORT_COLUMNS.index("position"))
_ORG_SELECT = (
    "o.name AS org_name, o.code AS org_code, o.kind AS org_kind, o.raion, o.settlement,"
    " o.raion_code, o.hromada_code, o.settlement_code, o.outside_oblast"
)
# Same shape, the organisation left to ExportSnapshot.organisation: a few hundred of them
# named over 100,000 lines, whose names were two fifths of the query's time as text per row.
_NO_ORG_SELECT = ", ".join(f"NULL AS {name}" for name in EXPORT_COLUMNS[ORG_COLUMNS])


def export_query(
    filters: Filters,
    *,
    include_contacts: bool,
    statuses: Sequence[Status] | None = None,
    org_columns: bool = True,
) -> ExportQuery | None:
    """The query of ``list_export_lines``; None when the filters match nothing.
    ``org_columns=False``: the organisation's columns (``ORG_COLUMNS``) are NULL, for a
    reader that asks ``ExportSnapshot.organisation`` once per organisation instead."""
    if (filters.item_keys is not None and not filters.item_keys) or (
        statuses is not None and not statuses
    ):
        return None
    where, args = filter_sql(filters, statuses)
    contact = _CONTACT_COLUMNS if include_contacts else _NO_CONTACT_COLUMNS
    sql = (
        "SELECT r.id AS request_id, r.created_at, r.needed_by, r.urgency, r.status, r.note,"
        f" r.org_id, {_ORG_SELECT if org_columns else _NO_ORG_SELECT},"
        " i.position, i.item_key, i.free_text, i.spec, i.quantity, i.unit,"
        f" i.pledged, i.delivered, {contact}, {_SHIPMENT_IDS}"
        " FROM requests r"
        " JOIN request_items i ON i.request_id = r.id"
        " JOIN organisations o ON o.id = r.org_id"
        " LEFT JOIN members m ON m.id = r.created_by"
        f" WHERE 1 = 1{where}"
        " ORDER BY r.id, i.position"
    )
    return ExportQuery(sql, tuple(args))


class ExportSnapshot:
    """A read-only connection to the database file inside one read transaction: every
    ``lines`` call sees the same committed state, whatever is written meanwhile (WAL)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    def lines(self, query: ExportQuery, *, limit: int, offset: int = 0) -> Iterator[ExportLine]:
        """The lines ``offset`` to ``offset + limit`` in the query's order, one at a time
        from the cursor: nothing but the current batch is held."""
        for batch in self.batches(query, limit=limit, offset=offset):
            yield from map(export_line, batch)

    def organisation(self, org_id: int) -> tuple[Any, ...]:
        """The ``ORG_COLUMNS`` of a row of ``org_id``'s requests, as ``export_query`` reads
        them with its organisation's columns."""
        sql = f"SELECT {_ORG_SELECT} FROM organisations o WHERE o.id = ?"
        cursor = self._raw.execute(sql, (org_id,))
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            raise LookupError(f"no organisation {org_id}")
        return tuple(row)

    def batches(
        self, query: ExportQuery, *, limit: int, offset: int = 0, size: int = BATCH_ROWS
    ) -> Generator[list[ExportRow], None, None]:
        """The rows ``offset`` to ``offset + limit`` as they come from the cursor, ``size``
        at a time: plain tuples in ``EXPORT_COLUMNS``' order, for a writer that makes its
        cells straight from them (``export_line`` makes one a line)."""
        cursor = self._raw.execute(f"{query.sql} LIMIT ? OFFSET ?", (*query.args, limit, offset))
        cursor.row_factory = None  # plain tuples: a Row's lookups by name cost a second
        try:
            # islice, not fetchmany: PostgreSQL's snapshot cursor only iterates.
            while batch := list(itertools.islice(cursor, size)):
                yield batch
        finally:
            cursor.close()


@contextlib.contextmanager
def export_snapshot(path: str | Path) -> Iterator[ExportSnapshot]:
    """``ExportSnapshot`` of the database at ``path`` (a file or a PostgreSQL URL), in
    one read-only transaction (storage.db.read_only_snapshot)."""
    with read_only_snapshot(path) as raw:
        yield ExportSnapshot(raw)


def _same(line: ExportLine) -> ExportLine:
    return line


def _read_lines(
    raw: sqlite3.Connection,
    query: ExportQuery,
    limit: int,
    offset: int,
    fn: Callable[[ExportLine], T],
) -> list[T]:
    return [fn(line) for line in ExportSnapshot(raw).lines(query, limit=limit, offset=offset)]


def export_line(row: ExportRow) -> ExportLine:
    """One row of ``export_query`` (a plain tuple, in its column order) as a line.

    Enum members by dictionary: a lookup is cheaper than the enum's own call."""
    (
        request_id,
        created_at,
        needed_by,
        urgency,
        status,
        note,
        org_id,
        org_name,
        org_code,
        org_kind,
        raion,
        settlement,
        raion_code,
        hromada_code,
        settlement_code,
        outside_oblast,
        position,
        item_key,
        free_text,
        spec,
        quantity,
        unit,
        pledged,
        delivered,
        creator_name,
        transport,
        user_id,
        creator_forgotten,
        shipment_ids,
    ) = row
    creator = None
    if transport is not None and user_id is not None:
        creator = Identity(transport=transport, user_id=user_id)
    return ExportLine(
        request_id=request_id,
        created_at=from_db(created_at),
        needed_by=date_from_db(needed_by),
        urgency=_URGENCIES[urgency],
        status=_STATUSES[status],
        note=note,
        org_id=org_id,
        org_name=org_name,
        org_code=org_code,
        org_kind=_ORG_KINDS[org_kind],
        raion=raion,
        settlement=settlement,
        raion_code=raion_code,
        hromada_code=hromada_code,
        settlement_code=settlement_code,
        outside_oblast=bool(outside_oblast),
        position=position,
        item_key=item_key,
        free_text=free_text,
        spec=spec,
        quantity=quantity,
        unit=unit,
        pledged=pledged,
        delivered=delivered,
        creator_name=creator_name,
        creator=creator,
        creator_forgotten=bool(creator_forgotten),
        shipment_ids=parse_shipment_ids(shipment_ids),
    )


_URGENCIES: Final = MappingProxyType({u.value: u for u in Urgency})
_STATUSES: Final = MappingProxyType({s.value: s for s in Status})
_ORG_KINDS: Final = MappingProxyType({k.value: k for k in OrgKind})


def parse_shipment_ids(text: str | None) -> tuple[int, ...]:
    """The ``shipment_ids`` column (ids joined by commas) as ids, lowest first."""
    return () if not text else tuple(sorted({int(part) for part in text.split(",")}))
