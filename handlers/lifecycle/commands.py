"""Coordinators move requests through their lifecycle; requesters confirm receipt.

/open lists open requests (critical and oldest first, paginated), /ack, /pledge, /transit,
/delivered, /decline and /note change them, /received closes the loop from the hospital's
side. Every change writes a status event (or a note), an audit row and a notification to each
member of the requesting organisation in their own language.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from handlers.coordination import place_filter
from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_members
from handlers.core.registry import COORDINATOR, REQUESTER, ChoiceRoute, Command, Registry
from handlers.lifecycle.rules import (
    ACKABLE,
    DECLINABLE,
    RECEIVABLE,
    TRANSITABLE,
    AmountsParse,
    ItemAmount,
    delivery_plan,
    parse_amounts,
    pledge_plan,
    receipt_plan,
)
from handlers.requests.duplicates import duplicate_marks
from handlers.requests.requester_commands import not_found, parse_ref, visible_request
from handlers.shipments import receipt as shipment_receipt
from handlers.text.format import (
    describe_lines,
    esc,
    item_label,
    progress_phrase,
    request_line,
    status_label,
)
from handlers.text.numbers import small_int
from handlers.text.places import latin_beside
from storage import lifecycle, members, organisations, requests
from storage.models import (
    OPEN_STATUSES,
    EventKind,
    Filters,
    NeedItem,
    NeedRequest,
    ProgressLine,
    Role,
    Status,
    Urgency,
)
from storage.places import codifier
from storage.shipment_models import parse_shipment_ref

PAGE_SIZE = 10
MAX_NOTE = 1000
_URGENCY_WORDS: dict[str, Urgency] = {
    "critical": Urgency.CRITICAL,
    "kritisch": Urgency.CRITICAL,
    "критично": Urgency.CRITICAL,
    "high": Urgency.HIGH,
    "hoch": Urgency.HIGH,
    "високо": Urgency.HIGH,
    "normal": Urgency.NORMAL,
    "звичайно": Urgency.NORMAL,
    "low": Urgency.LOW,
    "niedrig": Urgency.LOW,
    "низько": Urgency.LOW,
}
# A filter word that is no selection: the digest adds totals per raion (Filters.by_raion).
BY_RAION_WORDS = frozenset(
    {
        "by-raion",
        "by_raion",
        "raions",
        "nach-rajon",
        "nach_rajon",
        "rajone",
        "по-районах",
        "по_районах",
        "райони",
    }
)
_URGENCY_CODE = {Urgency.CRITICAL: "c", Urgency.HIGH: "h", Urgency.NORMAL: "n", Urgency.LOW: "l"}
# do_pledge, do_delivered: a change of the request's amounts, with its note.
AmountsChange = Callable[
    [Turn, NeedRequest, tuple[ItemAmount, ...], str | None], Awaitable[list[Reply]]
]


# --- /open -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFilters:
    """Filter words read: the filters, or the first word that matched nothing (``unknown``),
    or the index in ``words`` of a place name that fits several units (``ask``)."""

    filters: Filters
    words: tuple[str, ...] = ()
    unknown: str | None = None
    ask: int | None = None


async def parse_filters(turn: Turn, args: str) -> ParsedFilters:
    """Words in any order: an urgency, a category, an organisation (id or name), a raion or
    hromada (name, with or without its type word, or code; handlers/coordination/place_filter).
    """
    urgency: Urgency | None = None
    category: str | None = None
    place: str | None = None
    org_id: int | None = None
    by_raion = False
    orgs = await organisations.list_organisations(turn.conn)
    catalog = turn.ctx.catalog
    words = tuple(place_filter.group_words(args))
    for index, word in enumerate(words):
        folded = word.casefold()
        if folded in _URGENCY_WORDS:
            urgency = _URGENCY_WORDS[folded]
            continue
        if folded in BY_RAION_WORDS:
            by_raion = True
            continue
        cat = next(
            (
                c.key
                for c in catalog.categories()
                if folded in (c.key, *(c.name(lang).casefold() for lang in ("uk", "de", "en")))
            ),
            None,
        )
        if cat is not None:
            category = cat
            continue
        number = small_int(word)
        if number is not None and any(o.id == number for o in orgs):
            org_id = number
            continue
        named = place_filter.read_place(word)
        if named.unit is not None:
            place = named.unit.code
            continue
        by_name = next((o for o in orgs if folded in o.name.casefold()), None)
        if by_name is not None and len(folded) >= 3:
            org_id = by_name.id
            continue
        if named.ask:
            return ParsedFilters(filters=Filters(), words=words, ask=index)
        return ParsedFilters(filters=Filters(), words=words, unknown=word)
    item_keys = tuple(i.key for i in catalog.items_in(category)) if category else None
    filters = Filters(
        urgency=urgency,
        category=category,
        item_keys=item_keys,
        place=place,
        org_id=org_id,
        by_raion=by_raion,
    )
    return ParsedFilters(filters=filters, words=words)


async def filters_or_reply(
    turn: Turn, command: str, args: str, *, head: str = ""
) -> Filters | list[Reply]:
    """The filters of ``/command head args``, or the answer when they cannot be used: an
    unknown word, or a place that fits several units (asked, never guessed)."""
    parsed = await parse_filters(turn, args)
    if parsed.unknown is not None:
        return [Reply(text=turn.tr("coord.open_unknown_filter", word=esc(parsed.unknown[:40])))]
    if parsed.ask is not None:
        return [place_filter.question(turn, command, head, list(parsed.words), parsed.ask)]
    return parsed.filters


def encode_view(filters: Filters, page: int, anchor: requests.PageAnchor | None = None) -> str:
    """The page's number for its title, and its anchor (``a<id>``: after request id, ``b<id>``:
    before it) so the page is read by keyset, not by an offset that grows with the page."""
    if anchor is not None:
        page_field = f"{page}{'b' if anchor.backwards else 'a'}{anchor.request_id}"
    else:
        page_field = str(page)
    urgency = _URGENCY_CODE[filters.urgency] if filters.urgency else "-"
    unit = codifier().get(filters.place) if filters.place else None
    # The place as its P-code (9 characters for a hromada): the payload stays under 64 bytes.
    place = place_filter.place_code(unit) if unit else "-"
    return f"op:{page_field}:{urgency}:{filters.category or '-'}:{filters.org_id or '-'}:{place}"


_PAGE_FIELD = re.compile(r"^(\d{1,6})(?:([ab])(\d{1,12}))?$")


async def decode_view(
    turn: Turn, payload: str
) -> tuple[Filters, int, requests.PageAnchor | None] | None:
    parts = payload.split(":")
    match = _PAGE_FIELD.match(parts[0]) if len(parts) == 5 else None
    if match is None:
        return None
    page = int(match[1])
    anchor = (
        requests.PageAnchor(request_id=int(match[3]), backwards=match[2] == "b")
        if match[2]
        else None
    )
    codes = {v: k for k, v in _URGENCY_CODE.items()}
    urgency = codes.get(parts[1])
    category = parts[2] if parts[2] != "-" else None
    org_id = small_int(parts[3])
    place = None
    if parts[4] != "-":
        unit = codifier().get(parts[4])
        if unit is None or unit.level not in place_filter.LEVELS:
            return None  # a button from before places had codes, or forged
        place = unit.code
    item_keys = tuple(i.key for i in turn.ctx.catalog.items_in(category)) if category else None
    filters = Filters(
        urgency=urgency, category=category, item_keys=item_keys, place=place, org_id=org_id
    )
    return filters, page, anchor


async def open_page(
    turn: Turn,
    filters: Filters,
    page: int,
    *,
    replace: bool,
    anchor: requests.PageAnchor | None = None,
) -> list[Reply]:
    statuses = sorted(OPEN_STATUSES)
    total = await requests.count_requests(turn.conn, statuses=statuses, filters=filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    found = await requests.list_requests(
        turn.conn,
        statuses=statuses,
        filters=filters,
        limit=PAGE_SIZE,
        offset=page * PAGE_SIZE,
        anchor=anchor,
    )
    short_start = anchor is not None and anchor.backwards and len(found) < PAGE_SIZE
    if short_start or (anchor is not None and not found):
        # Requests closed since the button was sent left nothing after the anchor, or a page
        # short of the list's start: show that end of the list as its page instead.
        page = 0 if short_start else pages - 1
        found = await requests.list_requests(
            turn.conn, statuses=statuses, filters=filters, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
    if not found:
        return [Reply(text=turn.tr("coord.open_none"), replace=replace)]
    names = {o.id: o.name for o in await organisations.list_organisations(turn.conn)}
    marks = await duplicate_marks(turn, (r.id for r in found))
    lines = [f"<b>{esc(turn.tr('coord.open_title', count=total, page=page + 1, pages=pages))}</b>"]
    for request in found:
        lines.append(
            request_line(turn.ctx.t, turn.ctx.catalog, turn.lang, request)
            + f" · {esc(latin_beside(names.get(request.org_id, '?'), turn.lang))}"
            + marks.get(request.id, "")
        )
    lines.append("")
    lines.append(turn.tr("coord.open_hint"))
    buttons: list[Choice] = []
    if page > 0:
        back = requests.PageAnchor(request_id=found[0].id, backwards=True)
        buttons.append(Choice(label="◀️", payload=encode_view(filters, page - 1, back)))
    if page < pages - 1:
        forward = requests.PageAnchor(request_id=found[-1].id)
        buttons.append(Choice(label="▶️", payload=encode_view(filters, page + 1, forward)))
    return [
        Reply(text="\n".join(lines), choices=(tuple(buttons),) if buttons else (), replace=replace)
    ]


async def cmd_open(turn: Turn, args: str) -> list[Reply]:
    filters = await filters_or_reply(turn, "open", args)
    if isinstance(filters, list):
        return filters
    return await open_page(turn, filters, 0, replace=False)


async def on_open_page(turn: Turn, payload: str) -> list[Reply]:
    view = await decode_view(turn, payload)
    if view is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    filters, page, anchor = view
    return await open_page(turn, filters, page, replace=True, anchor=anchor)


# --- shared ------------------------------------------------------------------------------


def refusal(turn: Turn, key: str, request: NeedRequest, fragment: str = "") -> list[Reply]:
    return [
        Reply(
            text=turn.tr(
                key,
                ref=esc(request.ref),
                status=esc(status_label(turn.ctx.t, turn.lang, request.status)),
                fragment=esc(fragment[:60]),
            )
        )
    ]


async def record(
    turn: Turn,
    request: NeedRequest,
    *,
    action: str,
    new_status: Status | None,
    note: str | None,
    summary: str,
    notify_key: str,
    notify_coordinators: bool = False,
    amounts: Sequence[ItemAmount] = (),
    stage: EventKind = EventKind.NOTE,
    org_name: str | None = None,
    extra_params: dict[str, object] | None = None,
) -> tuple[ProgressLine, ...]:
    """History event, audit row and notifications: one place for every change.

    Only a real change of status is a status event. A pledge on a pledged request, a partial
    delivery, a receipt or a note is an event of its own ``stage`` that keeps the status, so
    neither /show nor the digest reads it as "In transit -> In transit".

    ``org_name`` names who acted in the notice instead of the actor's organisation (an
    allocation from an offer: the donor, or nobody when the donor asked not to be named);
    ``extra_params`` join the audit row's parameters.
    """
    assert turn.member is not None
    lines = await progress_of(turn, request.id, amounts, stage)
    if new_status is not None and new_status is not request.status:
        await requests.set_status(
            turn.conn,
            request.id,
            new_status,
            actor_id=turn.member.id,
            note=note,
            now=turn.now,
            lines=lines,
        )
    else:
        await requests.add_status_event(
            turn.conn,
            request_id=request.id,
            status=request.status,
            actor_id=turn.member.id,
            note=note,
            now=turn.now,
            kind=stage,
            lines=lines,
        )
        await lifecycle.touch_request(turn.conn, request.id, turn.now)
    params: dict[str, object] = dict(extra_params or {})
    if lines:
        params["lines"] = [line.model_dump(mode="json") for line in lines]
    if new_status is not None and new_status is not request.status:
        params["status_to"] = new_status.value
    await turn.audit(action, request.ref, params=params)
    actor_org = org_name or ""
    if org_name is None and turn.member.org_id is not None:
        org = await organisations.get_organisation(turn.conn, turn.member.org_id)
        actor_org = org.name if org else ""
    status = new_status or request.status
    note_line = f"\n📝 {esc(note)}" if note else ""
    recipients = await members.list_members(turn.conn, org_id=request.org_id)
    if notify_coordinators:
        pledgers = await lifecycle.list_pledging_org_ids(turn.conn, request.id)
        for org_id in pledgers:
            recipients += await members.list_members(turn.conn, org_id=org_id)
    await notify_members(
        turn,
        recipients,
        lambda lang: (
            turn.ctx.t(
                lang,
                notify_key,
                ref=esc(request.ref),
                status=esc(status_label(turn.ctx.t, lang, status)),
                org=esc(latin_beside(actor_org, lang)),
                # Item names in the reader's language, not the actor's; always "N of M".
                summary=esc(describe_lines(turn.ctx.t, turn.ctx.catalog, lang, lines) or summary),
            )
            + note_line
        ),
    )
    return lines


async def progress_of(
    turn: Turn, request_id: int, amounts: Sequence[ItemAmount], stage: EventKind
) -> tuple[ProgressLine, ...]:
    """Each amount with the item's total at this stage after it, read back from the rows."""
    if not amounts:
        return ()
    after = await requests.get_request(turn.conn, request_id)
    assert after is not None
    by_id = {i.id: i for i in after.items}
    counter: dict[EventKind, Callable[[NeedItem], int]] = {
        EventKind.PLEDGE: lambda i: i.pledged,
        EventKind.DELIVERY: lambda i: i.delivered,
        EventKind.RECEIPT: lambda i: i.received,
    }
    done = counter[stage]
    return tuple(
        ProgressLine(
            stage=stage,
            item_key=a.item.item_key,
            free_text=a.item.free_text,
            unit=a.item.unit,
            added=a.quantity,
            done=done(by_id[a.item.id]),
            of=a.item.quantity,
        )
        for a in amounts
    )


