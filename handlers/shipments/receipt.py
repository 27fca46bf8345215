"""A destination signs for its goods: one tap per line (all received), one tap for all its
lines, or quantities received, damaged and missing with a short note.

The buttons come with the notice that the truck reached the hub (or left, when there is no
hub). Only members of the line's destination organisation may sign; a line is signed once
(storage refuses a second signature in the same statement that writes the first).
"""

from __future__ import annotations

import re

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.core.registry import REQUESTER, ChoiceRoute, Flow, Registry
from handlers.shipments import service
from handlers.shipments.cards import refuse
from handlers.shipments.rules import RECEIVABLE, Refusal
from handlers.shipments.view import line_text
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import shipments
from storage.models import Frozen
from storage.shipment_models import (
    LineReceipt,
    LineStatus,
    Shipment,
    ShipmentLine,
    parse_shipment_ref,
)

FLOW = "ship_rcv"
MAX_NOTE = 1000
# "180 15 5 box soaked": received, damaged, missing, then the note.
_AMOUNTS = re.compile(r"^\s*(\d{1,7})\s+(\d{1,7})\s+(\d{1,7})(?:\s+(.*))?$", re.DOTALL)


class PendingReceipt(Frozen):
    line_id: int


async def _own_line(turn: Turn, line_id: int | None) -> tuple[Shipment, ShipmentLine] | None:
    """The line and its shipment when the sender belongs to the line's destination."""
    line = await shipments.get_line(turn.conn, line_id) if line_id else None
    if line is None or turn.member is None or turn.member.org_id != line.dest_org_id:
        return None
    shipment = await shipments.get_shipment(turn.conn, line.shipment_id)
    return (shipment, line) if shipment is not None else None


def _done_text(turn: Turn, shipment: Shipment, lines: tuple[ShipmentLine, ...]) -> str:
    body = "\n".join(
        f"• {line_text(turn.ctx.t, turn.ctx.catalog, turn.lang, line, status=True)}"
        for line in lines
    )
    return turn.tr("ship.signed", ref=esc(shipment.ref), lines=body)


async def _answer(
    turn: Turn, shipment: Shipment, done: tuple[ShipmentLine, ...], *, replace: bool
) -> list[Reply]:
    """The confirmation, with the buttons of the lines still to sign for, if any."""
    remaining = [
        line
        for line in await shipments.list_lines(
            turn.conn, shipment.id, dest_org_id=done[0].dest_org_id
        )
        if line.status is LineStatus.SHIPPED
    ]
    text = _done_text(turn, shipment, done)
    choices: tuple[tuple[Choice, ...], ...] = ()
    if remaining:
        text += "\n\n" + turn.tr("ship.sign_rest", count=len(remaining))
        choices = service.receipt_choices(turn, turn.lang, shipment, remaining)
    return [Reply(text=text, choices=choices, replace=replace, durable=True)]


async def on_choice(turn: Turn, payload: str) -> list[Reply]:
    action, _, rest = payload.partition(":")
    if action == "all":
        sid_text, _, org_text = rest.partition(":")
        shipment_id, org_id = small_int(sid_text), small_int(org_text)
        shipment = await shipments.get_shipment(turn.conn, shipment_id) if shipment_id else None
        if shipment is None or turn.member is None or turn.member.org_id != org_id:
            return [Reply(text=turn.tr("error.stale_button"), toast=True)]
        lines = [
            line
            for line in await shipments.list_lines(turn.conn, shipment.id, dest_org_id=org_id)
            if line.status is LineStatus.SHIPPED
        ]
        if not lines:
            return [Reply(text=turn.tr("ship.already_signed", ref=esc(shipment.ref)))]
        signed = [
            (line, LineReceipt(received=line.quantity, damaged=0, missing=0)) for line in lines
        ]
        done, refusal = await service.sign(turn, shipment, signed)
        if refusal is not None:
            return refuse(turn, shipment, refusal)
        return await _answer(turn, shipment, done, replace=True)
    found = await _own_line(turn, small_int(rest))
    if found is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    shipment, line = found
    if action == "ok":
        receipt = LineReceipt(received=line.quantity, damaged=0, missing=0)
        done, refusal = await service.sign(turn, shipment, [(line, receipt)])
        if refusal is not None:
            return refuse(turn, shipment, refusal)
        return await _answer(turn, shipment, done, replace=True)
    if action == "q":
        if line.status is not LineStatus.SHIPPED:
            return [Reply(text=turn.tr("ship.already_signed", ref=esc(shipment.ref)))]
        await turn.flow.save(FLOW, "amounts", PendingReceipt(line_id=line.id))
        text = turn.tr(
            "ship.ask_amounts",
            line=line_text(turn.ctx.t, turn.ctx.catalog, turn.lang, line),
            qty=line.quantity,
        )
        cancel = Choice(label=turn.tr("btn.cancel"), payload="shr:x:0", nav=True)
        return [Reply(text=text, choices=((cancel,),))]
    if action == "x":
        await turn.flow.clear(FLOW)
        return [Reply(text=turn.tr("ship.sign_cancelled"), replace=True)]
    return [Reply(text=turn.tr("error.stale_button"), toast=True)]


