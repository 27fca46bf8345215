"""The item catalog: typed models over ``catalog_data`` and a matcher for typed item phrases.

``Catalog.match`` turns what a requester typed ("гинератори", "Notstromaggregate",
"blood pressure medication") into one catalog item, or None. A wrong match is worse than no
match: an unknown phrase is kept as free text and a coordinator reads it, while a wrong item
key silently asks Germany for the wrong goods. So the matcher only answers when it is fairly
sure, and ``search`` exists for the looser "did you mean" suggestions.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher
from types import MappingProxyType
from typing import Final, NamedTuple

from rapidfuzz.distance import OSA

from handlers.requests import catalog_data
from handlers.requests.reader.morph import is_cyrillic
from handlers.requests.units import is_unit
from handlers.text.i18n import Language
from storage.models import Frozen

# Removed before comparing: Ukrainian apostrophes come in several code points ("перев'язка",
# "перевʼязка", "перев’язка") and many people leave them out entirely ("перевязка").
_APOSTROPHES: Final = frozenset("'ʼ’‘`´ʹ")
# Russian letters typed on a Russian layout, and "ґ", which is often typed as "г".
# Ukrainian and Russian spellings of one word compare equal ("інсулін"/"инсулин",
# "антисептик"/"антисептік"): many people in the oblast type on a Russian layout. NFKD has
# already turned "ї" and "й" into "і" and "и" with a mark that is dropped.
_LETTER_FOLD: Final = MappingProxyType(
    {"ґ": "г", "ы": "и", "і": "и", "э": "е", "є": "е", "ъ": "", "ё": "е"}
)
# Words that carry no item meaning in a phrase ("таблетки для очищення води").
_STOPWORDS_RAW: Final = (
    "for of the a an and with to in on per by from "
    "für fuer mit der die das den dem des und zur zum von vom im auf bis "
    "для з із зі та і й від на до по у в"
)

# Thresholds, tuned against the tests: a fuzzy word ratio of 0.8 accepts a wrong letter in a
# long word ("гинератори"); words under 8 letters need 0.86, so "weather" is not "water".
_FUZZY_WORD: Final = 0.8
_FUZZY_SHORT_WORD: Final = 0.86
_MIN_TYPO_WORD: Final = 5
# Edits a typo may make: (in a word under 8 letters, in a longer word).
_MAX_EDITS: Final = (1, 2)
_MIN_DICE: Final = 0.4
_PREFIX: Final = 3
_WORD_FLOOR: Final = 0.75
_WHOLE_PHRASE: Final = 0.85
_SEARCH_FLOOR: Final = 0.6
_SEARCH_MIN_SCORE: Final = 0.35


def normalise(text: str) -> str:
    """Casefolded, accent- and apostrophe-free, punctuation turned to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) or ch in _APOSTROPHES:
            continue
        folded = _LETTER_FOLD.get(ch, ch)
        if folded:
            out.append(folded if folded.isalnum() else " ")
    return " ".join("".join(out).split())


_STOPWORDS: Final = frozenset(normalise(_STOPWORDS_RAW).split())


def core_words(normalised: str) -> tuple[str, ...]:
    """The words that name the item: no stop words, no sizes like "30 квт" or "5 мл"."""
    out: list[str] = []
    after_number = False
    for word in normalised.split():
        if any(ch.isdigit() for ch in word):
            after_number = True
            continue
        if after_number and len(word) <= 4:
            # The unit of a size ("30 квт", "5 ml", "100 ah") says nothing about the item.
            after_number = False
            continue
        after_number = False
        if word not in _STOPWORDS:
            out.append(word)
    return tuple(out)


class Category(Frozen):
    key: str
    uk: str
    de: str
    en: str

    def name(self, lang: Language) -> str:
        return _pick(lang, self.uk, self.de, self.en)


class CatalogItem(Frozen):
    key: str
    category: str
    unit: str
    uk: str
    de: str
    en: str
    synonyms: tuple[str, ...] = ()
    # Narrower names (a drug, a fuel type) that find this item but must be kept on the line.
    narrow_forms: tuple[str, ...] = ()
    # Above this quantity (in the item's own unit) the bot asks before storing: a hospital
    # does not plausibly need 200,000 ventilators, and a slip of the thumb must not go out.
    plausible_max: int = 10_000

    def name(self, lang: Language) -> str:
        return _pick(lang, self.uk, self.de, self.en)

    def forms(self) -> tuple[str, ...]:
        """Everything that names this item: display names, the key, synonyms."""
        return (
            self.uk,
            self.de,
            self.en,
            self.key.replace("_", " "),
            *self.synonyms,
            *self.narrow_forms,
        )


