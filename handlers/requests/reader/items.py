"""What an item phrase names: one catalog item, or nothing, and never its neighbour.

"фільтри до кисневого концентратора" mentions a catalog item but asks for filters; "шини для
швидкої" asks for tyres; "Ladegerät für Funkgeräte" for chargers. A phrase names an item only
when the word the phrase is about, its head, is a name of that item:

- Ukrainian puts the head first, after its adjectives ("кисневий концентратор", "фільтри
  кисневого концентратора"): the head is the first noun (pymorphy3 tells nouns from adjectives);
- English and German phrases end in their head ("oxygen concentrator filters", "elastische
  Binden"), and German compounds end in theirs ("Hochleistungspumpe");
- a preposition ("для", "до", "під", "for", "für", "zum") starts a complement that qualifies the
  head; when that complement names another catalog item, the line is about an accessory or a
  part of it, and the bot asks.

Words beside the head that the item's name does not cover (a drug name, a size, "дизельний",
"nitrile") are kept, as typed, as the line's specification.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from handlers.requests.catalog import Catalog, CatalogItem, normalise
from handlers.requests.reader import morph
from handlers.requests.units import MEASURE_UNITS

_PREPOSITIONS: Final = frozenset(
    "для до під від на з із зі без проти для_ for für fuer zum zur zu von gegen ohne with "
    "mit without from against".split()
)
# Words that describe a thing rather than name it, in languages where the tagger cannot tell.
_QUALIFIERS: Final = frozenset(
    "diesel benzin petrol gasoline gas sterile steril sterilen sterilized elastic elastische "
    "elastisch elastischen nitrile nitril latex vinyl adult adults erwachsene child children "
    "kinder pediatric paediatric large small big groß gross grosse große klein kleine medium "
    "portable tragbar tragbare tragbarer mobile mobil mobiler electric elektrisch elektrische "
    "new neu neue used gebraucht gebrauchte medical medizinisch medizinische disposable einweg "
    "reusable heavy duty industrial industrie inverter silent leise "
    "дизель бензин газ xs s m l xl xxl xxxl mini maxi pro plus".split()
)
# Words that say "a device" and leave the naming to the next word: "апарат ШВЛ", "Gerät".
_LIGHT_HEADS: Final = frozenset(
    "апарат апарати апарату аппарат аппараты пристрій пристрої прилад прилади "
    "gerät geräte device devices machine machines".split()
)
# Places a thing is for, never things of their own: "для лікарні", "for the ICU".
_PLACE_WORDS: Final = frozenset(
    "лікарня лікарні лікарень лікарню больница больницы відділення відділень реанімація "
    "реанімації котельня котельні котелень школа школи амбулаторія амбулаторії црл кнп "
    "icu hospital hospitals krankenhaus klinik station intensivstation kesselhaus ward".split()
)
_OR_WORDS: Final = frozenset({"або", "чи", "или", "либо", "oder", "or"})
_AND_WORDS: Final = frozenset({"та", "і", "й", "и", "und", "and", "sowie"})
_AND_SIGN_RE: Final = re.compile(r"[&+]")
_WORD_RE: Final = re.compile(r"[^\W_]*[^\W\d_][^\W_]*(?:['ʼ’`][^\W_]+)*", re.UNICODE)


# Words that name a kind of thing the catalog splits further: "фільтри" could be water or
# concentrator filters, "паливо" diesel or petrol, "ліжка" hospital or camp beds. Alone they
# are a question, with these candidates; with a telling word beside them they read as usual.
_GENERIC_HEADS: Final = {
    ("фільтр", "filter", "filters", "filtern"): ("water_filter",),
    ("паливо", "пальне", "топливо", "горючее", "kraftstoff", "treibstoff", "fuel", "fuels"): (
        "diesel_fuel",
        "petrol",
    ),
    ("ліжко", "ліжка", "betten", "bett", "beds", "bed"): ("hospital_bed", "camp_bed"),
    ("катетер", "katheter", "catheter", "catheters"): ("iv_cannula", "foley_catheter"),
    ("батарея", "батареї", "батарей"): ("battery", "heater"),
    ("антисептик",): ("antiseptic", "disinfectant"),
    # "шини" are splints in a hospital and tyres in a garage
    ("шина", "шини", "шин"): ("splint",),
}
_GENERIC: Final = {word: keys for words, keys in _GENERIC_HEADS.items() for word in words}


class ItemReading(NamedTuple):
    item: CatalogItem | None
    spec: str | None
    kind: str  # "exact", "typo" (a misspelt name), "none" (ask), "unknown" (keep as typed)
    candidates: tuple[str, ...]  # item keys to offer when ``item`` is None


def read_item(phrase: str, catalog: Catalog) -> ItemReading:
    phrase = phrase.strip(" ,.;:-–—")
    head_part, complement = _split_complement(phrase)
    words = _WORD_RE.findall(head_part)
    if not words:
        return ItemReading(None, None, "none", _candidates(catalog, phrase))
    if any(w.casefold() in _OR_WORDS | _AND_WORDS for w in words) or _AND_SIGN_RE.search(phrase):
        # "Pumpe oder Generator", "намети або модульний будинок": the person must choose;
        # "антибіотики & шприци" as one name is two things: neither is guessed.
        return ItemReading(None, None, "none", _candidates(catalog, phrase))
    head = _head_word(words)
    generic = _generic_keys(catalog, head)
    whole = catalog.match(phrase)
    bare_generic = generic and len(words) == 1 and not complement
    if whole is not None and _exact_form(phrase, whole) and not bare_generic:
        # The phrase is one of the item's own names ("таблетки для очищення води",
        # "антисептик для рук").
        every = _WORD_RE.findall(phrase)
        return ItemReading(whole, _spec(catalog, whole, phrase, every, "", ""), "exact", ())
    if generic:
        # "паливо", "Katheter", "батареї опалення": a word for several things. Read only when
        # another word of the phrase names one of them ("дизельне паливо", "катетер Фолея").
        told = _told_by_other_word(catalog, phrase, head, generic)
        if told is None:
            keys = generic + [k for k in _candidates(catalog, head_part) if k not in generic]
            return ItemReading(None, None, "none", tuple(keys[:3]))
        spec = _spec(catalog, told, head_part, words, head, complement)
        return ItemReading(told, spec, "exact", ())
    hits = catalog.word_items(head)
    item = catalog.match(head_part)
    if item is None or item.key not in hits:
        # "інсулін короткої дії", "пічок": the head alone names one item (by one of its
        # one-word names, in any form); the other words say which kind and are kept below.
        sure = [key for key, how in _head_hits(catalog, head).items() if how != "typo"]
        if len(sure) == 1:
            item = catalog.get(sure[0])
            hits = {**hits, sure[0]: "exact"}
    if not hits and not _any_word_known(catalog, words):
        # "Kabelbinder", "пральний порошок": nothing here is, or looks like, a catalog name.
        # Kept as typed, marked as not in the catalog; there is nothing to offer instead.
        return ItemReading(None, None, "unknown", ())
    if not hits and complement:
        # "фільтри до кисневого концентратора", "Ladegerät für Funkgeräte": the thing asked
        # for is not in the catalog, whatever the complement names. Kept as typed.
        return ItemReading(None, None, "unknown", ())
    if item is None or item.key not in hits:
        return ItemReading(None, None, "none", _candidates(catalog, phrase))
    if _noun_names_other_item(catalog, words, head, item) or (
        complement and _names_other_item(catalog, complement, item)
    ):
        # "бинти для швидкої", "Öl für Generatoren": about another item's needs or parts.
        return ItemReading(None, None, "none", _candidates(catalog, head_part, first=item.key))
    kind = "typo" if hits[item.key] == "typo" else "exact"
    if kind == "typo" and morph.is_known(head):
        # A real word one letter away from a catalog word is a different word.
        return ItemReading(None, None, "none", _candidates(catalog, phrase, first=item.key))
    spec = _spec(catalog, item, head_part, words, head, complement)
    return ItemReading(item, spec, kind, ())


def _noun_names_other_item(
    catalog: Catalog, words: list[str], head: str, item: CatalogItem
) -> bool:
    """ "генератори кисню": a noun after the head that names another item makes the phrase
    about something else (an oxygen generator), as a preposition's complement would."""
    after = words[words.index(head) + 1 :] if head in words else []
    return any(
        morph.is_noun(w) and _names_other_item(catalog, w, item)
        for w in after
        if morph.is_cyrillic(w)
    )


