"""Place and organisation names as readers see them.

Ukrainian readers see the Cyrillic names; German and English readers see the same names with
their Latin transliteration beside them (Ukraine's national system, storage/places/translit), so
"Самар (Samar)" can be read aloud and typed. Every view that shows a place or an organisation's
name goes through here: ``with_latin`` for a name, ``unit_label`` for a unit of the codifier with
its type word, ``place_line`` and ``org_place`` for an organisation's place.
"""

from __future__ import annotations

from handlers.text.format import esc
from handlers.text.i18n import Language, Translator
from storage.models import Organisation, Placement
from storage.places import Category, Level, Unit, codifier, latin
from storage.places.translit import has_cyrillic

_KEY = {
    Level.OBLAST: "place.oblast",
    Level.RAION: "place.raion",
    Level.HROMADA: "place.hromada",
    Level.DISTRICT: "place.district",
}
_SETTLEMENT_KEY = {
    Category.CITY: "place.city",
    Category.SELYSHCHE: "place.selyshche",
    Category.VILLAGE: "place.village",
}


def latin_beside(name: str, lang: Language, *, latin_name: str | None = None) -> str:
    """Plain text: ``name``, and in German and English its Latin form beside it."""
    if lang == "uk" or not has_cyrillic(name):
        return name
    return f"{name} ({latin_name or latin(name)})"


def with_latin(name: str, lang: Language) -> str:
    """HTML: the escaped name, with its transliteration beside it for German and English."""
    return esc(latin_beside(name, lang))


def unit_label(t: Translator, lang: Language, unit: Unit, *, html: bool = True) -> str:
    """'Самарівський район' / 'Rajon Самарівський (Samarivskyi)'; plain text for a button."""
    key = _SETTLEMENT_KEY[unit.category] if unit.level is Level.SETTLEMENT else _KEY[unit.level]
    name = latin_beside(unit.name, lang, latin_name=unit.latin)
    return t(lang, key, name=esc(name) if html else name)


def unit_with_context(t: Translator, lang: Language, unit: Unit, *, html: bool = False) -> str:
    """A candidate as a choice: the unit, then its hromada and raion, which tell namesakes apart
    ('с. Водяне — Васильківська громада, Синельниківський район')."""
    places = codifier()
    parents = [a for a in places.ancestors(unit.code) if a.level in (Level.HROMADA, Level.RAION)]
    label = unit_label(t, lang, unit, html=html)
    if not parents:
        return label
    return label + " — " + ", ".join(unit_label(t, lang, a, html=html) for a in parents)


def place_line(t: Translator, lang: Language, place: Placement, *, html: bool = True) -> str:
    """An organisation's place by code, from the settlement (if any) up to the raion."""
    places = codifier()
    codes = (place.settlement_code, place.hromada_code, place.raion_code)
    units = [places.get(c) for c in codes if c]
    return ", ".join(unit_label(t, lang, u, html=html) for u in units if u is not None)


def org_place(t: Translator, lang: Language, org: Organisation) -> str:
    """HTML: the organisation's place, by code when it has one; otherwise its typed text,
    marked for an admin to place."""
    if org.place.outside_oblast:
        return t(lang, "place.abroad", place=with_latin(org.settlement, lang))
    if org.place.placed:
        return place_line(t, lang, org.place)
    typed = ", ".join(with_latin(x, lang) for x in (org.settlement, org.raion) if x)
    return t(lang, "place.unplaced", text=typed)


def org_name(org: Organisation, lang: Language) -> str:
    """HTML: the organisation's name, with its Latin form for German and English readers."""
    return with_latin(org.name, lang)