async def load(turn: Turn, args: str) -> tuple[NeedRequest | None, str, list[Reply] | None]:
    # Any whitespace ends the reference: item lines may start on the next line.
    parts = args.split(maxsplit=1)
    ref_text, rest = [*parts, "", ""][:2]
    if not ref_text:
        return None, "", [Reply(text=turn.tr("coord.usage_ref"))]
    request = await visible_request(turn, ref_text)
    if request is None:
        return None, "", not_found(turn, ref_text)
    return request, rest.strip(), None


# --- commands ----------------------------------------------------------------------------


async def cmd_ack(turn: Turn, args: str) -> list[Reply]:
    request, _, refused = await load(turn, args)
    if refused is not None or request is None:
        return refused or []
    return await do_ack(turn, request)


async def do_ack(turn: Turn, request: NeedRequest, *, replace: bool = False) -> list[Reply]:
    if request.status not in ACKABLE:
        return refusal(turn, "lifecycle.refused_status", request)
    await record(
        turn,
        request,
        action="request.ack",
        new_status=Status.ACKNOWLEDGED,
        note=None,
        summary="acknowledged",
        notify_key="notify.acknowledged",
    )
    return [Reply(text=turn.tr("coord.done_ack", ref=esc(request.ref)), replace=replace)]


async def load_amounts(
    turn: Turn, args: str
) -> tuple[NeedRequest | None, AmountsParse | None, list[Reply] | None]:
    """The request and its 'ITEM QTY; …; note' arguments, or the replies refusing them."""
    request, rest, refused = await load(turn, args)
    if refused is not None or request is None:
        return None, None, refused or []
    parsed = parse_amounts(rest, request, turn.ctx.catalog)
    if parsed.error_key:
        return None, None, refusal(turn, parsed.error_key, request, parsed.error_fragment)
    return request, parsed, None


