"""Matching as a pure function of data (handlers/offers/matching.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from handlers.offers.matching import (
    MatchIndex,
    lines_for_need,
    needs_for_line,
    needs_per_offer,
    open_by_key,
    overdue,
)
from storage.models import Urgency
from storage.offer_models import OpenNeed, OpenOfferLine

TODAY = date(2026, 11, 29)


def need(
    item_id: int,
    *,
    key: str | None = "generator",
    urgency: Urgency = Urgency.NORMAL,
    outstanding: int = 2,
    needed_by: date | None = None,
    day: int = 1,
    raion: str = "UA1202",
    spec: str | None = None,
    unit: str = "pcs",
) -> OpenNeed:
    return OpenNeed(
        request_id=1000 + item_id,
        item_id=item_id,
        org_id=1,
        item_key=key,
        free_text=None if key else "щось",
        spec=spec,
        outstanding=outstanding,
        unit=unit,
        urgency=urgency,
        needed_by=needed_by,
        created_at=datetime(2026, 11, day, 9, tzinfo=UTC),
        raion=raion,
    )


def line(
    line_id: int,
    *,
    key: str | None = "generator",
    remaining: int = 12,
    until: date = date(2027, 1, 31),
    offer_id: int = 7,
    spec: str | None = "20 kVA",
    unit: str = "pcs",
) -> OpenOfferLine:
    return OpenOfferLine(
        line_id=line_id,
        offer_id=offer_id,
        org_id=9,
        item_key=key,
        spec=spec,
        remaining=remaining,
        unit=unit,
        available_until=until,
    )


def test_ranked_by_urgency_then_overdue_then_age_then_raion() -> None:
    needs = [
        need(1, urgency=Urgency.NORMAL, day=1),
        need(2, urgency=Urgency.CRITICAL, day=20),
        need(3, urgency=Urgency.HIGH, day=5, needed_by=date(2026, 12, 10)),
        need(4, urgency=Urgency.HIGH, day=10, needed_by=date(2026, 11, 20)),  # overdue
        need(5, urgency=Urgency.HIGH, day=5, raion="UA1204"),
        need(6, urgency=Urgency.HIGH, day=5, raion="UA1202"),
    ]
    ranked = [m.need.item_id for m in needs_for_line(line(1), needs, TODAY)]
    # critical; high overdue; high by age (3, 5, 6 share a day: raion, then id); normal
    assert ranked == [2, 4, 3, 6, 5, 1]
    assert overdue(needs[3], TODAY) and not overdue(needs[2], TODAY)


def test_only_the_same_catalog_item_with_something_left() -> None:
    needs = [
        need(1),
        need(2, key="pump"),
        need(3, key=None),
        need(4, outstanding=0),
    ]
    assert [m.need.item_id for m in needs_for_line(line(1), needs, TODAY)] == [1]
    # A free-text line names nothing to compare: it matches nothing, not even free text.
    assert needs_for_line(line(2, key=None), needs, TODAY) == []
    assert needs_for_line(line(3, remaining=0), needs, TODAY) == []


def test_specifications_side_by_side_never_decided() -> None:
    found = needs_for_line(line(1, spec="20 kVA"), [need(1, spec="30 kVA")], TODAY)
    assert len(found) == 1
    assert (found[0].need.spec, found[0].line.spec) == ("30 kVA", "20 kVA")
    assert found[0].covers == 2
    other_unit = needs_for_line(line(1, unit="set"), [need(1)], TODAY)[0]
    assert not other_unit.same_unit and other_unit.covers is None


def test_lines_for_a_need_soonest_to_expire_first() -> None:
    lines = [
        line(1, offer_id=7, until=date(2027, 3, 1)),
        line(2, offer_id=8, until=date(2026, 12, 5)),
        line(3, offer_id=9, key="pump"),
    ]
    assert [m.line.line_id for m in lines_for_need(need(1), lines)] == [2, 1]


def test_needs_per_offer_counts_distinct_items() -> None:
    lines = [line(1, offer_id=7), line(2, offer_id=7, key="pump"), line(3, offer_id=8, key="tent")]
    needs = [need(1), need(2), need(3, key="pump"), need(4, key="bandage"), need(5, outstanding=0)]
    by_key = open_by_key(needs)
    assert by_key == {"generator": 2, "pump": 1, "bandage": 1}
    assert needs_per_offer(lines, by_key) == {7: 3, 8: 0}


def test_the_index_answers_as_the_functions_do() -> None:
    needs = [need(i, urgency=list(Urgency)[i % 4], day=1 + i % 27) for i in range(1, 60)]
    needs += [need(100 + i, key="pump") for i in range(5)]
    lines = [line(1), line(2, key="pump"), line(3, key="tent")]
    index = MatchIndex.build(needs, lines)
    for offer_line in lines:
        assert index.for_line(offer_line, TODAY) == needs_for_line(offer_line, needs, TODAY)
    for one in needs[:5]:
        assert index.for_need(one) == lines_for_need(one, lines)
    fresh = need(500, urgency=Urgency.CRITICAL, day=28, needed_by=date(2026, 11, 28))
    index.add_need(fresh)
    assert index.for_line(lines[0], TODAY)[0].need == fresh


def test_the_first_few_from_the_sorted_lists_equal_the_full_ranking() -> None:
    rng = random.Random(15)
    needs = [
        need(
            i,
            urgency=rng.choice(list(Urgency)),
            day=rng.randint(1, 28),
            needed_by=rng.choice((None, date(2026, 11, 20), date(2026, 12, 20))),
            raion=rng.choice(("UA1202", "UA1204")),
            outstanding=rng.choice((0, 3)),
        )
        for i in range(1, 400)
    ]
    index = MatchIndex.build(needs[:200], [])
    for one in needs[200:]:
        index.add_need(one)  # half built at once, half added one by one
    offer_line = line(1)
    everything = needs_for_line(offer_line, needs, TODAY)
    for limit in (1, 10, 50, 1000):
        assert index.for_line(offer_line, TODAY, limit=limit) == everything[:limit]
        assert needs_for_line(offer_line, needs, TODAY, limit=limit) == everything[:limit]
    assert index.count_for_line(offer_line) == len(everything)
