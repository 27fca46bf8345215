"""Which open needs an offer line could cover, and which offer lines a need could use.

A pure function of data: no database, no clock (``today`` is passed), no chat. The rules:

- a line and a need match when both name the same catalog item; a free-text line names
  nothing the bot can compare, so it matches nothing (a coordinator still reads it in
  /offers and may /allocate it by hand);
- only what can still be pledged counts: the need's outstanding quantity (requested minus
  the larger of pledged and delivered) and the line's remaining quantity;
- needs are ranked by urgency (critical first), then overdue before not (a needed-by date
  before ``today``), then age (older request first), then raion (needs of one raion next to
  each other, one truck's stops), then the item's id so the order is total;
- specifications are not compared: a 30 kVA need beside a 20 kVA offer is shown side by
  side and the coordinator decides. Units are not converted either: ``same_unit`` says
  whether "covers" is a count in the same unit.

``MatchIndex`` keeps both sides by catalog item so a new request or offer is matched by
looking at its own items only (bench/matching.py measures it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from storage.models import URGENCY_ORDER
from storage.offer_models import OpenNeed, OpenOfferLine


@dataclass(frozen=True)
class Match:
    need: OpenNeed
    line: OpenOfferLine

    @property
    def same_unit(self) -> bool:
        return self.need.unit == self.line.unit

    @property
    def covers(self) -> int | None:
        """How much of the need the line could cover, when both count in the same unit."""
        return min(self.need.outstanding, self.line.remaining) if self.same_unit else None


def overdue(need: OpenNeed, today: date) -> bool:
    return need.needed_by is not None and need.needed_by < today


def rank(need: OpenNeed, today: date) -> tuple[int, int, str, str, int]:
    return (
        URGENCY_ORDER[need.urgency],
        0 if overdue(need, today) else 1,
        need.created_at.isoformat(),
        need.raion,
        need.item_id,
    )


def comparable(need: OpenNeed, line: OpenOfferLine) -> bool:
    return (
        line.item_key is not None
        and need.item_key == line.item_key
        and need.outstanding > 0
        and line.remaining > 0
    )


def needs_for_line(line: OpenOfferLine, needs: Iterable[OpenNeed], today: date) -> list[Match]:
    """The needs ``line`` could cover, most pressing first."""
    found = [n for n in needs if comparable(n, line)]
    found.sort(key=lambda n: rank(n, today))
    return [Match(need=n, line=line) for n in found]


def lines_for_need(need: OpenNeed, lines: Iterable[OpenOfferLine]) -> list[Match]:
    """The offer lines that could cover ``need``: the soonest to expire first (use it or lose
    it), then the oldest offer."""
    found = [line for line in lines if comparable(need, line)]
    found.sort(key=lambda line: (line.available_until, line.offer_id, line.line_id))
    return [Match(need=need, line=line) for line in found]


def needs_per_offer(lines: Iterable[OpenOfferLine], needs: Iterable[OpenNeed]) -> dict[int, int]:
    """For each offer, how many distinct open needs (request items) its lines could cover."""
    by_key: dict[str, set[int]] = defaultdict(set)
    for need in needs:
        if need.item_key is not None and need.outstanding > 0:
            by_key[need.item_key].add(need.item_id)
    covered: dict[int, set[int]] = defaultdict(set)
    for line in lines:
        covered[line.offer_id]  # an offer that covers nothing still counts 0
        if line.item_key is not None and line.remaining > 0:
            covered[line.offer_id] |= by_key.get(line.item_key, set())
    return {offer_id: len(items) for offer_id, items in covered.items()}


@dataclass
class MatchIndex:
    """Both sides by catalog item, for matching one new request or offer at a time."""

    needs: dict[str, list[OpenNeed]] = field(default_factory=lambda: defaultdict(list))
    lines: dict[str, list[OpenOfferLine]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, needs: Iterable[OpenNeed], lines: Iterable[OpenOfferLine]) -> MatchIndex:
        index = cls()
        for need in needs:
            index.add_need(need)
        for line in lines:
            index.add_line(line)
        return index

    def add_need(self, need: OpenNeed) -> None:
        if need.item_key is not None:
            self.needs[need.item_key].append(need)

    def add_line(self, line: OpenOfferLine) -> None:
        if line.item_key is not None:
            self.lines[line.item_key].append(line)

    def for_line(self, line: OpenOfferLine, today: date) -> list[Match]:
        if line.item_key is None:
            return []
        return needs_for_line(line, self.needs.get(line.item_key, ()), today)

    def for_need(self, need: OpenNeed) -> list[Match]:
        if need.item_key is None:
            return []
        return lines_for_need(need, self.lines.get(need.item_key, ()))