async def with_amounts(turn: Turn, args: str, change: AmountsChange) -> list[Reply]:
    """``change`` applied to the request and amounts of 'REF ITEM QTY; …; note', or the refusal."""
    request, parsed, refused = await load_amounts(turn, args)
    if refused is not None or request is None or parsed is None:
        return refused or []
    return await change(turn, request, parsed.amounts, parsed.note)


async def record_amounts(
    turn: Turn,
    request: NeedRequest,
    plan: tuple[ItemAmount, ...],
    *,
    stage: EventKind,
    action: str,
    new_status: Status | None,
    note: str | None,
    summary: str,
    notify_key: str,
    done_key: str,
    replace: bool,
    notify_coordinators: bool = False,
    durable: bool = False,
) -> list[Reply]:
    """``record`` for a change of amounts (pledge, delivery, receipt), then the actor's answer:
    ``done_key`` with what changed, item by item, in the actor's language."""
    lines = await record(
        turn,
        request,
        action=action,
        new_status=new_status,
        note=note,
        summary=summary,
        notify_key=notify_key,
        notify_coordinators=notify_coordinators,
        amounts=plan,
        stage=stage,
    )
    mine = describe_lines(turn.ctx.t, turn.ctx.catalog, turn.lang, lines)
    text = turn.tr(done_key, ref=esc(request.ref), summary=esc(mine))
    return [Reply(text=text, durable=durable, replace=replace)]


