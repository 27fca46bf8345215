"""What /show tells about a request's goods on shipments: which truck, in which state since
when, and how each line was signed for. Read-only; called by handlers/requests."""

from __future__ import annotations

from handlers.core.context import Turn
from handlers.shipments.view import STATUS_ICON, line_text, status_text, title
from handlers.text.format import esc
from storage import shipments
from storage.models import NeedRequest


async def shipment_lines(turn: Turn, request: NeedRequest) -> list[str]:
    """'🚚 S-12 «NRW 48/2026» · On the way since 27.11 10:00' and its lines of this request,
    for every shipment (not cancelled) that carries some of it; [] when none does."""
    found = await shipments.list_shipments_of_request(turn.conn, request.id)
    if not found:
        return []
    since = await shipments.status_since(turn.conn, {s.id for s, _ in found})
    out: list[str] = []
    shown: set[int] = set()
    tz = turn.ctx.policy.timezone
    for shipment, line in found:
        if shipment.id not in shown:
            shown.add(shipment.id)
            when = since.get(shipment.id, shipment.updated_at).astimezone(tz)
            out.append(
                f"{STATUS_ICON[shipment.status]} {title(shipment)} · "
                + esc(
                    turn.tr(
                        "ship.show_since",
                        status=status_text(turn.ctx.t, turn.lang, shipment.status),
                        since=f"{when:%d.%m %H:%M}",
                    )
                )
            )
        out.append("   " + line_text(turn.ctx.t, turn.ctx.catalog, turn.lang, line, status=True))
    return out
