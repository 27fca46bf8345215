"""Every change of a shipment, in the turn's one transaction: the rows, the shipment's events,
the requests' events, the audit row and the outbox rows of everyone who must hear of it.

Commands and buttons (commands.py, fill.py, receipt.py) call these; the rules they apply are
in rules.py. Each party is told once per change: one outbox row per member, written here in
the same transaction, so a crash after the commit loses no notice and a replay adds none.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.notify import notify_members, notify_replies
from handlers.lifecycle.rules import ItemAmount
from handlers.offers import service as offer_service
from handlers.shipments import rules
from handlers.shipments.rules import Refusal
from handlers.shipments.view import line_text, lines_block, receipt_text, when_text
from handlers.text.format import esc
from handlers.text.i18n import Language
from handlers.text.places import latin_beside
from storage import lifecycle, members, organisations, requests, shipments
from storage.models import (
    EventKind,
    Member,
    NeedRequest,
    ProgressLine,
    Role,
    Status,
)
from storage.shipment_models import (
    LineReceipt,
    LineStatus,
    NewLine,
    Shipment,
    ShipmentDraft,
    ShipmentLine,
    ShipmentStatus,
)

MAX_NOTE = 1000


def audit_line(turn: Turn, line: ShipmentLine) -> str:
    """A line as the audit log keeps it: English, plain text (the log is no chat message)."""
    return html.unescape(line_text(turn.ctx.t, turn.ctx.catalog, "en", line))


async def _org_label(turn: Turn, org_id: int | None) -> str:
    if org_id is None:
        return ""
    org = await organisations.get_organisation(turn.conn, org_id)
    return org.name if org else ""


def _by_dest(lines: Iterable[ShipmentLine]) -> dict[int, list[ShipmentLine]]:
    grouped: dict[int, list[ShipmentLine]] = {}
    for line in lines:
        grouped.setdefault(line.dest_org_id, []).append(line)
    return grouped


async def coordinators_of(turn: Turn, shipment: Shipment) -> list[Member]:
    """Who answers for the shipment: the member who planned it and the carrier's coordinators."""
    found: list[Member] = []
    if shipment.created_by is not None:
        creator = await members.get_member(turn.conn, shipment.created_by)
        if creator is not None:
            found.append(creator)
    if shipment.carrier_org_id is not None:
        found += await members.list_members(
            turn.conn, org_id=shipment.carrier_org_id, role=Role.COORDINATOR
        )
    if not any(m.active for m in found):
        # Nobody answers for it any more (the planner left): damaged goods must still reach
        # someone, so every coordinator hears.
        found = await members.list_members(turn.conn, role=Role.COORDINATOR)
    return found


# --- creating and filling ----------------------------------------------------------------


async def create(turn: Turn, draft: ShipmentDraft) -> Shipment:
    assert turn.member is not None
    shipment = await shipments.add_shipment(
        turn.conn, draft, created_by=turn.member.id, now=turn.now
    )
    await turn.audit("shipment.new", shipment.ref, shipment.name[:200])
    return shipment


async def add_many(
    turn: Turn,
    shipment: Shipment,
    wanted: Sequence[tuple[NeedRequest, tuple[ItemAmount, ...]]],
) -> tuple[tuple[ShipmentLine, ...], Refusal | None]:
    """Several requests' items at once (/shipment fill): all of them or, on the first refusal,
    none. Read at the moment of writing, so a pledge or another shipment since the preview
    counts."""
    current = await shipments.get_shipment(turn.conn, shipment.id)
    assert current is not None
    item_ids = [i.id for request, _ in wanted for i in request.items]
    shipped = await shipments.shipped_quantities(turn.conn, item_ids)
    new: list[NewLine] = []
    for request, amounts in wanted:
        plan, refusal = rules.line_plan(current, request, amounts, shipped)
        if refusal is not None:
            return (), Refusal(refusal.key, (*refusal.args, ("request", request.ref)))
        for amount in plan:
            shipped[amount.item.id] = shipped.get(amount.item.id, 0) + amount.quantity
            new.append(
                NewLine(
                    request_id=request.id,
                    item_id=amount.item.id,
                    dest_org_id=request.org_id,
                    item_key=amount.item.item_key,
                    free_text=amount.item.free_text,
                    unit=amount.item.unit,
                    quantity=amount.quantity,
                )
            )
    if not new:
        return (), Refusal("ship.nothing_pledged")
    stored = await add_lines(turn, current, new)
    return stored, None


