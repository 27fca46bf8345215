"""Shipment rules, apart from chat: which change is allowed from which status, and why not.

Like handlers/lifecycle/rules.py, every refusal is a reason key, so the person is told exactly
why in their language. Nothing here reads or writes the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handlers.lifecycle.rules import ItemAmount
from storage.models import NeedItem, NeedRequest, Status
from storage.shipment_models import LineReceipt, LineStatus, Shipment, ShipmentLine, ShipmentStatus

S = ShipmentStatus
TRANSITIONS: Mapping[ShipmentStatus, frozenset[ShipmentStatus]] = {
    S.PLANNED: frozenset({S.LOADING, S.DEPARTED, S.CANCELLED}),
    S.LOADING: frozenset({S.DEPARTED, S.CANCELLED}),
    # Without a hub the goods go straight to the destinations: departed -> closed.
    S.DEPARTED: frozenset({S.AT_HUB, S.CLOSED}),
    S.AT_HUB: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Lines may be added while the truck is being planned or loaded, not once it left.
EDITABLE = frozenset({S.PLANNED, S.LOADING})
# Destinations sign for their goods once the truck is on its way (or at the hub).
RECEIVABLE = frozenset({S.DEPARTED, S.AT_HUB})
# A request whose goods may go on a truck: pledged goods, and the request still open.
SHIPPABLE_REQUESTS = frozenset({Status.ACKNOWLEDGED, Status.PLEDGED, Status.IN_TRANSIT})
# What departing does to a request: like /transit, from these statuses only.
TRANSIT_ON_DEPARTURE = frozenset({Status.ACKNOWLEDGED, Status.PLEDGED})

LINE_TRANSITIONS: Mapping[LineStatus, frozenset[LineStatus]] = {
    LineStatus.SHIPPED: frozenset(
        {LineStatus.RECEIVED, LineStatus.PARTLY_RECEIVED, LineStatus.DAMAGED, LineStatus.MISSING}
    ),
    LineStatus.RECEIVED: frozenset(),
    LineStatus.PARTLY_RECEIVED: frozenset(),
    LineStatus.DAMAGED: frozenset(),
    LineStatus.MISSING: frozenset(),
}


@dataclass(frozen=True)
class Refusal:
    key: str
    # Values for the message's placeholders beyond the shipment's ref and status.
    args: tuple[tuple[str, str], ...] = ()


def transition_refusal(
    shipment: Shipment, to: ShipmentStatus, *, line_count: int
) -> Refusal | None:
    """Why ``shipment`` may not move to ``to`` now, or None when it may."""
    if to not in TRANSITIONS[shipment.status]:
        return Refusal("ship.refused_status")
    if to is S.DEPARTED and line_count == 0:
        return Refusal("ship.empty")
    if to is S.AT_HUB and shipment.hub_org_id is None:
        return Refusal("ship.no_hub")
    return None


def closed_request_refusal(closed: Sequence[str]) -> Refusal | None:
    """A request on the truck that was withdrawn or declined since: its goods must come off
    before the truck leaves (/shipment remove), never be sent by oversight."""
    if closed:
        return Refusal("ship.closed_requests", (("request", ", ".join(closed)),))
    return None


def hub_refusal(shipment: Shipment) -> Refusal | None:
    """Goods for the hub need a hub and a truck that has not left."""
    if shipment.status not in EDITABLE:
        return Refusal("ship.refused_status")
    if shipment.hub_org_id is None:
        return Refusal("ship.no_hub")
    return None


def available(item: NeedItem, shipped: int) -> int:
    """Pledged and not yet on a shipment (that is not cancelled)."""
    return max(0, item.pledged - shipped)


def line_plan(
    shipment: Shipment,
    request: NeedRequest,
    amounts: tuple[ItemAmount, ...],
    shipped: Mapping[int, int],
) -> tuple[tuple[ItemAmount, ...], Refusal | None]:
    """What to put on the shipment from ``request``: the amounts asked for, each within what
    is pledged and not shipped, or (no amounts: the person asked for everything) all of it."""
    if shipment.status not in EDITABLE:
        return (), Refusal("ship.refused_status")
    if request.status not in SHIPPABLE_REQUESTS:
        return (), Refusal("ship.request_not_shippable")
    if not amounts:
        plan = tuple(
            ItemAmount(i, available(i, shipped.get(i.id, 0)))
            for i in request.items
            if available(i, shipped.get(i.id, 0)) > 0
        )
        return (plan, None) if plan else ((), Refusal("ship.nothing_pledged"))
    for amount in amounts:
        free = available(amount.item, shipped.get(amount.item.id, 0))
        if amount.quantity > free:
            return (), Refusal(
                "ship.too_much",
                (("asked", str(amount.quantity)), ("free", str(free))),
            )
    return amounts, None


def line_status_for(line: ShipmentLine, receipt: LineReceipt) -> LineStatus:
    """What a signature makes of the line: all received, all missing, some damaged, or some
    received and the rest missing."""
    if receipt.received == line.quantity:
        return LineStatus.RECEIVED
    if receipt.missing == line.quantity:
        return LineStatus.MISSING
    if receipt.damaged > 0:
        return LineStatus.DAMAGED
    return LineStatus.PARTLY_RECEIVED


def receipt_refusal(shipment: Shipment, line: ShipmentLine, receipt: LineReceipt) -> Refusal | None:
    if line.status is not LineStatus.SHIPPED:
        return Refusal("ship.already_signed")
    if shipment.status not in RECEIVABLE:
        return Refusal("ship.not_on_the_way")
    if receipt.total != line.quantity:
        return Refusal(
            "ship.receipt_sum", (("total", str(receipt.total)), ("qty", str(line.quantity)))
        )
    if line_status_for(line, receipt) not in LINE_TRANSITIONS[line.status]:
        return Refusal("ship.already_signed")
    return None


def is_problem(status: LineStatus) -> bool:
    """Coordinators are told at once of these."""
    return status in (LineStatus.DAMAGED, LineStatus.MISSING, LineStatus.PARTLY_RECEIVED)
