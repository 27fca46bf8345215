"""Lifecycle rules, apart from chat: which change is allowed from which status, and why not.

Every refusal names a reason key, so the person is told exactly why (in their language).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers.requests.catalog import Catalog
from handlers.requests.units import parse_unit
from handlers.text.numbers import small_int
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
    """What a coordinator's or requester's 'ITEM QTY; …; note' said.

    ``everything`` is set only when the person asked for it: no arguments at all, or a first
    segment such as "all" / "alles" / "усе". Anything else that cannot be read is an error,
    never "everything" (issue 9: the bot never widens what it was told).
    """

    amounts: tuple[ItemAmount, ...]
    note: str | None
    error_key: str | None = None
    error_fragment: str = ""
    everything: bool = False


@dataclass(frozen=True)
class _Line:
    """One segment read as ITEM QTY [UNIT] [note words]."""

    amount: ItemAmount | None = None
    note: str = ""
    error_key: str | None = None
    error_fragment: str = ""


MAX_NOTE = 1000
_SEPARATORS = re.compile(r"[;\n]")
# A quantity as people type it, including the forms we must refuse with a reason rather
# than misread: "-5", "−5", "2,5", "0.5". "x5" and "×5" are accepted spellings of 5.
_QTY = re.compile(r"^[x×]?(?P<sign>[+\-−–]?)(?P<int>\d+)(?P<frac>[.,]\d+)?$", re.IGNORECASE)
_EVERYTHING = frozenset(
    {"all", "everything", "alles", "all items", "усе", "все", "всё", "всі", "усі"}
)


def match_item(request: NeedRequest, ref: str, catalog: Catalog) -> NeedItem | None:
    """An item of the request by its number (1, 2 ...), catalogue name or free text."""
    ref = ref.strip().removeprefix("#")
    number = small_int(ref)
    if number is not None:
        index = number - 1
        return request.items[index] if 0 <= index < len(request.items) else None
    folded = " ".join(ref.casefold().split())
    if not folded:
        return None
    for item in request.items:
        if item.free_text and " ".join(item.free_text.casefold().split()) == folded:
            return item
    found = catalog.match(ref)
    if found is not None:
        for item in request.items:
            if item.item_key == found.key:
                return item
    return None


def _quantity_error(token: str) -> str | None:
    """Why a quantity token is not a whole number of at least 1, or None if it is."""
    match = _QTY.match(token)
    assert match is not None
    if match["sign"] in ("-", "−", "–"):
        return "lifecycle.negative_quantity"
    if match["frac"] is not None:
        return "lifecycle.decimal_quantity"
    if int(match["int"]) == 0:
        return "lifecycle.zero_quantity"
    return None


def _read_line(segment: str, request: NeedRequest, catalog: Catalog) -> _Line | None:
    """ITEM QTY [UNIT] [note…], or None when no item is followed by a quantity.

    An item name may itself hold numbers ("Генератор 30 кВА 2"), so every quantity-looking
    word is tried as the split. One reading is taken; two are refused unless the longer is
    exactly a typed item name.
    """
    tokens = segment.split()
    candidates: list[tuple[int, NeedItem]] = []
    for k in range(1, len(tokens)):
        if not _QTY.match(tokens[k]):
            continue
        item = match_item(request, " ".join(tokens[:k]), catalog)
        if item is not None:
            candidates.append((k, item))
    if not candidates:
        return None
    k, item = candidates[0]
    if len(candidates) > 1:
        # Two readings ("1 2 und Verbände 3"): only an item's own typed name may hold a
        # number ("Генератор 30 кВА 2"); anything else is refused rather than guessed.
        k, item = candidates[-1]
        if k != len(tokens) - 1 or not _is_free_text_of(item, tokens[:k]):
            return _Line(error_key="lifecycle.split_lines", error_fragment=segment)
    error = _quantity_error(tokens[k])
    if error is not None:
        return _Line(error_key=error, error_fragment=segment)
    match = _QTY.match(tokens[k])
    assert match is not None
    rest = tokens[k + 1 :]
    # "бинти 50 уп": the unit after the number is part of the amount, not a note.
    if rest and parse_unit(rest[0].strip(".,")) is not None:
        rest = rest[1:]
    if _holds_item_line(rest, request, catalog):
        # "generator 2 and bandages 3": a second amount must not vanish into the note.
        return _Line(error_key="lifecycle.split_lines", error_fragment=segment)
    return _Line(amount=ItemAmount(item, int(match["int"])), note=" ".join(rest))


def _is_free_text_of(item: NeedItem, tokens: list[str]) -> bool:
    if not item.free_text:
        return False
    return " ".join(item.free_text.casefold().split()) == " ".join(tokens).casefold()


def _holds_item_line(tokens: list[str], request: NeedRequest, catalog: Catalog) -> bool:
    """Whether an item of the request followed by a quantity appears anywhere in ``tokens``."""
    for end in range(1, len(tokens)):
        if not _QTY.match(tokens[end]):
            continue
        for start in range(max(0, end - 3), end):
            if match_item(request, " ".join(tokens[start:end]), catalog) is not None:
                return True
    return False


def _names_an_item(segment: str, request: NeedRequest, catalog: Catalog) -> bool:
    """Whether the segment starts with an item of the request (so it is no note)."""
    tokens = segment.split()
    return any(
        match_item(request, " ".join(tokens[:n]), catalog) is not None
        for n in range(1, min(3, len(tokens)) + 1)
    )


def _refuse(key: str, fragment: str) -> AmountsParse:
    return AmountsParse((), None, key, fragment)


def parse_amounts(text: str, request: NeedRequest, catalog: Catalog) -> AmountsParse:
    """'generator 2; 2 100 уп; note text' -> per-item quantities and an optional note.

    Segments are separated by ';' or new lines. Each is ITEM QTY, optionally followed by a
    unit and a note ("Stromerzeuger 2 LKW kommt Dienstag"). After at least one amount, a
    segment that names no item is the note, with every segment after it. Nothing is ever
    guessed: a segment that cannot be read is refused with the fragment quoted.
    """
    segments = [s.strip() for s in _SEPARATORS.split(text) if s.strip()]
    if not segments:
        return AmountsParse((), None, everything=True)
    if segments[0].casefold() in _EVERYTHING:
        note = "; ".join(segments[1:])[:MAX_NOTE] or None
        return AmountsParse((), note, everything=True)
    amounts: list[ItemAmount] = []
    notes: list[str] = []
    for segment in segments:
        line = _read_line(segment, request, catalog)
        if line is None:
            refused = _unreadable(segment, request, catalog, first=not amounts)
            if refused is not None:
                return refused
            notes.append(segment)
            continue
        if line.error_key is not None:
            return _refuse(line.error_key, line.error_fragment)
        if notes:  # an item line after the note: the note was not last, so ask again
            return _refuse("lifecycle.note_not_last", segment)
        assert line.amount is not None
        amounts.append(line.amount)
        if line.note:
            notes.append(line.note)
    return AmountsParse(_merge(amounts), "; ".join(notes)[:MAX_NOTE] or None)


def _unreadable(
    segment: str, request: NeedRequest, catalog: Catalog, *, first: bool
) -> AmountsParse | None:
    """The refusal for a segment that is no ITEM QTY line, or None when it is the note."""
    tokens = segment.split()
    if _names_an_item(segment, request, catalog):
        return _refuse("lifecycle.unreadable_quantity", segment)
    if len(tokens) > 1 and _QTY.match(tokens[-1]):
        # Shaped like ITEM QTY, but the item is not in the request: a typo, not a note.
        return _refuse("lifecycle.unknown_item", " ".join(tokens[:-1]))
    if first:
        return _refuse("lifecycle.unreadable", segment)
    return None


def _merge(amounts: list[ItemAmount]) -> tuple[ItemAmount, ...]:
    """The same item named twice is one amount: checked and recorded as the sum."""
    merged: dict[int, ItemAmount] = {}
    for amount in amounts:
        before = merged.get(amount.item.id)
        total = amount.quantity + (before.quantity if before else 0)
        merged[amount.item.id] = ItemAmount(amount.item, total)
    return tuple(merged.values())


def _plan(
    request: NeedRequest,
    amounts: tuple[ItemAmount, ...],
    *,
    allowed: frozenset[Status],
    done: Callable[[NeedItem], int],
    too_much_key: str,
) -> tuple[tuple[ItemAmount, ...], str | None]:
    """What to record (everything still open when no amounts are given) or a refusal key.

    Callers pass no amounts only when the person asked for everything (AmountsParse.everything
    or a button saying so); the reply then lists the exact quantities.

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