async def add_lines(
    turn: Turn, shipment: Shipment, new: Sequence[NewLine]
) -> tuple[ShipmentLine, ...]:
    assert turn.member is not None
    stored = tuple(
        await shipments.add_lines(
            turn.conn,
            shipment.id,
            new,
            status=shipment.status,
            actor_id=turn.member.id,
            now=turn.now,
        )
    )
    await turn.audit(
        "shipment.lines",
        shipment.ref,
        "; ".join(audit_line(turn, line) for line in stored)[:500],
    )
    hub = await _org_label(turn, shipment.hub_org_id)
    t, catalog = turn.ctx.t, turn.ctx.catalog
    for dest, group in _by_dest(stored).items():
        recipients = await members.list_members(turn.conn, org_id=dest)

        def loaded(lang: Language, group: list[ShipmentLine] = group) -> str:
            via = t(lang, "ship.via", hub=esc(latin_beside(hub, lang))) if hub else ""
            return t(
                lang,
                "ship.notify.loaded",
                ref=esc(shipment.ref),
                name=esc(shipment.name),
                lines=lines_block(t, catalog, lang, group),
                when=esc(when_text(t, lang, shipment.planned_departure)),
                via=via,
            )

        await notify_members(turn, recipients, loaded)
    return stored


# --- moving the shipment -----------------------------------------------------------------


async def move(
    turn: Turn, shipment: Shipment, to: ShipmentStatus, note: str | None = None
) -> Refusal | None:
    """One checked transition with everything it implies, or the reason it is refused."""
    assert turn.member is not None
    lines = await shipments.list_lines(turn.conn, shipment.id)
    refusal = rules.transition_refusal(shipment, to, line_count=len(lines))
    if refusal is None and to is ShipmentStatus.DEPARTED:
        refusal = rules.closed_request_refusal(await _closed_requests(turn, lines))
    if refusal is not None:
        return refusal
    changed = await shipments.set_status(
        turn.conn,
        shipment.id,
        to,
        expected=shipment.status,
        actor_id=turn.member.id,
        note=note,
        now=turn.now,
    )
    if not changed:  # moved by someone else since it was read
        return Refusal("ship.refused_status")
    after = shipment.model_copy(update={"status": to})
    await turn.audit(f"shipment.{to.value}", shipment.ref, (note or to.value)[:500])
    if to is ShipmentStatus.DEPARTED:
        await _requests_in_transit(turn, after, lines)
        await _tell_departed(turn, after, lines)
    elif to is ShipmentStatus.AT_HUB:
        await _tell_at_hub(turn, after, lines)
    elif to is ShipmentStatus.CANCELLED:
        await _tell_cancelled(turn, after, lines, note)
    return None


async def set_details(turn: Turn, shipment: Shipment, draft: ShipmentDraft) -> Refusal | None:
    """Carrier, hub, origin, departure, vehicle, waybill, value of a truck not yet gone
    (``/shipment set``); the hospitals with goods on it hear a new departure day."""
    if shipment.status not in rules.EDITABLE:
        return Refusal("ship.refused_status")
    lines = await shipments.list_lines(turn.conn, shipment.id)
    if draft.hub_org_id != shipment.hub_org_id and any(ln.request_id is None for ln in lines):
        # Goods for the hub go to the hub they were loaded for: take them off first.
        return Refusal("ship.hub_has_goods")
    if not await shipments.set_details(
        turn.conn, shipment.id, draft, statuses=rules.EDITABLE, now=turn.now
    ):
        return Refusal("ship.refused_status")
    before = shipment.model_dump(include=set(ShipmentDraft.model_fields))
    after = draft.model_dump()
    changed = sorted(key for key in after if key != "name" and after[key] != before.get(key))
    await turn.audit("shipment.details", shipment.ref, ", ".join(changed)[:500])
    if "planned_departure" in changed and draft.planned_departure is not None:
        t = turn.ctx.t
        day = draft.planned_departure
        for dest in _by_dest(lines):
            recipients = await members.list_members(turn.conn, org_id=dest)

            def moved(lang: Language) -> str:
                return t(
                    lang,
                    "ship.notify.new_departure",
                    ref=esc(shipment.ref),
                    name=esc(shipment.name),
                    when=esc(when_text(t, lang, day)),
                )

            await notify_members(turn, recipients, moved)
    return None


async def _closed_requests(turn: Turn, lines: Sequence[ShipmentLine]) -> list[str]:
    closed: list[str] = []
    for request_id in sorted({line.request_id for line in lines if line.request_id}):
        request = await requests.get_request(turn.conn, request_id)
        if request is not None and request.status in (Status.WITHDRAWN, Status.DECLINED):
            closed.append(request.ref)
    return closed


