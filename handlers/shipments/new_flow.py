"""/shipment new without arguments: the guided form, one question a message.

Name -> carrier -> hub (or none) -> planned departure (or none) -> summary -> Create. The
answers are the coordinator's conversation row (flow "ship_new"), so a restart loses nothing;
organisations are offered as buttons and may be typed (number or a part of the name that fits
one). Vehicle, waybill and value go in the one-line form.
"""

from __future__ import annotations

from datetime import date

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import COORDINATOR, ChoiceRoute, Flow, Registry
from handlers.shipments import service
from handlers.shipments.cards import form_error, show_card
from handlers.shipments.forms import find_org, read_date
from handlers.shipments.view import when_text
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import organisations
from storage.models import Frozen, Organisation, OrgKind
from storage.shipment_models import ShipmentDraft

FLOW = "ship_new"
MAX_NAME = 200
ORG_BUTTONS = 8
CARRIER_KINDS = frozenset({OrgKind.NGO, OrgKind.COORDINATION, OrgKind.MUNICIPALITY})
HUB_KINDS = frozenset({OrgKind.HOSPITAL, OrgKind.MUNICIPALITY, OrgKind.NGO})


class NewShipment(Frozen):
    name: str = ""
    carrier_org_id: int | None = None
    hub_org_id: int | None = None
    planned_departure: date | None = None


def _cancel(turn: Turn) -> Choice:
    return Choice(label=turn.tr("btn.cancel"), payload="shn:x", nav=True)


async def _org_choices(
    turn: Turn, kinds: frozenset[OrgKind], step: str, *, skip: bool
) -> tuple[tuple[Choice, ...], ...]:
    orgs = [o for o in await organisations.list_organisations(turn.conn) if o.kind in kinds]
    rows: list[tuple[Choice, ...]] = [
        (Choice(label=o.name[:60], payload=f"shn:{step}:{o.id}"),) for o in orgs[:ORG_BUTTONS]
    ]
    last = [_cancel(turn)]
    if skip:
        last.insert(0, Choice(label=turn.tr("ship.btn.none"), payload=f"shn:{step}:-", nav=True))
    rows.append(tuple(last))
    return tuple(rows)


async def _ask(turn: Turn, step: str, data: NewShipment, *, replace: bool = False) -> list[Reply]:
    await turn.flow.save(FLOW, step, data)
    if step == "name":
        return [Reply(text=turn.tr("ship.new.ask_name"), choices=((_cancel(turn),),))]
    if step == "carrier":
        choices = await _org_choices(turn, CARRIER_KINDS, "c", skip=False)
        return [Reply(text=turn.tr("ship.new.ask_carrier"), choices=choices, replace=replace)]
    if step == "hub":
        choices = await _org_choices(turn, HUB_KINDS, "h", skip=True)
        return [Reply(text=turn.tr("ship.new.ask_hub"), choices=choices, replace=replace)]
    if step == "date":
        skip = Choice(label=turn.tr("ship.btn.none"), payload="shn:d:-", nav=True)
        return [
            Reply(
                text=turn.tr("ship.new.ask_date"),
                choices=((skip, _cancel(turn)),),
                replace=replace,
            )
        ]
    return [await _summary(turn, data, replace=replace)]


async def _summary(turn: Turn, data: NewShipment, *, replace: bool) -> Reply:
    async def name_of(org_id: int | None) -> str:
        org = await organisations.get_organisation(turn.conn, org_id) if org_id else None
        return org.name if org else "—"

    text = turn.tr(
        "ship.new.summary",
        name=esc(data.name),
        carrier=esc(await name_of(data.carrier_org_id)),
        hub=esc(await name_of(data.hub_org_id)),
        when=esc(when_text(turn.ctx.t, turn.lang, data.planned_departure)),
    )
    create = Choice(label=turn.tr("ship.btn.create"), payload="shn:ok")
    return Reply(text=text, choices=((create, _cancel(turn)),), replace=replace)


async def start(turn: Turn) -> list[Reply]:
    return await _ask(turn, "name", NewShipment())


def _next(step: str) -> str:
    return {"name": "carrier", "carrier": "hub", "hub": "date"}.get(step, "summary")


async def on_text(turn: Turn, text: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, NewShipment)
    if state is None:
        return await start(turn)
    step, data = state.step, state.data
    text = text.strip()
    if step == "name":
        if not text or len(text) > MAX_NAME:
            return [Reply(text=turn.tr("ship.new.bad_name", limit=MAX_NAME))]
        return await _ask(turn, "carrier", data.model_copy(update={"name": text}))
    if step in ("carrier", "hub"):
        orgs: list[Organisation] = await organisations.list_organisations(turn.conn)
        org, error = find_org(orgs, text)
        if error is not None or org is None:
            replies = form_error(turn, error) if error else []
            return replies + await _ask(turn, step, data)
        field = "carrier_org_id" if step == "carrier" else "hub_org_id"
        return await _ask(turn, _next(step), data.model_copy(update={field: org.id}))
    if step == "date":
        day = read_date(text, turn.today)
        if day is None or day < turn.today:
            return [Reply(text=turn.tr("ship.form.bad_date", fragment=esc(text[:40])))]
        return await _ask(turn, "summary", data.model_copy(update={"planned_departure": day}))
    return [await _summary(turn, data, replace=False)]


async def on_choice(turn: Turn, payload: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, NewShipment)
    if state is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    action, _, value = payload.partition(":")
    data = state.data
    if action == "x":
        await turn.flow.clear(FLOW)
        return [Reply(text=turn.tr("ship.new.cancelled"), replace=True)]
    if action in ("c", "h"):
        org_id = None if value == "-" and action == "h" else small_int(value)
        if value != "-" and org_id is None:
            return [Reply(text=turn.tr("error.stale_button"), toast=True)]
        if org_id is not None and await organisations.get_organisation(turn.conn, org_id) is None:
            return [Reply(text=turn.tr("error.stale_button"), toast=True)]
        field = "carrier_org_id" if action == "c" else "hub_org_id"
        step = "hub" if action == "c" else "date"
        return await _ask(turn, step, data.model_copy(update={field: org_id}), replace=True)
    if action == "d":
        return await _ask(turn, "summary", data, replace=True)
    if action == "ok" and state.step == "summary" and data.name:
        await turn.flow.clear(FLOW)
        draft = ShipmentDraft(
            name=data.name,
            carrier_org_id=data.carrier_org_id,
            hub_org_id=data.hub_org_id,
            planned_departure=data.planned_departure,
        )
        shipment = await service.create(turn, draft)
        head = turn.tr("ship.created", ref=esc(shipment.ref))
        replies = await show_card(turn, shipment.id, replace=True, head=head)
        return [r.model_copy(update={"durable": True}) for r in replies]
    return [Reply(text=turn.tr("error.stale_button"), toast=True)]


def register(registry: Registry) -> None:
    registry.add_choice(ChoiceRoute("shn", COORDINATOR, on_choice))
    registry.add_flow(Flow(FLOW, COORDINATOR, on_text))
