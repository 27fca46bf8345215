"""Every user-facing string exists in uk, de and en, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from handlers.text.i18n import (
    LANGUAGES,
    Translator,
    load_catalogs,
    normalise_language,
    placeholders,
)

ROOT = Path(__file__).resolve().parents[2]
# tr("key"...), t(lang, "key"...), ctx.t(lang, "key"...)
_LITERAL_KEY = re.compile(r"""\b(?:tr|t)\((?:[a-z_.]+,\s*)?["']([a-z_]+\.[a-z_0-9.]+)["']""")
_FSTRING_KEY = re.compile(r"""\b(?:tr|t)\((?:[a-z_.]+,\s*)?f["']([a-z_]+\.)\{""")


def test_every_language_has_every_key() -> None:
    catalogs = load_catalogs()
    keys = {lang: set(catalogs[lang]) for lang in LANGUAGES}
    for lang in LANGUAGES:
        missing = keys["en"] - keys[lang]
        extra = keys[lang] - keys["en"]
        assert not missing, f"{lang} lacks {sorted(missing)}"
        assert not extra, f"{lang} has keys English lacks: {sorted(extra)}"


def test_placeholders_match_across_languages() -> None:
    catalogs = load_catalogs()
    for key, english in catalogs["en"].items():
        for lang in LANGUAGES:
            assert placeholders(catalogs[lang][key]) == placeholders(english), (lang, key)


def test_no_empty_or_untranslated_texts() -> None:
    catalogs = load_catalogs()
    for key, english in catalogs["en"].items():
        for lang in LANGUAGES:
            assert catalogs[lang][key].strip(), (lang, key)
        # Ukrainian text must actually be Ukrainian where English has words.
        if re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>|/\w+|\{\w+\}|![a-z]+", "", english)):
            assert re.search(r"[а-яіїєґА-ЯІЇЄҐ]", catalogs["uk"][key]), key


def test_every_key_used_in_code_exists() -> None:
    t = Translator()
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in list((ROOT / "handlers").rglob("*.py")) + list((ROOT / "bot").rglob("*.py")):
        if "messages" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        used.update(_LITERAL_KEY.findall(source))
        prefixes.update(_FSTRING_KEY.findall(source))
    assert len(used) > 50
    missing = sorted(k for k in used if not t.has(k))
    assert not missing, missing
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in t.catalogs["en"]), prefix


def test_language_normalisation() -> None:
    assert normalise_language("de-DE") == "de"
    assert normalise_language("ru") == "uk"
    assert normalise_language(None, "en") == "en"
    assert normalise_language("fr", "de") == "de"