async def remove_request(
    turn: Turn, shipment: Shipment, request: NeedRequest
) -> tuple[tuple[ShipmentLine, ...], Refusal | None]:
    """Take a request's goods off a truck that has not left; its hospital is told."""
    assert turn.member is not None
    if shipment.status not in rules.EDITABLE:
        return (), Refusal("ship.refused_status")
    lines = tuple(
        line
        for line in await shipments.list_lines(turn.conn, shipment.id)
        if line.request_id == request.id
    )
    if not lines:
        return (), Refusal("ship.request_not_on", (("request", request.ref),))
    await shipments.remove_lines(turn.conn, shipment, lines, actor_id=turn.member.id, now=turn.now)
    t, catalog = turn.ctx.t, turn.ctx.catalog
    await turn.audit(
        "shipment.remove",
        shipment.ref,
        "; ".join(audit_line(turn, line) for line in lines)[:500],
    )

    def removed(lang: Language) -> str:
        return t(
            lang,
            "ship.notify.removed",
            ref=esc(shipment.ref),
            name=esc(shipment.name),
            lines=lines_block(t, catalog, lang, lines),
        )

    await notify_members(
        turn, await members.list_members(turn.conn, org_id=request.org_id), removed
    )
    return lines, None


async def add_for_hub(
    turn: Turn, shipment: Shipment, new: Sequence[NewLine]
) -> tuple[tuple[ShipmentLine, ...], Refusal | None]:
    """Goods for the hub to distribute, without a request."""
    current = await shipments.get_shipment(turn.conn, shipment.id)
    assert current is not None
    refusal = rules.hub_refusal(current)
    if refusal is not None:
        return (), refusal
    return await add_lines(turn, current, new), None


async def _requests_in_transit(
    turn: Turn, shipment: Shipment, lines: Sequence[ShipmentLine]
) -> None:
    """Departing is /transit for every request on the truck that was not in transit yet."""
    assert turn.member is not None
    for request_id in sorted({line.request_id for line in lines if line.request_id}):
        request = await requests.get_request(turn.conn, request_id)
        if request is None or request.status not in rules.TRANSIT_ON_DEPARTURE:
            continue
        await requests.set_status(
            turn.conn,
            request.id,
            Status.IN_TRANSIT,
            actor_id=turn.member.id,
            note=shipment.ref,
            now=turn.now,
        )


def receipt_choices(
    turn: Turn, lang: Language, shipment: Shipment, lines: Sequence[ShipmentLine]
) -> tuple[tuple[Choice, ...], ...]:
    """Per line: all received with one tap, or quantities; and all lines at once."""
    t, catalog = turn.ctx.t, turn.ctx.catalog
    open_lines = [line for line in lines if line.status is LineStatus.SHIPPED]
    rows: list[tuple[Choice, ...]] = []
    if len(open_lines) > 1:
        rows.append(
            (
                Choice(
                    label=t(lang, "ship.btn.all_received"),
                    payload=f"shr:all:{shipment.id}:{open_lines[0].dest_org_id}",
                ),
            )
        )
    for number, line in enumerate(open_lines, 1):
        name = line_text(t, catalog, lang, line).split(": ", 1)[-1]
        rows.append(
            (
                Choice(label=f"✅ {number}. {_plain(name)}"[:60], payload=f"shr:ok:{line.id}"),
                Choice(label=t(lang, "ship.btn.problem", n=number), payload=f"shr:q:{line.id}"),
            )
        )
    return tuple(rows)


def _plain(html_text: str) -> str:
    """A button label is plain text: undo the escaping of the HTML message text."""
    return html_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def _tell_departed(turn: Turn, shipment: Shipment, lines: Sequence[ShipmentLine]) -> None:
    t, catalog = turn.ctx.t, turn.ctx.catalog
    # Donors whose offers were allocated to these requests hear their goods left (issue 15).
    await offer_service.tell_donors_of_shipment(
        turn,
        [ln.request_id for ln in lines if ln.request_id],
        "offer.notify_departed",
        shipment.ref,
    )
    hub = await _org_label(turn, shipment.hub_org_id)
    for dest, group in _by_dest(lines).items():
        if dest == shipment.hub_org_id:
            continue  # the hub hears below, once, with the button to confirm arrival
        recipients = await members.list_members(turn.conn, org_id=dest)

        def departed(lang: Language, group: list[ShipmentLine] = group) -> Reply:
            via = t(lang, "ship.via", hub=esc(latin_beside(hub, lang))) if hub else ""
            text = t(
                lang,
                "ship.notify.departed",
                ref=esc(shipment.ref),
                name=esc(shipment.name),
                lines=lines_block(t, catalog, lang, group),
                via=via,
            )
            if hub:
                return Reply(text=text)
            # No hub: the goods come straight here, so signing for them starts now.
            text += "\n\n" + t(lang, "ship.sign_hint", ref=esc(shipment.ref))
            return Reply(text=text, choices=receipt_choices(turn, lang, shipment, group))

        await notify_replies(turn, recipients, departed)
    if shipment.hub_org_id is not None:
        hub_members = await members.list_members(turn.conn, org_id=shipment.hub_org_id)
        destinations = len({line.dest_org_id for line in lines})

        def incoming(lang: Language) -> Reply:
            return Reply(
                text=t(
                    lang,
                    "ship.notify.hub_incoming",
                    ref=esc(shipment.ref),
                    name=esc(shipment.name),
                    lines=len(lines),
                    destinations=destinations,
                ),
                choices=(
                    (Choice(label=t(lang, "ship.btn.arrived"), payload=f"shh:{shipment.id}"),),
                ),
            )

        await notify_replies(turn, hub_members, incoming)


