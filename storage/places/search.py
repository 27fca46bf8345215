"""A tolerant search of the codifier by name: what a person types -> candidate units.

What a person may type for a place, and how each is met:
- type words ("м. Дніпро", "Самарівська громада", "Дніпровський р-н", "village", "Rajon"): taken
  off, and kept as a hint of the level when that tells same-named units apart;
- any apostrophe (’ ' ʼ `), any case, hyphens or spaces: all compare equal;
- Latin letters: both sides are compared in the national transliteration, loosened for the
  usual variants (y/i/j, w/v, g/h: "Kamjanske", "Pavlograd", "Krywyj Rih");
- the old names of renamed places (Новомосковськ) and OCHA's newer names (Самарівська громада);
- grammatical endings of the adjective names ("Синельниківського району");
- a qualifier after a comma, or after the name: "Покровська, Синельниківський район";
- typos: one edit in a short name, two in a longer one, three in a long one (rapidfuzz's OSA
  distance, where two swapped letters are one edit).

Tiers go from sure to loose; the first tier with any unit answers, with every unit it has.
Same-named units therefore always come back together, as choices: the search never picks one.
A unit is ``sure`` only when it is the only candidate and was not found by a typo's distance.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import OSA

from storage.models import Frozen
from storage.places.codifier import Category, Codifier, Level, Unit, codifier
from storage.places.translit import latin, unify_apostrophes

_LEVEL_ORDER = {
    Level.OBLAST: 0,
    Level.RAION: 1,
    Level.HROMADA: 2,
    Level.SETTLEMENT: 3,
    Level.DISTRICT: 4,
}
_CATEGORY_ORDER = {Category.CITY: 0, Category.SELYSHCHE: 1, Category.VILLAGE: 2}
DEFAULT_LEVELS = frozenset({Level.RAION, Level.HROMADA, Level.SETTLEMENT, Level.DISTRICT})
# More than this many candidates are not worth a row of buttons; the caller says "be more exact".
MAX_CANDIDATES = 12


class MatchKind(StrEnum):
    CODE = "code"  # a KATOTTH code or P-code
    NAME = "name"  # the codifier's name or its transliteration
    OTHER_NAME = "other_name"  # a former or newer name, or OCHA's English name of one
    PREFIX = "prefix"  # the beginning of a name
    TYPO = "typo"  # within a few edits


class Match(Frozen):
    unit: Unit
    kind: MatchKind
    matched: str  # the name (current, former or newer) that matched


class SearchResult(Frozen):
    query: str
    candidates: tuple[Match, ...] = ()
    more: int = 0  # candidates left off beyond MAX_CANDIDATES

    @property
    def units(self) -> list[Unit]:
        return [m.unit for m in self.candidates]

    @property
    def sure(self) -> Unit | None:
        """The one unit meant, when nothing else could have been: never from a typo."""
        if len(self.candidates) == 1 and self.more == 0:
            only = self.candidates[0]
            if only.kind not in (MatchKind.TYPO, MatchKind.PREFIX):
                return only.unit
        return None


# --- normalising -------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,;()/\\|]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLE = re.compile(r"(.)\1+")
# Adjective endings after -sk-/-zk-/-tsk- (raion and hromada names and their case forms),
# written after the loosening below (y -> i, doubled letters single).
_ADJECTIVE = re.compile(r"(?<=[szc])k(?:oho|omu|oiu|oi|ih|im|ie|a|e|i|u)\b")
_LOOSE = str.maketrans({"y": "i", "j": "i", "w": "v", "g": "h", "q": "k", "x": "h"})


def _ascii_latin(text: str) -> str:
    """Lower-case Latin letters and digits in single-spaced words."""
    text = unify_apostrophes(unicodedata.normalize("NFC", text)).replace("’", "")
    text = latin(text).lower()
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return _NON_ALNUM.sub(" ", text).strip()


def surface_key(text: str) -> str:
    """Exact spelling, any script: 'Кам’янське', "кам'янське" and 'Kamianske' are equal."""
    return _ascii_latin(text)


def loose_key(text: str) -> str:
    """The spelling loosened for Latin variants: 'Kamjanske', 'Kamyanske', 'Krywyj Rih'."""
    return _DOUBLE.sub(r"\1", _ascii_latin(text).replace("kh", "h").translate(_LOOSE))


def stem_key(text: str) -> str:
    """Loose, and adjective endings folded: 'Синельниківського' meets 'Синельниківський'."""
    return _ADJECTIVE.sub("k", loose_key(text))


# Type words, any language, each with the levels (and categories) it points to. Compared on
# the surface key, so "р-н" and "r-n" are both here as "r n".
_TYPE_WORDS: dict[str, tuple[Level, Category | None]] = {}
for _words, _hint in (
    ("м міс місто міста місті city stadt town", (Level.SETTLEMENT, Category.CITY)),
    (
        "смт селище селища сел с-ще с ще smt selyshche siedlung",
        (Level.SETTLEMENT, Category.SELYSHCHE),
    ),
    ("с село села селі selo village dorf", (Level.SETTLEMENT, Category.VILLAGE)),
    (
        "громада громади громаді тг отг тгр hromada hromady community gemeinde "
        "територіальна територіальної міська сільська селищна",
        (Level.HROMADA, None),
    ),
    (
        "район району районі р-н р-ну р raion rayon raion district rajon bezirk kreis",
        (Level.RAION, None),
    ),
    ("область області обл oblast oblast region", (Level.OBLAST, None)),
):
    for _word in _words.split():
        _TYPE_WORDS[surface_key(_word)] = _hint
# One letter is a type word only before a name and with its dot ("с. Водяне"): a bare "с" or "s"
# may be part of what was typed.
_NEEDS_DOT = {surface_key(w) for w in ("м", "с", "р", "s", "m", "r")}


class _Query(Frozen):
    words: tuple[str, ...]  # what is left of the segment after its type words
    hints: tuple[tuple[Level, Category | None], ...] = ()


def _segment(raw: str) -> _Query:
    tokens = unify_apostrophes(raw).replace(".", ". ").split()
    words: list[str] = []
    hints: list[tuple[Level, Category | None]] = []
    for i, token in enumerate(tokens):
        key = surface_key(token)
        hint = _TYPE_WORDS.get(key)
        dotted = token.endswith(".")
        is_type = hint is not None and (key not in _NEEDS_DOT or (dotted and i < len(tokens) - 1))
        if is_type and hint is not None and len(tokens) > 1:
            hints.append(hint)
        else:
            words.append(token.rstrip("."))
    return _Query(words=tuple(words), hints=tuple(hints))


# --- the index ---------------------------------------------------------------------------------


class _Entry(Frozen):
    code: str
    name: str
    other: bool  # a former or newer name, not the codifier's


class _Index:
    """Every name of every unit under its three keys; built once per codifier."""

    def __init__(self, places: Codifier) -> None:
        self.places = places
        self.surface: dict[str, list[_Entry]] = {}
        self.loose: dict[str, list[_Entry]] = {}
        self.stem: dict[str, list[_Entry]] = {}
        for unit in places.units():
            names = [(unit.name, False)]
            names += [(n, True) for n in (*unit.former, *unit.newer, *unit.english_other)]
            if unit.name_en:
                names.append((unit.name_en, False))
            for name, other in names:
                entry = _Entry(code=unit.code, name=name, other=other)
                for table, key in (
                    (self.surface, surface_key(name)),
                    (self.loose, loose_key(name)),
                    (self.stem, stem_key(name)),
                ):
                    table.setdefault(key, []).append(entry)
        self.loose_keys = list(self.loose)


@functools.cache
def _index_for(places: Codifier) -> _Index:
    return _Index(places)


def _entries_kind(entries: Iterable[_Entry], kind: MatchKind) -> list[tuple[_Entry, MatchKind]]:
    return [
        (e, MatchKind.OTHER_NAME if e.other and kind is MatchKind.NAME else kind) for e in entries
    ]


def _tiers(index: _Index, words: tuple[str, ...]) -> Iterable[list[tuple[_Entry, MatchKind]]]:
    """Candidate entries for the name ``words``, tier by tier, sure first."""
    text = " ".join(words)
    surface, loose, stem = surface_key(text), loose_key(text), stem_key(text)
    if not surface:
        return
    yield _entries_kind(index.surface.get(surface, ()), MatchKind.NAME)
    yield _entries_kind(index.loose.get(loose, ()), MatchKind.NAME)
    yield _entries_kind(index.stem.get(stem, ()), MatchKind.NAME)
    if len(loose) >= 4:
        yield [
            (e, MatchKind.PREFIX)
            for key in index.loose_keys
            if key.startswith(loose) and key != loose
            for e in index.loose[key]
        ]
    # Edits allowed grow with what was typed (its surface length: the loose key folds letters).
    # OSA distance: swapping two neighbouring letters is one typo, not two.
    size = len(surface.replace(" ", ""))
    cutoff = 0 if size <= 4 else 1 if size <= 7 else 2 if size <= 12 else 3
    if cutoff:
        found = process.extract(
            loose, index.loose_keys, scorer=OSA.distance, score_cutoff=cutoff, limit=None
        )
        if found:
            best = min(distance for _, distance, _ in found)
            yield [
                (e, MatchKind.TYPO)
                for key, distance, _ in found
                if distance == best
                for e in index.loose[key]
            ]


_CODE = re.compile(r"^ua\d{2,17}$", re.IGNORECASE)


def search(
    text: str,
    *,
    levels: Collection[Level] = DEFAULT_LEVELS,
    within: str | None = None,
    places: Codifier | None = None,
) -> SearchResult:
    """Units whose name (or code) is ``text``, restricted to ``levels`` and to the unit ``within``.

    Pure and quick (well under a millisecond for a name, a few for a typo): fine on the event
    loop. The codifier defaults to the oblast's (``codifier()``).
    """
    places = places if places is not None else codifier()
    index = _index_for(places)
    query = text.strip()[:200]
    wanted = frozenset(levels)

    def allowed(unit: Unit) -> bool:
        return unit.level in wanted and (within is None or places.within(unit.code, within))

    if _CODE.match(query.replace(" ", "")):
        unit = places.get(query.replace(" ", ""))
        hits = [Match(unit=unit, kind=MatchKind.CODE, matched=unit.code)] if unit else []
        return _result(query, [m for m in hits if allowed(m.unit)])

    segments = [_segment(s) for s in _SEPARATORS.split(query)]
    segments = [s for s in segments if s.words]
    if not segments:
        return SearchResult(query=query)
    target, context = segments[0], segments[1:]
    # A qualifier that names no raion or hromada narrows nothing (it is not a reason to
    # find nothing): the candidates are still offered.
    scopes = [scope for scope in (_scope(index, s) for s in context) if scope]
    found = _find(index, target, allowed, scopes)
    if not found and len(target.words) > 1:
        found = _split_qualifier(index, target, allowed)
    return _result(query, found)


def _scope(index: _Index, segment: _Query) -> set[str]:
    """The units a qualifier such as 'Синельниківський район' can stand for (no typos)."""
    codes: set[str] = set()
    for tier in list(_tiers(index, segment.words))[:3]:
        units = [index.places[e.code] for e, _ in tier]
        units = [u for u in units if u.level in (Level.RAION, Level.HROMADA, Level.OBLAST)]
        units = _prefer_hints(units, segment.hints)
        if units:
            return {u.code for u in units}
    return codes


def _prefer_hints(
    units: list[Unit], hints: tuple[tuple[Level, Category | None], ...]
) -> list[Unit]:
    if not hints:
        return units
    fitting = [
        u
        for u in units
        if any(u.level is lvl and (cat is None or u.category is cat) for lvl, cat in hints)
    ]
    return fitting or units


def _find(
    index: _Index,
    target: _Query,
    allowed: Callable[[Unit], bool],
    scopes: list[set[str]],
    *,
    sure_only: bool = False,
) -> list[Match]:
    places = index.places
    fallback: list[Match] = []
    for number, tier in enumerate(_tiers(index, target.words)):
        if sure_only and number >= 3:
            break
        best: dict[str, Match] = {}
        for entry, kind in tier:
            unit = places[entry.code]
            if allowed(unit) and entry.code not in best:
                best[entry.code] = Match(unit=unit, kind=kind, matched=entry.name)
        if not best:
            continue
        fitting = {u.code for u in _prefer_hints([m.unit for m in best.values()], target.hints)}
        matches = [m for m in best.values() if m.unit.code in fitting]
        scoped = [
            m for m in matches if all(any(places.within(m.unit.code, s) for s in c) for c in scopes)
        ]
        if not scopes or scoped:
            return scoped if scopes else matches
        # The qualifier rules all of this tier out: a looser tier may fit it; else show these.
        fallback = fallback or matches
    return fallback


def _split_qualifier(index: _Index, target: _Query, allowed: Callable[[Unit], bool]) -> list[Match]:
    """'Миколаївська Синельниківський': a name, then the raion or hromada it lies in."""
    words = target.words
    for cut in range(len(words) - 1, 0, -1):
        scope = _scope(index, _Query(words=words[cut:]))
        if not scope:
            continue
        head = _Query(words=words[:cut], hints=target.hints)
        found = _find(index, head, allowed, [scope], sure_only=True)
        if found and all(any(index.places.within(m.unit.code, s) for s in scope) for m in found):
            return found
    return []


def _result(query: str, matches: list[Match]) -> SearchResult:
    def order(m: Match) -> tuple[int, int, str, str]:
        u = m.unit
        return (_LEVEL_ORDER[u.level], _CATEGORY_ORDER.get(u.category, 9), u.name, u.code)

    ranked = sorted(matches, key=order)
    return SearchResult(
        query=query,
        candidates=tuple(ranked[:MAX_CANDIDATES]),
        more=max(0, len(ranked) - MAX_CANDIDATES),
    )


def warm(places: Codifier | None = None) -> None:
    """Read the codifier and build the search index now (about 0.2 s), not on the first
    message that names a place; the app calls it at start, in a worker thread."""
    _index_for(places if places is not None else codifier())
