"""Domain models: frozen pydantic v2 values that cross every boundary."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, RootModel, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    REQUESTER = "requester"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    # A company, association, partner city or NGO offering goods (issue 15): /offer, /offers.
    DONOR = "donor"


class OrgKind(StrEnum):
    HOSPITAL = "hospital"
    MUNICIPALITY = "municipality"
    NGO = "ngo"
    COORDINATION = "coordination"
    # Donors' organisations (issue 15): chambers, utilities' associations, partner cities.
    COMPANY = "company"
    ASSOCIATION = "association"
    CITY = "city"


class Urgency(StrEnum):
    CRITICAL = "critical"  # life at risk within 72 h
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


URGENCY_ORDER: dict[Urgency, int] = {
    Urgency.CRITICAL: 0,
    Urgency.HIGH: 1,
    Urgency.NORMAL: 2,
    Urgency.LOW: 3,
}


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    PLEDGED = "pledged"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES: frozenset[Status] = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.PLEDGED, Status.IN_TRANSIT}
)

MAX_QUANTITY = 1_000_000


def request_ref(request_id: int) -> str:
    """The id people see and type: R-1042."""
    return f"R-{request_id}"


class Identity(Frozen):
    """A person on one platform: transport name and that platform's user id."""

    transport: str
    user_id: str

    def __str__(self) -> str:
        return f"{self.transport}:{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> Identity:
        transport, sep, user_id = text.strip().partition(":")
        if not sep or not transport or not user_id:
            raise ValueError(f"identity must look like telegram:12345, got {text!r}")
        return cls(transport=transport.lower(), user_id=user_id)


class Placement(Frozen):
    """Where an organisation is, by the official codifier (KATOTTH codes, storage/places).

    Placed means its hromada is known (the raion follows from it; the settlement may be left
    out for an organisation of the hromada as a whole), or it was marked as outside the oblast
    (coordination bodies and NGOs in Germany), which no code describes.
    """

    raion_code: str | None = None
    hromada_code: str | None = None
    settlement_code: str | None = None
    outside_oblast: bool = False

    @property
    def placed(self) -> bool:
        return self.outside_oblast or self.hromada_code is not None


class Organisation(Frozen):
    id: int
    kind: OrgKind
    name: str
    code: str | None = None  # EDRPOU
    # The place as text: typed before places had codes, kept as it was (nothing is lost);
    # for an organisation placed by code, the codifier's names.
    raion: str
    settlement: str
    address: str | None = None
    created_at: datetime
    place: Placement = Placement()


class Member(Frozen):
    id: int
    identity: Identity
    chat_id: str
    org_id: int | None
    roles: frozenset[Role]
    language: str
    display_name: str | None
    active: bool
    created_at: datetime
    last_seen_at: datetime | None = None
    unreachable_at: datetime | None = None
    # Set when the person was forgotten: the identity is a tombstone, the row stays so their
    # requests keep an author ("former member").
    forgotten_at: datetime | None = None

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


class Invite(Frozen):
    id: int
    org_id: int
    role: Role
    expires_at: datetime
    created_by: int | None
    used_by: int | None
    used_at: datetime | None
    created_at: datetime


class NeedItemDraft(Frozen):
    """An item line before it is stored: a catalog key or free text, quantity, unit."""

    item_key: str | None = None
    free_text: str | None = None
    spec: str | None = None
    quantity: int = Field(gt=0, le=MAX_QUANTITY)
    unit: str
    # What the person typed for this line, and "40 × 20 l" kept as count and size.
    source: str | None = None
    pack_size: int | None = Field(default=None, gt=0, le=MAX_QUANTITY)
    pack_unit: str | None = None

    @model_validator(mode="after")
    def _names_something(self) -> NeedItemDraft:
        # The database refuses such a line at Submit; refusing it here keeps it out of drafts.
        if not self.item_key and not (self.free_text and self.free_text.strip()):
            raise ValueError("an item needs a catalogue key or free text")
        return self


class NeedItem(Frozen):
    id: int
    request_id: int
    item_key: str | None
    free_text: str | None
    spec: str | None = None
    quantity: int
    unit: str
    pledged: int = 0
    delivered: int = 0
    received: int = 0
    source: str | None = None
    pack_size: int | None = None
    pack_unit: str | None = None

    @property
    def outstanding(self) -> int:
        """What nobody has covered yet: requested minus the larger of pledged and delivered."""
        return max(0, self.quantity - max(self.pledged, self.delivered))


class NeedRequest(Frozen):
    id: int
    org_id: int
    created_by: int | None
    urgency: Urgency
    needed_by: date | None
    delivery_place: str | None
    note: str | None
    status: Status
    created_at: datetime
    updated_at: datetime
    items: tuple[NeedItem, ...] = ()

    @property
    def ref(self) -> str:
        return request_ref(self.id)


class EventKind(StrEnum):
    """What a request's event records. Only STATUS is a change of status; the others keep the
    status the request had (stored on the event too, so history reads stay simple)."""

    STATUS = "status"
    NOTE = "note"
    PLEDGE = "pledge"
    DELIVERY = "delivery"
    RECEIPT = "receipt"
    RECONFIRM = "reconfirm"
    ITEMS = "items"  # item lines appended to an open request


class ProgressLine(Frozen):
    """One item's share of a progress event: ``added`` now, ``done`` in all, ``of`` requested.

    The item is named by key or typed text (not by row id), so a digest can render the line
    in any language without reading the request again.
    """

    stage: EventKind  # PLEDGE, DELIVERY, RECEIPT or ITEMS: what ``done`` counts
    item_key: str | None
    free_text: str | None
    unit: str
    added: int
    done: int
    of: int