async def _tell_at_hub(turn: Turn, shipment: Shipment, lines: Sequence[ShipmentLine]) -> None:
    t, catalog = turn.ctx.t, turn.ctx.catalog
    hub = await _org_label(turn, shipment.hub_org_id)
    for dest, group in _by_dest(lines).items():
        recipients = await members.list_members(turn.conn, org_id=dest)

        def arrived(lang: Language, group: list[ShipmentLine] = group) -> Reply:
            text = t(
                lang,
                "ship.notify.at_hub",
                ref=esc(shipment.ref),
                name=esc(shipment.name),
                hub=esc(latin_beside(hub, lang)),
                lines=lines_block(t, catalog, lang, group),
            )
            text += "\n\n" + t(lang, "ship.sign_hint", ref=esc(shipment.ref))
            return Reply(text=text, choices=receipt_choices(turn, lang, shipment, group))

        await notify_replies(turn, recipients, arrived)
    # The coordinators hear it too when the hub confirmed it.
    if turn.member is not None and Role.COORDINATOR not in turn.member.roles:

        def at_hub(lang: Language) -> str:
            return t(
                lang,
                "ship.notify.coord_at_hub",
                ref=esc(shipment.ref),
                name=esc(shipment.name),
                hub=esc(latin_beside(hub, lang)),
            )

        await notify_members(turn, await coordinators_of(turn, shipment), at_hub)


async def _tell_cancelled(
    turn: Turn, shipment: Shipment, lines: Sequence[ShipmentLine], note: str | None
) -> None:
    t, catalog = turn.ctx.t, turn.ctx.catalog
    note_line = f"\n📝 {esc(note)}" if note else ""
    for dest, group in _by_dest(lines).items():
        recipients = await members.list_members(turn.conn, org_id=dest)

        def cancelled(lang: Language, group: list[ShipmentLine] = group) -> Reply:
            return Reply(
                text=t(
                    lang,
                    "ship.notify.cancelled",
                    ref=esc(shipment.ref),
                    name=esc(shipment.name),
                    lines=lines_block(t, catalog, lang, group),
                )
                + note_line
            )

        await notify_replies(turn, recipients, cancelled)


# --- signing for goods -------------------------------------------------------------------


async def sign(
    turn: Turn, shipment: Shipment, signed: Sequence[tuple[ShipmentLine, LineReceipt]]
) -> tuple[tuple[ShipmentLine, ...], Refusal | None]:
    """A destination signs for lines: all of them or, on the first refusal, none (the turn's
    savepoint is not needed: nothing is written before every line was checked)."""
    assert turn.member is not None
    current = await shipments.get_shipment(turn.conn, shipment.id)
    assert current is not None
    checked: list[tuple[ShipmentLine, LineReceipt, LineStatus]] = []
    for line, receipt in signed:
        fresh = await shipments.get_line(turn.conn, line.id)
        assert fresh is not None
        refusal = rules.receipt_refusal(current, fresh, receipt)
        if refusal is not None:
            return (), refusal
        checked.append((fresh, receipt, rules.line_status_for(fresh, receipt)))
    done: list[ShipmentLine] = []
    for line, receipt, status in checked:
        ok = await shipments.set_line_receipt(
            turn.conn, line, status, receipt, actor_id=turn.member.id, now=turn.now
        )
        if not ok:  # signed by a colleague in between; refused before anything was written
            return (), Refusal("ship.already_signed")
        after = await shipments.get_line(turn.conn, line.id)
        assert after is not None
        done.append(after)
    await _count_on_requests(turn, shipment, done)
    await turn.audit(
        "shipment.receipt",
        shipment.ref,
        "; ".join(
            f"{audit_line(turn, line)}: {receipt_text(turn.ctx.t, 'en', line)}" for line in done
        )[:500],
    )
    await _tell_signed(turn, current, done)
    await _close_when_signed(turn, current)
    return tuple(done), None


