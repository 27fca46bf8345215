"""/offers, /matches O-7 | R-1042, /allocate O-7 R-1042 QTY (/withdraw O-7: view.py).

/offers shows a donor their organisation's offers with what was allocated where, and a
coordinator every open offer with how many open needs each could cover. /matches reads both
ways through handlers/offers/matching.py. /allocate makes the donor's organisation the
pledger with /pledge's own rules (handlers/lifecycle/rules.pledge_plan) and /pledge's one
place for history, audit and notices (handlers/lifecycle/commands.record); the requester
hears who pledged only when the donor agreed to be named, the donor hears where the goods go.
"""

from __future__ import annotations

from collections import defaultdict

from handlers.core import location_policy
from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.notify import notify_members
from handlers.core.registry import COORDINATOR, DONOR, Command, Registry
from handlers.lifecycle.commands import record, refusal
from handlers.lifecycle.rules import ItemAmount, pledge_plan
from handlers.offers.matching import Match, lines_for_need, needs_for_line, needs_per_offer, overdue
from handlers.offers.service import line_label
from handlers.offers.view import is_coordinator, offer_not_found, visible_offer
from handlers.requests.requester_commands import not_found, parse_ref
from handlers.requests.units import unit_name
from handlers.text.format import describe_lines, esc, fmt_date, fmt_qty, item_label, urgency_label
from handlers.text.numbers import small_int
from handlers.text.places import latin_beside
from storage import lifecycle, members, offers, organisations, requests
from storage.models import EventKind, Organisation, Status
from storage.offer_models import Offer, OfferStatus, parse_offer_ref

MAX_LIST = 20
MAX_MATCHES = 10


async def _orgs(turn: Turn) -> dict[int, Organisation]:
    return {o.id: o for o in await organisations.list_organisations(turn.conn)}


def _head(turn: Turn, offer: Offer, org_name: str | None) -> str:
    parts = [f"<b>{esc(offer.ref)}</b>"]
    if org_name:
        parts.append(esc(latin_beside(org_name, turn.lang)))
    parts.append(turn.tr(f"offer.status.{offer.status.value}"))
    parts.append(turn.tr("offer.until_short", date=fmt_date(offer.available_until)))
    parts.append(esc(offer.pickup_place))
    parts.append(turn.tr(f"offer.condition.{offer.condition.value}"))
    return " · ".join(parts)


# --- /offers ------------------------------------------------------------------------------


async def cmd_offers(turn: Turn, args: str) -> list[Reply]:
    if is_coordinator(turn):
        return await _all_open(turn)
    return await _own(turn)


async def _own(turn: Turn) -> list[Reply]:
    if turn.member is None or turn.member.org_id is None:
        return [Reply(text=turn.tr("intake.no_org"))]
    mine = await offers.list_offers(turn.conn, org_id=turn.member.org_id, limit=MAX_LIST)
    if not mine:
        return [Reply(text=turn.tr("offer.none_own"))]
    orgs = await _orgs(turn)
    out = [f"<b>{esc(turn.tr('offer.own_title', count=len(mine)))}</b>"]
    for offer in mine:
        out.append("")
        out.append(_head(turn, offer, None))
        given: dict[int, list[str]] = defaultdict(list)
        for allocation in await offers.list_allocations(turn.conn, offer.id):
            request = await requests.get_request(turn.conn, allocation.request_id)
            org = orgs.get(request.org_id) if request else None
            name = latin_beside(org.name, turn.lang) if org else "?"
            given[allocation.line_id].append(
                turn.tr(
                    "offer.allocated_to",
                    qty=fmt_qty(allocation.quantity),
                    ref=f"R-{allocation.request_id}",
                    org=esc(name),
                )
            )
        for number, line in enumerate(offer.lines, 1):
            name = item_label(turn.ctx.catalog, turn.lang, line.item_key, line.free_text)
            spec = f" ({esc(line.spec)})" if line.spec else ""
            out.append(
                f"{number}. {esc(name)} ×{fmt_qty(line.quantity)}{spec} — "
                + turn.tr(
                    "offer.line_progress",
                    allocated=fmt_qty(line.allocated),
                    left=fmt_qty(line.remaining),
                )
            )
            out.extend(f"   → {text}" for text in given.get(line.id, []))
    out.append("")
    out.append(turn.tr("offer.own_hint"))
    return [Reply(text="\n".join(out))]


