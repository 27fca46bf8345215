"""Translations: every user-facing string lives in the catalogs under messages/.

Each module in ``handlers.text.i18n.messages`` holds one feature area and defines three dicts,
``UK``, ``DE`` and ``EN``, with the same keys and the same ``{placeholders}``. The
Translator merges them; a key defined twice is an error, so areas cannot shadow each other.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from collections.abc import Mapping
from typing import Final, Literal

Language = Literal["uk", "de", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("uk", "de", "en")
_ATTR: Final[dict[Language, str]] = {"uk": "UK", "de": "DE", "en": "EN"}


def normalise_language(code: str | None, default: Language = "uk") -> Language:
    """Map a platform language code ("de-DE", "ru", None) onto a supported language."""
    if not code:
        return default
    short = code.split("-")[0].split("_")[0].lower()
    for lang in LANGUAGES:
        if lang == short:
            return lang
    # Russian-language phones in the oblast are common; Ukrainian is the right answer there.
    if short in ("ru", "be"):
        return "uk"
    return default


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_catalogs() -> dict[Language, dict[str, str]]:
    from handlers.text.i18n import messages

    merged: dict[Language, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for info in sorted(pkgutil.iter_modules(messages.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{messages.__name__}.{info.name}")
        for lang in LANGUAGES:
            table: Mapping[str, str] = getattr(module, _ATTR[lang])
            for key, text in table.items():
                if key in merged[lang]:
                    raise ValueError(f"i18n key {key!r} defined twice ({info.name})")
                merged[lang][key] = text
    return merged


class Translator:
    """Looks up and formats messages. Built once at start-up and passed around."""

    def __init__(self, catalogs: dict[Language, dict[str, str]] | None = None) -> None:
        self.catalogs = catalogs if catalogs is not None else load_catalogs()

    def __call__(self, lang: Language, key: str, **args: object) -> str:
        template = self.catalogs[lang].get(key)
        if template is None:
            template = self.catalogs["en"][key]
        return template.format(**args) if args else template

    def has(self, key: str) -> bool:
        return key in self.catalogs["en"]

    def all_forms(self, key: str) -> list[str]:
        """The message in every language, e.g. to recognise a typed button label."""
        return [self.catalogs[lang][key] for lang in LANGUAGES]
