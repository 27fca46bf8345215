"""Submit: one transaction stores the request, its first status, the audit row, the
notifications for everyone who must hear of it and the sender's confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.coordination.hxl_export import expand_category
from handlers.core import location_policy
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_members
from handlers.offers import service as offer_service
from handlers.text.format import esc, request_block
from handlers.text.i18n import normalise_language
from handlers.text.places import latin_beside
from storage import members, organisations, requests, room_holds, subscriptions
from storage.models import Filters, NeedRequest, Organisation, SubscriptionKind, Urgency

if TYPE_CHECKING:
    from handlers.requests.intake import Draft

# The flow a submitted draft's row moves to: a second tap on Submit finds it there.
SUBMITTED = "submitted"


async def submit_draft(turn: Turn, draft: Draft) -> list[Reply]:
    assert turn.member is not None and turn.member.org_id is not None
    if not draft.items:
        return [Reply(text=turn.tr("intake.no_items"))]
    org = await organisations.get_organisation(turn.conn, turn.member.org_id)
    assert org is not None
    request = await requests.add_request(
        turn.conn,
        org_id=org.id,
        created_by=turn.member.id,
        urgency=draft.urgency or Urgency.NORMAL,
        needed_by=draft.needed_by,
        delivery_place=draft.place,
        note=draft.note,
        items=draft.items,
        now=turn.now,
    )
    await turn.audit(
        "request.create",
        request.ref,
        params={"items": len(request.items), "urgency": request.urgency.value},
    )
    await _notify(turn, request, org)
    draft.submitted_ref = request.ref
    # Keep a marker instead of the draft, so a second tap on Submit is recognised.
    await turn.flow.save(SUBMITTED, "done", draft)
    text = (
        turn.tr("intake.saved", ref=esc(request.ref))
        + "\n\n"
        + request_block(turn.ctx.t, turn.ctx.catalog, turn.lang, request, org.name)
        + "\n\n"
        + turn.tr("intake.saved_next", ref=esc(request.ref))
    )
    more = Choice(label=turn.tr("btn.new_request"), payload="w:start")
    return [Reply(text=text, choices=((more,),), replace=True, durable=True)]


async def _notify(turn: Turn, request: NeedRequest, org: Organisation) -> None:
    org_name = org.name
    colleagues = await members.list_members(turn.conn, org_id=request.org_id)
    await notify_members(
        turn,
        colleagues,
        lambda lang: (
            turn.ctx.t(lang, "notify.colleague_filed", ref=esc(request.ref))
            + "\n\n"
            + request_block(turn.ctx.t, turn.ctx.catalog, lang, request, org_name)
        ),
        # For their information, not awaited: bulk, behind answers and lifecycle notices.
        kind="colleague",
    )
    if request.urgency is Urgency.CRITICAL:
        await alert_critical(turn, request, org)
        # An open offer that could cover it: coordinators hear that at once too (issue 15).
        await offer_service.alert_request_covered(turn, request, org, matches)


def matches(filters: Filters, request: NeedRequest, org: Organisation) -> bool:
    """Whether a new request falls under a subscription's filters (as storage/filters.py)."""
    if filters.urgency is not None and filters.urgency is not request.urgency:
        return False
    if filters.org_id is not None and filters.org_id != request.org_id:
        return False
    if filters.raion is not None and filters.raion != org.raion:
        return False
    if filters.place is not None and filters.place not in (
        org.place.raion_code,
        org.place.hromada_code,
    ):
        return False
    if filters.item_keys is not None:
        return any(i.item_key in filters.item_keys for i in request.items)
    return True


async def alert_critical(turn: Turn, request: NeedRequest, org: Organisation) -> None:
    """An alert to every critical-alert subscription whose filters match, in its language,
    with the place its reader may see (handlers/core/location_policy.py)."""
    subs = await subscriptions.list_subscriptions(turn.conn, kind=SubscriptionKind.CRITICAL)
    # Rooms held by the room policy (someone in them is not a coordinator) get no alert.
    held = await room_holds.held_chats(turn.conn) if subs else set()
    for sub in subs:
        # A category reaches matches() as its catalog keys, as it reaches storage's queries.
        if not matches(expand_category(sub.filters, turn.ctx.catalog), request, org):
            continue
        if (sub.transport, sub.chat_id) in held:
            continue
        if turn.member is not None and sub.member_id == turn.member.id:
            continue
        reader = await members.get_member(turn.conn, sub.member_id)
        roles = reader.roles if reader is not None else frozenset()
        own = reader is not None and reader.org_id == org.id
        level = location_policy.detail(roles, location_policy.View.ALERT, own=own)
        lang = normalise_language(sub.language, turn.ctx.policy.default_language)
        place = location_policy.place_text(turn.ctx.t, lang, level, org, request.delivery_place)
        shown = request.model_copy(update={"delivery_place": place})
        name = latin_beside(org.name, lang) if level else None
        text = (
            turn.ctx.t(lang, "notify.critical_new", ref=esc(request.ref))
            + "\n\n"
            + request_block(turn.ctx.t, turn.ctx.catalog, lang, shown, name)
        )
        await turn.notify(sub.recipient, Reply(text=text), "alert")