def _told_by_other_word(
    catalog: Catalog, phrase: str, head: str, generic: list[str]
) -> CatalogItem | None:
    item = catalog.match(phrase)
    if item is None or item.key not in generic:
        return None
    for word in _WORD_RE.findall(phrase):
        if word.casefold() in _PREPOSITIONS:
            continue
        if word == head or _generic_keys(catalog, word):
            continue
        if catalog.word_items(word).get(item.key) in ("exact", "stem"):
            return item
    return None


def is_qualifier(word: str) -> bool:
    """A describing word the tagger cannot judge: "adult", "steril", "XL"."""
    return word.casefold() in _QUALIFIERS


def _head_hits(catalog: Catalog, head: str) -> dict[str, str]:
    """Items with a one-word name that the head word is, trying its dictionary form when the
    typed form is not a catalog word ("пічок" is "пічка"). A word of a longer name does not
    count: "мішки" is in "спальні мішки", but "мішки для сміття" are not sleeping bags."""
    hits = catalog.word_items(head, single=True)
    if hits or not morph.is_cyrillic(head):
        return hits
    base = morph.lemma(head)
    # Only the dictionary form itself: "дрон" shares a stem-like start with "дрова".
    return {k: how for k, how in catalog.word_items(base, single=True).items() if how == "exact"}


