"""Formatting shared by handlers: escaping, request summaries, dates. No platform specifics.

Handlers produce a small HTML subset (<b>, <i>, <code>); every string that came from a person
or from the database passes through ``esc`` before it is put into a message.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.text.i18n import Language, Translator
from storage.models import (
    EventKind,
    NeedItem,
    NeedItemDraft,
    NeedRequest,
    ProgressLine,
    Status,
    Urgency,
)

URGENCY_ICON: dict[Urgency, str] = {
    Urgency.CRITICAL: "🔴",
    Urgency.HIGH: "🟠",
    Urgency.NORMAL: "🔵",
    Urgency.LOW: "⚪",
}


def esc(text: object) -> str:
    return html.escape(str(text), quote=False)


def fmt_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def fmt_qty(quantity: int) -> str:
    # Thin no-break spaces group digits the same way in uk, de and en texts.
    return f"{quantity:,}".replace(",", "\u202f")


def item_label(
    catalog: Catalog, lang: Language, item_key: str | None, free_text: str | None
) -> str:
    if item_key is not None and catalog.get(item_key) is not None:
        return catalog.name(item_key, lang)
    return free_text or "?"


def item_line(
    t: Translator,
    catalog: Catalog,
    lang: Language,
    item: NeedItemDraft | NeedItem,
) -> str:
    """'Generator — 2 pcs (30 kVA)' with every part escaped; free text is marked as such."""
    name = esc(item_label(catalog, lang, item.item_key, item.free_text))
    line = f"{name} — {amount(lang, item)}"
    if item.spec:
        line += f" ({esc(item.spec)})"
    if item.item_key is None:
        line += f" <i>{esc(t(lang, 'item.free_text_mark'))}</i>"
    if isinstance(item, NeedItem) and (phrase := progress_phrase(t, lang, item)):
        line += f" · {esc(phrase)}"
    return line


def amount(lang: Language, item: NeedItemDraft | NeedItem) -> str:
    """ "2 pcs", or for a pack size "40 × 20 l (800 l)" so the total is never left to guess."""
    if item.pack_size and item.pack_unit:
        pack = f"{fmt_qty(item.pack_size)} {esc(unit_name(item.pack_unit, lang))}"
        total = item.quantity * item.pack_size
        return (
            f"{fmt_qty(item.quantity)} × {pack}"
            f" (= {fmt_qty(total)} {esc(unit_name(item.pack_unit, lang))})"
        )
    return f"{fmt_qty(item.quantity)} {esc(unit_name(item.unit, lang))}"


class Progress(Protocol):
    """An item line with its lifecycle counters (a NeedItem, a digest's ItemLine)."""

    @property
    def quantity(self) -> int: ...
    @property
    def pledged(self) -> int: ...
    @property
    def delivered(self) -> int: ...
    @property
    def received(self) -> int: ...


_STAGE_KEY: dict[EventKind, str] = {
    EventKind.PLEDGE: "lc.pledged_of",
    EventKind.DELIVERY: "lc.delivered_of",
    EventKind.RECEIPT: "lc.received_of",
}


def progress_phrase(t: Translator, lang: Language, item: Progress) -> str:
    """'delivered 100 of 200' for the furthest stage an item reached; '' before any pledge.

    Always "N of M", so a partial pledge, delivery or receipt never reads as a full one.
    """
    for done, stage in (
        (item.received, EventKind.RECEIPT),
        (item.delivered, EventKind.DELIVERY),
        (item.pledged, EventKind.PLEDGE),
    ):
        if done:
            return t(lang, _STAGE_KEY[stage], done=fmt_qty(done), of=fmt_qty(item.quantity))
    return ""


def is_covered(items: Iterable[Progress]) -> bool:
    """Every line pledged or delivered in full."""
    return all(max(i.pledged, i.delivered) >= i.quantity for i in items)


def request_status(t: Translator, lang: Language, status: Status, covered: bool) -> str:
    """The status as people should read it: 'Pledged' only when every line is pledged."""
    if status is Status.PLEDGED and not covered:
        return t(lang, "lc.status.partly_pledged")
    return status_label(t, lang, status)


def describe_lines(
    t: Translator, catalog: Catalog, lang: Language, lines: Sequence[ProgressLine]
) -> str:
    """'Generator ×5 (pledged 5 of 10), Bandages ×100 (delivered 100 of 200)'."""
    parts = []
    for line in lines:
        text = f"{item_label(catalog, lang, line.item_key, line.free_text)} ×{fmt_qty(line.added)}"
        key = _STAGE_KEY.get(line.stage)
        if key is not None:
            text += f" ({t(lang, key, done=fmt_qty(line.done), of=fmt_qty(line.of))})"
        parts.append(text)
    return ", ".join(parts)


DUPLICATE_REFS_SHOWN = 3


def duplicate_refs(ids: Sequence[int]) -> str:
    """'R-1001, R-1002, R-1003 …': a few refs; storage returns one more when there are more."""
    refs = ", ".join(f"R-{i}" for i in ids[:DUPLICATE_REFS_SHOWN])
    return refs + (" …" if len(ids) > DUPLICATE_REFS_SHOWN else "")


def urgency_label(t: Translator, lang: Language, urgency: Urgency) -> str:
    return f"{URGENCY_ICON[urgency]} {t(lang, f'urgency.{urgency.value}')}"


def status_label(t: Translator, lang: Language, status: Status) -> str:
    return t(lang, f"status.{status.value}")


def request_block(
    t: Translator, catalog: Catalog, lang: Language, request: NeedRequest, org_name: str | None
) -> str:
    """The full description of a stored request."""
    lines = [
        f"<b>{esc(request.ref)}</b> · {urgency_label(t, lang, request.urgency)}"
        f" · {esc(request_status(t, lang, request.status, is_covered(request.items)))}"
    ]
    if org_name:
        lines.append(f"🏥 {esc(org_name)}")
    for number, item in enumerate(request.items, 1):
        lines.append(f"{number}. {item_line(t, catalog, lang, item)}")
    lines.extend(details_lines(t, lang, request.needed_by, request.delivery_place, request.note))
    return "\n".join(lines)


def details_lines(
    t: Translator, lang: Language, needed_by: date | None, place: str | None, note: str | None
) -> list[str]:
    lines: list[str] = []
    if needed_by is not None:
        lines.append(f"📅 {esc(t(lang, 'field.needed_by'))}: {fmt_date(needed_by)}")
    if place:
        lines.append(f"📍 {esc(place)}")
    if note:
        lines.append(f"📝 {esc(note)}")
    return lines


def request_line(t: Translator, catalog: Catalog, lang: Language, request: NeedRequest) -> str:
    """One line for lists: 'R-1042 🔴 Generator ×2, Bandages ×200 · New'."""
    names = ", ".join(_item_with_progress(t, catalog, lang, i) for i in request.items[:3])
    if len(request.items) > 3:
        names += f" +{len(request.items) - 3}"
    status = request_status(t, lang, request.status, is_covered(request.items))
    return f"<b>{esc(request.ref)}</b> {URGENCY_ICON[request.urgency]} {names} · {esc(status)}"


def _item_with_progress(t: Translator, catalog: Catalog, lang: Language, item: NeedItem) -> str:
    """'Generator ×10 (pledged 5 of 10)'."""
    name = esc(item_label(catalog, lang, item.item_key, item.free_text))
    text = f"{name} ×{fmt_qty(item.quantity)}"
    phrase = progress_phrase(t, lang, item)
    return f"{text} ({esc(phrase)})" if phrase else text