async def cmd_pledge(turn: Turn, args: str) -> list[Reply]:
    return await with_amounts(turn, args, do_pledge)


async def do_pledge(
    turn: Turn,
    request: NeedRequest,
    amounts: tuple[ItemAmount, ...],
    note: str | None,
    *,
    replace: bool = False,
) -> list[Reply]:
    plan, error = pledge_plan(request, amounts)
    if error:
        return refusal(turn, error, request)
    assert turn.member is not None
    for amount in plan:
        await lifecycle.add_pledge(
            turn.conn,
            request_id=request.id,
            item_id=amount.item.id,
            org_id=turn.member.org_id,
            member_id=turn.member.id,
            quantity=amount.quantity,
            note=note,
            now=turn.now,
        )
    return await record_amounts(
        turn,
        request,
        plan,
        stage=EventKind.PLEDGE,
        action="request.pledge",
        new_status=Status.PLEDGED,
        note=note,
        summary="pledge",
        notify_key="notify.pledged",
        done_key="coord.done_pledge",
        replace=replace,
    )


async def cmd_transit(turn: Turn, args: str) -> list[Reply]:
    request, rest, refused = await load(turn, args)
    if refused is not None or request is None:
        return refused or []
    return await do_transit(turn, request, rest[:MAX_NOTE] or None)


