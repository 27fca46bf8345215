"""The shipment card and the shared answers of shipment commands: refusals, lookups."""

from __future__ import annotations

from handlers.core.context import Turn
from handlers.core.events import Choice, Reply
from handlers.shipments.forms import FormError
from handlers.shipments.rules import Refusal
from handlers.shipments.view import card, status_text
from handlers.text.format import esc
from storage import organisations, shipments
from storage.shipment_models import Shipment, ShipmentStatus, parse_shipment_ref


def refuse(turn: Turn, shipment: Shipment | None, refusal: Refusal) -> list[Reply]:
    """A refusal in the reader's language, every placeholder filled (escaped)."""
    args: dict[str, object] = {
        "ref": "",
        "status": "",
        "request": "",
        "asked": "",
        "free": "",
        "total": "",
        "qty": "",
        "fragment": "",
    }
    if shipment is not None:
        args["ref"] = esc(shipment.ref)
        args["status"] = esc(status_text(turn.ctx.t, turn.lang, shipment.status))
    args.update({name: esc(value) for name, value in refusal.args})
    return [Reply(text=turn.tr(refusal.key, **args))]


def form_error(turn: Turn, error: FormError) -> list[Reply]:
    text = turn.tr(error.key, fragment=esc(error.fragment[:60]))
    if error.options:
        text += "\n" + "\n".join(f"• {esc(o)}" for o in error.options)
    return [Reply(text=text)]


async def load_shipment(turn: Turn, ref_text: str) -> tuple[Shipment | None, list[Reply] | None]:
    shipment_id = parse_shipment_ref(ref_text)
    shipment = await shipments.get_shipment(turn.conn, shipment_id) if shipment_id else None
    if shipment is None:
        return None, [Reply(text=turn.tr("ship.not_found", ref=esc(ref_text.strip()[:20] or "?")))]
    return shipment, None


def card_buttons(turn: Turn, shipment: Shipment) -> tuple[tuple[Choice, ...], ...]:
    sid = shipment.id
    status = shipment.status
    rows: list[tuple[Choice, ...]] = []
    if status in (ShipmentStatus.PLANNED, ShipmentStatus.LOADING):
        rows.append(
            (
                Choice(label=turn.tr("ship.btn.fill"), payload=f"shc:fill:{sid}"),
                Choice(label=turn.tr("ship.btn.depart"), payload=f"shc:dep:{sid}"),
            )
        )
        second = [Choice(label=turn.tr("ship.btn.cancel"), payload=f"shc:can:{sid}")]
        if status is ShipmentStatus.PLANNED:
            second.insert(0, Choice(label=turn.tr("ship.btn.load"), payload=f"shc:load:{sid}"))
        rows.append(tuple(second))
    elif status is ShipmentStatus.DEPARTED and shipment.hub_org_id is not None:
        rows.append((Choice(label=turn.tr("ship.btn.arrived"), payload=f"shc:arr:{sid}"),))
    return tuple(rows)


async def show_card(
    turn: Turn, shipment_id: int, *, replace: bool = False, head: str = ""
) -> list[Reply]:
    shipment = await shipments.get_shipment(turn.conn, shipment_id)
    if shipment is None:
        return [Reply(text=turn.tr("error.stale_button"), toast=True)]
    lines = await shipments.list_lines(turn.conn, shipment.id)
    orgs = {o.id: o for o in await organisations.list_organisations(turn.conn)}
    tz = turn.ctx.policy.timezone
    onward = {
        dest: at.astimezone(tz).date()
        for dest, at in (await shipments.list_onward(turn.conn, shipment.id)).items()
    }
    text = card(turn.ctx.t, turn.ctx.catalog, turn.lang, shipment, lines, orgs, onward)
    if head:
        text = f"{head}\n\n{text}"
    return [Reply(text=text, choices=card_buttons(turn, shipment), replace=replace)]