def _pick(lang: Language, uk: str, de: str, en: str) -> str:
    if lang == "uk":
        return uk
    if lang == "de":
        return de
    return en


class _Form(NamedTuple):
    item_key: str
    words: tuple[str, ...]


class Conflict(NamedTuple):
    """One normalised form claimed by two items: the data is ambiguous there."""

    form: str
    first: str
    second: str


class Catalog:
    """Read-only view of the catalog with precomputed matching indexes."""

    def __init__(self, categories: Iterable[Category], items: Iterable[CatalogItem]) -> None:
        self._categories = tuple(categories)
        self._items = tuple(items)
        self._category_by_key = MappingProxyType({c.key: c for c in self._categories})
        self._by_key = MappingProxyType({item.key: item for item in self._items})
        if len(self._by_key) != len(self._items):
            raise ValueError("duplicate item key in catalog")
        for item in self._items:
            if item.category not in self._category_by_key:
                raise ValueError(f"item {item.key!r}: unknown category {item.category!r}")
            if not is_unit(item.unit):
                raise ValueError(f"item {item.key!r}: unknown unit {item.unit!r}")
        self._by_category = MappingProxyType(
            {c.key: tuple(i for i in self._items if i.category == c.key) for c in self._categories}
        )
        exact, conflicts, forms = _build_forms(self._items)
        self._exact: Mapping[str, str] = MappingProxyType(exact)
        self._conflicts = tuple(conflicts)
        self._narrow = frozenset(
            normalise(form) for item in self._items for form in item.narrow_forms
        )
        self._forms = tuple(forms)
        vocab: dict[str, list[int]] = {}
        for index, form in enumerate(self._forms):
            for word in set(form.words):
                vocab.setdefault(word, []).append(index)
        self._vocab: Mapping[str, tuple[int, ...]] = MappingProxyType(
            {word: tuple(indexes) for word, indexes in vocab.items()}
        )
        # Two indexes keep a lookup to a few hundred comparisons instead of the whole
        # vocabulary: inflections share their first letters, typos share most letter pairs.
        by_prefix: dict[str, list[str]] = {}
        by_bigram: dict[str, list[str]] = {}
        for word in sorted(self._vocab):
            by_prefix.setdefault(word[:_PREFIX], []).append(word)
            for gram in _bigrams(word):
                by_bigram.setdefault(gram, []).append(word)
        self._by_prefix: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {prefix: tuple(words) for prefix, words in by_prefix.items()}
        )
        self._by_bigram: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {gram: tuple(words) for gram, words in by_bigram.items()}
        )
        self._bigram_count: Mapping[str, int] = MappingProxyType(
            {word: len(_bigrams(word)) for word in self._vocab}
        )
        joined: dict[int, set[tuple[str, str]]] = {}
        for text, owner in self._exact.items():
            compact = text.replace(" ", "")
            joined.setdefault(len(compact), set()).add((compact, owner))
        self._joined_by_length: Mapping[int, tuple[tuple[str, str], ...]] = MappingProxyType(
            {length: tuple(sorted(pairs)) for length, pairs in joined.items()}
        )

    @classmethod
    def from_data(cls) -> Catalog:
        categories = [
            Category(key=c.key, uk=c.uk, de=c.de, en=c.en) for c in catalog_data.CATEGORIES
        ]
        items = []
        for row in catalog_data.ITEMS:
            names = [s.strip() for s in "|".join((row.syn_uk, row.syn_de, row.syn_en)).split("|")]
            items.append(
                CatalogItem(
                    key=row.key,
                    category=row.category,
                    unit=row.unit,
                    uk=row.uk,
                    de=row.de,
                    en=row.en,
                    # "=name" in the data marks a narrower name (see ItemData).
                    synonyms=tuple(n for n in names if n and not n.startswith("=")),
                    narrow_forms=tuple(n[1:].strip() for n in names if n.startswith("=")),
                    plausible_max=catalog_data.plausible_max(row),
                )
            )
        return cls(categories, items)

    @staticmethod
    def default() -> Catalog:
        """The catalog built from ``catalog_data``, built once per process."""
        return _default_catalog()

    # --- lookups -------------------------------------------------------------------------

    def categories(self) -> list[Category]:
        return list(self._categories)

    def items(self) -> list[CatalogItem]:
        return list(self._items)

    def items_in(self, category_key: str) -> list[CatalogItem]:
        return list(self._by_category.get(category_key, ()))

    def get(self, key: str) -> CatalogItem | None:
        return self._by_key.get(key)

    def name(self, key: str, lang: Language) -> str:
        """Display name; an unknown key (an item retired after it was stored) shows as is."""
        item = self._by_key.get(key)
        return item.name(lang) if item is not None else key

    def category_name(self, key: str, lang: Language) -> str:
        category = self._category_by_key.get(key)
        return category.name(lang) if category is not None else key

    def conflicts(self) -> tuple[Conflict, ...]:
        """Forms that two items both claim; the data tests require this to be empty."""
        return self._conflicts

    # --- matching ------------------------------------------------------------------------

    def match(self, text: str) -> CatalogItem | None:
        """The one item a typed phrase names, or None when unsure."""
        norm = normalise(text)
        if not norm:
            return None
        words = core_words(norm)
        for candidate in (norm, norm.replace(" ", ""), " ".join(words), "".join(words)):
            key = self._exact.get(candidate)
            if key is not None:
                return self._by_key[key]
        if not words:
            return None
        ranked = self._rank(words, partial=False)
        if ranked:
            best_score, best_size, best_key = ranked[0]
            for score, size, key in ranked[1:]:
                if key == best_key:
                    continue
                if abs(score - best_score) < 1e-9 and size == best_size:
                    return None  # two items fit equally well: let a human decide
                break
            return self._by_key[best_key]
        return self._whole_phrase("".join(words))

    def search(self, text: str, limit: int = 5) -> list[CatalogItem]:
        """Best candidates for a "did you mean" list, best first; looser than ``match``."""
        if limit <= 0:
            return []
        found: list[CatalogItem] = []
        exact = self.match(text)
        if exact is not None:
            found.append(exact)
        words = core_words(normalise(text))
        if words:
            for score, _size, key in self._rank(words, partial=True):
                if len(found) >= limit:
                    break
                item = self._by_key[key]
                if score >= _SEARCH_MIN_SCORE and item not in found:
                    found.append(item)
        return found[:limit]

    def word_items(self, word: str, *, single: bool = False) -> dict[str, str]:
        """Items one typed word can name, with how: "exact", "stem", "compound" or "typo".

        The reader uses this to check that the word a phrase is about (its head noun) is the
        catalog item, not only a word beside it: in "фільтри кисневого концентратора" the
        catalog knows "концентратора", but the head "фільтри" names no catalog item.
        With ``single`` only one-word names count ("мішки" alone is no item, though it is a
        word of "спальні мішки").
        """
        norm = normalise(word)
        found: dict[str, str] = {}
        if not norm or " " in norm:
            return found
        rank = {"exact": 3, "stem": 2, "compound": 1, "typo": 0}
        for vocab_word, _score in self._similar_words(norm, _WORD_FLOOR, prefixes=False).items():
            if vocab_word == norm:
                kind = "exact"
            elif _stem_similarity(norm, vocab_word) > 0:
                kind = "stem"
            elif norm.endswith(vocab_word):
                kind = "compound"
            else:
                kind = "typo"
            for index in self._vocab[vocab_word]:
                if single and len(self._forms[index].words) != 1:
                    continue
                key = self._forms[index].item_key
                if key not in found or rank[kind] > rank[found[key]]:
                    found[key] = kind
        return found

    def _extends_a_word(self, word: str) -> bool:
        """A Latin word made of a catalog word and more ("generatoröl"): not a typo of it."""
        if is_cyrillic(word):
            return False
        return any(
            len(other) >= _MIN_TYPO_WORD
            and word.startswith(other)
            and word[len(other) :] not in _LATIN_ENDINGS
            for other in self._by_prefix.get(word[:_PREFIX], ())
        )

    def in_display_name(self, item: CatalogItem, word: str) -> bool:
        """True when ``word`` (in any form) is a word of the item's own name in uk, de or en:
        "кисневий" in "кисневий концентратор" is the name; "дизельний" beside "генератор"
        is a qualifier to keep, even though a synonym spells it out."""
        norm = normalise(word)
        for name in (item.uk, item.de, item.en):
            for part in normalise(name).split():
                if part == norm or _stem_similarity(norm, part) > 0:
                    return True
        return False

    def is_narrow(self, text: str) -> bool:
        """True when ``text`` is a narrower name kept in the catalog for one item (a drug or
        a fuel type): it finds the item, but the line must keep the name as typed."""
        return normalise(text) in self._narrow

    def _whole_phrase(self, joined: str) -> CatalogItem | None:
        """Last resort for typos inside compounds ("Feuerwehrfahrzeuk")."""
        if len(joined) < 6:
            return None
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(joined)
        best_key: str | None = None
        best = _WHOLE_PHRASE
        size = len(joined)
        # Lengths outside this window cannot reach the ratio: 2 * shorter / total >= 0.85.
        lengths = range(math.ceil(size * 0.73), math.floor(size * 1.36) + 1)
        pairs = (pair for length in lengths for pair in self._joined_by_length.get(length, ()))
        for form, key in pairs:
            matcher.set_seq1(form)
            if matcher.real_quick_ratio() < best or matcher.quick_ratio() < best:
                continue
            ratio = matcher.ratio()
            if ratio > best or (ratio == best and best_key is None):
                best, best_key = ratio, key
        return self._by_key[best_key] if best_key is not None else None

    def _rank(self, words: Sequence[str], *, partial: bool) -> list[tuple[float, int, str]]:
        """(score, form size, item key), best first, one entry per item.

        Strict mode needs every word of a form to be present in the phrase and the form to
        cover at least half of the phrase: "дизельний генератор" finds "генератор", but
        "генератор для лікарні терміново" is too much to guess from.
        """
        floor = _SEARCH_FLOOR if partial else _WORD_FLOOR
        tables = {word: self._similar_words(word, floor, prefixes=partial) for word in set(words)}
        sims = [tables[word] for word in words]
        candidates: set[int] = set()
        for table in sims:
            for vocab_word in table:
                candidates.update(self._vocab[vocab_word])
        best: dict[str, tuple[float, int]] = {}
        for index in candidates:
            form = self._forms[index]
            total = 0.0
            matched = 0
            used: set[int] = set()
            for form_word in form.words:
                top, top_at = 0.0, -1
                for at, table in enumerate(sims):
                    value = table.get(form_word, 0.0)
                    if value > top:
                        top, top_at = value, at
                if top >= floor:
                    matched += 1
                    total += top
                    used.add(top_at)
            size = len(form.words)
            coverage = len(used) / len(words)
            if partial:
                score = (total / size) * (0.5 + 0.5 * coverage)
            else:
                if matched < size or coverage < 0.5:
                    continue
                score = (total / size) * coverage
            previous = best.get(form.item_key)
            if previous is None or (score, size) > previous:
                best[form.item_key] = (score, size)
        ranked = [(score, size, key) for key, (score, size) in best.items()]
        ranked.sort(key=lambda row: (-row[0], -row[1], row[2]))
        return ranked

    def _similar_words(self, word: str, floor: float, *, prefixes: bool) -> dict[str, float]:
        """Vocabulary words close to ``word``: same stem, a small typo, or a compound head."""
        found: dict[str, float] = {}
        if word in self._vocab:
            found[word] = 1.0
        if len(word) >= _PREFIX:
            for other in self._by_prefix.get(word[:_PREFIX], ()):
                score = _stem_similarity(word, other)
                if prefixes and score < floor and other.startswith(word):
                    score = 0.7  # a word being typed: "генер" -> "генератор"
                if score >= floor and other != word:
                    found[other] = score
        if len(word) >= _MIN_TYPO_WORD and not self._extends_a_word(word):
            grams = _bigrams(word)
            shared: dict[str, int] = {}
            for gram in grams:
                for other in self._by_bigram.get(gram, ()):
                    shared[other] = shared.get(other, 0) + 1
            matcher = SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(word)
            for other, count in shared.items():
                if other in found:
                    continue
                # Dice over letter pairs, a cheap bound: every pair accepted by the ratio
                # below keeps well over 40 % of its letter pairs.
                if 2 * count < _MIN_DICE * (len(grams) + self._bigram_count[other]):
                    continue
                score = _typo_similarity(word, other, matcher)
                if score >= floor:
                    found[other] = score
        # German compounds end in their head noun: "Hochleistungspumpe" is a "Pumpe".
        # The head must have at least 5 letters and the modifier at least 3.
        for cut in range(3, len(word) - 4):
            tail = word[cut:]
            if is_cyrillic(word) and word[:cut] not in _CYRILLIC_PREFIXES:
                # Ukrainian compounds of this kind start with a short known stem
                # ("мотопомпа", "дизельгенератор"); "рентгенплівка" is not a "плівка".
                continue
            if tail in self._vocab:
                found[tail] = max(found.get(tail, 0.0), 0.85)
                break
        return found


