"""Periodic upkeep: asking requesters to re-confirm quiet requests, pruning old dedupe rows.

A request with no change for 14 days asks its requester, with one tap, whether it is still
needed; unanswered 7 days later it shows as stale in digests (storage/digests.py). The
schedule lives in bot/scheduler.py; this module only does the work, in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.context import HOUSEKEEPING, HandlerContext, Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import REQUESTER, ChoiceRoute, Registry
from handlers.requests.requester_commands import ask_withdraw, visible_request
from handlers.text.format import esc, request_block
from handlers.text.i18n import normalise_language
from storage import lifecycle, members, organisations, updates
from storage.models import OPEN_STATUSES, EventKind
from storage.requests import add_status_event, get_request

QUIET_FOR = timedelta(days=14)
KEEP_UPDATE_IDS = timedelta(days=30)


async def ask_reconfirm(ctx: HandlerContext) -> int:
    """Queue one question per quiet open request; returns how many were asked."""
    asked = 0
    async with ctx.job(HOUSEKEEPING) as job:
        quiet = await lifecycle.list_quiet_request_ids(
            job.conn, unchanged_since=job.now - QUIET_FOR, limit=500
        )
        for request_id in quiet:
            request = await get_request(job.conn, request_id)
            if request is None:
                continue
            org = await organisations.get_organisation(job.conn, request.org_id)
            for member in await members.list_members(job.conn, org_id=request.org_id):
                if not member.roles & REQUESTER:
                    continue
                lang = normalise_language(member.language, ctx.policy.default_language)
                text = (
                    ctx.t(lang, "reconfirm.question", ref=esc(request.ref))
                    + "\n\n"
                    + request_block(ctx.t, ctx.catalog, lang, request, org.name if org else None)
                )
                choices = (
                    (
                        Choice(
                            label=ctx.t(lang, "btn.still_needed"), payload=f"rc:yes:{request.id}"
                        ),
                        Choice(label=ctx.t(lang, "btn.withdraw"), payload=f"rc:wd:{request.id}"),
                    ),
                )
                await job.notify(member, Reply(text=text, choices=choices), "reconfirm")
            await lifecycle.set_reconfirm_asked(job.conn, request.id, job.now)
            asked += 1
        await updates.delete_processed_before(job.conn, job.now - KEEP_UPDATE_IDS)
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
    await turn.audit("request.reconfirm", request.ref, params={})
    return [Reply(text=turn.tr("reconfirm.thanks", ref=esc(request.ref)), replace=True)]


def register(registry: Registry) -> None:
    registry.add_choice(ChoiceRoute("rc", REQUESTER, on_reconfirm))
