"""The audit log: append-only (the schema's triggers refuse UPDATE and DELETE).

A row is an action code (``request.create``), a target and parameters: JSON values (counts,
codes such as a status or a role, item lines) that /audit words in the reader's language.
``summary`` is free text, kept for rows written before the parameters existed and for
callers that have nothing to structure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import aiosqlite
from pydantic import JsonValue

from storage.db import fetch_all
from storage.models import AuditEntry, AuditParams
from storage.timefmt import from_db, to_db

# The actor of rows written by the `aidbridge` command line (org add, invite, backup): no
# member acted (actor_id NULL); the label says it was whoever runs commands on the server,
# and /audit shows it as "cli".
CLI_ACTOR = "cli"


async def add_audit(
    conn: aiosqlite.Connection,
    *,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target: str | None,
    summary: str | None = None,
    params: Mapping[str, object] | None = None,
    now: datetime,
) -> None:
    """``params``: JSON values only (checked here, so a caller's slip fails its own
    transaction rather than leaving a row /audit cannot read)."""
    encoded = None
    if params is not None:
        checked = AuditParams.model_validate(dict(params))
        # In the caller's order: /audit lists parameters it has no words for in that order.
        encoded = json.dumps(checked.root, ensure_ascii=False)
    await conn.execute(
        "INSERT INTO audit (actor_id, actor_label, action, target, summary, params, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (actor_id, actor_label, action, target, summary, encoded, to_db(now)),
    )


async def list_audit(
    conn: aiosqlite.Connection,
    *,
    limit: int = 20,
    target: str | None = None,
    actor_id: int | None = None,
    member_id: int | None = None,
) -> list[AuditEntry]:
    """Newest first. ``member_id`` matches rows the member did or that were done to them
    (their target is ``member_target(member_id)``)."""
    sql = "SELECT * FROM audit WHERE 1 = 1"
    args: list[object] = []
    if target is not None:
        sql += " AND target = ?"
        args.append(target)
    if actor_id is not None:
        sql += " AND actor_id = ?"
        args.append(actor_id)
    if member_id is not None:
        sql += " AND (actor_id = ? OR target = ?)"
        args += [member_id, member_target(member_id)]
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    rows = await fetch_all(conn, sql, args)
    return [
        AuditEntry(
            id=r["id"],
            actor_id=r["actor_id"],
            actor_label=r["actor_label"],
            action=r["action"],
            target=r["target"],
            summary=r["summary"],
            params=_params(r["params"]),
            at=from_db(r["at"]),
        )
        for r in rows
    ]


def _params(raw: str | None) -> dict[str, JsonValue] | None:
    if raw is None:
        return None
    return AuditParams.model_validate_json(raw).root


def member_target(member_id: int) -> str:
    """How audit rows name a member they concern, so a member filter finds them."""
    return f"member:{member_id}"


def org_target(org_id: int) -> str:
    return f"org:{org_id}"
