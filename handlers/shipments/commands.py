"""Coordinators plan, send and follow shipments from chat: /shipment, /shipments, the card's
buttons; a hub's members confirm the truck's arrival with one tap.

/shipment new NAME; carrier ORG; hub ORG; departs DD.MM.YYYY; vehicle …; waybill …; value …
/shipment new                    (guided, handlers/shipments/new_flow.py)
/shipment S-12                   the card: lines by destination, action buttons
/shipment add S-12 R-1042 [ITEM QTY; …]  (or: add S-12 hub 370 generators, for the hub)
/shipment remove S-12 R-1042    a request's goods off a truck that has not left
/shipment set S-12 waybill …; vehicle …; departs …   details until it leaves
/shipment fill S-12 [filters]    a preview of pledged goods not yet shipped (fill.py)
/shipment load|depart|arrived S-12, /shipment cancel S-12 [reason]
/shipment list S-12 [csv]        the packing list (XLSX or CSV, packing_list.py)
/shipments                       the open ones
"""

from __future__ import annotations

from pydantic import ValidationError

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import ANY_MEMBER, COORDINATOR, ChoiceRoute, Command, Registry
from handlers.lifecycle.commands import refusal as lifecycle_refusal
from handlers.lifecycle.rules import parse_amounts
from handlers.requests.need_line import parse_need
from handlers.requests.requester_commands import not_found, visible_request
from handlers.shipments import fill, hub, new_flow, receipt, service
from handlers.shipments.cards import form_error, load_shipment, refuse, show_card
from handlers.shipments.forms import FormError, parse_fields, parse_new
from handlers.shipments.packing_list import FORMATS, packing_detail, packing_documents
from handlers.shipments.rules import Refusal
from handlers.shipments.view import lines_block, list_line, status_text
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import organisations, shipments
from storage.models import Role
from storage.shipment_models import (
    OPEN_SHIPMENT_STATUSES,
    NewLine,
    Shipment,
    ShipmentDraft,
    ShipmentStatus,
    parse_shipment_ref,
)

MAX_NOTE = 1000
# "/shipment add S-12 hub …": goods for the hub without a request.
HUB_WORDS = frozenset({"hub", "хаб", "хабу", "umschlaglager", "lager"})
LIST_LIMIT = 30
# Sub-commands that name a shipment first.
NEEDS_REF = frozenset({"fill", "list", "load", "depart", "arrived", "cancel", "set"})


# --- /shipment ---------------------------------------------------------------------------


async def cmd_shipment(turn: Turn, args: str) -> list[Reply]:
    word, _, rest = args.strip().partition(" ")
    sub = word.casefold()
    rest = rest.strip()
    if not word:
        return [Reply(text=turn.tr("ship.usage"))]
    if sub == "new":
        return await cmd_new(turn, rest)
    if sub == "add":
        return await cmd_add(turn, rest)
    if sub == "remove":
        return await cmd_remove(turn, rest)
    if sub == "set":
        return await cmd_set(turn, rest)
    if sub in NEEDS_REF and not rest:
        # "/shipment depart" alone: say what is missing, not "shipment ? not found".
        return [Reply(text=turn.tr("ship.need_ref", command=esc(f"/shipment {sub}")))]
    if sub == "fill":
        ref, _, filters = rest.partition(" ")
        shipment, refused = await load_shipment(turn, ref)
        if shipment is None:
            return refused or []
        return await fill.preview(turn, shipment, filters.strip())
    if sub == "list":
        ref, _, fmt = rest.partition(" ")
        fmt = fmt.strip().casefold() or "xlsx"
        if fmt not in FORMATS:
            return [Reply(text=turn.tr("ship.list_usage"))]
        shipment, refused = await load_shipment(turn, ref)
        if shipment is None:
            return refused or []
        return packing_list_report(turn, shipment, fmt)
    moves = {
        "load": ShipmentStatus.LOADING,
        "depart": ShipmentStatus.DEPARTED,
        "arrived": ShipmentStatus.AT_HUB,
        "cancel": ShipmentStatus.CANCELLED,
    }
    if sub in moves:
        ref, _, note = rest.partition(" ")
        shipment, refused = await load_shipment(turn, ref)
        if shipment is None:
            return refused or []
        return await do_move(turn, shipment, moves[sub], note.strip()[:MAX_NOTE] or None)
    if parse_shipment_ref(word) is not None:
        shipment, refused = await load_shipment(turn, word)
        if shipment is None:
            return refused or []
        return await show_card(turn, shipment.id)
    return [Reply(text=turn.tr("ship.usage"))]


async def cmd_new(turn: Turn, args: str) -> list[Reply]:
    if not args:
        return await new_flow.start(turn)
    orgs = await organisations.list_organisations(turn.conn)
    draft, error = parse_new(args, orgs, turn.today)
    if error is not None or draft is None:
        return form_error(turn, error or FormError("ship.form.no_name"))
    shipment = await service.create(turn, draft)
    head = turn.tr("ship.created", ref=esc(shipment.ref))
    replies = await show_card(turn, shipment.id, head=head)
    return [r.model_copy(update={"durable": True}) for r in replies]