async def _all_open(turn: Turn) -> list[Reply]:
    offer_ids = await offers.list_open_offer_ids(turn.conn, today=turn.today)
    if not offer_ids:
        return [Reply(text=turn.tr("offer.none_open"))]
    shown = offer_ids[:MAX_LIST]
    lines = await offers.list_open_offer_lines(turn.conn, today=turn.today, offer_ids=shown)
    keys = {line.item_key for line in lines if line.item_key}
    counts = needs_per_offer(lines, await offers.count_open_needs(turn.conn, keys))
    orgs = await _orgs(turn)
    out = [f"<b>{esc(turn.tr('offer.open_title', count=len(offer_ids)))}</b>"]
    for offer_id in shown:
        offer = await offers.get_offer(turn.conn, offer_id)
        if offer is None:
            continue
        org = orgs.get(offer.org_id)
        out.append("")
        out.append(_head(turn, offer, org.name if org else None))
        # Numbered as the offer's lines are, so /allocate O-7/2 names one of them.
        out.extend(
            f"{number}. " + line_label(turn.ctx, turn.lang, line)
            for number, line in enumerate(offer.lines, 1)
            if line.remaining > 0
        )
        out.append(turn.tr("offer.could_cover", count=counts.get(offer_id, 0), ref=offer.ref))
    if len(offer_ids) > MAX_LIST:
        out.append("")
        out.append(turn.tr("offer.more", count=len(offer_ids) - MAX_LIST))
    return [Reply(text="\n".join(out))]


# --- /matches -----------------------------------------------------------------------------


async def cmd_matches(turn: Turn, args: str) -> list[Reply]:
    ref = args.strip().split(maxsplit=1)[0] if args.strip() else ""
    if parse_offer_ref(ref) is not None:
        return await _matches_offer(turn, ref)
    if parse_ref(ref) is not None:
        return await _matches_request(turn, ref)
    return [Reply(text=turn.tr("offer.matches_usage"))]


def _place(turn: Turn, org: Organisation | None) -> str:
    if org is None:
        return "?"
    level = location_policy.detail(turn.roles, location_policy.View.OPEN)
    place = location_policy.place_text(turn.ctx.t, turn.lang, level, org)
    name = latin_beside(org.name, turn.lang)
    return esc(f"{name}, {place}" if place else name)


def _units(turn: Turn, need_unit: str, offer_unit: str) -> str:
    return turn.tr(
        "offer.other_unit",
        need_unit=esc(unit_name(need_unit, turn.lang)),
        unit=esc(unit_name(offer_unit, turn.lang)),
    )


def _need_line(turn: Turn, match: Match, orgs: dict[int, Organisation]) -> str:
    need, line = match.need, match.line
    flags = [urgency_label(turn.ctx.t, turn.lang, need.urgency)]
    if overdue(need, turn.today) and need.needed_by is not None:
        flags.append(turn.tr("offer.overdue", date=fmt_date(need.needed_by)))
    side = turn.tr(
        "offer.side_by_side",
        need_qty=fmt_qty(need.outstanding),
        need_spec=esc(need.spec or "—"),
        offer_qty=fmt_qty(line.remaining),
        offer_spec=esc(line.spec or "—"),
    )
    if not match.same_unit:
        side += " " + _units(turn, need.unit, line.unit)
    qty = match.covers or need.outstanding
    hint = f"/allocate O-{line.offer_id} R-{need.request_id} {qty}"
    where = _place(turn, orgs.get(need.org_id))
    return (
        f"• <b>R-{need.request_id}</b> · {' · '.join(flags)} · {where}"
        f"\n   {side}\n   <code>{esc(hint)}</code>"
    )