async def do_transit(
    turn: Turn, request: NeedRequest, note: str | None, *, replace: bool = False
) -> list[Reply]:
    if request.status not in TRANSITABLE:
        return refusal(turn, "lifecycle.refused_status", request)
    await record(
        turn,
        request,
        action="request.transit",
        new_status=Status.IN_TRANSIT,
        note=note,
        summary="in transit",
        notify_key="notify.in_transit",
    )
    return [Reply(text=turn.tr("coord.done_transit", ref=esc(request.ref)), replace=replace)]


async def cmd_delivered(turn: Turn, args: str) -> list[Reply]:
    return await with_amounts(turn, args, do_delivered)


async def do_delivered(
    turn: Turn,
    request: NeedRequest,
    amounts: tuple[ItemAmount, ...],
    note: str | None,
    *,
    replace: bool = False,
) -> list[Reply]:
    plan, error = delivery_plan(request, amounts)
    if error:
        return refusal(turn, error, request)
    for amount in plan:
        await lifecycle.add_delivered(turn.conn, amount.item.id, amount.quantity)
    after = await requests.get_request(turn.conn, request.id)
    assert after is not None
    complete = all(i.delivered >= i.quantity for i in after.items)
    return await record_amounts(
        turn,
        request,
        plan,
        stage=EventKind.DELIVERY,
        action="request.delivered",
        new_status=Status.DELIVERED if complete else None,
        note=note,
        summary="delivery",
        notify_key="notify.delivered" if complete else "notify.partly_delivered",
        done_key="coord.done_delivered" if complete else "coord.done_partly_delivered",
        replace=replace,
    )


