"""How shipments read, in any language: lines, dates, the card. Pure functions over data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.text.format import esc, fmt_date, fmt_qty, item_label
from handlers.text.i18n import Language, Translator
from handlers.text.places import latin_beside
from storage.models import Organisation, request_ref
from storage.shipment_models import LineStatus, Shipment, ShipmentLine, ShipmentStatus

STATUS_ICON: dict[ShipmentStatus, str] = {
    ShipmentStatus.PLANNED: "🗓",
    ShipmentStatus.LOADING: "📦",
    ShipmentStatus.DEPARTED: "🚚",
    ShipmentStatus.AT_HUB: "🏁",
    ShipmentStatus.CLOSED: "✅",
    ShipmentStatus.CANCELLED: "✖️",
}
LINE_ICON: dict[LineStatus, str] = {
    LineStatus.SHIPPED: "🚚",
    LineStatus.RECEIVED: "✅",
    LineStatus.PARTLY_RECEIVED: "◐",
    LineStatus.DAMAGED: "⚠️",
    LineStatus.MISSING: "❌",
}


def status_text(t: Translator, lang: Language, status: ShipmentStatus) -> str:
    return t(lang, f"ship.status.{status.value}")


def line_status_text(t: Translator, lang: Language, status: LineStatus) -> str:
    return t(lang, f"ship.line.{status.value}")


def when_text(t: Translator, lang: Language, day: date | None) -> str:
    """'Friday, 04.12.2026' in the reader's language, or 'date not set'."""
    if day is None:
        return t(lang, "ship.no_date")
    return f"{t(lang, f'ship.weekday.{day.weekday()}')}, {fmt_date(day)}"


def qty_text(lang: Language, quantity: int, unit: str) -> str:
    return f"{fmt_qty(quantity)} {esc(unit_name(unit, lang))}"


def line_text(
    t: Translator, catalog: Catalog, lang: Language, line: ShipmentLine, *, status: bool = False
) -> str:
    """'R-1042: Bandages — 200 packs' (escaped); hub goods say so instead of a request id."""
    name = esc(item_label(catalog, lang, line.item_key, line.free_text))
    owner = request_ref(line.request_id) if line.request_id else t(lang, "ship.for_hub")
    text = f"{esc(owner)}: {name} — {qty_text(lang, line.quantity, line.unit)}"
    if status:
        text = f"{LINE_ICON[line.status]} {text}"
        if line.status is not LineStatus.SHIPPED:
            text += " · " + esc(receipt_text(t, lang, line))
    return text


def receipt_text(t: Translator, lang: Language, line: ShipmentLine) -> str:
    """'received 180, damaged 15, missing 5' (the parts that are not zero)."""
    parts = [
        t(lang, f"ship.amount.{name}", qty=fmt_qty(value))
        for name, value in (
            ("received", line.received),
            ("damaged", line.damaged),
            ("missing", line.missing),
        )
        if value
    ]
    text = ", ".join(parts) or line_status_text(t, lang, line.status)
    return text + (f" — {line.note}" if line.note else "")


def lines_block(
    t: Translator, catalog: Catalog, lang: Language, lines: Iterable[ShipmentLine]
) -> str:
    return "\n".join(f"• {line_text(t, catalog, lang, line)}" for line in lines)


def org_name(orgs: Mapping[int, Organisation], org_id: int | None, lang: Language = "uk") -> str:
    """Plain text: the organisation's name, with its Latin form for German and English
    readers (handlers/text/places.py)."""
    if org_id is None:
        return "—"
    org = orgs.get(org_id)
    return latin_beside(org.name, lang) if org else "?"


def title(shipment: Shipment) -> str:
    return f"<b>{esc(shipment.ref)}</b> «{esc(shipment.name)}»"


def list_line(
    t: Translator, lang: Language, shipment: Shipment, line_count: int, destinations: int
) -> str:
    """'🚚 S-12 «NRW 48/2026» · Departed · Friday, 04.12.2026 · 14 lines, 3 destinations'."""
    return (
        f"{STATUS_ICON[shipment.status]} {title(shipment)}"
        f" · {esc(status_text(t, lang, shipment.status))}"
        f" · {esc(when_text(t, lang, shipment.planned_departure))}"
        f" · {esc(t(lang, 'ship.counts', lines=line_count, destinations=destinations))}"
    )


def card(
    t: Translator,
    catalog: Catalog,
    lang: Language,
    shipment: Shipment,
    lines: Sequence[ShipmentLine],
    orgs: Mapping[int, Organisation],
    onward: Mapping[int, date] | None = None,
) -> str:
    """The shipment with its lines grouped by destination; ``onward``: the local day each
    destination's goods left the hub (handlers/shipments/hub.py)."""
    carrier = org_name(orgs, shipment.carrier_org_id, lang)
    out = [
        f"{STATUS_ICON[shipment.status]} {title(shipment)}"
        f" · {esc(status_text(t, lang, shipment.status))}",
        f"{esc(t(lang, 'ship.field.carrier'))}: {esc(carrier)}",
    ]
    if shipment.hub_org_id is not None:
        out.append(
            f"{esc(t(lang, 'ship.field.hub'))}: {esc(org_name(orgs, shipment.hub_org_id, lang))}"
        )
    out.append(
        f"{esc(t(lang, 'ship.field.departure'))}: "
        f"{esc(when_text(t, lang, shipment.planned_departure))}"
    )
    for key, value in (
        ("origin", shipment.origin),
        ("vehicle", shipment.vehicle),
        ("waybill", shipment.waybill),
    ):
        if value:
            out.append(f"{esc(t(lang, f'ship.field.{key}'))}: {esc(value)}")
    if shipment.declared_value_eur is not None:
        out.append(
            f"{esc(t(lang, 'ship.field.value'))}: {fmt_qty(shipment.declared_value_eur)} EUR"
        )
    if not lines:
        out.append("")
        out.append(esc(t(lang, "ship.no_lines")))
        return "\n".join(out)
    by_dest: dict[int, list[ShipmentLine]] = {}
    for line in lines:
        by_dest.setdefault(line.dest_org_id, []).append(line)
    for dest, group in by_dest.items():
        out.append("")
        out.append(f"🏥 <b>{esc(org_name(orgs, dest, lang))}</b>")
        out.extend(
            f"{n}. {line_text(t, catalog, lang, line, status=True)}"
            for n, line in enumerate(group, 1)
        )
        if onward and dest in onward:
            out.append(esc(t(lang, "hub.sent_on", date=fmt_date(onward[dest]))))
    return "\n".join(out)