async def ask(turn: Turn, ref_text: str) -> list[Reply]:
    """/received S-12: the lines this hospital still has to sign for on that shipment, with
    the same choices as the notice. Typed, so a platform without buttons (Matrix, the console)
    gets them as numbered options it can answer."""
    shipment_id = parse_shipment_ref(ref_text)
    shipment = await shipments.get_shipment(turn.conn, shipment_id) if shipment_id else None
    org_id = turn.member.org_id if turn.member is not None else None
    lines = (
        await shipments.list_lines(turn.conn, shipment.id, dest_org_id=org_id)
        if shipment is not None and org_id is not None
        else []
    )
    if shipment is None or not lines:  # absent and not ours look the same
        # Not "see /shipments": a hospital's member cannot list shipments.
        ref = esc(ref_text.strip()[:20] or "?")
        return [Reply(text=turn.tr("ship.not_found_mine", ref=ref))]
    open_lines = [line for line in lines if line.status is LineStatus.SHIPPED]
    if not open_lines:
        return [Reply(text=turn.tr("ship.already_signed", ref=esc(shipment.ref)))]
    if shipment.status not in RECEIVABLE:
        return refuse(turn, shipment, Refusal("ship.not_on_the_way"))
    text = turn.tr(
        "ship.to_sign",
        ref=esc(shipment.ref),
        name=esc(shipment.name),
        lines="\n".join(
            f"{n}. {line_text(turn.ctx.t, turn.ctx.catalog, turn.lang, line)}"
            for n, line in enumerate(open_lines, 1)
        ),
    )
    choices = service.receipt_choices(turn, turn.lang, shipment, open_lines)
    return [Reply(text=text, choices=choices)]


async def on_text(turn: Turn, text: str) -> list[Reply]:
    state = await turn.flow.get(FLOW, PendingReceipt)
    found = await _own_line(turn, state.data.line_id) if state else None
    if found is None:
        await turn.flow.clear(FLOW)
        return [Reply(text=turn.tr("error.stale_button"))]
    shipment, line = found
    match = _AMOUNTS.match(text)
    if not match:
        return [Reply(text=turn.tr("ship.amounts_unreadable", qty=line.quantity))]
    note = (match.group(4) or "").strip()[:MAX_NOTE] or None
    receipt = LineReceipt(
        received=int(match.group(1)),
        damaged=int(match.group(2)),
        missing=int(match.group(3)),
        note=note,
    )
    done, refusal = await service.sign(turn, shipment, [(line, receipt)])
    if refusal is not None:
        if refusal.key != "ship.receipt_sum":  # the sum may be typed again; the rest is final
            await turn.flow.clear(FLOW)
        return refuse(turn, shipment, refusal)
    await turn.flow.clear(FLOW)
    return await _answer(turn, shipment, done, replace=False)


def register(registry: Registry) -> None:
    # Requesters sign for their own organisation's lines (checked in the handler).
    registry.add_choice(ChoiceRoute("shr", REQUESTER, on_choice))
    registry.add_flow(Flow(FLOW, REQUESTER, on_text))
