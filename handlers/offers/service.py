"""Every change to an offer in the turn's (or job's) transaction: the rows, the audit row and
one outbox row per person who must hear of it.

- submit_offer: the offer, its audit row, and an alert to coordinators when it could cover
  open critical needs;
- alert_request_covered: a new critical request that an open offer could cover alerts
  coordinators at once (called by handlers/requests/submit.py after its own critical alert);
- expire_offers: the housekeeping job's part: a reminder three days before the last day,
  the expiry the day after it; each claimed by a conditional UPDATE, so each happens once
  however often the job runs or restarts.

Alerts go where critical alerts go: each critical-alert subscription whose room is not held
by the room policy, in its language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from handlers.core.context import HOUSEKEEPING, HandlerContext, Job, Turn
from handlers.core.events import Reply
from handlers.core.notify import notify_members
from handlers.offers.matching import lines_for_need, needs_for_line
from handlers.text.format import esc, fmt_date, fmt_qty, item_label
from handlers.text.i18n import Language, normalise_language
from storage import members, offers, organisations, requests, room_holds, subscriptions
from storage.models import (
    Filters,
    NeedItemDraft,
    NeedRequest,
    Organisation,
    SubscriptionKind,
    Urgency,
)
from storage.offer_models import Condition, Offer, OfferLine, OfferStatus, OpenNeed

REMIND_DAYS = 3
MAX_ALERT_LINES = 10


def line_label(ctx: HandlerContext, lang: Language, line: OfferLine) -> str:
    """'Generator ×12 (20 kVA)', escaped."""
    name = item_label(ctx.catalog, lang, line.item_key, line.free_text)
    spec = f" ({esc(line.spec)})" if line.spec else ""
    return f"{esc(name)} ×{fmt_qty(line.remaining)}{spec}"


# handlers/requests/submit.matches, handed in by its callers (submit.py imports this module):
# whether a request falls under a subscription's filters.
Matches = Callable[[Filters, NeedRequest, Organisation], bool]


async def _alert(turn: Turn, render: Callable[[Language, Filters], str | None]) -> int:
    """One alert per critical-alert subscription whose filters the alert concerns (``render``
    answers None for the others); rooms the room policy holds get none."""
    subs = await subscriptions.list_subscriptions(turn.conn, kind=SubscriptionKind.CRITICAL)
    held = await room_holds.held_chats(turn.conn) if subs else set()
    sent = 0
    for sub in subs:
        if (sub.transport, sub.chat_id) in held:
            continue
        if turn.member is not None and sub.member_id == turn.member.id:
            continue
        lang = normalise_language(sub.language, turn.ctx.policy.default_language)
        text = render(lang, sub.filters)
        if text is None:
            continue
        await turn.notify(sub.recipient, Reply(text=text), "alert")
        sent += 1
    return sent


async def submit_offer(
    turn: Turn,
    *,
    lines: Sequence[NeedItemDraft],
    until: date,
    place: str,
    condition: Condition,
    note: str | None,
    named: bool,
    matches: Matches,
) -> Offer:
    assert turn.member is not None and turn.member.org_id is not None
    offer = await offers.add_offer(
        turn.conn,
        org_id=turn.member.org_id,
        created_by=turn.member.id,
        available_until=until,
        pickup_place=place,
        condition=condition,
        note=note,
        named=named,
        lines=lines,
        now=turn.now,
    )
    await turn.audit(
        "offer.create",
        offer.ref,
        params={"lines": len(offer.lines), "until": until.isoformat(), "named": named},
    )
    await alert_offer_covers(turn, offer, matches)
    return offer


async def alert_offer_covers(turn: Turn, offer: Offer, matches: Matches) -> int:
    """A new offer that could cover open critical needs: coordinators hear it at once."""
    keys = {line.item_key for line in offer.lines if line.item_key}
    if not keys:
        return 0
    # The most pressing few are what the alert names: ranked and cut in SQL, so an offer of
    # a popular item costs no thousands of rows (bench/matching.py).
    needs = await offers.list_open_needs(
        turn.conn, item_keys=keys, urgency=Urgency.CRITICAL, top=(turn.today, MAX_ALERT_LINES)
    )
    if not needs:
        return 0
    open_lines = [
        line
        for line in await offers.list_open_offer_lines(turn.conn, today=turn.today, item_keys=keys)
        if line.offer_id == offer.id
    ]
    found: list[OpenNeed] = []
    for line in open_lines:
        found.extend(m.need for m in needs_for_line(line, needs, turn.today))
    if not found:
        return 0
    covered: list[tuple[NeedRequest, Organisation, OpenNeed]] = []
    for need in found:
        request = await requests.get_request(turn.conn, need.request_id)
        org = await organisations.get_organisation(turn.conn, need.org_id)
        if request is not None and org is not None:
            covered.append((request, org, need))

    def render(lang: Language, filters: Filters) -> str | None:
        # Each subscription hears of the needs its filters select (a raion, an item ...).
        mine = [(r, n) for r, org, n in covered if matches(filters, r, org)]
        if not mine:
            return None
        refs = sorted({r.ref for r, _ in mine}, key=lambda ref: int(ref[2:]))
        keys = {n.item_key for _, n in mine}
        shown = [
            "• " + line_label(turn.ctx, lang, line) for line in offer.lines if line.item_key in keys
        ]
        return turn.ctx.t(
            lang,
            "offer.alert_offer_covers",
            ref=esc(offer.ref),
            requests=esc(", ".join(refs)),
            lines="\n".join(shown),
        )

    return await _alert(turn, render)


async def alert_request_covered(
    turn: Turn, request: NeedRequest, org: Organisation, matches: Matches
) -> int:
    """A new critical request that an open offer could cover: coordinators hear it at once."""
    if request.urgency is not Urgency.CRITICAL:
        return 0
    keys = sorted({i.item_key for i in request.items if i.item_key})
    lines = []
    for key in keys:  # the first few lines of each item: what the alert can name
        lines += await offers.list_open_offer_lines(
            turn.conn, today=turn.today, item_keys=[key], limit=MAX_ALERT_LINES
        )
    if not lines:
        return 0
    needs = await offers.list_open_needs(turn.conn, request_id=request.id)
    pairs = [m for need in needs for m in lines_for_need(need, lines)]
    if not pairs:
        return 0

    def render(lang: Language, filters: Filters) -> str | None:
        if not matches(filters, request, org):
            return None  # the request's own critical alert skips this subscription too
        shown = []
        for match in pairs[:MAX_ALERT_LINES]:
            name = item_label(turn.ctx.catalog, lang, match.line.item_key, None)
            spec = f" ({esc(match.line.spec)})" if match.line.spec else ""
            shown.append(
                f"• O-{match.line.offer_id}: {esc(name)} ×{fmt_qty(match.line.remaining)}{spec}"
            )
        return turn.ctx.t(
            lang, "offer.alert_request_covered", ref=esc(request.ref), lines="\n".join(shown)
        )

    return await _alert(turn, render)


async def expire_offers(ctx: HandlerContext) -> tuple[int, int]:
    """Reminders three days before an offer's last day, expiry the day after it: (reminded,
    expired). Each is claimed by a conditional UPDATE in the job's one transaction, so a
    second run, or two at once, sends nothing twice."""
    reminded = expired = 0
    async with ctx.job(HOUSEKEEPING) as job:
        today = job.now.astimezone(ctx.policy.timezone).date()
        for offer in await offers.list_offers_to_expire(job.conn, today=today):
            if not await offers.set_offer_status(
                job.conn, offer.id, OfferStatus.EXPIRED, expected=OfferStatus.OPEN, now=job.now
            ):
                continue
            await job.audit("offer.expire", offer.ref, params={"left": offer.remaining})
            if offer.remaining > 0:  # all of it allocated: nothing the donor must hear
                await _tell_donors(ctx, job, offer, "offer.notify_expired")
            expired += 1
        due = today + timedelta(days=REMIND_DAYS)
        for offer in await offers.list_offers_to_remind(job.conn, until_by=due):
            if offer.available_until < today or offer.remaining == 0:
                continue
            if not await offers.set_reminded(job.conn, offer.id, job.now):
                continue
            await _tell_donors(ctx, job, offer, "offer.notify_reminder")
            reminded += 1
    return reminded, expired


async def _tell_donors(ctx: HandlerContext, job: Job, offer: Offer, key: str) -> None:
    for member in await members.list_members(job.conn, org_id=offer.org_id):
        lang = normalise_language(member.language, ctx.policy.default_language)
        left = "\n".join(
            "• " + line_label(ctx, lang, line) for line in offer.lines if line.remaining > 0
        )
        text = ctx.t(
            lang, key, ref=esc(offer.ref), date=fmt_date(offer.available_until), lines=left
        )
        await job.notify(member, Reply(text=text), "notice")


async def tell_donors_of_shipment(
    turn: Turn, request_ids: Sequence[int], key: str, shipment_ref: str
) -> int:
    """Donors whose offers went to these requests hear that their goods left or arrived
    (handlers/shipments/service.py calls this beside its own notices)."""
    by_org: dict[int, set[int]] = {}
    for request_id in sorted(set(request_ids)):
        for org_id in await offers.list_donor_org_ids(turn.conn, request_id):
            by_org.setdefault(org_id, set()).add(request_id)
    told = 0
    for org_id, ids in by_org.items():
        refs = esc(", ".join(f"R-{i}" for i in sorted(ids)))

        def render(lang: Language, refs: str = refs) -> str:
            return turn.ctx.t(lang, key, ref=esc(shipment_ref), requests=refs)

        donors = await members.list_members(turn.conn, org_id=org_id)
        told += await notify_members(turn, donors, render)
    return told


async def clear_closed_offer_notes(ctx: HandlerContext) -> int:
    """Retention (daily, beside apply_retention): the notes of offers closed more than
    ``retention_days`` ago, in one short transaction with its audit row."""
    async with ctx.job(HOUSEKEEPING) as job:
        cutoff = job.now - timedelta(days=ctx.policy.retention_days)
        cleared = await offers.clear_closed_notes(job.conn, closed_before=cutoff)
        if cleared:
            await job.audit(
                "offer.clear_notes",
                None,
                params={"offers": cleared, "before": cutoff.date().isoformat()},
            )
    return cleared