async def _matches_offer(turn: Turn, ref: str) -> list[Reply]:
    offer = await visible_offer(turn, ref)
    if offer is None:
        return offer_not_found(turn, ref)
    if offer.status is not OfferStatus.OPEN or offer.available_until < turn.today:
        return [Reply(text=turn.tr("offer.not_open", ref=esc(offer.ref)))]
    keys = {line.item_key for line in offer.lines if line.item_key}
    open_lines = [
        line
        for line in await offers.list_open_offer_lines(turn.conn, today=turn.today, item_keys=keys)
        if line.offer_id == offer.id
    ]
    orgs = await _orgs(turn)
    out = [f"<b>{esc(turn.tr('offer.matches_offer_title', ref=offer.ref))}</b>"]
    by_id = {line.id: (number, line) for number, line in enumerate(offer.lines, 1)}
    for open_line in open_lines:
        number, line = by_id[open_line.line_id]
        out.append("")
        out.append(f"{number}. " + line_label(turn.ctx, turn.lang, line))
        # The first few by rank, ranked in SQL; the pure function orders what is shown.
        top, total = await offers.top_open_needs(
            turn.conn, open_line.item_key or "", today=turn.today, n=MAX_MATCHES
        )
        found = needs_for_line(open_line, top, turn.today)
        if not found:
            out.append(turn.tr("offer.no_matches_line"))
        out.extend(_need_line(turn, m, orgs) for m in found)
        if total > len(found):
            out.append(turn.tr("offer.more", count=total - len(found)))
    free = [line for line in offer.lines if line.item_key is None and line.remaining > 0]
    if free:
        out.append("")
        out.append(turn.tr("offer.free_text_lines", count=len(free)))
    if not open_lines and not free:
        out.append(turn.tr("offer.nothing_left", ref=esc(offer.ref)))
    return [Reply(text="\n".join(out))]


async def _matches_request(turn: Turn, ref: str) -> list[Reply]:
    request_id = parse_ref(ref)
    request = await requests.get_request(turn.conn, request_id) if request_id else None
    if request is None:
        return not_found(turn, ref)
    needs = await offers.list_open_needs(turn.conn, request_id=request.id)
    lines = []
    for key in sorted({n.item_key for n in needs if n.item_key}):
        lines += await offers.list_open_offer_lines(
            turn.conn, today=turn.today, item_keys=[key], limit=MAX_MATCHES
        )
    orgs = await _orgs(turn)
    out = [f"<b>{esc(turn.tr('offer.matches_request_title', ref=request.ref))}</b>"]
    any_found = False
    for need in needs:
        found = lines_for_need(need, lines)
        if not found:
            continue
        any_found = True
        name = item_label(turn.ctx.catalog, turn.lang, need.item_key, need.free_text)
        spec = f" ({esc(need.spec)})" if need.spec else ""
        out.append("")
        out.append(f"{esc(name)} ×{fmt_qty(need.outstanding)}{spec}")
        for match in found[:MAX_MATCHES]:
            line = match.line
            org = orgs.get(line.org_id)
            side = turn.tr(
                "offer.side_by_side",
                need_qty=fmt_qty(need.outstanding),
                need_spec=esc(need.spec or "—"),
                offer_qty=fmt_qty(line.remaining),
                offer_spec=esc(line.spec or "—"),
            )
            if not match.same_unit:
                side += " " + _units(turn, need.unit, line.unit)
            qty = match.covers or need.outstanding
            hint = f"/allocate O-{line.offer_id} R-{need.request_id} {qty}"
            donor = esc(latin_beside(org.name, turn.lang)) if org else "?"
            out.append(
                f"• <b>O-{line.offer_id}</b> · {donor} · "
                + turn.tr("offer.until_short", date=fmt_date(line.available_until))
                + f"\n   {side}\n   <code>{esc(hint)}</code>"
            )
    if not any_found:
        out.append(turn.tr("offer.no_matches_request"))
    return [Reply(text="\n".join(out))]


# --- /allocate ----------------------------------------------------------------------------


def _numbered(token: str) -> tuple[str, int | None]:
    """'O-7/2' -> ('O-7', 2): a line of an offer or an item of a request by its number."""
    ref, sep, number = token.partition("/")
    if not sep:
        return ref, None
    value = small_int(number)
    return ref, (value if value is not None else 0)


