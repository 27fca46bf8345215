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

import bisect
import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

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


def rank(need: OpenNeed, today: date) -> tuple[int, int, datetime, str, int]:
    """The order of needs; storage/offers.list_open_needs(limit=) orders by the same in SQL
    (tests/storage/test_offers_storage.py holds the two equal)."""
    return (
        URGENCY_ORDER[need.urgency],
        0 if overdue(need, today) else 1,
        need.created_at,
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


def needs_for_line(
    line: OpenOfferLine, needs: Iterable[OpenNeed], today: date, *, limit: int | None = None
) -> list[Match]:
    """The needs ``line`` could cover, most pressing first (the first ``limit`` of them)."""
    found = [n for n in needs if comparable(n, line)]
    if limit is not None:
        # A partial sort: a popular item has thousands of needs, a chat shows ten.
        found = heapq.nsmallest(limit, found, key=lambda n: rank(n, today))
    else:
        found.sort(key=lambda n: rank(n, today))
    return [Match(need=n, line=line) for n in found]


def lines_for_need(need: OpenNeed, lines: Iterable[OpenOfferLine]) -> list[Match]:
    """The offer lines that could cover ``need``: the soonest to expire first (use it or lose
    it), then the oldest offer."""
    found = [line for line in lines if comparable(need, line)]
    found.sort(key=lambda line: (line.available_until, line.offer_id, line.line_id))
    return [Match(need=need, line=line) for line in found]


def open_by_key(needs: Iterable[OpenNeed]) -> dict[str, int]:
    """How many open needs (request items) there are of each catalog item."""
    counts: dict[str, int] = defaultdict(int)
    for need in needs:
        if need.item_key is not None and need.outstanding > 0:
            counts[need.item_key] += 1
    return dict(counts)


def needs_per_offer(lines: Iterable[OpenOfferLine], by_key: Mapping[str, int]) -> dict[int, int]:
    """For each offer, how many open needs its lines could cover: a request item has one
    catalog item, so the needs of an offer's distinct items are distinct needs. ``by_key`` is
    open_by_key() of the needs, or the same counted by storage/offers.count_open_needs."""
    keys: dict[int, set[str]] = defaultdict(set)
    for line in lines:
        keys[line.offer_id]  # an offer that covers nothing still counts 0
        if line.item_key is not None and line.remaining > 0:
            keys[line.offer_id].add(line.item_key)
    return {offer_id: sum(by_key.get(k, 0) for k in ks) for offer_id, ks in keys.items()}


_Static = tuple[datetime, str, int]


def _static(need: OpenNeed) -> _Static:
    """The part of rank() that does not change with the day."""
    return (need.created_at, need.raion, need.item_id)


@dataclass
class MatchIndex:
    """Both sides by catalog item, for matching one new request or offer at a time.

    Needs are also kept per (item, urgency) sorted by the part of the rank that never changes
    (age, raion, id), so the first few needs of a line are found by walking those lists in
    urgency order, overdue ones first, without ranking the thousands a popular item has.
    """

    needs: dict[str, list[OpenNeed]] = field(default_factory=lambda: defaultdict(list))
    lines: dict[str, list[OpenOfferLine]] = field(default_factory=lambda: defaultdict(list))
    ranked: dict[tuple[str, int], list[tuple[_Static, OpenNeed]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def build(cls, needs: Iterable[OpenNeed], lines: Iterable[OpenOfferLine]) -> MatchIndex:
        index = cls()
        for need in needs:
            if need.item_key is not None:
                index.needs[need.item_key].append(need)
                index.counts[need.item_key] += need.outstanding > 0
                index.ranked[(need.item_key, URGENCY_ORDER[need.urgency])].append(
                    (_static(need), need)
                )
        for ranked in index.ranked.values():
            ranked.sort(key=lambda pair: pair[0])
        for line in lines:
            index.add_line(line)
        return index

    def add_need(self, need: OpenNeed) -> None:
        if need.item_key is not None:
            self.needs[need.item_key].append(need)
            self.counts[need.item_key] += need.outstanding > 0
            bisect.insort(
                self.ranked[(need.item_key, URGENCY_ORDER[need.urgency])],
                (_static(need), need),
                key=lambda pair: pair[0],
            )

    def add_line(self, line: OpenOfferLine) -> None:
        if line.item_key is not None:
            self.lines[line.item_key].append(line)

    def for_line(
        self, line: OpenOfferLine, today: date, *, limit: int | None = None
    ) -> list[Match]:
        """needs_for_line() over the line's item; with ``limit``, from the sorted lists."""
        if line.item_key is None:
            return []
        if limit is None:
            return needs_for_line(line, self.needs.get(line.item_key, ()), today)
        if line.remaining <= 0:
            return []
        found: list[OpenNeed] = []
        for level in range(len(URGENCY_ORDER)):
            ranked = self.ranked.get((line.item_key, level), [])
            for want_overdue in (True, False):
                for _, need in ranked:
                    if len(found) == limit:
                        return [Match(need=n, line=line) for n in found]
                    if need.outstanding > 0 and overdue(need, today) is want_overdue:
                        found.append(need)
        return [Match(need=n, line=line) for n in found]

    def count_for_line(self, line: OpenOfferLine) -> int:
        """How many needs ``line`` could cover, without ranking them."""
        if line.item_key is None or line.remaining <= 0:
            return 0
        return self.counts.get(line.item_key, 0)

    def for_need(self, need: OpenNeed) -> list[Match]:
        if need.item_key is None:
            return []
        return lines_for_need(need, self.lines.get(need.item_key, ()))