async def cmd_add(turn: Turn, args: str) -> list[Reply]:
    parts = args.split(maxsplit=2)
    if len(parts) < 2:
        return [Reply(text=turn.tr("ship.add_usage"))]
    shipment, refused = await load_shipment(turn, parts[0])
    if shipment is None:
        return refused or []
    if parts[1].casefold() in HUB_WORDS:
        return await add_hub_goods(turn, shipment, parts[2] if len(parts) > 2 else "")
    request = await visible_request(turn, parts[1])
    if request is None:
        return not_found(turn, parts[1])
    parsed = parse_amounts(parts[2] if len(parts) > 2 else "", request, turn.ctx.catalog)
    if parsed.error_key:
        return lifecycle_refusal(turn, parsed.error_key, request, parsed.error_fragment)
    added, refusal = await service.add_many(turn, shipment, [(request, parsed.amounts)])
    if refusal is not None:
        return refuse(turn, shipment, refusal)
    text = turn.tr(
        "ship.added",
        ref=esc(shipment.ref),
        lines=lines_block(turn.ctx.t, turn.ctx.catalog, turn.lang, added),
    )
    return [Reply(text=text, durable=True)]


async def add_hub_goods(turn: Turn, shipment: Shipment, text: str) -> list[Reply]:
    """/shipment add S-12 hub 370 генератор; 20 намет: goods for the hub, read as /need reads
    items. Anything /need would ask about (a guess, a pack size, a date) is refused here."""
    parsed = parse_need(text, turn.today, catalog=turn.ctx.catalog)
    clean = (
        parsed.ok
        and not parsed.asks
        and parsed.needed_by is None
        and parsed.note is None
        and all(item.pack_size is None for item in parsed.items)
    )
    if not clean or shipment.hub_org_id is None:
        if shipment.hub_org_id is None:
            return refuse(turn, shipment, Refusal("ship.no_hub"))
        return [Reply(text=turn.tr("ship.hub_unreadable", fragment=esc(text[:80])))]
    new = [
        NewLine(
            dest_org_id=shipment.hub_org_id,
            item_key=item.item_key,
            free_text=item.free_text,
            unit=item.unit,
            quantity=item.quantity,
        )
        for item in parsed.items
    ]
    added, refusal = await service.add_for_hub(turn, shipment, new)
    if refusal is not None:
        return refuse(turn, shipment, refusal)
    text = turn.tr(
        "ship.added",
        ref=esc(shipment.ref),
        lines=lines_block(turn.ctx.t, turn.ctx.catalog, turn.lang, added),
    )
    return [Reply(text=text, durable=True)]


async def cmd_set(turn: Turn, args: str) -> list[Reply]:
    """/shipment set S-12 waybill CMR-4711; vehicle …; departs 05.12.2026: what the guided
    form did not ask, or what changed, until the truck leaves."""
    ref, _, text = args.partition(" ")
    shipment, refused = await load_shipment(turn, ref)
    if shipment is None:
        return refused or []
    orgs = await organisations.list_organisations(turn.conn)
    fields, error = parse_fields(text.split(";"), orgs, turn.today)
    if error is not None:
        return form_error(turn, error)
    if not fields:
        return [Reply(text=turn.tr("ship.set_usage"))]
    current = shipment.model_dump(include=set(ShipmentDraft.model_fields))
    try:
        draft = ShipmentDraft.model_validate({**current, **fields})
    except ValidationError:
        return form_error(turn, FormError("ship.form.too_long", text.strip()[:60]))
    refusal = await service.set_details(turn, shipment, draft)
    if refusal is not None:
        return refuse(turn, shipment, refusal)
    head = turn.tr("ship.details_set", ref=esc(shipment.ref))
    replies = await show_card(turn, shipment.id, head=head)
    return [r.model_copy(update={"durable": True}) for r in replies]


async def cmd_remove(turn: Turn, args: str) -> list[Reply]:
    parts = args.split()
    if len(parts) != 2:
        return [Reply(text=turn.tr("ship.remove_usage"))]
    shipment, refused = await load_shipment(turn, parts[0])
    if shipment is None:
        return refused or []
    request = await visible_request(turn, parts[1])
    if request is None:
        return not_found(turn, parts[1])
    removed, refusal = await service.remove_request(turn, shipment, request)
    if refusal is not None:
        return refuse(turn, shipment, refusal)
    text = turn.tr(
        "ship.removed",
        ref=esc(shipment.ref),
        lines=lines_block(turn.ctx.t, turn.ctx.catalog, turn.lang, removed),
    )
    return [Reply(text=text, durable=True)]


