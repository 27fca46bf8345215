"""Formatting shared by handlers: escaping, request summaries, dates. No platform specifics.

Handlers produce a small HTML subset (<b>, <i>, <code>); every string that came from a person
or from the database passes through ``esc`` before it is put into a message.
"""

from __future__ import annotations

import html
from datetime import date

from handlers.catalog import Catalog
from handlers.i18n import Language, Translator
from handlers.units import unit_name
from storage.models import NeedItem, NeedItemDraft, NeedRequest, Status, Urgency

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
        f" · {esc(status_label(t, lang, request.status))}"
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
    names = ", ".join(
        f"{esc(item_label(catalog, lang, i.item_key, i.free_text))} ×{fmt_qty(i.quantity)}"
        for i in request.items[:3]
    )
    if len(request.items) > 3:
        names += f" +{len(request.items) - 3}"
    return (
        f"<b>{esc(request.ref)}</b> {URGENCY_ICON[request.urgency]} {names}"
        f" · {esc(status_label(t, lang, request.status))}"
    )
