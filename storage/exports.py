"""Flat item lines for spreadsheet exports: one row per request item, one query.

Contact details (who filed a request) are read only when the caller asks for them: an export
without contacts never has them in memory, so no later formatting slip can leak them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from typing import TypeVar

import aiosqlite

from storage.db import run_in_db_thread
from storage.filters import request_conditions
from storage.models import Filters, Frozen, Identity, OrgKind, Status, Urgency
from storage.timefmt import date_from_db, from_db

T = TypeVar("T")


class ExportLine(Frozen):
    """One item line with its request, organisation and, for admins only, the requester."""

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

    The query, the models and ``fn`` all run in the database thread, in one trip: on the
    event loop, 100,000 models would cost about 1.4 s (measured) in which no chat is answered.
    Only ``fn``'s results are kept, so the lines never all live at once: a spreadsheet's rows
    of plain values are cheap for the garbage collector, 100,000 models are not (its pauses
    stop every thread, the event loop's too).
    """
    if (filters.item_keys is not None and not filters.item_keys) or (
        statuses is not None and not statuses
    ):
        return []
    where, args = filter_sql(filters, statuses)
    contact = _CONTACT_COLUMNS if include_contacts else _NO_CONTACT_COLUMNS
    sql = (
        "SELECT r.id AS request_id, r.created_at, r.needed_by, r.urgency, r.status, r.note,"
        " r.org_id, o.name AS org_name, o.code AS org_code, o.kind AS org_kind, o.raion,"
        " o.settlement, o.raion_code, o.hromada_code, o.settlement_code, o.outside_oblast,"
        " i.position, i.item_key, i.free_text, i.spec, i.quantity, i.unit,"
        f" i.pledged, i.delivered, {contact}"
        " FROM requests r"
        " JOIN request_items i ON i.request_id = r.id"
        " JOIN organisations o ON o.id = r.org_id"
        " LEFT JOIN members m ON m.id = r.created_by"
        f" WHERE 1 = 1{where}"
        " ORDER BY r.id, i.position LIMIT ?"
    )
    return await run_in_db_thread(conn, partial(_read_lines, sql=sql, args=[*args, limit], fn=fn))


def _same(line: ExportLine) -> ExportLine:
    return line


def _read_lines(
    raw: sqlite3.Connection, sql: str, args: list[object], fn: Callable[[ExportLine], T]
) -> list[T]:
    cursor = raw.execute(sql, args)
    cursor.row_factory = sqlite3.Row
    return [fn(_line(row)) for row in cursor]


def _line(row: sqlite3.Row) -> ExportLine:
    creator = None
    if row["transport"] is not None and row["user_id"] is not None:
        creator = Identity(transport=row["transport"], user_id=row["user_id"])
    return ExportLine(
        request_id=row["request_id"],
        created_at=from_db(row["created_at"]),
        needed_by=date_from_db(row["needed_by"]),
        urgency=Urgency(row["urgency"]),
        status=Status(row["status"]),
        note=row["note"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        org_code=row["org_code"],
        org_kind=OrgKind(row["org_kind"]),
        raion=row["raion"],
        settlement=row["settlement"],
        raion_code=row["raion_code"],
        hromada_code=row["hromada_code"],
        settlement_code=row["settlement_code"],
        outside_oblast=bool(row["outside_oblast"]),
        position=row["position"],
        item_key=row["item_key"],
        free_text=row["free_text"],
        spec=row["spec"],
        quantity=row["quantity"],
        unit=row["unit"],
        pledged=row["pledged"],
        delivered=row["delivered"],
        creator_name=row["creator_name"],
        creator=creator,
        creator_forgotten=bool(row["creator_forgotten"]),
    )