async def cmd_decline(turn: Turn, args: str) -> list[Reply]:
    request, reason, refused = await load(turn, args)
    if refused is not None or request is None:
        return refused or []
    if not reason:
        return [Reply(text=turn.tr("coord.decline_needs_reason"))]
    if request.status not in DECLINABLE:
        return refusal(turn, "lifecycle.refused_status", request)
    await record(
        turn,
        request,
        action="request.decline",
        new_status=Status.DECLINED,
        note=reason[:MAX_NOTE],
        summary="declined",
        notify_key="notify.declined",
    )
    return [Reply(text=turn.tr("coord.done_decline", ref=esc(request.ref)))]


async def cmd_note(turn: Turn, args: str) -> list[Reply]:
    request, text, refused = await load(turn, args)
    if refused is not None or request is None:
        return refused or []
    if not text:
        return [Reply(text=turn.tr("coord.note_needs_text"))]
    if len(text) > MAX_NOTE:
        return [Reply(text=turn.tr("wizard.too_long", limit=MAX_NOTE, length=len(text)))]
    await record(
        turn,
        request,
        action="request.note",
        new_status=None,
        note=text,
        summary="note",
        notify_key="notify.note",
        notify_coordinators=Role.REQUESTER in turn.roles,
    )
    return [Reply(text=turn.tr("coord.done_note", ref=esc(request.ref)))]


async def cmd_received(turn: Turn, args: str) -> list[Reply]:
    first = args.split(maxsplit=1)[0] if args.strip() else ""
    if parse_shipment_ref(first) is not None:
        # /received S-12: sign for a shipment's lines (handlers/shipments/receipt.py).
        return await shipment_receipt.ask(turn, first)
    request, parsed, refused = await load_amounts(turn, args)
    if refused is not None or request is None or parsed is None:
        return refused or []
    if turn.member is None or request.org_id != turn.member.org_id:
        return not_found(turn, args.split()[0] if args.split() else "")
    fully_delivered = all(i.delivered >= i.quantity for i in request.items)
    if parsed.everything and not fully_delivered and request.status in RECEIVABLE:
        # "Everything" is only obvious once everything was delivered; before that, ask.
        return ask_receipt(turn, request)
    return await do_received(turn, request, parsed.amounts, parsed.note)


def ask_receipt(turn: Turn, request: NeedRequest) -> list[Reply]:
    """What arrived? All that was delivered / type quantities / cancel."""
    lines = [
        f"{number}. {esc(item_label(turn.ctx.catalog, turn.lang, i.item_key, i.free_text))}"
        f" ×{i.quantity}"
        + (f" — {esc(phrase)}" if (phrase := progress_phrase(turn.ctx.t, turn.lang, i)) else "")
        for number, i in enumerate(request.items, 1)
    ]
    buttons: list[Choice] = []
    if any(i.delivered > i.received for i in request.items):
        buttons.append(Choice(label=turn.tr("btn.rcv_delivered"), payload=f"rcv:dlv:{request.id}"))
    else:
        lines.append(turn.tr("rcv.nothing_delivered"))
    buttons.append(Choice(label=turn.tr("btn.rcv_type"), payload=f"rcv:type:{request.id}"))
    buttons.append(Choice(label=turn.tr("btn.cancel"), payload=f"rcv:no:{request.id}", nav=True))
    text = turn.tr("rcv.ask", ref=esc(request.ref), lines="\n".join(lines))
    return [Reply(text=text, choices=tuple((b,) for b in buttons))]


