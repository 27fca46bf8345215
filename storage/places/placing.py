"""From typed names (or codes) to an organisation's place: raion -> hromada -> settlement.

Shared by the migration that places existing organisations, the one-line /org_add and
`aidbridge org add`. Each part narrows the next: a hromada is looked for in the raion given, a
settlement in the hromada given. A part that is not ``sure`` stops the placing and comes back
with its candidates, so the caller asks (chat) or refuses with the list (CLI): nothing typed is
turned into a code by a guess.
"""

from __future__ import annotations

from storage.models import Frozen, Placement
from storage.places.codifier import Codifier, Level, Unit, codifier
from storage.places.search import SearchResult, search


def placement_for(unit: Unit, places: Codifier | None = None) -> Placement:
    """The codes of a unit and of its parents, down to the settlement (a city district's
    city: an organisation is placed at settlement level at most)."""
    places = places or codifier()
    if unit.level is Level.DISTRICT:
        unit = places[unit.parent or ""]
    chain = [unit, *places.ancestors(unit.code)]
    code = {u.level: u.code for u in chain}
    return Placement(
        raion_code=code.get(Level.RAION),
        hromada_code=code.get(Level.HROMADA),
        settlement_code=code.get(Level.SETTLEMENT),
    )


def place_texts(place: Placement, places: Codifier | None = None) -> tuple[str, str]:
    """The raion and settlement text columns for a place by code: the codifier's names (the
    hromada's when no settlement is given)."""
    places = places or codifier()
    raion = places[place.raion_code].name if place.raion_code else ""
    lowest = place.settlement_code or place.hromada_code
    return raion, places[lowest].name if lowest else ""


class PlaceAnswer(Frozen):
    """Either a placement, or the part (``raion``, ``hromada``, ``settlement``) that was not
    sure, with what the search found for it (no candidates: nothing by that name)."""

    placement: Placement | None = None
    part: str | None = None
    found: SearchResult | None = None
    # What the sure parts before ``part`` give (the raion, when only the hromada was not sure).
    partial: Placement | None = None


def resolve_parts(
    *,
    raion: str | None = None,
    hromada: str | None = None,
    settlement: str | None = None,
    places: Codifier | None = None,
) -> PlaceAnswer:
    """Place from up to three typed parts, each a name or a code.

    ``settlement`` without ``hromada`` may name a hromada as well (the old free-text field was
    "hromada or settlement"). With no part at all, or only a raion, the answer has no hromada
    (``placement.placed`` is False).
    """
    places = places or codifier()
    within: str | None = None
    unit: Unit | None = None
    steps: list[tuple[str, str, set[Level]]] = []
    if raion and raion.strip():
        steps.append(("raion", raion, {Level.RAION}))
    if hromada and hromada.strip():
        steps.append(("hromada", hromada, {Level.HROMADA}))
    if settlement and settlement.strip():
        levels = {Level.SETTLEMENT} if hromada else {Level.SETTLEMENT, Level.HROMADA}
        steps.append(("settlement", settlement, levels))
    for part, text, levels in steps:
        found = search(text, levels=levels, within=within, places=places)
        if found.sure is None:
            partial = placement_for(unit, places) if unit is not None else None
            return PlaceAnswer(part=part, found=found, partial=partial)
        unit = found.sure
        within = unit.code
    if unit is None:
        return PlaceAnswer(placement=Placement())
    return PlaceAnswer(placement=placement_for(unit, places))