async def do_move(
    turn: Turn,
    shipment: Shipment,
    to: ShipmentStatus,
    note: str | None,
    *,
    replace: bool = False,
) -> list[Reply]:
    refusal = await service.move(turn, shipment, to, note)
    if refusal is not None:
        return refuse(turn, shipment, refusal)
    head = turn.tr(
        "ship.moved", ref=esc(shipment.ref), status=esc(status_text(turn.ctx.t, turn.lang, to))
    )
    replies = await show_card(turn, shipment.id, replace=replace, head=head)
    return [r.model_copy(update={"durable": not replace}) for r in replies]


def packing_list_report(turn: Turn, shipment: Shipment, fmt: str) -> list[Reply]:
    """The packing list reaches the asker through the outbox after the turn's commit: drawn
    in a report's slot, off the event loop and outside the write lock, as /export is."""
    ctx, lang, shipment_id = turn.ctx, turn.lang, shipment.id
    # Street addresses for admins and the carrier's members only (location_policy).
    level = packing_detail(turn.roles, turn.member, shipment)
    # Past the platform's largest file the list comes in parts, each announced (as /export).
    max_bytes = ctx.file_limits.max_bytes(turn.incoming.chat.transport)

    async def packing() -> list[Reply]:
        documents = await packing_documents(ctx, shipment_id, lang, fmt, level, max_bytes=max_bytes)
        return [Reply(document=document) for document in documents]

    turn.after_commit.append(packing)
    return []


# --- /shipments --------------------------------------------------------------------------


async def cmd_shipments(turn: Turn, args: str) -> list[Reply]:
    found = await shipments.list_shipments(
        turn.conn, statuses=OPEN_SHIPMENT_STATUSES, limit=LIST_LIMIT
    )
    if not found:
        return [Reply(text=turn.tr("ship.none_open"))]
    out = [f"<b>{esc(turn.tr('ship.list_title', count=len(found)))}</b>"]
    for shipment in found:
        lines = await shipments.list_lines(turn.conn, shipment.id)
        destinations = len({line.dest_org_id for line in lines})
        out.append(list_line(turn.ctx.t, turn.lang, shipment, len(lines), destinations))
    out.append("")
    out.append(turn.tr("ship.list_hint"))
    return [Reply(text="\n".join(out))]


# --- buttons -----------------------------------------------------------------------------


async def on_card(turn: Turn, payload: str) -> list[Reply]:
    """shc:<action>:<shipment id> from the card."""
    action, _, rest = payload.partition(":")
    shipment_id = small_int(rest)
    shipment = await shipments.get_shipment(turn.conn, shipment_id) if shipment_id else None
    if shipment is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if action == "show":
        return await show_card(turn, shipment.id, replace=True)
    if action == "fill":
        return await fill.preview(turn, shipment, "")
    if action == "can":
        confirm = (
            (
                Choice(label=turn.tr("ship.btn.cancel_yes"), payload=f"shc:cany:{shipment.id}"),
                Choice(label=turn.tr("btn.back"), payload=f"shc:show:{shipment.id}", nav=True),
            ),
        )
        text = turn.tr("ship.cancel_ask", ref=esc(shipment.ref), name=esc(shipment.name))
        return [Reply(text=text, choices=confirm, replace=True)]
    moves = {
        "load": ShipmentStatus.LOADING,
        "dep": ShipmentStatus.DEPARTED,
        "arr": ShipmentStatus.AT_HUB,
        "cany": ShipmentStatus.CANCELLED,
    }
    if action in moves:
        return await do_move(turn, shipment, moves[action], None, replace=True)
    return [Reply(text=turn.tr("error.stale_button"), toast=True)]


async def on_hub_arrived(turn: Turn, payload: str) -> list[Reply]:
    """shh:<shipment id>: a member of the hub organisation (or a coordinator) confirms that the
    truck arrived there."""
    shipment_id = small_int(payload)
    shipment = await shipments.get_shipment(turn.conn, shipment_id) if shipment_id else None
    member = turn.member
    if shipment is None or member is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    at_hub = shipment.hub_org_id is not None and member.org_id == shipment.hub_org_id
    if not at_hub and not (turn.roles & {Role.COORDINATOR, Role.ADMIN}):
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    refusal = await service.move(turn, shipment, ShipmentStatus.AT_HUB)
    if refusal is not None:
        return refuse(turn, shipment, refusal)
    text = turn.tr("ship.hub_confirmed", ref=esc(shipment.ref), name=esc(shipment.name))
    return [Reply(text=text, replace=True, durable=True)]


def register(registry: Registry) -> None:
    # Private (the default): cards and lists name hospitals, their requests and quantities.
    registry.add_command(Command("shipment", COORDINATOR, cmd_shipment, "help.shipment"))
    registry.add_command(Command("shipments", COORDINATOR, cmd_shipments, "help.shipments"))
    registry.add_choice(ChoiceRoute("shc", COORDINATOR, on_card))
    # A hub's members may be requesters of the hub hospital: the handler checks the org.
    registry.add_choice(ChoiceRoute("shh", ANY_MEMBER, on_hub_arrived))
    fill.register(registry)
    hub.register(registry)
    receipt.register(registry)
    new_flow.register(registry)