async def on_receipt_choice(turn: Turn, payload: str) -> list[Reply]:
    action, _, ref = payload.partition(":")
    request = await visible_request(turn, ref)
    own = request is not None and turn.member is not None and request.org_id == turn.member.org_id
    if request is None or not own:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if action == "no":
        return [Reply(text=turn.tr("rcv.cancelled"), replace=True)]
    if action == "type":
        return [Reply(text=turn.tr("rcv.type_hint", ref=esc(request.ref)), replace=True)]
    if action != "dlv":
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    # Read at the tap, not at the question: a delivery reported since then counts.
    amounts = tuple(
        ItemAmount(i, i.delivered - i.received) for i in request.items if i.delivered > i.received
    )
    if not amounts:
        return refusal(turn, "lifecycle.nothing_outstanding", request)
    return await do_received(turn, request, amounts, None, replace=True)


async def do_received(
    turn: Turn,
    request: NeedRequest,
    amounts: tuple[ItemAmount, ...],
    note: str | None,
    *,
    replace: bool = False,
) -> list[Reply]:
    plan, error = receipt_plan(request, amounts)
    if error:
        return refusal(turn, error, request)
    for amount in plan:
        await lifecycle.add_received(turn.conn, amount.item.id, amount.quantity)
        # What arrived was evidently delivered, even if nobody reported it.
        missing = amount.item.received + amount.quantity - amount.item.delivered
        if missing > 0:
            await lifecycle.add_delivered(turn.conn, amount.item.id, missing)
    after = await requests.get_request(turn.conn, request.id)
    assert after is not None
    complete = all(i.received >= i.quantity for i in after.items)
    return await record_amounts(
        turn,
        request,
        plan,
        stage=EventKind.RECEIPT,
        action="request.received",
        new_status=Status.DELIVERED if complete else None,
        note=note,
        summary="receipt",
        notify_key="notify.received",
        done_key="coord.done_received" if complete else "coord.done_partly_received",
        replace=replace,
        notify_coordinators=True,
        durable=True,
    )


async def on_action(turn: Turn, payload: str) -> list[Reply]:
    action, _, ref = payload.partition(":")
    request_id = parse_ref(ref)
    request = await requests.get_request(turn.conn, request_id) if request_id else None
    if request is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if action == "ack":
        return await do_ack(turn, request)
    if action == "pledge":
        return await do_pledge(turn, request, (), None)
    if action == "transit":
        return await do_transit(turn, request, None)
    if action == "delivered":
        return await do_delivered(turn, request, (), None)
    return [Reply(text=turn.tr("error.stale_button"), toast=True)]


def register(registry: Registry) -> None:
    # All private (registry.Where's default). /open lists organisations' needs with names;
    # the changes answer with a request's items and amounts, and their refusals may list the
    # request's lines as the hospital typed them: a group learns nothing of a request.
    registry.add_command(Command("open", COORDINATOR, cmd_open, "help.open"))
    registry.add_command(Command("ack", COORDINATOR, cmd_ack, "help.ack"))
    registry.add_command(Command("pledge", COORDINATOR, cmd_pledge, "help.pledge"))
    registry.add_command(Command("transit", COORDINATOR, cmd_transit, "help.transit"))
    registry.add_command(Command("delivered", COORDINATOR, cmd_delivered, "help.delivered"))
    registry.add_command(Command("decline", COORDINATOR, cmd_decline, "help.decline"))
    registry.add_command(Command("note", frozenset(Role), cmd_note, "help.note"))
    registry.add_command(Command("received", REQUESTER, cmd_received, "help.received"))
    registry.add_choice(ChoiceRoute("op", COORDINATOR, on_open_page))
    registry.add_choice(ChoiceRoute("lc", COORDINATOR, on_action))
    registry.add_choice(ChoiceRoute("rcv", REQUESTER, on_receipt_choice))
