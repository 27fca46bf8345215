"""Which offer a person may see, and withdrawing one (/withdraw O-7 comes here from
handlers/requests/requester_commands.py, so this module imports nothing of requests)."""

from __future__ import annotations

from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import COORDINATOR
from handlers.text.format import esc, fmt_qty, item_label
from storage import offers
from storage.models import Role
from storage.offer_models import Offer, OfferStatus, parse_offer_ref


def is_coordinator(turn: Turn) -> bool:
    return bool(turn.roles & COORDINATOR)


async def visible_offer(turn: Turn, ref: str) -> Offer | None:
    """An offer the sender may see: a coordinator's or admin's any, a donor's their own."""
    offer_id = parse_offer_ref(ref)
    offer = await offers.get_offer(turn.conn, offer_id) if offer_id else None
    if offer is None:
        return None
    if is_coordinator(turn):
        return offer
    own = turn.member is not None and turn.member.org_id == offer.org_id
    return offer if own else None


def offer_not_found(turn: Turn, ref: str) -> list[Reply]:
    return [Reply(text=turn.tr("offer.not_found", ref=esc(ref[:20])))]


async def withdraw_offer(turn: Turn, ref: str) -> list[Reply]:
    """The rest of an offer is no longer offered; what was allocated stays pledged."""
    offer = await visible_offer(turn, ref)
    own = offer is not None and turn.member is not None and turn.member.org_id == offer.org_id
    if offer is None or not (own or Role.ADMIN in turn.roles):
        return offer_not_found(turn, ref)
    if not await offers.set_offer_status(
        turn.conn, offer.id, OfferStatus.WITHDRAWN, expected=OfferStatus.OPEN, now=turn.now
    ):
        return [Reply(text=turn.tr("offer.not_open", ref=esc(offer.ref)))]
    await turn.audit("offer.withdraw", offer.ref, params={"left": offer.remaining})
    left = "\n".join(
        f"• {esc(item_label(turn.ctx.catalog, turn.lang, line.item_key, line.free_text))}"
        f" ×{fmt_qty(line.remaining)}"
        for line in offer.lines
        if line.remaining > 0
    )
    return [Reply(text=turn.tr("offer.withdrawn", ref=esc(offer.ref), lines=left), durable=True)]
