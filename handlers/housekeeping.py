"""Periodic upkeep: asking requesters to re-confirm quiet requests, pruning old dedupe rows.

A request with no change for 14 days asks its requester, with one tap, whether it is still
needed; unanswered 7 days later it shows as stale in digests (storage/digests.py). The
schedule lives in bot/scheduler.py; this module only does the work, in one transaction.
"""

from __future__ import annotations

import json
from datetime import timedelta

from handlers.context import HandlerContext, Turn
from handlers.events import Choice, Reply
from handlers.i18n import normalise_language
from handlers.registry import REQUESTER, ChoiceRoute, Registry
from handlers.render import esc, request_block
from handlers.requester import ask_withdraw, visible_request
from storage import audit, lifecycle, members, organisations, outbox, updates
from storage.db import fetch_all
from storage.models import OPEN_STATUSES, EventKind
from storage.requests import add_status_event, get_request
from storage.timefmt import to_db

QUIET_FOR = timedelta(days=14)
KEEP_UPDATE_IDS = timedelta(days=30)


async def ask_reconfirm(ctx: HandlerContext) -> int:
    """Queue one question per quiet open request; returns how many were asked."""
    now = ctx.clock()
    asked = 0
    async with ctx.db.transaction() as conn:
        statuses = sorted(s.value for s in OPEN_STATUSES)
        rows = await fetch_all(
            conn,
            f"SELECT id FROM requests WHERE status IN ({','.join('?' for _ in statuses)})"
            " AND updated_at < ? AND reconfirm_asked_at IS NULL ORDER BY id LIMIT 500",
            [*statuses, to_db(now - QUIET_FOR)],
        )
        for row in rows:
            request = await get_request(conn, int(row["id"]))
            if request is None:
                continue
            org = await organisations.get_organisation(conn, request.org_id)
            for member in await members.list_members(conn, org_id=request.org_id):
                if not member.roles & REQUESTER:
                    continue
                lang = normalise_language(member.language, ctx.policy.default_language)
                text = (
                    ctx.t(lang, "reconfirm.question", ref=esc(request.ref))
                    + "\n\n"
                    + request_block(ctx.t, ctx.catalog, lang, request, org.name if org else None)
                )
                choices = [
                    [
                        Choice(
                            label=ctx.t(lang, "btn.still_needed"), payload=f"rc:yes:{request.id}"
                        ),
                        Choice(label=ctx.t(lang, "btn.withdraw"), payload=f"rc:wd:{request.id}"),
                    ]
                ]
                await outbox.add_outbox(
                    conn,
                    transport=member.identity.transport,
                    chat_id=member.chat_id,
                    text=text,
                    now=now,
                    member_id=member.id,
                    kind="reconfirm",
                    choices_json=json.dumps([[c.model_dump() for c in line] for line in choices]),
                )
            await conn.execute(
                "UPDATE requests SET reconfirm_asked_at = ? WHERE id = ?", (to_db(now), request.id)
            )
            asked += 1
        await updates.delete_processed_before(conn, now - KEEP_UPDATE_IDS)
    return asked


async def on_reconfirm(turn: Turn, payload: str) -> list[Reply]:
    action, _, ref = payload.partition(":")
    request = await visible_request(turn, ref)
    own = request is not None and turn.member is not None and request.org_id == turn.member.org_id
    if request is None or not own or request.status not in OPEN_STATUSES:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if action == "wd":
        return await ask_withdraw(turn, ref, replace=True)
    assert turn.member is not None
    # The digest's stale query reads the request's events, not updated_at: without an event
    # a re-confirmed request still counted as silent a week later.
    await add_status_event(
        turn.conn,
        request_id=request.id,
        status=request.status,
        actor_id=turn.member.id,
        note=None,
        now=turn.now,
        kind=EventKind.RECONFIRM,
    )
    await lifecycle.touch_request(turn.conn, request.id, turn.now)
    await audit.add_audit(
        turn.conn,
        actor_id=turn.member.id,
        actor_label=str(turn.member.identity),
        action="request.reconfirm",
        target=request.ref,
        summary="still needed",
        now=turn.now,
    )
    return [Reply(text=turn.tr("reconfirm.thanks", ref=esc(request.ref)), replace=True)]


def register(registry: Registry) -> None:
    registry.add_choice(ChoiceRoute("rc", REQUESTER, on_reconfirm))
