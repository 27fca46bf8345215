"""Offers (issue 15): a donor organisation's goods (O-7), their lines and allocations."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from storage.models import Frozen, Urgency


class OfferStatus(StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Condition(StrEnum):
    NEW = "new"
    USED = "used"
    REFURBISHED = "refurbished"


def offer_ref(offer_id: int) -> str:
    """The id people see and type: O-7."""
    return f"O-{offer_id}"


_REF = re.compile(r"^[OoОо]-?(\d{1,9})$")  # Latin or Cyrillic O, as people type it


def parse_offer_ref(text: str) -> int | None:
    match = _REF.match(text.strip())
    return int(match.group(1)) if match else None


class OfferLine(Frozen):
    id: int
    offer_id: int
    position: int
    item_key: str | None
    free_text: str | None
    spec: str | None
    quantity: int
    unit: str
    allocated: int = 0
    source: str | None = None

    @property
    def remaining(self) -> int:
        return self.quantity - self.allocated


class Offer(Frozen):
    id: int
    org_id: int
    created_by: int | None
    status: OfferStatus
    available_until: date
    pickup_place: str
    condition: Condition
    note: str | None
    named: bool
    reminded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: tuple[OfferLine, ...] = ()

    @property
    def ref(self) -> str:
        return offer_ref(self.id)

    @property
    def remaining(self) -> int:
        return sum(line.remaining for line in self.lines)


class OpenOfferLine(Frozen):
    """An open offer's line with something left, with what matching and alerts need."""

    line_id: int
    offer_id: int
    org_id: int
    item_key: str | None
    spec: str | None
    remaining: int
    unit: str
    available_until: date


class OpenNeed(Frozen):
    """A request item that can still be pledged: what matching reads of it."""

    request_id: int
    item_id: int
    org_id: int
    item_key: str | None
    free_text: str | None
    spec: str | None
    outstanding: int
    unit: str
    urgency: Urgency
    needed_by: date | None
    created_at: datetime
    raion: str


class Allocation(Frozen):
    id: int
    offer_id: int
    line_id: int
    request_id: int
    item_id: int
    quantity: int
    at: datetime
