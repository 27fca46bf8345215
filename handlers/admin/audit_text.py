"""Audit entries in the reader's language: the action's name and its parameters in words.

A row holds an action code and parameters (storage/audit.py); this turns them into the
reader's words: codes (status, urgency, role, organisation field) by the catalogs, item lines
by the item catalogue, numbers and dates in the reader's form. Rows written before parameters
existed show their English summary as it was written. Pure, and the result is HTML-escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

from pydantic import JsonValue, ValidationError

from handlers.requests.catalog import Catalog
from handlers.text.format import describe_lines, esc, fmt_date, fmt_qty
from handlers.text.i18n import Language, Translator, placeholders
from storage.models import AuditEntry, ProgressLine

# Parameters whose values are codes with words in the catalogs: name -> key prefix.
_CODES = {
    "role": "role",
    "urgency": "urgency",
    "status": "status",
    "status_from": "status",
    "status_to": "status",
    "reason": "audit.invite_check",
    "by": "audit.by",
    "field": "admin.field",
}
_ROLE_LISTS = frozenset({"roles", "roles_from", "roles_to"})


def action_name(t: Translator, lang: Language, action: str) -> str:
    """The action's name in ``lang``; an action without one shows its code."""
    key = f"audit.action.{action}"
    return esc(t(lang, key) if t.has(key) else action)


def entry_detail(t: Translator, catalog: Catalog, lang: Language, entry: AuditEntry) -> str | None:
    """What the entry records, in ``lang``; None when there is nothing beyond the action."""
    if entry.params is None:
        return esc(entry.summary) if entry.summary else None
    words = {
        name: esc(_word(t, catalog, lang, name, value)) for name, value in entry.params.items()
    }
    parts: list[str] = []
    used: set[str] = set()
    key = f"audit.detail.{entry.action}"
    if t.has(key):
        needed = placeholders(t.catalogs[lang].get(key) or t.catalogs["en"][key])
        # A row written by an older version may lack a parameter: then each is listed.
        if needed <= words.keys():
            parts.append(t(lang, key, **{name: words[name] for name in needed}))
            used = needed
    for name, text in words.items():
        if name in used:
            continue
        label = f"audit.param.{name}"
        parts.append(t(lang, label, value=text) if t.has(label) else f"{esc(name)}: {text}")
    if entry.summary:
        parts.append(esc(entry.summary))
    return "; ".join(part for part in parts if part) or None


def _word(t: Translator, catalog: Catalog, lang: Language, name: str, value: JsonValue) -> str:
    if value is None:
        return t(lang, "audit.none")
    if name in _CODES and isinstance(value, str):
        return _code(t, lang, _CODES[name], value)
    if name in _ROLE_LISTS and isinstance(value, list):
        roles = [_code(t, lang, "role", str(v)) for v in value]
        return ", ".join(roles) or t(lang, "audit.none")
    if name == "lines" and isinstance(value, list):
        try:
            lines = [ProgressLine.model_validate(line) for line in value]
        except ValidationError:
            return json.dumps(value, ensure_ascii=False)
        return describe_lines(t, catalog, lang, lines)
    if name == "fields" and isinstance(value, dict):
        return _fields(t, lang, value)
    if name == "before" and isinstance(value, str):
        try:
            return fmt_date(date.fromisoformat(value))
        except ValueError:
            return value
    return _plain(t, lang, value)


def _fields(t: Translator, lang: Language, fields: Mapping[str, JsonValue]) -> str:
    parts = []
    for field, value in fields.items():
        shown = _code(t, lang, "org_kind", value) if field == "kind" else _plain(t, lang, value)
        parts.append(f"{_code(t, lang, 'admin.field', field)}: {shown}")
    return "; ".join(parts)


def _plain(t: Translator, lang: Language, value: JsonValue) -> str:
    if value is None:
        return t(lang, "audit.none")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return fmt_qty(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
        return text if lang == "en" else text.replace(".", ",")
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(_plain(t, lang, v) for v in value) or t(lang, "audit.none")
    return json.dumps(value, ensure_ascii=False)


def _code(t: Translator, lang: Language, prefix: str, value: JsonValue) -> str:
    key = f"{prefix}.{value}"
    return t(lang, key) if t.has(key) else str(value)