def _any_word_known(catalog: Catalog, words: list[str]) -> bool:
    return any(catalog.word_items(w) for w in words if w.casefold() not in _QUALIFIERS)


def _generic_keys(catalog: Catalog, word: str) -> list[str]:
    """The catalog items a lone generic word could mean ("паливо"), or [] for any other."""
    keys = _GENERIC.get(word.casefold()) or _GENERIC.get(morph.lemma(word)) or ()
    return [k for k in keys if catalog.get(k) is not None]


def _spec(
    catalog: Catalog,
    item: CatalogItem,
    text: str,
    words: list[str],
    head: str,
    complement: str,
) -> str | None:
    """The typed words the item's own name does not say, in their order, then the complement."""
    keep = [
        w for w in words if (w != head or catalog.is_narrow(w)) and _qualifies(catalog, item, w)
    ]
    parts = [" ".join(keep)] if keep else []
    if catalog.is_narrow(text) and not keep:
        parts.append(text)
    if complement:
        parts.append(complement.strip())
    return " ".join(p for p in parts if p) or None


def _exact_form(phrase: str, item: CatalogItem) -> bool:
    norm = normalise(phrase)
    return any(normalise(form) == norm for form in item.forms())


def _qualifies(catalog: Catalog, item: CatalogItem, word: str) -> bool:
    """A typed word to keep beside the catalog name: a narrower name ("ібупрофен"), a word the
    item's names do not know ("Фолея", "M"), or a describing word ("дизельний", "nitrile")
    even where a synonym spells it out. Other words of a synonym ("ліки" in "ліки від
    тиску") are the item's name and add nothing."""
    if catalog.is_narrow(word):
        return True
    if catalog.in_display_name(item, word):
        return False
    if item.key not in catalog.word_items(word):
        return True
    # "CAT" in "турнікети CAT": a model or standard in capitals says which one, even where a
    # synonym of the item spells it out.
    if len(word) > 1 and word.isupper():
        return True
    return word.casefold() in _QUALIFIERS or morph.is_adjective(word)


def _split_complement(phrase: str) -> tuple[str, str]:
    for match in _WORD_RE.finditer(phrase):
        if match.group().casefold() in _PREPOSITIONS and match.start() > 0:
            return phrase[: match.start()].strip(), phrase[match.start() :].strip()
    return phrase, ""


def _head_word(words: list[str]) -> str:
    content = [w for w in words if w.casefold() not in _QUALIFIERS] or words
    named = [w for w in content if w.casefold() not in _LIGHT_HEADS]
    content = named or content
    if not all(morph.is_cyrillic(w) for w in content):
        # "Verbandskasten DIN": a short code in capitals is a standard, not the thing
        plain = [w for w in content if not (w.isupper() and len(w) <= 4)]
        content = plain or content
    cyrillic = [w for w in content if morph.is_cyrillic(w)]
    if cyrillic and len(cyrillic) * 2 >= len(content):
        # Mostly Ukrainian, with a Latin brand or size inside ("турнікети CAT", "генератор
        # Honda"): the Ukrainian order decides.
        content = cyrillic
    if morph.is_cyrillic(content[0]):
        for word in content:
            if morph.is_noun(word):
                return word
        return content[0]
    return content[-1]


def _names_other_item(catalog: Catalog, complement: str, item: CatalogItem) -> bool:
    """True when the complement names another thing that has parts, chargers or consumables
    of its own (a device, a vehicle). A substance counted in litres or kilograms ("для
    води", "für Diesel") says what the thing is for, not what it belongs to."""
    for word in _WORD_RE.findall(complement):
        if word.casefold() in _PREPOSITIONS | _PLACE_WORDS or len(word) < 3:
            continue
        hits = catalog.word_items(word)
        for key, how in hits.items():
            other = catalog.get(key)
            if key == item.key or how == "typo" or other is None:
                continue
            if other.unit not in MEASURE_UNITS:
                return True
    return False


def _in_order(text: str, words: list[str]) -> str:
    wanted = set(words)
    return " ".join(w for w in _WORD_RE.findall(text) if w in wanted)


def _candidates(catalog: Catalog, phrase: str, first: str | None = None) -> tuple[str, ...]:
    """ "Did you mean" items for a phrase. Callers pass the head part only when a complement
    names another item: "filters for a concentrator" must never offer the concentrator."""
    keys: list[str] = [first] if first else []
    for found in catalog.search(phrase, limit=4):
        if found.key not in keys:
            keys.append(found.key)
    return tuple(keys[:3])
