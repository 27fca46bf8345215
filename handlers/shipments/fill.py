"""/shipment fill S-12 [filters]: pledged goods not yet on a truck, proposed as a preview.

Critical requests first, then overdue ones, then the oldest. Nothing is added until the
coordinator taps "Add"; typing numbers ("1 3 5-7") keeps only those lines. The preview is the
coordinator's conversation row (flow "ship_fill"); on "Add" every line is checked again
against what is pledged and shipped at that moment, in the same transaction that adds them.
"""

from __future__ import annotations

import re

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import COORDINATOR, ChoiceRoute, Flow, Registry
from handlers.lifecycle.commands import filters_or_reply
from handlers.lifecycle.rules import ItemAmount
from handlers.shipments import rules, service
from handlers.shipments.cards import refuse, show_card
from handlers.shipments.rules import Refusal
from handlers.shipments.view import qty_text
from handlers.text.format import URGENCY_ICON, esc, item_label
from handlers.text.places import latin_beside
from storage import organisations, requests, shipments
from storage.models import Frozen, NeedRequest, Urgency
from storage.shipment_models import Shipment

FLOW = "ship_fill"
FILL_LIMIT = 40
_RANGE = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?$")


class Pick(Frozen):
    request_id: int
    item_id: int
    quantity: int


class FillState(Frozen):
    shipment_id: int
    picks: tuple[Pick, ...]


async def preview(turn: Turn, shipment: Shipment, filter_text: str) -> list[Reply]:
    if shipment.status not in rules.EDITABLE:
        return refuse(turn, shipment, Refusal("ship.refused_status"))
    filters = await filters_or_reply(turn, "shipment", filter_text, head=f"fill {shipment.ref}")
    if isinstance(filters, list):
        return filters
    found = await shipments.list_fill_candidates(
        turn.conn,
        filters=filters,
        statuses=sorted(rules.SHIPPABLE_REQUESTS),
        today=turn.today,
        limit=FILL_LIMIT,
    )
    loaded: dict[int, NeedRequest] = {}
    for request_id, _ in found:
        if request_id not in loaded:
            request = await requests.get_request(turn.conn, request_id)
            assert request is not None
            loaded[request_id] = request
    shipped = await shipments.shipped_quantities(turn.conn, [item for _, item in found])
    picks: list[Pick] = []
    for request_id, item_id in found:
        item = next(i for i in loaded[request_id].items if i.id == item_id)
        free = rules.available(item, shipped.get(item_id, 0))
        if free > 0:
            picks.append(Pick(request_id=request_id, item_id=item_id, quantity=free))
    if not picks:
        return [Reply(text=turn.tr("ship.fill_none", ref=esc(shipment.ref)))]
    state = FillState(shipment_id=shipment.id, picks=tuple(picks))
    await turn.flow.save(FLOW, "preview", state)
    return [await _render(turn, shipment, state, loaded)]


async def _render(
    turn: Turn, shipment: Shipment, state: FillState, loaded: dict[int, NeedRequest]
) -> Reply:
    names = {o.id: o.name for o in await organisations.list_organisations(turn.conn)}
    title = turn.tr("ship.fill_title", ref=esc(shipment.ref), count=len(state.picks))
    out = [f"<b>{title}</b>"]
    for number, pick in enumerate(state.picks, 1):
        request = loaded[pick.request_id]
        item = next(i for i in request.items if i.id == pick.item_id)
        name = esc(item_label(turn.ctx.catalog, turn.lang, item.item_key, item.free_text))
        overdue = request.needed_by is not None and request.needed_by < turn.today
        mark = URGENCY_ICON[request.urgency] if request.urgency is Urgency.CRITICAL else ""
        if overdue:
            mark += "⏰"
        org = latin_beside(names.get(request.org_id, "?"), turn.lang)
        out.append(
            f"{number}. {mark} <b>{esc(request.ref)}</b> · {esc(org)}:"
            f" {name} — {qty_text(turn.lang, pick.quantity, item.unit)}"
        )
    out.append("")
    out.append(turn.tr("ship.fill_hint"))
    # Both are words, not numbered options, on Matrix and the console: there a typed "1"
    # must keep line 1, as the hint says, not press a button numbered 1 that adds them all.
    buttons = (
        (
            Choice(label=turn.tr("ship.btn.fill_add"), payload="shf:ok", nav=True),
            Choice(label=turn.tr("btn.cancel"), payload="shf:no", nav=True),
        ),
    )
    return Reply(text="\n".join(out), choices=buttons)


async def _loaded(turn: Turn, state: FillState) -> dict[int, NeedRequest]:
    loaded: dict[int, NeedRequest] = {}
    for pick in state.picks:
        if pick.request_id not in loaded:
            request = await requests.get_request(turn.conn, pick.request_id)
            if request is not None:
                loaded[pick.request_id] = request
    return loaded


def keep_numbers(text: str, count: int) -> list[int] | None:
    """'1 3 5-7' (commas too) -> [1, 3, 5, 6, 7]; None when a part is not such a number."""
    chosen: list[int] = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if not match:
            return None
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 1 <= low <= high <= count:
            return None
        chosen.extend(n for n in range(low, high + 1) if n not in chosen)
    return sorted(chosen) or None


async def on_text(turn: Turn, text: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, FillState)
    if state is None:
        return [Reply(text=turn.tr("error.stale_button"))]
    numbers = keep_numbers(text, len(state.data.picks))
    if numbers is None:
        return [Reply(text=turn.tr("ship.fill_numbers", count=len(state.data.picks)))]
    kept = FillState(
        shipment_id=state.data.shipment_id,
        picks=tuple(state.data.picks[n - 1] for n in numbers),
    )
    shipment = await shipments.get_shipment(turn.conn, kept.shipment_id)
    if shipment is None:
        await turn.flow.clear(FLOW)
        return [Reply(text=turn.tr("error.stale_button"))]
    await turn.flow.save(FLOW, "preview", kept)
    return [await _render(turn, shipment, kept, await _loaded(turn, kept))]


async def on_choice(turn: Turn, payload: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, FillState)
    if state is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    if payload != "ok":
        await turn.flow.clear(FLOW)
        return [Reply(text=turn.tr("ship.fill_cancelled"), replace=True)]
    shipment = await shipments.get_shipment(turn.conn, state.data.shipment_id)
    if shipment is None:
        await turn.flow.clear(FLOW)
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    loaded = await _loaded(turn, state.data)
    wanted: dict[int, list[ItemAmount]] = {}
    for pick in state.data.picks:
        request = loaded.get(pick.request_id)
        item = next((i for i in request.items if i.id == pick.item_id), None) if request else None
        if request is None or item is None:
            return [Reply(text=turn.tr("error.stale_button"), toast=True)]
        wanted.setdefault(request.id, []).append(ItemAmount(item, pick.quantity))
    added, refusal = await service.add_many(
        turn, shipment, [(loaded[rid], tuple(amounts)) for rid, amounts in wanted.items()]
    )
    if refusal is not None:
        # Something changed since the preview: say what, keep the preview for another look.
        return refuse(turn, shipment, refusal)
    await turn.flow.clear(FLOW)
    head = turn.tr("ship.filled", ref=esc(shipment.ref), count=len(added))
    replies = await show_card(turn, shipment.id, replace=True, head=head)
    return [r.model_copy(update={"durable": True}) for r in replies]


def register(registry: Registry) -> None:
    registry.add_choice(ChoiceRoute("shf", COORDINATOR, on_choice))
    registry.add_flow(Flow(FLOW, COORDINATOR, on_text))
