"""The official codifier (KATOTTH) of Dnipropetrovsk oblast, shipped as package data.

Built once from ``data/katottg_ua12.csv`` (and ``data/other_names.csv``, the former and newer
names), then never changed: ``codifier()`` returns the one immutable instance, so every caller,
the migration that places old organisations included, reads the same units. See
``data/README.md`` for the source, the edition and the attribution the data requires.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from enum import StrEnum
from importlib import resources
from types import MappingProxyType

from storage.models import Frozen
from storage.places.translit import latin


class Level(StrEnum):
    OBLAST = "oblast"
    RAION = "raion"
    HROMADA = "hromada"
    SETTLEMENT = "settlement"
    DISTRICT = "district"  # a district of a city (B); OCHA has no such level


class Category(StrEnum):
    """KATOTTH's category letter."""

    OBLAST = "O"
    RAION = "P"
    HROMADA = "H"
    CITY = "M"  # місто
    SELYSHCHE = "X"  # селище (former urban-type settlements included since 2024)
    VILLAGE = "C"  # село
    CITY_DISTRICT = "B"


class Unit(Frozen):
    code: str  # KATOTTH: UA + 17 digits
    level: Level
    category: Category
    name: str  # as the codifier writes it, without type words ("Самарівський")
    parent: str | None
    pcode: str | None  # OCHA COD-AB P-code (a prefix of the code); None for city districts
    name_en: str | None  # OCHA's English name where it is this name's transliteration
    former: tuple[str, ...] = ()  # names of the 19.01.2024 edition
    newer: tuple[str, ...] = ()  # names OCHA already uses (2026-02), not yet in the codifier
    english_other: tuple[str, ...] = ()  # OCHA English names of those former/newer names

    @property
    def latin(self) -> str:
        """The name in Latin letters: OCHA's English name, else the national transliteration
        (the two agree wherever both exist)."""
        return self.name_en or latin(self.name)


class Codifier:
    """Units by code, their parents and children. Read-only after construction."""

    def __init__(self, units: Iterable[Unit]) -> None:
        by_code = {u.code: u for u in units}
        children: dict[str, list[str]] = {}
        for unit in by_code.values():
            if unit.parent is not None:
                if unit.parent not in by_code:
                    raise ValueError(f"{unit.code}: parent {unit.parent} is not in the codifier")
                children.setdefault(unit.parent, []).append(unit.code)
        self._units: Mapping[str, Unit] = MappingProxyType(by_code)
        self._children: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in children.items()}
        )
        self._by_pcode: Mapping[str, str] = MappingProxyType(
            {u.pcode: u.code for u in by_code.values() if u.pcode}
        )

    def __len__(self) -> int:
        return len(self._units)

    def units(self, level: Level | None = None) -> list[Unit]:
        return [u for u in self._units.values() if level is None or u.level is level]

    def get(self, code: str) -> Unit | None:
        """A unit by its KATOTTH code or its OCHA P-code (either case)."""
        wanted = code.strip().upper()
        unit = self._units.get(wanted)
        if unit is None and wanted in self._by_pcode:
            unit = self._units[self._by_pcode[wanted]]
        return unit

    def __getitem__(self, code: str) -> Unit:
        unit = self.get(code)
        if unit is None:
            raise KeyError(code)
        return unit

    def children(self, code: str, level: Level | None = None) -> list[Unit]:
        units = (self._units[c] for c in self._children.get(code, ()))
        return sorted((u for u in units if level is None or u.level is level), key=lambda u: u.name)

    def ancestors(self, code: str) -> list[Unit]:
        """The unit's parents, nearest first, up to the oblast."""
        found: list[Unit] = []
        unit = self._units.get(code)
        while unit is not None and unit.parent is not None:
            unit = self._units[unit.parent]
            found.append(unit)
        return found

    def up_to(self, code: str, level: Level) -> Unit | None:
        """The unit itself or its ancestor at ``level`` (the raion of a settlement)."""
        unit = self._units.get(code)
        if unit is not None and unit.level is level:
            return unit
        return next((a for a in self.ancestors(code) if a.level is level), None)

    def within(self, code: str, ancestor: str) -> bool:
        return code == ancestor or any(a.code == ancestor for a in self.ancestors(code))


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("storage.places").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def parse_units(rows: list[dict[str, str]], other: list[dict[str, str]]) -> list[Unit]:
    former: dict[str, list[str]] = {}
    newer: dict[str, list[str]] = {}
    english: dict[str, list[str]] = {}
    for row in other:
        target = former if row["kind"] == "former" else newer
        target.setdefault(row["katottg"], []).append(row["name_uk"])
        if row["name_en"]:
            english.setdefault(row["katottg"], []).append(row["name_en"])
    return [
        Unit(
            code=row["katottg"],
            level=Level(row["level"]),
            category=Category(row["category"]),
            name=row["name_uk"],
            parent=row["parent_katottg"] or None,
            pcode=row["pcode"] or None,
            name_en=row["name_en"] or None,
            former=tuple(former.get(row["katottg"], ())),
            newer=tuple(newer.get(row["katottg"], ())),
            english_other=tuple(english.get(row["katottg"], ())),
        )
        for row in rows
    ]


@functools.cache
def codifier() -> Codifier:
    """The oblast's codifier, read from the package data once per process (about 0.15 s; the app
    builds it at start, off the first message's path)."""
    return Codifier(parse_units(_read("katottg_ua12.csv"), _read("other_names.csv")))