_CYRILLIC_PREFIXES: Final = frozenset(
    normalise(word)
    for word in (
        "авто мото електро електро- бензо дизель дизель- міні мікро термо гідро радіо "
        "пневмо турбо вело фото відео теле аква"
    ).split()
)


def _bigrams(word: str) -> frozenset[str]:
    return frozenset(word[i : i + 2] for i in range(len(word) - 1))


# German and English endings that leave the thing the same: "Zelt"/"Zelte", "pump"/"pumps".
# Anything longer after a catalog word is another word: "Generatoröl" is oil, not a generator.
_LATIN_ENDINGS: Final = frozenset({"", "s", "es", "e", "en", "n", "er", "ern", "nen", "ns"})


def _stem_similarity(word: str, other: str) -> float:
    """~0.9 when the words share a stem ("генератор", "генераторів"), else 0.0."""
    longer = max(len(word), len(other))
    prefix = 0
    for a, b in zip(word, other, strict=False):
        if a != b:
            break
        prefix += 1
    if not is_cyrillic(word) and (
        word[prefix:] not in _LATIN_ENDINGS or other[prefix:] not in _LATIN_ENDINGS
    ):
        return 0.0
    if (prefix >= 4 and prefix >= 0.6 * longer) or (prefix >= 3 and prefix >= 0.75 * longer):
        return 0.9 + 0.05 * prefix / longer
    return 0.0


