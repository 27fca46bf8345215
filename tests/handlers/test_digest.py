"""Rendering the digest: languages, escaping, dates in the reader's zone, the 4,096 split."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.coordination.digest_text import digest_text, render_digest
from handlers.requests.catalog import Catalog
from handlers.text.i18n import LANGUAGES, Language, Translator
from storage import organisations, requests
from storage.db import Database, open_db
from storage.digests import (
    DeliveredRequest,
    DigestData,
    ItemLine,
    ItemTotal,
    RequestSummary,
    StaleReason,
    StaleRequest,
    StatusChange,
    load_digest_data,
)
from storage.migrations import migrate
from storage.models import Filters, NeedItemDraft, OrgKind, Status, Urgency

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
END = START + timedelta(days=1)
TODAY = date(2026, 11, 24)
KYIV = ZoneInfo("Europe/Kyiv")  # UTC+2 in November: 07:00 UTC is 09:00
T = Translator()
CATALOG = Catalog.default()
ALLOWED_TAGS = {"b", "i", "code"}


def summary(request_id: int = 1042, **changes: Any) -> RequestSummary:
    fields: dict[str, Any] = {
        "id": request_id,
        "org_id": 1,
        "org_name": "Лікарня №4",
        "raion": "Дніпровський",
        "urgency": Urgency.CRITICAL,
        "status": Status.NEW,
        "needed_by": None,
        "created_at": START - timedelta(days=2),
        "items": (ItemLine(item_key="generator", free_text=None, quantity=2, unit="pcs"),),
        "item_count": 1,
    }
    fields.update(changes)
    return RequestSummary(**fields)


def digest(**changes: Any) -> DigestData:
    fields: dict[str, Any] = {
        "window_start": START,
        "window_end": END,
        "today": TODAY,
        "critical_open": [],
        "critical_open_count": 0,
        "new": [],
        "new_count": 0,
        "status_changes": [],
        "status_change_count": 0,
        "overdue": [],
        "overdue_count": 0,
        "stale": [],
        "stale_count": 0,
        "totals": [],
        "totals_other_count": 0,
        "delivered": [],
        "delivered_count": 0,
    }
    fields.update(changes)
    return DigestData(**fields)


def total(item_key: str | None, free_text: str | None = None, **changes: int) -> ItemTotal:
    numbers = {"requested": 10, "pledged": 2, "delivered": 1, "outstanding": 8, "requests": 3}
    numbers.update(changes)
    return ItemTotal(item_key=item_key, free_text=free_text, unit="pcs", **numbers)


def full_digest() -> DigestData:
    """Every section with one row shown and more counted."""
    return digest(
        critical_open=[summary(1001, needed_by=TODAY + timedelta(days=4))],
        critical_open_count=5,
        new=[summary(1002, urgency=Urgency.HIGH)],
        new_count=2,
        status_changes=[
            StatusChange(
                request=summary(1003, urgency=Urgency.NORMAL, status=Status.PLEDGED),
                status=Status.PLEDGED,
                previous_status=Status.ACKNOWLEDGED,
                at=datetime(2026, 11, 23, 22, 30, tzinfo=UTC),
                note="Spedition Müller",
            )
        ],
        status_change_count=1,
        overdue=[summary(1004, urgency=Urgency.NORMAL, needed_by=TODAY - timedelta(days=3))],
        overdue_count=1,
        stale=[
            StaleRequest(
                request=summary(1005, urgency=Urgency.LOW),
                reason=StaleReason.UNCONFIRMED,
                since=datetime(2026, 11, 14, 10, 0, tzinfo=UTC),
            ),
            StaleRequest(
                request=summary(1006, urgency=Urgency.LOW),
                reason=StaleReason.SILENT,
                since=datetime(2026, 10, 30, 10, 0, tzinfo=UTC),
            ),
        ],
        stale_count=2,
        totals=[total("generator"), total(None, "Дрова")],
        totals_other_count=4,
        delivered=[
            DeliveredRequest(
                request=summary(1007, status=Status.DELIVERED),
                at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
            )
        ],
        delivered_count=1,
    )


def render(data: DigestData, lang: Language = "de", title: str | None = None) -> list[str]:
    return render_digest(data, lang=lang, t=T, catalog=CATALOG, tz=KYIV, title=title)


def text_of(data: DigestData, lang: Language = "de", title: str | None = None) -> str:
    return digest_text(data, lang=lang, t=T, catalog=CATALOG, tz=KYIV, title=title)


# --- pure rendering ---------------------------------------------------------------------------


def test_quiet_digest() -> None:
    parts = render(digest())
    assert len(parts) == 1
    (text,) = parts
    assert text.splitlines() == [
        "<b>📋 Bedarfsübersicht</b>",
        "🕘 23.11.2026 09:00 – 24.11.2026 09:00",
        T("de", "digest.quiet"),
    ]


def test_quiet_window_still_shows_what_is_waiting() -> None:
    text = text_of(digest(critical_open=[summary()], critical_open_count=1))
    assert T("de", "digest.quiet") in text
    assert "<b>🔴 Kritisch und offen: 1</b>" in text
    assert (
        "<b>R-1042</b> 🔴 Лікарня №4 (Likarnia №4) — Дніпровський (Dniprovskyi):"
        " Stromerzeuger 2 Stk. · Neu"
    ) in text


def test_sections_in_order_with_counts_and_more_lines() -> None:
    text = text_of(full_digest())
    assert T("de", "digest.quiet") not in text
    headers = [x for x in text.splitlines() if x.startswith("<b>") and x.endswith("</b>")]
    assert headers == [
        "<b>📋 Bedarfsübersicht</b>",
        "<b>🔴 Kritisch und offen: 5</b>",
        "<b>🆕 Neue Anfragen: 2</b>",
        "<b>🔄 Statusänderungen: 1</b>",
        "<b>⏰ Überfällig: 1</b>",
        "<b>💤 Ohne Rückmeldung: 2</b>",
        "<b>📦 Offener Bedarf nach Artikel (alle Einrichtungen)</b>",
        "<b>✅ Geliefert: 1</b>",
    ]
    assert "… und 4 weitere" in text  # critical: 5 counted, 1 shown
    assert "… und 1 weitere" in text  # new: 2 counted, 1 shown
    assert "… weitere Artikel: 4" in text


def test_line_contents_dates_and_times_in_reader_zone() -> None:
    lines = text_of(full_digest()).splitlines()

    def line_of(ref: str) -> str:
        return next(line for line in lines if line.startswith(f"<b>{ref}</b>"))

    assert line_of("R-1001").endswith("· Neu · 📅 28.11.2026")
    # 22:30 UTC on the 23rd is half past midnight on the 24th in Kyiv.
    assert line_of("R-1003").endswith(
        "· In Bearbeitung → Zugesagt · 24.11.2026 00:30 · 📝 Spedition Müller"
    )
    assert line_of("R-1004").endswith("· ⏰ benötigt bis 21.11.2026, seit 3 Tg. überfällig")
    assert line_of("R-1005").endswith("· am 14.11.2026 um Bestätigung gebeten, keine Antwort")
    assert line_of("R-1006").endswith("· keine Änderung seit 30.10.2026")
    assert line_of("R-1007").endswith("· 23.11.2026 14:00")
    assert (
        "<b>Stromerzeuger</b>: 8 Stk. offen (angefragt 10, zugesagt 2, geliefert 1; Anfragen: 3)"
        in lines
    )


def test_summary_shows_three_items_and_the_rest_as_a_count() -> None:
    items = (
        ItemLine(item_key="generator", free_text=None, quantity=2, unit="pcs"),
        ItemLine(item_key="bandages", free_text=None, quantity=1200, unit="packs"),
        ItemLine(item_key=None, free_text="Дрова", quantity=3, unit="pcs"),
    )
    text = text_of(digest(new=[summary(items=items, item_count=5)], new_count=1))
    assert ": Stromerzeuger 2 Stk., Mullbinde 1\u202f200 Pkg., Дрова 3 Stk. +2 · Neu" in text


def test_free_text_is_shown_as_typed_and_marked_in_totals() -> None:
    text = text_of(digest(totals=[total(None, "Дрова (сухі, колоті)")]))
    assert "<b>Дрова (сухі, колоті)</b> <i>(nicht im Katalog)</i>: 8 Stk. offen" in text


def test_html_from_the_database_is_escaped() -> None:
    nasty = summary(
        org_name="<b>Клініка</b> & Co",
        raion="<i>raion</i>",
        items=(ItemLine(item_key=None, free_text="<img src=x>", quantity=1, unit="<u>"),),
    )
    data = digest(
        critical_open=[nasty],
        critical_open_count=1,
        status_changes=[
            StatusChange(
                request=nasty,
                status=Status.DECLINED,
                previous_status=Status.NEW,
                at=START,
                note="<script>alert(1)</script>",
            )
        ],
        status_change_count=1,
        totals=[total(None, "<img src=x>")],
    )
    text = text_of(data, title="<Team & NRW>")
    # German: the Latin name beside the Cyrillic one, both escaped.
    assert (
        "&lt;b&gt;Клініка&lt;/b&gt; &amp; Co (&lt;b&gt;Klinika&lt;/b&gt; &amp; Co)"
        " — &lt;i&gt;raion&lt;/i&gt;"
    ) in text
    assert "&lt;img src=x&gt; 1 &lt;u&gt;" in text
    assert "📝 &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>📋 &lt;Team &amp; NRW&gt;</b>" in text
    assert "<script>" not in text and "<img" not in text
    assert set(re.findall(r"</?([a-zA-Z]+)", text)) <= ALLOWED_TAGS


def test_long_database_strings_are_clipped() -> None:
    data = digest(
        status_changes=[
            StatusChange(
                request=summary(org_name="Л" * 500),
                status=Status.DECLINED,
                previous_status=None,
                at=START,
                note="n" * 5000,
            )
        ],
        status_change_count=1,
    )
    (line,) = [x for x in text_of(data).splitlines() if x.startswith("<b>R-")]
    assert len(line) < 600
    assert "Л" * 79 + "…" in line and "n" * 199 + "…" in line


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_renders_every_section(lang: Language) -> None:
    text = text_of(full_digest(), lang)
    for key in ("digest.title", "digest.section.totals"):
        assert T(lang, key) in text
    for key, count in (("digest.section.critical_open", 5), ("digest.section.stale", 2)):
        assert T(lang, key, count=count) in text
    assert T(lang, "status.pledged") in text


def test_title_replaces_the_default() -> None:
    (text,) = render(digest(), title="Wochenübersicht Energie")
    assert text.startswith("<b>📋 Wochenübersicht Energie</b>\n")


def test_each_section_that_fits_starts_or_continues_a_part() -> None:
    rows = [summary(2000 + n, org_name=f"Лікарня №{n}") for n in range(30)]
    data = digest(critical_open=rows, critical_open_count=30, new=rows, new_count=30)
    parts = render(data)
    assert len(parts) == 2
    assert parts[1].startswith("<b>🆕 Neue Anfragen: 30</b>")


# --- from the database ------------------------------------------------------------------------


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(tmp_path / "digest.db")
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()


async def add_requests(
    db: Database, org_name: str, items: Sequence[NeedItemDraft], n: int = 1
) -> None:
    async with db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name=org_name,
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address=None,
            now=START - timedelta(days=30),
        )
        for i in range(n):
            await requests.add_request(
                conn,
                org_id=org.id,
                created_by=None,
                urgency=Urgency.CRITICAL,
                needed_by=TODAY + timedelta(days=i % 30),
                delivery_place=None,
                note=None,
                items=items,
                now=START + timedelta(seconds=i),
            )


async def load(db: Database, list_limit: int = 15) -> DigestData:
    async with db.read() as conn:
        return await load_digest_data(
            conn,
            window_start=START,
            window_end=END,
            today=TODAY,
            filters=Filters(),
            list_limit=list_limit,
        )


async def test_item_typed_in_ukrainian_reads_in_german(db: Database) -> None:
    typed = CATALOG.match("генератор")
    assert typed is not None and typed.key == "generator"
    items = [
        NeedItemDraft(item_key=typed.key, quantity=2, unit=typed.unit),
        NeedItemDraft(free_text="Дрова колоті", quantity=3, unit="pcs"),
    ]
    await add_requests(db, "Лікарня №4", items)
    data = await load(db)

    german = text_of(data, "de")
    assert ": Stromerzeuger 2 Stk., Дрова колоті 3 Stk." in german
    assert "<b>Stromerzeuger</b>: 2 Stk. offen" in german
    assert "енератор" not in german
    ukrainian = text_of(data, "uk")
    assert ": Генератор 2 шт., Дрова колоті 3 шт." in ukrainian


async def test_html_in_stored_org_names_is_escaped(db: Database) -> None:
    await add_requests(
        db, "<b>Лікарня</b> & <a href='x'>", [NeedItemDraft(item_key="fuel", quantity=5, unit="l")]
    )
    text = text_of(await load(db))
    assert "&lt;b&gt;Лікарня&lt;/b&gt; &amp; &lt;a href='x'&gt;" in text
    assert set(re.findall(r"</?([a-zA-Z]+)", text)) <= ALLOWED_TAGS


async def test_500_critical_requests_split_under_4096_at_line_boundaries(db: Database) -> None:
    items = [
        NeedItemDraft(item_key="generator", quantity=2, unit="pcs"),
        NeedItemDraft(item_key="oxygen_concentrator", quantity=5, unit="pcs"),
        NeedItemDraft(item_key="hemostatic_gauze", quantity=200, unit="pcs"),
        NeedItemDraft(item_key="bandages", quantity=40, unit="packs"),
    ]
    await add_requests(db, "Обласна клінічна лікарня ім. Мечникова", items, n=500)
    data = await load(db, list_limit=500)
    assert data.critical_open_count == 500 and len(data.critical_open) == 500

    whole = text_of(data)
    parts = render(data)
    assert len(whole) > 10 * 4096
    assert len(parts) > 10
    assert all(0 < len(part) < 4096 for part in parts)
    # Parts are consecutive runs of whole lines: between two parts only line breaks are lost.
    position = 0
    for part in parts:
        found = whole.index(part, position)
        assert whole[position:found].strip("\n") == ""
        assert found == 0 or whole[found - 1] == "\n"
        position = found + len(part)
        assert position == len(whole) or whole[position] == "\n"
    assert whole[position:] == ""
    assert [line for p in parts for line in p.split("\n") if line] == [
        line for line in whole.split("\n") if line
    ]
    assert all(not p.startswith("\n") and not p.endswith("\n") for p in parts)
    for n in range(500):
        assert whole.count(f"<b>R-{1001 + n}</b>") == 2  # critical and new