class StatusEvent(Frozen):
    id: int
    request_id: int
    status: Status
    actor_id: int | None
    note: str | None
    at: datetime
    kind: EventKind = EventKind.STATUS
    lines: tuple[ProgressLine, ...] = ()


# Telegram's callback_data limit is 64 bytes; every payload must fit on every platform.
MAX_PAYLOAD_BYTES = 64


class ChatRef(Frozen):
    transport: str
    chat_id: str


class Choice(Frozen):
    """A button. ``nav`` marks Back/Cancel/Skip-like choices that text transports offer as words."""

    label: str
    payload: str
    nav: bool = False

    def model_post_init(self, __context: object) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"choice payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


class Document(Frozen):
    filename: str
    mime_type: str
    data: bytes
    caption: str | None = None


class Reply(Frozen):
    """What goes back. ``text`` is HTML limited to <b>, <i>, <code>; user text inside is escaped.

    ``replace`` asks the transport to edit the message whose button was pressed instead of
    sending a new one. ``toast`` is a short notice (Telegram: the callback answer).
    ``durable`` replies (a confirmation that something was saved) must not be lost: the
    engine sets ``outbox_id`` when the reply is durable: it was written to the outbox in the same
    transaction as the change it reports, and the transport marks it sent once delivered.

    Defined here, not in handlers/, because an outbox row is a Reply kept for later: the one
    codec between the two (storage.outbox.encode_reply / decode_reply) must know it.
    """

    text: str = ""
    choices: tuple[tuple[Choice, ...], ...] = ()
    document: Document | None = None
    replace: bool = False
    toast: bool = False
    durable: bool = False
    outbox_id: int | None = None
    chat: ChatRef | None = None
    # The platform's id of the message this reply edits when it is delivered later (the one
    # whose button was pressed): set by the engine on a durable ``replace`` reply, kept in the
    # outbox row, so a repeat after a crash is the same edit, not a new message.
    edit_ref: str | None = None

    def flat_choices(self) -> list[Choice]:
        return [c for row in self.choices for c in row]


# What an outbox row is for; storage.outbox.PRIORITY_BY_KIND turns it into a priority.
OutboxKind = Literal[
    "reply", "alert", "notice", "reconfirm", "menu", "digest", "broadcast", "colleague"
]


class Recipient(Frozen):
    """Where an outbox row goes: a chat, and the member it is for (None: nobody's own)."""

    transport: str
    chat_id: str
    member_id: int | None = None

    @classmethod
    def of(cls, member: Member) -> Recipient:
        """A member's own private chat, the only place notifications may reach them."""
        return cls(transport=member.identity.transport, chat_id=member.chat_id, member_id=member.id)


class Actor(Frozen):
    """Who an audit row names: a member's number (None for the bot's own jobs) and a label."""

    id: int | None
    label: str


class OutboxMessage(Frozen):
    id: int
    transport: str
    chat_id: str
    text: str
    # "reply", "notice", "alert", "broadcast", "digest", "menu" (a command menu, text is JSON)...
    kind: str = "notice"
    # From the kind (storage.outbox.priority_of): 0 urgent, 1 lifecycle, 2 bulk.
    priority: int = 1
    choices_json: str | None = None
    document_path: str | None = None
    document_name: str | None = None
    created_at: datetime
    not_before: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    last_error: str | None = None
    edit_ref: str | None = None


class AuditParams(RootModel[dict[str, JsonValue]]):
    """An audit row's parameters: JSON values by name (storage/audit.py)."""


class AuditEntry(Frozen):
    id: int
    actor_id: int | None
    actor_label: str
    action: str
    target: str | None
    summary: str | None
    # None for rows written before parameters existed: their ``summary`` says it in English.
    params: dict[str, JsonValue] | None = None
    at: datetime


class ConversationState(Frozen):
    transport: str
    chat_id: str
    user_id: str
    flow: str
    step: str
    data_json: str
    updated_at: datetime


class SubscriptionKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    # Every second week from ``Subscription.start_date`` (stored as weekly, weeks_apart 2).
    FORTNIGHTLY = "fortnightly"
    CRITICAL = "critical"  # an alert per new critical request, within seconds


class Filters(Frozen):
    """Which requests a subscription, /open or /export covers. Empty means all.

    ``item_keys`` is how a category reaches storage: handlers expand a category into the
    catalogue keys that belong to it (storage knows no catalogue).
    """

    urgency: Urgency | None = None
    category: str | None = None
    item_keys: tuple[str, ...] | None = None
    # The typed raion of filters made before places had codes (issue 13); new filters use
    # ``place``, the KATOTTH code of a raion or a hromada (storage/places).
    raion: str | None = None
    place: str | None = None
    org_id: int | None = None
    # Not a selection: a digest of these filters adds the open requests' totals per raion.
    by_raion: bool = False


class Subscription(Frozen):
    id: int
    member_id: int
    transport: str
    chat_id: str
    language: str
    kind: SubscriptionKind
    cron: str | None
    timezone: str
    filters: Filters
    active: bool
    created_at: datetime
    last_window_end: datetime | None = None
    # Fortnightly: the weeks on are those of the first scheduled day on or after this local
    # date, and every second week from there.
    start_date: date | None = None

    @property
    def recipient(self) -> Recipient:
        """Where its digests and alerts go: the chat it was made in, for its member."""
        return Recipient(transport=self.transport, chat_id=self.chat_id, member_id=self.member_id)
