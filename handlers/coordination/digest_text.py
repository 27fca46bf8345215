"""The digest as message text: a pure function of the data, the reader's language and time zone.

Sections come in a fixed order and an empty one is left out. The window sections (new, status
changes, delivered) say what happened; the standing ones (critical open, overdue, stale, totals)
say what is still waiting, so a quiet window still shows them under an "all quiet" line.

Catalogue items are named in the reader's language from their key, so a request typed in
Ukrainian reads in German; free-text items are shown as typed. Long strings from the database
are clipped before escaping, which keeps every line far below the platform limit: a message is
only ever cut between lines.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.requests.catalog import Catalog
from handlers.requests.units import unit_name
from handlers.shipments.view import STATUS_ICON, status_text
from handlers.text.format import (
    URGENCY_ICON,
    describe_lines,
    duplicate_refs,
    esc,
    fmt_date,
    fmt_qty,
    item_label,
    progress_phrase,
    request_status,
    status_label,
)
from handlers.text.i18n import Language, Translator
from handlers.text.places import latin_beside, unit_label
from handlers.text.split import TELEGRAM_LIMIT, split_message, utf16_units
from storage.digests import (
    DigestData,
    ItemLine,
    ItemTotal,
    RequestSummary,
    StaleReason,
    StaleRequest,
    StatusChange,
)
from storage.models import EventKind
from storage.places import codifier
from storage.shipment_models import shipment_ref

# Strictly under Telegram's 4,096, whatever the transport does with a message of exactly 4,096.
PART_LIMIT = TELEGRAM_LIMIT - 1
_ORG_CHARS = 80
_RAION_CHARS = 40
_ITEM_CHARS = 60
_NOTE_CHARS = 200


def render_digest(
    data: DigestData,
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    tz: ZoneInfo,
    title: str | None = None,
) -> list[str]:
    """Message parts, each under Telegram's 4,096 UTF-16 units, cut only between lines.

    A section that fits into no message of its own is cut between its lines; otherwise a
    section that does not fit into the current message starts the next one.
    """
    return _pack(_Renderer(data, lang, t, catalog, tz).blocks(title), PART_LIMIT)


def digest_text(
    data: DigestData,
    *,
    lang: Language,
    t: Translator,
    catalog: Catalog,
    tz: ZoneInfo,
    title: str | None = None,
) -> str:
    """The whole digest as one text; ``render_digest`` cuts exactly this into parts."""
    return "\n\n".join(_Renderer(data, lang, t, catalog, tz).blocks(title))


def _pack(blocks: list[str], limit: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_message(block, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if utf16_units(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Renderer:
    """One digest in one language; holds what every line needs so helpers stay short."""

    def __init__(
        self, data: DigestData, lang: Language, t: Translator, catalog: Catalog, tz: ZoneInfo
    ) -> None:
        self.data = data
        self.lang: Language = lang
        self.t = t
        self.catalog = catalog
        self.tz = tz

    def tr(self, key: str, **args: object) -> str:
        return esc(self.t(self.lang, key, **args))

    def moment(self, at: datetime) -> str:
        local = at.astimezone(self.tz)
        return f"{fmt_date(local.date())} {local:%H:%M}"

    def blocks(self, title: str | None) -> list[str]:
        d = self.data
        head = [
            f"<b>📋 {esc(title) if title else self.tr('digest.title')}</b>",
            self.tr(
                "digest.window", start=self.moment(d.window_start), end=self.moment(d.window_end)
            ),
        ]
        if d.quiet:
            head.append(self.tr("digest.quiet"))
        sections = [
            self.section(
                self.tr("digest.section.critical_open", count=fmt_qty(d.critical_open_count)),
                [self.critical_line(r) for r in d.critical_open],
                d.critical_open_count,
            ),
            self.section(
                self.tr("digest.section.new", count=fmt_qty(d.new_count)),
                [self.with_status(r) for r in d.new],
                d.new_count,
            ),
            self.section(
                self.tr("digest.section.status_changes", count=fmt_qty(d.status_change_count)),
                [self.change_line(c) for c in d.status_changes],
                d.status_change_count,
            ),
            self.section(
                self.tr("digest.section.overdue", count=fmt_qty(d.overdue_count)),
                [self.overdue_line(r) for r in d.overdue],
                d.overdue_count,
            ),
            self.section(
                self.tr("digest.section.stale", count=fmt_qty(d.stale_count)),
                [self.stale_line(s) for s in d.stale],
                d.stale_count,
            ),
            self.totals_section(),
            self.raion_section(),
            self.section(
                self.tr("digest.section.delivered", count=fmt_qty(d.delivered_count)),
                [f"{self.summary(x.request)} · {self.moment(x.at)}" for x in d.delivered],
                d.delivered_count,
            ),
        ]
        return ["\n".join(head), *(s for s in sections if s)]

    def section(self, header: str, lines: list[str], count: int) -> str:
        if count == 0:
            return ""
        out = [f"<b>{header}</b>", *lines]
        if count > len(lines):
            out.append(self.tr("digest.more", count=fmt_qty(count - len(lines))))
        return "\n".join(out)

    # --- lines -----------------------------------------------------------------------------

    def item_name(self, item_key: str | None, free_text: str | None) -> str:
        return esc(_clip(item_label(self.catalog, self.lang, item_key, free_text), _ITEM_CHARS))

    def summary(self, r: RequestSummary) -> str:
        """'R-1042 🔴 Лікарня №4 (Дніпровський): бинти 200 уп. +1'; for German and English
        readers with the Latin names: 'R-1042 🔴 Лікарня №4 (Likarnia №4) — Дніпровський
        (Dniprovskyi): Stromerzeuger 2 Stk., Verbände 200 Pkg. +1'."""
        names = ", ".join(self.item_text(i) for i in r.items)
        if r.item_count > len(r.items):
            names += f" +{r.item_count - len(r.items)}"
        org = _clip(r.org_name, _ORG_CHARS)
        raion = _clip(r.raion, _RAION_CHARS)
        head = f"<b>{esc(r.ref)}</b> {URGENCY_ICON[r.urgency]}"
        if self.lang == "uk":
            return f"{head} {esc(org)} ({esc(raion)}): {names}"
        org_l, raion_l = latin_beside(org, self.lang), latin_beside(raion, self.lang)
        return f"{head} {esc(org_l)} — {esc(raion_l)}: {names}"

    def item_text(self, i: ItemLine) -> str:
        """'Verbände 200 Pkg. (geliefert 100 von 200)': partial never reads as full."""
        text = (
            f"{self.item_name(i.item_key, i.free_text)} {fmt_qty(i.quantity)}"
            f" {esc(unit_name(i.unit, self.lang))}"
        )
        phrase = progress_phrase(self.t, self.lang, i)
        return f"{text} ({esc(phrase)})" if phrase else text

    def duplicate_mark(self, r: RequestSummary) -> str:
        if not r.duplicate_of:
            return ""
        return f" · {self.tr('dup.mark', refs=duplicate_refs(r.duplicate_of))}"

    def with_status(self, r: RequestSummary) -> str:
        status = request_status(self.t, self.lang, r.status, r.covered)
        return f"{self.summary(r)} · {esc(status)}{self.duplicate_mark(r)}{self.truck_mark(r)}"

    def truck_mark(self, r: RequestSummary) -> str:
        """' · 🚚 S-12 On the way since 27.11 10:00': goods of it on a truck, not signed for."""
        marks = [
            f"{STATUS_ICON[way.status]} {shipment_ref(way.shipment_id)} "
            + self.tr(
                "ship.show_since",
                status=status_text(self.t, self.lang, way.status),
                since=f"{way.since.astimezone(self.tz):%d.%m %H:%M}",
            )
            for way in self.data.on_the_way.get(r.id, ())
        ]
        return "".join(f" · {mark}" for mark in marks)

    def critical_line(self, r: RequestSummary) -> str:
        line = self.with_status(r)
        if r.needed_by is not None:
            line += f" · 📅 {fmt_date(r.needed_by)}"
        return line

    def change_line(self, c: StatusChange) -> str:
        if c.kind is EventKind.STATUS:
            new = esc(status_label(self.t, self.lang, c.status))
            if c.previous_status is not None:
                new = f"{esc(status_label(self.t, self.lang, c.previous_status))} → {new}"
        else:  # progress or a note: the status did not change, so no "A → A"
            new = self.tr(f"lc.event.{c.kind.value}")
        if c.lines:
            new += ": " + esc(describe_lines(self.t, self.catalog, self.lang, c.lines))
        line = f"{self.summary(c.request)} · {new} · {self.moment(c.at)}"
        if c.note:
            line += f" · 📝 {esc(_clip(c.note, _NOTE_CHARS))}"
        return line

    def overdue_line(self, r: RequestSummary) -> str:
        if r.needed_by is None:  # not possible for an overdue row; keeps the type honest
            return self.with_status(r)
        days = (self.data.today - r.needed_by).days
        return f"{self.with_status(r)} · ⏰ " + self.tr(
            "digest.overdue_by", date=fmt_date(r.needed_by), days=days
        )

    def stale_line(self, s: StaleRequest) -> str:
        day = fmt_date(s.since.astimezone(self.tz).date())
        key = (
            "digest.stale_unconfirmed"
            if s.reason is StaleReason.UNCONFIRMED
            else "digest.stale_silent"
        )
        return f"{self.with_status(s.request)} · {self.tr(key, date=day)}"

    def totals_section(self) -> str:
        d = self.data
        if not d.totals:
            return ""
        out = [f"<b>{self.tr('digest.section.totals')}</b>"]
        out.extend(self.total_line(x) for x in d.totals)
        if d.totals_other_count:
            out.append(self.tr("digest.totals_other", count=fmt_qty(d.totals_other_count)))
        return "\n".join(out)

    def raion_section(self) -> str:
        """Open requests per raion, when the subscription asked for it (Filters.by_raion)."""
        d = self.data
        if not d.raion_totals:
            return ""
        out = [f"<b>{self.tr('digest.section.raions')}</b>"]
        places = codifier()
        for x in d.raion_totals:
            unit = places.get(x.raion_code) if x.raion_code else None
            name = unit_label(self.t, self.lang, unit) if unit else self.tr("digest.raion_unplaced")
            out.append(
                f"{name}: "
                + self.tr(
                    "digest.raion_line",
                    requests=fmt_qty(x.requests),
                    critical=fmt_qty(x.critical),
                    lines=fmt_qty(x.outstanding_lines),
                )
            )
        return "\n".join(out)

    def total_line(self, x: ItemTotal) -> str:
        name = f"<b>{self.item_name(x.item_key, x.free_text)}</b>"
        if x.item_key is None:
            name += f" <i>{self.tr('item.free_text_mark')}</i>"
        return f"{name}: " + self.tr(
            "digest.totals_line",
            outstanding=fmt_qty(x.outstanding),
            unit=unit_name(x.unit, self.lang),
            requested=fmt_qty(x.requested),
            pledged=fmt_qty(x.pledged),
            delivered=fmt_qty(x.delivered),
            requests=fmt_qty(x.requests),
        )