async def cmd_allocate(turn: Turn, args: str) -> list[Reply]:
    parts = args.split()
    usage = [Reply(text=turn.tr("offer.allocate_usage"))]
    if len(parts) != 3:
        return usage
    offer_text, line_no = _numbered(parts[0])
    request_text, item_no = _numbered(parts[1])
    qty_text = parts[2]
    quantity = small_int(qty_text)
    if parse_offer_ref(offer_text) is None or parse_ref(request_text) is None:
        return usage
    if line_no == 0 or item_no == 0:
        return usage
    if quantity is None or quantity <= 0:
        return [Reply(text=turn.tr("offer.allocate_bad_qty", text=esc(qty_text[:20])))]
    offer = await visible_offer(turn, offer_text)
    if offer is None:
        return offer_not_found(turn, offer_text)
    request_id = parse_ref(request_text)
    request = await requests.get_request(turn.conn, request_id) if request_id else None
    if request is None:
        return not_found(turn, request_text)
    if offer.status is not OfferStatus.OPEN or offer.available_until < turn.today:
        return [Reply(text=turn.tr("offer.not_open", ref=esc(offer.ref)))]
    explicit = line_no is not None and item_no is not None
    pairs = [
        (line, item)
        for number, line in enumerate(offer.lines, 1)
        if line.remaining > 0 and line_no in (None, number)
        for index, item in enumerate(request.items, 1)
        if item_no in (None, index)
        # The same catalog item; a coordinator who names both a line and an item (a line in
        # free text, a different model) pairs them on purpose.
        and (explicit or (line.item_key is not None and item.item_key == line.item_key))
    ]
    if not pairs:
        return [
            Reply(text=turn.tr("offer.allocate_no_match", offer=offer.ref, ref=esc(request.ref)))
        ]
    if len(pairs) > 1:
        # Two lines of the offer, or two items of the request, of one catalog item: which
        # goes where is the coordinator's to say (O-7/2 R-1042/1), never guessed.
        return [Reply(text=turn.tr("offer.allocate_ambiguous", offer=offer.ref, ref=request.ref))]
    line, item = pairs[0]
    if quantity > line.remaining:
        return [
            Reply(
                text=turn.tr("offer.allocate_too_much", ref=offer.ref, left=fmt_qty(line.remaining))
            )
        ]
    plan, error = pledge_plan(request, (ItemAmount(item, quantity),))
    if error:
        return refusal(turn, error, request)
    assert turn.member is not None
    if not await offers.allocate(
        turn.conn,
        offer_id=offer.id,
        line_id=line.id,
        request_id=request.id,
        item_id=item.id,
        quantity=quantity,
        member_id=turn.member.id,
        now=turn.now,
    ):
        return [
            Reply(
                text=turn.tr("offer.allocate_too_much", ref=offer.ref, left=fmt_qty(line.remaining))
            )
        ]
    await lifecycle.add_pledge(
        turn.conn,
        request_id=request.id,
        item_id=item.id,
        org_id=offer.org_id,
        member_id=turn.member.id,
        quantity=quantity,
        note=None,
        now=turn.now,
    )
    donor = await organisations.get_organisation(turn.conn, offer.org_id)
    donor_name = donor.name if donor else ""
    lines = await record(
        turn,
        request,
        action="offer.allocate",
        new_status=Status.PLEDGED,
        note=None,
        summary="pledge",
        notify_key="offer.notify_pledged_named" if offer.named else "offer.notify_pledged_anon",
        amounts=plan,
        stage=EventKind.PLEDGE,
        org_name=donor_name if offer.named else "",
        extra_params={"offer": offer.ref, "quantity": quantity},
    )
    hospital = await organisations.get_organisation(turn.conn, request.org_id)
    hospital_name = hospital.name if hospital else "?"
    donors = await members.list_members(turn.conn, org_id=offer.org_id)
    await notify_members(
        turn,
        donors,
        lambda lang: turn.ctx.t(
            lang,
            "offer.notify_allocated",
            ref=esc(offer.ref),
            request=esc(request.ref),
            org=esc(latin_beside(hospital_name, lang)),
            summary=esc(describe_lines(turn.ctx.t, turn.ctx.catalog, lang, lines)),
        ),
    )
    return [
        Reply(
            text=turn.tr(
                "offer.allocated",
                ref=esc(offer.ref),
                request=esc(request.ref),
                summary=esc(describe_lines(turn.ctx.t, turn.ctx.catalog, turn.lang, lines)),
                left=fmt_qty(line.remaining - quantity),
            )
        )
    ]


def register(registry: Registry) -> None:
    # All private (registry.Where's default): offers name donors, matches name hospitals.
    registry.add_command(Command("offers", DONOR | COORDINATOR, cmd_offers, "help.offers"))
    registry.add_command(Command("matches", COORDINATOR, cmd_matches, "help.matches"))
    registry.add_command(Command("allocate", COORDINATOR, cmd_allocate, "help.allocate"))