async def _count_on_requests(turn: Turn, shipment: Shipment, lines: Sequence[ShipmentLine]) -> None:
    """What was signed for counts on the request as /received does: received what arrived
    whole, delivered what arrived at all (whole or damaged); a request received in full is
    delivered."""
    assert turn.member is not None
    by_request: dict[int, list[ShipmentLine]] = {}
    for line in lines:
        if line.request_id is not None:
            by_request.setdefault(line.request_id, []).append(line)
    for request_id, group in by_request.items():
        request = await requests.get_request(turn.conn, request_id)
        if request is None:
            continue
        items = {i.id: i for i in request.items}
        progress: list[tuple[int, int]] = []
        for line in group:
            item = items.get(line.item_id or 0)
            if item is None:
                continue
            # Never past what was requested: /received may have counted the same goods.
            received = min(line.received, max(0, item.quantity - item.received))
            arrived = min(line.received + line.damaged, max(0, item.quantity - item.delivered))
            if received:
                await lifecycle.add_received(turn.conn, item.id, received)
                progress.append((item.id, received))
            if arrived:
                await lifecycle.add_delivered(turn.conn, item.id, arrived)
        if not progress:
            continue
        after = await requests.get_request(turn.conn, request_id)
        assert after is not None
        now_items = {i.id: i for i in after.items}
        progress_lines = tuple(
            ProgressLine(
                stage=EventKind.RECEIPT,
                item_key=now_items[item_id].item_key,
                free_text=now_items[item_id].free_text,
                unit=now_items[item_id].unit,
                added=added,
                done=now_items[item_id].received,
                of=now_items[item_id].quantity,
            )
            for item_id, added in progress
        )
        complete = all(i.received >= i.quantity for i in after.items)
        if complete and after.status is not Status.DELIVERED:
            await requests.set_status(
                turn.conn,
                request_id,
                Status.DELIVERED,
                actor_id=turn.member.id,
                note=shipment.ref,
                now=turn.now,
                lines=progress_lines,
            )
        else:
            await requests.add_status_event(
                turn.conn,
                request_id=request_id,
                status=after.status,
                actor_id=turn.member.id,
                note=shipment.ref,
                now=turn.now,
                kind=EventKind.RECEIPT,
                lines=progress_lines,
            )
            await lifecycle.touch_request(turn.conn, request_id, turn.now)


async def _tell_signed(turn: Turn, shipment: Shipment, lines: Sequence[ShipmentLine]) -> None:
    """The coordinators hear of every signature; damaged or missing goods as an alert, at once."""
    assert turn.member is not None
    t, catalog = turn.ctx.t, turn.ctx.catalog
    org = await _org_label(turn, turn.member.org_id)
    problem = any(rules.is_problem(line.status) for line in lines)

    def signed(lang: Language) -> str:
        body = "\n".join(f"• {line_text(t, catalog, lang, line, status=True)}" for line in lines)
        key = "ship.notify.problem" if problem else "ship.notify.signed"
        named = esc(latin_beside(org, lang))
        return t(lang, key, ref=esc(shipment.ref), org=named, lines=body)

    await notify_members(
        turn,
        await coordinators_of(turn, shipment),
        signed,
        kind="alert" if problem else "notice",
    )
    await offer_service.tell_donors_of_shipment(
        turn, [ln.request_id for ln in lines if ln.request_id], "offer.notify_signed", shipment.ref
    )


async def _close_when_signed(turn: Turn, shipment: Shipment) -> None:
    """Every line signed for: the shipment is closed (an event and an audit row, no notice:
    everyone concerned has just heard of the last signature)."""
    assert turn.member is not None
    lines = await shipments.list_lines(turn.conn, shipment.id)
    if any(line.status is LineStatus.SHIPPED for line in lines):
        return
    refusal = rules.transition_refusal(shipment, ShipmentStatus.CLOSED, line_count=len(lines))
    if refusal is not None:
        return
    if await shipments.set_status(
        turn.conn,
        shipment.id,
        ShipmentStatus.CLOSED,
        expected=shipment.status,
        actor_id=turn.member.id,
        note=None,
        now=turn.now,
    ):
        await turn.audit("shipment.closed", shipment.ref, "every line signed for")
