"""Lifecycle rules, apart from chat: which change is allowed from which status, and why not.

Every refusal names a reason key, so the person is told exactly why (in their language).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers.catalog import Catalog
from handlers.numbers import small_int
from storage.models import NeedItem, NeedRequest, Status

ACKABLE = frozenset({Status.NEW})
PLEDGEABLE = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.PLEDGED})
TRANSITABLE = frozenset({Status.ACKNOWLEDGED, Status.PLEDGED})
DELIVERABLE = frozenset({Status.ACKNOWLEDGED, Status.PLEDGED, Status.IN_TRANSIT})
DECLINABLE = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.PLEDGED})
RECEIVABLE = frozenset({Status.PLEDGED, Status.IN_TRANSIT, Status.DELIVERED})


@dataclass(frozen=True)
class ItemAmount:
    item: NeedItem
    quantity: int


@dataclass(frozen=True)
class AmountsParse:
    amounts: tuple[ItemAmount, ...]
    note: str | None
    error_key: str | None = None
    error_fragment: str = ""


MAX_NOTE = 1000
_SEGMENT = re.compile(r"^(?P<ref>.+?)\s+(?P<qty>\d{1,9})$")


def match_item(request: NeedRequest, ref: str, catalog: Catalog) -> NeedItem | None:
    """An item of the request by its number (1, 2 ...), catalogue name or free text."""
    ref = ref.strip()
    number = small_int(ref)
    if number is not None:
        index = number - 1
        return request.items[index] if 0 <= index < len(request.items) else None
    folded = ref.casefold()
    for item in request.items:
        if item.free_text and item.free_text.casefold() == folded:
            return item
    found = catalog.match(ref)
    if found is not None:
        for item in request.items:
            if item.item_key == found.key:
                return item
    return None


def parse_amounts(text: str, request: NeedRequest, catalog: Catalog) -> AmountsParse:
    """'generator 2; 2 100 | note text' -> per-item quantities and an optional note.

    Segments are separated by ';'. A segment ending in a number is ITEM QTY; the first
    segment that is not is the note, with everything after it.
    """
    amounts: list[ItemAmount] = []
    segments = [s.strip() for s in text.split(";")]
    note_parts: list[str] = []
    for index, segment in enumerate(segments):
        if not segment:
            continue
        match = _SEGMENT.match(segment)
        if match is None or note_parts:
            note_parts = [s for s in segments[index:] if s]
            break
        item = match_item(request, match["ref"], catalog)
        if item is None:
            return AmountsParse((), None, "lifecycle.unknown_item", match["ref"])
        quantity = int(match["qty"])
        if quantity == 0:
            return AmountsParse((), None, "lifecycle.zero_quantity", segment)
        amounts.append(ItemAmount(item, quantity))
    note = "; ".join(note_parts)[:MAX_NOTE] or None
    # The same item named twice is one amount: checked and recorded as the sum.
    merged: dict[int, ItemAmount] = {}
    for amount in amounts:
        before = merged.get(amount.item.id)
        total = amount.quantity + (before.quantity if before else 0)
        merged[amount.item.id] = ItemAmount(amount.item, total)
    return AmountsParse(tuple(merged.values()), note)


def _plan(
    request: NeedRequest,
    amounts: tuple[ItemAmount, ...],
    *,
    allowed: frozenset[Status],
    done: Callable[[NeedItem], int],
    too_much_key: str,
) -> tuple[tuple[ItemAmount, ...], str | None]:
    """What to record (everything still open when no amounts are given) or a refusal key.

    ``done`` says how much of an item is already covered (pledged, delivered or received).
    """
    if request.status not in allowed:
        return (), "lifecycle.refused_status"
    if not amounts:
        plan = tuple(
            ItemAmount(i, i.quantity - done(i)) for i in request.items if i.quantity > done(i)
        )
        return (plan, None) if plan else ((), "lifecycle.nothing_outstanding")
    for amount in amounts:
        if amount.quantity > amount.item.quantity - done(amount.item):
            return (), too_much_key
    return amounts, None


def pledge_plan(
    request: NeedRequest, amounts: tuple[ItemAmount, ...]
) -> tuple[tuple[ItemAmount, ...], str | None]:
    return _plan(
        request,
        amounts,
        allowed=PLEDGEABLE,
        done=lambda i: i.pledged,
        too_much_key="lifecycle.pledge_too_much",
    )


def delivery_plan(
    request: NeedRequest, amounts: tuple[ItemAmount, ...]
) -> tuple[tuple[ItemAmount, ...], str | None]:
    return _plan(
        request,
        amounts,
        allowed=DELIVERABLE,
        done=lambda i: i.delivered,
        too_much_key="lifecycle.deliver_too_much",
    )


def receipt_plan(
    request: NeedRequest, amounts: tuple[ItemAmount, ...]
) -> tuple[tuple[ItemAmount, ...], str | None]:
    return _plan(
        request,
        amounts,
        allowed=RECEIVABLE,
        done=lambda i: i.received,
        too_much_key="lifecycle.receive_too_much",
    )
