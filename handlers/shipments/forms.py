"""Reading what a coordinator types about a shipment: the one-line /shipment new, organisation
references, dates and sums. Nothing is guessed: a field that cannot be read is refused with
the words quoted, and an organisation name that fits two organisations is asked again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from handlers.text.numbers import small_int
from storage.models import Organisation
from storage.shipment_models import ShipmentDraft

# The field words of the one-line form, in English, German and Ukrainian.
FIELD_WORDS: dict[str, str] = {
    **dict.fromkeys(("carrier", "träger", "traeger", "перевізник"), "carrier"),
    **dict.fromkeys(("hub", "хаб", "via", "über", "ueber", "через"), "hub"),
    **dict.fromkeys(
        ("departs", "departure", "date", "abfahrt", "datum", "відправлення", "дата"), "departs"
    ),
    **dict.fromkeys(("vehicle", "fahrzeug", "lkw", "авто", "машина"), "vehicle"),
    **dict.fromkeys(("waybill", "cmr", "frachtbrief", "накладна"), "waybill"),
    **dict.fromkeys(("value", "wert", "вартість"), "value"),
    **dict.fromkeys(("from", "origin", "von", "звідки", "походження"), "origin"),
}
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4}))?$")
_MONEY = re.compile(r"^(\d{1,3}(?:[ \u202f\u00a0.]\d{3})*|\d+)\s*(?:eur|€|євро)?$", re.IGNORECASE)


@dataclass(frozen=True)
class FormError:
    key: str
    fragment: str = ""
    # Names offered when an organisation reference fits several.
    options: tuple[str, ...] = ()


def read_date(text: str, today: date) -> date | None:
    """'04.12.2026', '04.12.26' or '04.12' (the next 4 December from today); None otherwise."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    try:
        if year_text is None:
            found = date(today.year, month, day)
            return found if found >= today else date(today.year + 1, month, day)
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return date(year, month, day)
    except ValueError:
        return None


def read_euros(text: str) -> int | None:
    match = _MONEY.match(text.strip())
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return int(digits) if digits and len(digits) <= 12 else None


def find_org(
    orgs: Sequence[Organisation], ref: str
) -> tuple[Organisation | None, FormError | None]:
    """An organisation by number, exact name, or a part of its name that fits only one."""
    ref = ref.strip()
    number = small_int(ref)
    if number is not None:
        found = next((o for o in orgs if o.id == number), None)
        return (found, None) if found else (None, FormError("ship.form.unknown_org", ref))
    folded = " ".join(ref.casefold().split())
    if len(folded) < 3:
        return None, FormError("ship.form.unknown_org", ref)
    exact = [o for o in orgs if " ".join(o.name.casefold().split()) == folded]
    if len(exact) == 1:
        return exact[0], None
    partial = [o for o in orgs if folded in o.name.casefold()]
    if len(partial) == 1:
        return partial[0], None
    if not partial:
        return None, FormError("ship.form.unknown_org", ref)
    return None, FormError(
        "ship.form.ambiguous_org", ref, tuple(f"{o.id} {o.name}" for o in partial[:8])
    )


def parse_new(
    text: str, orgs: Sequence[Organisation], today: date
) -> tuple[ShipmentDraft | None, FormError | None]:
    """'NAME; carrier ORG; hub ORG; departs 04.12.2026; vehicle …; waybill …; value 150000;
    from Aachen, Bonn' -> the draft. The name comes first; the rest in any order."""
    segments = [s.strip() for s in text.split(";")]
    name = segments[0] if segments else ""
    if not name:
        return None, FormError("ship.form.no_name")
    fields, error = parse_fields(segments[1:], orgs, today)
    if error is not None:
        return None, error
    try:
        return ShipmentDraft.model_validate({"name": name, **fields}), None
    except ValidationError:
        return None, FormError("ship.form.too_long", name[:60])


def parse_fields(
    segments: Sequence[str], orgs: Sequence[Organisation], today: date
) -> tuple[dict[str, object], FormError | None]:
    """'carrier ORG', 'departs 04.12.2026', … -> the ShipmentDraft fields they set."""
    values: dict[str, object] = {}
    for segment in segments:
        segment = segment.strip()
        if not segment:
            continue
        word, _, rest = segment.partition(" ")
        what = FIELD_WORDS.get(word.casefold().rstrip(":"))
        rest = rest.strip()
        if what is None or not rest:
            return {}, FormError("ship.form.unknown_field", segment)
        if what in ("carrier", "hub"):
            org, error = find_org(orgs, rest)
            if error is not None:
                return {}, error
            assert org is not None
            values[f"{what}_org_id"] = org.id
        elif what == "departs":
            day = read_date(rest, today)
            if day is None or day < today:
                return {}, FormError("ship.form.bad_date", rest)
            values["planned_departure"] = day
        elif what == "value":
            euros = read_euros(rest)
            if euros is None:
                return {}, FormError("ship.form.bad_value", rest)
            values["declared_value_eur"] = euros
        else:
            values[what] = rest
    return values, None
