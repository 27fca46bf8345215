"""How a single request looks to coordinators: progress per item and the actions it allows."""

from __future__ import annotations

from handlers.core.context import Turn
from handlers.core.events import Choice
from handlers.lifecycle.rules import ACKABLE, TRANSITABLE
from handlers.requests.units import unit_name
from handlers.text.format import esc, fmt_qty, item_label
from storage.models import NeedRequest, Status


def progress_lines(turn: Turn, request: NeedRequest) -> list[str]:
    """Per item: requested, pledged, delivered, received."""
    lines = []
    for number, item in enumerate(request.items, 1):
        name = esc(item_label(turn.ctx.catalog, turn.lang, item.item_key, item.free_text))
        unit = esc(unit_name(item.unit, turn.lang))
        lines.append(
            f"{number}. {name}: {fmt_qty(item.quantity)} {unit} · "
            + turn.tr(
                "coord.progress",
                pledged=fmt_qty(item.pledged),
                delivered=fmt_qty(item.delivered),
                received=fmt_qty(item.received),
            )
        )
    return lines


def action_buttons(turn: Turn, request: NeedRequest) -> tuple[tuple[Choice, ...], ...]:
    ref = request.id
    buttons: list[Choice] = []
    if request.status in ACKABLE:
        buttons.append(Choice(label=turn.tr("btn.ack"), payload=f"lc:ack:{ref}"))
    if request.status in {Status.NEW, Status.ACKNOWLEDGED, Status.PLEDGED} and any(
        i.quantity > i.pledged for i in request.items
    ):
        buttons.append(Choice(label=turn.tr("btn.pledge_all"), payload=f"lc:pledge:{ref}"))
    if request.status in TRANSITABLE:
        buttons.append(Choice(label=turn.tr("btn.transit"), payload=f"lc:transit:{ref}"))
    if request.status in {Status.PLEDGED, Status.IN_TRANSIT}:
        buttons.append(Choice(label=turn.tr("btn.delivered"), payload=f"lc:delivered:{ref}"))
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
