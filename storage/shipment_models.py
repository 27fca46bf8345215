"""Shipments' domain models (issue 14): frozen pydantic values, like storage.models.

Kept apart from storage/models.py so the shipment aggregate reads in one place.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, model_validator

from storage.models import MAX_QUANTITY, Frozen


class ShipmentStatus(StrEnum):
    PLANNED = "planned"
    LOADING = "loading"
    DEPARTED = "departed"
    AT_HUB = "at_hub"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_SHIPMENT_STATUSES: frozenset[ShipmentStatus] = frozenset(
    {
        ShipmentStatus.PLANNED,
        ShipmentStatus.LOADING,
        ShipmentStatus.DEPARTED,
        ShipmentStatus.AT_HUB,
    }
)


class LineStatus(StrEnum):
    SHIPPED = "shipped"
    RECEIVED = "received"
    PARTLY_RECEIVED = "partly_received"
    DAMAGED = "damaged"
    MISSING = "missing"


class ShipmentEventKind(StrEnum):
    STATUS = "status"  # the shipment's status changed
    LINE = "line"  # one line's status changed (a receipt)
    LINES = "lines"  # lines were put on the shipment
    NOTE = "note"


_REF = re.compile(r"^\s*[SsСс]\s*-?\s*(\d{1,9})\s*$")


def shipment_ref(shipment_id: int) -> str:
    """The id people see and type: S-12."""
    return f"S-{shipment_id}"


def parse_shipment_ref(text: str) -> int | None:
    """'S-12', 's12' (and a Cyrillic С typed by habit) -> 12. A bare number is no shipment:
    /shipment's arguments also hold request ids and quantities."""
    match = _REF.match(text)
    return int(match.group(1)) if match else None


class ShipmentDraft(Frozen):
    """What a new shipment is created from (the one-line form and the guided one)."""

    name: str = Field(min_length=1, max_length=200)
    carrier_org_id: int | None = None
    hub_org_id: int | None = None
    origin: str | None = Field(default=None, max_length=300)
    planned_departure: date | None = None
    vehicle: str | None = Field(default=None, max_length=100)
    waybill: str | None = Field(default=None, max_length=100)
    declared_value_eur: int | None = Field(default=None, ge=0, le=10**12)


class Shipment(Frozen):
    id: int
    name: str
    carrier_org_id: int | None
    hub_org_id: int | None
    origin: str | None
    planned_departure: date | None
    vehicle: str | None
    waybill: str | None
    declared_value_eur: int | None
    status: ShipmentStatus
    created_by: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def ref(self) -> str:
        return shipment_ref(self.id)


class NewLine(Frozen):
    """A line to put on a shipment. ``item_id`` None: goods for the hub, without a request."""

    request_id: int | None = None
    item_id: int | None = None
    dest_org_id: int
    item_key: str | None = None
    free_text: str | None = None
    unit: str
    quantity: int = Field(gt=0, le=MAX_QUANTITY)

    @model_validator(mode="after")
    def _consistent(self) -> NewLine:
        if (self.request_id is None) != (self.item_id is None):
            raise ValueError("a line names both a request and its item, or neither")
        if not self.item_key and not (self.free_text and self.free_text.strip()):
            raise ValueError("a line needs a catalogue key or free text")
        return self


class ShipmentLine(Frozen):
    id: int
    shipment_id: int
    request_id: int | None
    item_id: int | None
    dest_org_id: int
    item_key: str | None
    free_text: str | None
    unit: str
    quantity: int
    status: LineStatus
    received: int = 0
    damaged: int = 0
    missing: int = 0
    note: str | None = None
    confirmed_by: int | None = None
    confirmed_at: datetime | None = None
    created_at: datetime


class LineReceipt(Frozen):
    """What a destination signed for on one line; the three add up to the line's quantity."""

    received: int = Field(ge=0, le=MAX_QUANTITY)
    damaged: int = Field(ge=0, le=MAX_QUANTITY)
    missing: int = Field(ge=0, le=MAX_QUANTITY)
    note: str | None = Field(default=None, max_length=1000)

    @property
    def total(self) -> int:
        return self.received + self.damaged + self.missing


class ShipmentEvent(Frozen):
    id: int
    shipment_id: int
    line_id: int | None
    kind: ShipmentEventKind
    status: str
    actor_id: int | None
    note: str | None
    detail: str | None
    at: datetime


class FillCandidate(Frozen):
    """A request item with goods pledged and not yet on any shipment (not cancelled)."""

    request_id: int
    item_id: int
    org_id: int
    item_key: str | None
    free_text: str | None
    unit: str
    urgency: str
    needed_by: date | None
    created_at: datetime
    quantity: int
    pledged: int
    shipped: int

    @property
    def available(self) -> int:
        return max(0, self.pledged - self.shipped)
