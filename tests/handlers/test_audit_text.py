"""Audit entries worded in the reader's language, and every action the code writes named."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import JsonValue

from handlers.admin.audit_text import action_name, entry_detail
from handlers.requests.catalog import Catalog
from handlers.text.i18n import LANGUAGES, Language, Translator
from storage.models import AuditEntry, EventKind, ProgressLine

ROOT = Path(__file__).resolve().parents[2]
T = Translator()
CATALOG = Catalog.default()


def entry(
    action: str, params: dict[str, JsonValue] | None, summary: str | None = None
) -> AuditEntry:
    return AuditEntry(
        id=1,
        actor_id=1,
        actor_label="telegram:900",
        action=action,
        target=None,
        summary=summary,
        params=params,
        at=datetime(2026, 11, 24, 9, tzinfo=UTC),
    )


def detail(lang: Language, action: str, params: dict[str, JsonValue] | None) -> str | None:
    return entry_detail(T, CATALOG, lang, entry(action, params))


def test_item_lines_in_each_language() -> None:
    lines: list[JsonValue] = [
        ProgressLine(
            stage=EventKind.PLEDGE,
            item_key="generator",
            free_text=None,
            unit="pcs",
            added=2,
            done=2,
            of=5,
        ).model_dump(mode="json"),
        ProgressLine(
            stage=EventKind.PLEDGE,
            item_key=None,
            free_text="Ліжко <b>",
            unit="pcs",
            added=1,
            done=1,
            of=1,
        ).model_dump(mode="json"),
    ]
    params: dict[str, JsonValue] = {"lines": lines, "status_to": "pledged"}
    assert detail("uk", "request.pledge", params) == (
        "Генератор ×2 (обіцяно 2 з 5), Ліжко &lt;b&gt; ×1 (обіцяно 1 з 1); статус: Є постачальник"
    )
    german = detail("de", "request.pledge", params)
    assert german is not None and german.startswith("Stromerzeuger ×2")
    assert german.endswith("; Status: Zugesagt")
    english = detail("en", "request.pledge", params)
    assert english is not None and english.startswith("Generator ×2")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("uk", "1\u202f048\u202f576 байтів за 0,25 с"),
        ("de", "1\u202f048\u202f576 Byte in 0,25 s"),
        ("en", "1\u202f048\u202f576 bytes in 0.25 s"),
    ],
)
def test_numbers_in_the_readers_form(lang: Language, expected: str) -> None:
    assert detail(lang, "backup.create", {"bytes": 1_048_576, "seconds": 0.25}) == expected


def test_codes_become_words() -> None:
    assert detail("uk", "invite.refused", {"reason": "expired"}) == "строк дії минув"
    assert (
        detail(
            "de",
            "member.forget",
            {
                "by": "self",
                "conversations": 1,
                "messages": 2,
                "subscriptions": 0,
            },
        )
        == "auf eigenen Wunsch; gelöscht: 1 Gespräche, 2 Nachrichten, 0 Abos"
    )
    assert detail("uk", "org.add", {"fields": {"name": "Лікарня", "kind": "hospital"}}) == (
        "Назва: Лікарня; Тип: лікарня"
    )
    assert (
        detail(
            "en",
            "retention.clear_notes",
            {
                "requests": 3,
                "before": "2026-05-28",
                "events": 4,
                "pledges": 0,
            },
        )
        == "requests closed before 28.05.2026: 3; status notes: 4, pledge notes: 0"
    )
    assert detail(
        "uk",
        "member.revoke",
        {
            "roles": [],
            "subscriptions_stopped": [],
            "messages_dropped": 0,
            "invites_revoked": 0,
        },
    ) == (
        "ролі: —; розмови закрито; зупинено підписки: —; скасовано ненадісланих повідомлень: 0;"
        " відкликано запрошень: 0"
    )


def test_what_the_template_cannot_say_is_still_shown() -> None:
    # A parameter the template lacks is listed after it; a row lacking one the template
    # needs lists every parameter rather than failing.
    assert detail("en", "request.create", {"items": 2, "urgency": "high", "via": "matrix"}) == (
        "items: 2; High; via: matrix"
    )
    assert detail("en", "request.create", {"items": 2}) == "items: 2"
    assert detail("en", "request.reconfirm", {}) is None
    # Free text is escaped, the action name too.
    assert detail("en", "broadcast.send", {"recipients": 1, "text": "<b>&"}) == (
        "recipients: 1; &lt;b&gt;&amp;"
    )
    assert action_name(T, "uk", "x.<y>") == "x.&lt;y&gt;"
    # Rows from before the parameters: their summary, escaped.
    assert entry_detail(T, CATALOG, "uk", entry("request.withdraw", None, "a -> b")) == "a -&gt; b"


# turn.audit("x.y", ...), job.audit(\n "x.y"), add_audit(..., action="x.y", ...)
AUDIT_CALL = re.compile(
    r"""\.audit\(\s*["']([a-z_]+\.[a-z_]+)["']|action=["']([a-z_]+\.[a-z_]+)["']"""
)


def audited_actions() -> set[str]:
    found: set[str] = set()
    for top in ("bot", "handlers", "storage"):
        for path in (ROOT / top).rglob("*.py"):
            for match in AUDIT_CALL.finditer(path.read_text(encoding="utf-8")):
                found.add(match.group(1) or match.group(2))
    return found


def test_every_audited_action_has_a_name_in_every_language() -> None:
    actions = audited_actions()
    assert {"request.create", "member.role", "backup.create", "request.pledge"} <= actions
    for action in sorted(actions):
        for lang in LANGUAGES:
            assert f"audit.action.{action}" in T.catalogs[lang], (action, lang)


def test_every_detail_belongs_to_a_named_action() -> None:
    """A detail whose action was renamed would never be used: it must not linger."""
    for key in T.catalogs["en"]:
        if key.startswith("audit.detail."):
            action = key.removeprefix("audit.detail.")
            assert f"audit.action.{action}" in T.catalogs["en"], key
