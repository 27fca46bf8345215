"""The SQL for Filters, shared by listings, digests, charts and exports."""

from __future__ import annotations

from collections.abc import Sequence

from storage.models import Filters, Status


def request_conditions(
    filters: Filters, statuses: Sequence[Status] | None = None
) -> tuple[str, list[object]]:
    """``AND ...`` conditions on ``r`` (a requests row): urgency, organisation, place, status.

    Item keys are left to the caller: a listing keeps whole requests that contain an item,
    an export keeps only the matching item lines.
    """
    sql = ""
    args: list[object] = []
    if filters.urgency is not None:
        sql += " AND r.urgency = ?"
        args.append(filters.urgency.value)
    if filters.org_id is not None:
        sql += " AND r.org_id = ?"
        args.append(filters.org_id)
    if filters.raion is not None:
        sql += " AND r.org_id IN (SELECT id FROM organisations WHERE raion = ?)"
        args.append(filters.raion)
    if filters.place is not None:
        # A raion's or a hromada's code: codes are unique across levels, so one test serves
        # both (each column has its index).
        sql += (
            " AND r.org_id IN (SELECT id FROM organisations WHERE raion_code = ?"
            " UNION SELECT id FROM organisations WHERE hromada_code = ?)"
        )
        args += [filters.place, filters.place]
    if statuses is not None:
        sql += f" AND r.status IN ({','.join('?' for _ in statuses)})"
        args.extend(s.value for s in statuses)
    return sql, args
