"""The codifier shipped with the project, and the tolerant search over it.

Counts are checked against the data's own README (1,612 rows, 7 raions, 86 hromadas, ...).
The corpus tests/data/place_queries.tsv holds typed names, each with the unit or the set of
choices it must give; its expected codes were looked up in the CSV by exact name, hromada
and raion, not by the search.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from storage.places import Category, Level, MatchKind, codifier, latin, search

DATA = Path(__file__).parent.parent / "data" / "place_queries.tsv"
SHARED = Path(__file__).parents[3] / "shared" / "data" / "katottg_ua12.csv"


def test_counts_per_level_and_category() -> None:
    c = codifier()
    assert len(c) == 1612
    levels = Counter(u.level for u in c.units())
    assert levels == {
        Level.OBLAST: 1,
        Level.RAION: 7,
        Level.HROMADA: 86,
        Level.SETTLEMENT: 1500,
        Level.DISTRICT: 18,
    }
    settlements = Counter(u.category for u in c.units(Level.SETTLEMENT))
    assert settlements == {Category.CITY: 20, Category.SELYSHCHE: 94, Category.VILLAGE: 1386}
    districts = Counter(c[u.parent or ""].name for u in c.units(Level.DISTRICT))
    assert districts == {"Дніпро": 8, "Кривий Ріг": 7, "Кам’янське": 3}


def test_hromadas_per_raion() -> None:
    c = codifier()
    per_raion = {r.name: len(c.children(r.code, Level.HROMADA)) for r in c.units(Level.RAION)}
    assert per_raion == {
        "Синельниківський": 19,
        "Дніпровський": 17,
        "Криворізький": 15,
        "Кам’янський": 12,
        "Нікопольський": 8,
        "Самарівський": 8,
        "Павлоградський": 7,
    }
    assert all(c.children(h.code, Level.SETTLEMENT) for h in c.units(Level.HROMADA))


def test_parents_and_pcodes_are_consistent() -> None:
    c = codifier()
    prefix = {Level.OBLAST: 4, Level.RAION: 6, Level.HROMADA: 9, Level.SETTLEMENT: 12}
    parent_level = {
        Level.RAION: Level.OBLAST,
        Level.HROMADA: Level.RAION,
        Level.SETTLEMENT: Level.HROMADA,
        Level.DISTRICT: Level.SETTLEMENT,
    }
    for unit in c.units():
        assert unit.code.startswith("UA12") and len(unit.code) == 19
        if unit.level is Level.DISTRICT:
            assert unit.pcode is None
        else:
            assert unit.pcode == unit.code[: prefix[unit.level]]
            assert c.get(unit.pcode) == unit
        if unit.level is Level.OBLAST:
            assert unit.parent is None
        else:
            assert c[unit.parent or ""].level is parent_level[unit.level]
    samar = c["UA12100070010038698"]
    assert [a.name for a in c.ancestors(samar.code)] == [
        "Новомосковська",
        "Самарівський",
        "Дніпропетровська",
    ]
    assert c.up_to(samar.code, Level.RAION) == c["UA12100000000039307"]


@pytest.mark.skipif(not SHARED.exists(), reason="the shared data folder is not beside the clone")
def test_package_copy_is_the_shared_file() -> None:
    packaged = Path(__file__).parents[2] / "storage" / "places" / "data" / "katottg_ua12.csv"
    assert packaged.read_bytes() == SHARED.read_bytes()


def test_national_transliteration_agrees_with_ocha_names() -> None:
    with_en = [u for u in codifier().units() if u.name_en]
    assert len(with_en) == 1547
    assert [u.name for u in with_en if latin(u.name) != u.name_en] == []
    # The positional rules of the resolution, on names the data lacks an English name for.
    assert latin("Самар") == "Samar"
    assert latin("Згурівка") == "Zghurivka"
    assert latin("Юр’ївка") == latin("Юр'ївка") == latin("Юрʼївка") == latin("Юр`ївка")
    assert latin("Юр’ївка") == "Yurivka"
    assert latin("Єлизаветівка") == "Yelyzavetivka"
    assert latin("Знам’янка Друга") == "Znamianka Druha"
    assert codifier()["UA12100070010038698"].latin == "Samar"


def test_same_named_hromadas_come_back_as_choices() -> None:
    for name, count in (("Покровська", 3), ("Миколаївська", 2)):
        result = search(name, levels={Level.HROMADA})
        assert len(result.candidates) == count
        assert result.sure is None
        raions = {codifier().up_to(u.code, Level.RAION) for u in result.units}
        assert len(raions) == 2  # the raion is there to tell them apart (where it can)


def test_search_within_a_hromada_and_levels() -> None:
    c = codifier()
    magdalynivska = next(u for u in c.units(Level.HROMADA) if u.name == "Магдалинівська")
    found = search("Тарасівка", levels={Level.SETTLEMENT}, within=magdalynivska.code)
    assert len(found.candidates) == 3
    assert all(c.within(u.code, magdalynivska.code) for u in found.units)
    # A city's name is not its raion's: the raion is offered (it begins so), not taken.
    raion = search("Павлоград", levels={Level.RAION})
    assert [m.kind for m in raion.candidates] == [MatchKind.PREFIX] and raion.sure is None
    assert search("Павлоград").sure == c["UA12120070010055676"]
    assert search("", levels={Level.RAION}).candidates == ()
    assert search("м.", levels={Level.RAION}).candidates == ()


def test_many_candidates_are_cut_and_counted() -> None:
    found = search("Олександрівка")
    assert len(found.candidates) == 12 and found.sure is None
    found = search("Ново")  # the beginning of hundreds of names
    assert found.more > 0 and found.sure is None


def _corpus() -> list[tuple[str, str, list[str], str]]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        query, expect, codes, levels, _meaning = line.split("\t")
        rows.append((query, expect, codes.split(), levels))
    return rows


def test_corpus_is_large_and_covers_each_kind() -> None:
    rows = _corpus()
    assert len(rows) >= 100
    assert Counter(expect for _, expect, _, _ in rows).keys() == {"sure", "one", "choices"}


@pytest.mark.parametrize(("query", "expect", "codes", "levels"), _corpus())
def test_corpus(query: str, expect: str, codes: list[str], levels: str) -> None:
    kwargs = {"levels": {Level(x) for x in levels.split(",")}} if levels else {}
    result = search(query, **kwargs)  # type: ignore[arg-type]
    found = [u.code for u in result.units]
    assert result.more == 0
    if expect == "sure":
        assert result.sure is not None and [result.sure.code] == codes, found
    elif expect == "one":
        assert found == codes
        assert result.candidates[0].kind is MatchKind.TYPO and result.sure is None
    else:
        assert sorted(found) == sorted(codes)
        assert len(codes) > 1 and result.sure is None


def test_corpus_file_matches_the_data() -> None:
    # Every expected code is a unit of the file: a corpus line cannot name a unit that isn't.
    units = {row["katottg"] for row in csv.DictReader(_packaged().open(encoding="utf-8"))}
    for _, _, codes, _ in _corpus():
        assert set(codes) <= units


def _packaged() -> Path:
    return Path(__file__).parents[2] / "storage" / "places" / "data" / "katottg_ua12.csv"
