"""Units of measure for need items: stable keys, short display names, typed aliases.

Keys are what gets stored (``NeedItem.unit``); display names are short forms meant to sit after
a number ("200 уп.", "200 Pkg.", "200 packs"). Aliases are what people actually type in
Ukrainian, German or English, including inflected Ukrainian forms that follow numerals
("5 упаковок", "2 ящики").
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType
from typing import Final, NamedTuple

from handlers.text.i18n import Language

DEFAULT_UNIT: Final = "pcs"
# Units of amount rather than count: a bare number cannot say which of them is meant.
MEASURE_UNITS: Final = frozenset({"l", "ml", "kg", "t", "m"})


class Unit(NamedTuple):
    key: str
    uk: str
    de: str
    en: str
    aliases: frozenset[str]

    def name(self, lang: Language) -> str:
        if lang == "uk":
            return self.uk
        if lang == "de":
            return self.de
        return self.en


def _unit(key: str, uk: str, de: str, en: str, aliases: str) -> Unit:
    # Display names are recognised too, so whatever the bot shows can be typed back.
    words = {_fold(word) for word in aliases.split("|")}
    words |= {_fold(key), _fold(uk), _fold(de), _fold(en)}
    words.discard("")
    return Unit(key, uk, de, en, frozenset(words))


def _fold(word: str) -> str:
    """Case- and accent-insensitive form; "Stück", "stuck" and "STK." all compare equal."""
    decomposed = unicodedata.normalize("NFKD", word.strip().casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # "шт." and "шт" are the same unit; people drop or add the abbreviation dot freely.
    return bare.rstrip(".")


_UNITS: Final[tuple[Unit, ...]] = (
    _unit(
        "pcs",
        "шт.",
        "Stk.",
        "pcs",
        "шт|штук|штука|штуки|штуку|штучок|stk|stück|stueck|stck|st|pc|piece|pieces|ea|each"
        "|unit|units",
    ),
    _unit(
        "packs",
        "уп.",
        "Pkg.",
        "packs",
        "уп|упак|упаковка|упаковки|упаковок|упаковку|пач|пачка|пачки|пачок|пачек"
        "|pkg|pck|pckg|pkt|packung|packungen|packg|päckchen"
        "|pack|package|packages|packet|packets|pk",
    ),
    _unit(
        "boxes",
        "ящ.",
        "Kart.",
        "boxes",
        "ящ|ящик|ящики|ящиків|ящика|кор|коробка|коробки|коробок|коробку"
        "|karton|kartons|krt|kiste|kisten|box|boxen|schachtel|schachteln"
        "|bx|carton|cartons|case|cases",
    ),
    _unit(
        "pallets",
        "пал.",
        "Pal.",
        "pallets",
        "пал|палета|палети|палет|піддон|піддони|піддонів|palette|paletten|pal|pallet|plt",
    ),
    _unit(
        "sets",
        "компл.",
        "Sets",
        "sets",
        "компл|комплект|комплекти|комплектів|комплекту|комплектов|комплекта|набір|набори|наборів"
        "|набору|наборов|satz|sätze|set|sets",
    ),
    _unit(
        "pairs",
        "пар",
        "Paar",
        "pairs",
        "пара|пари|пар|paar|paare|pair|pairs",
    ),
    _unit(
        "bottles",
        "флак.",
        "Fl.",
        "bottles",
        "фл|флак|флакон|флакони|флаконів|флакона|пляшка|пляшки|пляшок"
        "|fl|flasche|flaschen"
        "|bottle|bottles|btl|vial|vials",
    ),
    _unit(
        "ampoules",
        "амп.",
        "Amp.",
        "ampoules",
        "амп|ампула|ампули|ампул|ампул.|amp|amps|ampulle|ampullen|ampoule|ampoules|ampule|ampules",
    ),
    _unit(
        "rolls",
        "рул.",
        "Rollen",
        "rolls",
        "рул|рулон|рулони|рулонів|рулона|rolle|rollen|roll|rolls",
    ),
    _unit(
        "tubes",
        "тюб.",
        "Tuben",
        "tubes",
        "тюб|тюбик|тюбики|тюбиків|tube|tuben|tubes",
    ),
    _unit(
        "l",
        "л",
        "l",
        "l",
        "л|літр|літри|літрів|літра|литр|литра|литров|литры|liter|ltr|lt|litre|litres|liters",
    ),
    _unit(
        "ml",
        "мл",
        "ml",
        "ml",
        "мл|мілілітр|мілілітри|мілілітрів|milliliter|millilitre|millilitres|milliliters",
    ),
    _unit(
        "kg",
        "кг",
        "kg",
        "kg",
        "кг|кілограм|кілограми|кілограмів|кіло|kilo|kilogramm|kilos|kilogram|kilograms|kgs",
    ),
    _unit(
        "t",
        "т",
        "t",
        "t",
        "т|тонна|тонни|тонн|тон|тонну|тонны|tonne|tonnen|tonnes|ton|tons",
    ),
    _unit(
        "m",
        "м",
        "m",
        "m",
        "м|метр|метри|метрів|метра|метров|meter|metre|metres|meters",
    ),
)

UNITS: Final = MappingProxyType({unit.key: unit for unit in _UNITS})
_BY_ALIAS: Final = MappingProxyType(
    {alias: unit.key for unit in _UNITS for alias in sorted(unit.aliases)}
)


def unit_keys() -> tuple[str, ...]:
    return tuple(UNITS)


def is_unit(key: str) -> bool:
    return key in UNITS


def parse_unit(word: str) -> str | None:
    """The unit key for one typed word ("упаковок" -> "packs"), or None if it is not a unit."""
    folded = _fold(word)
    if not folded:
        return None
    return _BY_ALIAS.get(folded)


def unit_name(key: str, lang: Language) -> str:
    """Short display form after a number. Unknown keys come back unchanged: rows stored before a
    unit was retired must still render rather than crash a listing."""
    unit = UNITS.get(key)
    return unit.name(lang) if unit is not None else key