def _typo_similarity(word: str, other: str, matcher: SequenceMatcher[str]) -> float:
    """Ratio-based score for a typo ("гинератори"), or 0.0; ``matcher`` holds ``word``."""
    longer = max(len(word), len(other))
    if min(len(word), len(other)) < _MIN_TYPO_WORD:
        return 0.0
    # A typo changes, swaps, adds or drops a letter or two; a word longer by a whole syllable
    # is a compound or another word ("Generatoröl").
    if abs(len(word) - len(other)) > 1:
        return 0.0
    # Short words get less slack: one letter off in "water" already makes "weather".
    needed = _FUZZY_WORD if longer >= 8 else _FUZZY_SHORT_WORD
    matcher.set_seq1(other)
    if matcher.real_quick_ratio() < needed or matcher.quick_ratio() < needed:
        return 0.0
    ratio = matcher.ratio()
    if ratio < needed:
        return 0.0
    # The ratio alone lets a long word through with a different ending ("Zeltheringe" is
    # not "Zeltheizung", ratio 0.82): a typo is at most two edits (one in a short word),
    # a swap of neighbours counting as one.
    if (
        OSA.distance(word, other, score_cutoff=_MAX_EDITS[longer >= 8] + 1)
        > _MAX_EDITS[longer >= 8]
    ):
        return 0.0
    return ratio * 0.95


def _build_forms(
    items: Sequence[CatalogItem],
) -> tuple[dict[str, str], list[Conflict], list[_Form]]:
    exact: dict[str, str] = {}
    conflicts: list[Conflict] = []
    forms: list[_Form] = []
    for item in items:
        seen: set[tuple[str, ...]] = set()
        for text in item.forms():
            norm = normalise(text)
            words = core_words(norm)
            for variant in {norm, norm.replace(" ", ""), " ".join(words), "".join(words)}:
                if not variant:
                    continue
                owner = exact.setdefault(variant, item.key)
                if owner != item.key:
                    conflicts.append(Conflict(variant, owner, item.key))
            if words and words not in seen:
                seen.add(words)
                forms.append(_Form(item.key, words))
    return exact, conflicts, forms


@functools.cache
def _default_catalog() -> Catalog:
    return Catalog.from_data()
