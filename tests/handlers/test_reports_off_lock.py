"""Reports read, render outside any lock and off the event loop, then write briefly.

The renderers here wrap the real ones (bot/file_renderers.py) and, while they draw, try what a
chat's turn would do meanwhile: take the write lock from another connection, and run a write
transaction on the bot's own connection. Both must succeed at once. A digest firing whose run
is already recorded must not render at all.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.file_renderers import FileRenderers
from handlers.coordination import digest_jobs
from handlers.coordination.digest_jobs import run_digest, run_key
from handlers.coordination.digest_text import render_digest
from handlers.coordination.hxl_export import XLSX_MIME, ExportFiles, ExportSpec, ExportTable
from handlers.shipments.packing_list import PackingFiles, PackingSpec
from handlers.text.i18n import Language
from handlers.text.workbook import Sheet, Workbook
from storage import subscriptions
from storage.charts import ChartData
from storage.db import Database
from storage.models import Identity, Role, Subscription
from tests.engine_harness import EngineHarness

NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
# 30 Nov 2026, 08:00 in Berlin: a Monday, when "weekly mon 08:00" is due.
MONDAY_8 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
QUICK_SECONDS = 0.5


@dataclass(frozen=True)
class Probe:
    what: str
    off_loop: bool  # drawn in a worker thread, not on the event loop's
    other_writer_ok: bool  # BEGIN IMMEDIATE from another connection succeeded
    other_writer_seconds: float
    bot_writer_ok: bool  # a write transaction on the bot's connection ran meanwhile


class ProbeRenderers:
    """The real renderers, counting calls and probing the database while they draw."""

    def __init__(self) -> None:
        self._inner = FileRenderers()
        self._lock = threading.Lock()
        self.calls = 0
        self.probes: list[Probe] = []
        self.db: Database | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        # Run on the event loop while a chart is drawn (see the race test).
        self.while_drawing: Callable[[], Coroutine[Any, Any, None]] | None = None

    def xlsx(self, table: ExportTable, *, sheet_title: str) -> bytes:
        self._probe("xlsx")
        return self._inner.xlsx(table, sheet_title=sheet_title)

    def workbook(self, book: Workbook) -> bytes:
        self._probe("xlsx")
        return self._inner.workbook(book)

    def export(self, spec: ExportSpec, *, db_path: str) -> ExportFiles:
        self._probe("xlsx" if spec.fmt == "xlsx" else "csv")
        return self._inner.export(spec, db_path=db_path)

    def packing_list(self, spec: PackingSpec, *, db_path: str) -> PackingFiles | None:
        self._probe(spec.fmt)
        return self._inner.packing_list(spec, db_path=db_path)

    def csv(self, sheet: Sheet, *, delimiter: str = ",", bom: bool = True) -> bytes:
        self._probe("csv")
        return self._inner.csv(sheet, delimiter=delimiter, bom=bom)

    def weekly_chart(
        self, chart: ChartData, *, lang: Language, title: str, labels: Mapping[str, str]
    ) -> bytes:
        self._probe("chart")
        if self.while_drawing is not None and self.loop is not None:
            asyncio.run_coroutine_threadsafe(self.while_drawing(), self.loop).result(timeout=5)
        return self._inner.weekly_chart(chart, lang=lang, title=title, labels=labels)

    def _probe(self, what: str) -> None:
        with self._lock:
            self.calls += 1
        if self.db is None or self.loop is None:
            return
        on_loop = self.loop.is_running() and threading.get_ident() == self._loop_thread
        began = time.monotonic()
        other = sqlite3.connect(self.db.path, timeout=2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("COMMIT")
            other_ok = True
        except sqlite3.OperationalError:
            other_ok = False
        finally:
            other.close()
        other_seconds = time.monotonic() - began
        bot_ok = False
        if not on_loop:  # from the loop's own thread this would wait for itself
            future = asyncio.run_coroutine_threadsafe(self._bot_write(), self.loop)
            try:
                future.result(timeout=2)
                bot_ok = True
            except TimeoutError:
                future.cancel()
        with self._lock:
            self.probes.append(Probe(what, not on_loop, other_ok, other_seconds, bot_ok))

    async def _bot_write(self) -> None:
        assert self.db is not None
        async with self.db.transaction() as conn:
            await conn.execute("SELECT 1")

    def attach(self, db: Database) -> None:
        self.db = db
        self.loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()


@pytest.fixture
async def probed(tmp_path: Path) -> AsyncIterator[tuple[EngineHarness, ProbeRenderers]]:
    renderers = ProbeRenderers()
    h = await EngineHarness.create(
        tmp_path / "test.db", start=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), renderers=renderers
    )
    renderers.attach(h.db)
    try:
        yield h, renderers
    finally:
        await h.close()


async def seed(h: EngineHarness) -> None:
    hospital = await h.add_org()
    ngo = await h.add_org(name="Staatskanzlei NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    await h.need_and_submit(NURSE, "/need 2 генератор; 40 уп бинти !high")


async def weekly(h: EngineHarness, command: str = "/subscribe weekly mon 08:00") -> int:
    await seed(h)
    replies = await h.send(COORD, command)
    assert "✅" in replies[0].text, replies[0].text
    rows = await h.rows("SELECT MAX(id) FROM subscriptions WHERE kind = 'weekly'")
    return int(rows[0][0])


def assert_unlocked(probe: Probe) -> None:
    assert probe.off_loop, f"{probe.what} was drawn on the event loop"
    assert probe.other_writer_ok, f"another writer was locked out while {probe.what} was drawn"
    assert probe.other_writer_seconds < QUICK_SECONDS, probe
    assert probe.bot_writer_ok, f"a turn could not write while {probe.what} was drawn"


async def test_a_duplicate_digest_firing_renders_nothing(
    probed: tuple[EngineHarness, ProbeRenderers], monkeypatch: pytest.MonkeyPatch
) -> None:
    h, renderers = probed
    texts: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> list[str]:
        texts.append(1)
        return render_digest(*args, **kwargs)

    # The digest's text is rendered work too, not only its chart.
    monkeypatch.setattr(digest_jobs, "render_digest", counted)
    h.clock.now = datetime(2026, 10, 20, 10, 0, tzinfo=UTC)
    sub_id = await weekly(h, "/subscribe weekly sun 02:30")
    # 25 Oct 2026 is the autumn DST night: 02:30 in Berlin happens twice, an hour apart, and
    # APScheduler fires at both. The second finds the run recorded before it draws anything.
    first, second = (datetime(2026, 10, 25, hour, 30, tzinfo=UTC) for hour in (0, 1))
    h.clock.now = first.replace(second=3)
    assert await run_digest(h.engine.ctx, sub_id, first)
    assert renderers.calls == 1 and len(texts) == 1
    outbox_before = await h.count("outbox")
    h.clock.now = second.replace(second=3)
    assert not await run_digest(h.engine.ctx, sub_id, second)
    # The same scheduled time again (a catch-up racing the schedule).
    assert not await run_digest(h.engine.ctx, sub_id, first)
    assert renderers.calls == 1 and len(texts) == 1
    assert await h.count("outbox") == outbox_before
    assert await h.count("digest_runs") == 1


async def test_concurrent_firings_render_once(
    probed: tuple[EngineHarness, ProbeRenderers],
) -> None:
    h, renderers = probed
    sub_id = await weekly(h)
    h.clock.now = MONDAY_8.replace(second=3)
    # The second waits for its turn among reports, then finds the run recorded.
    results = await asyncio.gather(
        run_digest(h.engine.ctx, sub_id, MONDAY_8), run_digest(h.engine.ctx, sub_id, MONDAY_8)
    )
    assert sorted(results) == [False, True]
    assert renderers.calls == 1
    runs = await h.rows("SELECT parts FROM digest_runs WHERE subscription_id = ?", sub_id)
    assert len(runs) == 1
    texts = await h.rows("SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND text != ''")
    charts = await h.rows("SELECT COUNT(*) FROM outbox WHERE document_mime = 'image/png'")
    assert texts[0][0] == runs[0][0] and charts[0][0] == 1


async def test_a_claim_taken_while_rendering_drops_the_result(
    probed: tuple[EngineHarness, ProbeRenderers],
) -> None:
    h, renderers = probed
    sub_id = await weekly(h)
    h.clock.now = MONDAY_8.replace(second=3)
    sub = await subscription(h, sub_id)
    window_start = sub.last_window_end
    assert window_start is not None

    async def other_firing() -> None:
        # Another process on the same database claims the run while this one draws.
        async with h.db.transaction() as conn:
            assert await subscriptions.claim_digest_run(
                conn,
                sub_id=sub_id,
                run_key=run_key(MONDAY_8, ZoneInfo(sub.timezone)),
                window_start=window_start,
                window_end=MONDAY_8,
                parts=0,
                now=h.clock(),
            )

    renderers.while_drawing = other_firing
    assert not await run_digest(h.engine.ctx, sub_id, MONDAY_8)
    assert renderers.calls == 1  # drawn once, dropped, not drawn again
    assert await h.rows("SELECT COUNT(*) FROM outbox WHERE kind = 'digest'") == [(0,)]
    assert await h.count("digest_runs") == 1


async def subscription(h: EngineHarness, sub_id: int) -> Subscription:
    async with h.db.read() as conn:
        sub = await subscriptions.get_subscription(conn, sub_id)
    assert sub is not None
    return sub


async def test_the_weekly_digest_renders_with_no_lock_held(
    probed: tuple[EngineHarness, ProbeRenderers],
) -> None:
    h, renderers = probed
    sub_id = await weekly(h)
    h.clock.now = MONDAY_8.replace(second=3)
    assert await run_digest(h.engine.ctx, sub_id, MONDAY_8)
    assert [p.what for p in renderers.probes] == ["chart"]
    assert_unlocked(renderers.probes[0])
    charts = await h.rows("SELECT length(document) FROM outbox WHERE document_mime = 'image/png'")
    assert len(charts) == 1 and int(charts[0][0]) > 1000


async def test_chart_and_export_render_after_their_turn_commits(
    probed: tuple[EngineHarness, ProbeRenderers],
) -> None:
    h, renderers = probed
    await seed(h)
    replies = await h.report(COORD, "/chart")
    assert len(replies) == 1 and replies[0].document is not None
    assert replies[0].document.mime_type == "image/png"
    assert replies[0].document.caption == "Offene Bedarfe nach Kategorie, letzte 8 Wochen"
    replies = await h.report(COORD, "/export xlsx")
    assert len(replies) == 1 and replies[0].document is not None
    assert replies[0].document.mime_type == XLSX_MIME
    assert [p.what for p in renderers.probes] == ["chart", "xlsx"]
    for probe in renderers.probes:
        assert_unlocked(probe)
    # The turn answers at once (the file follows through the outbox), and it is recorded:
    # a replay gets nothing and renders nothing.
    update = h.incoming(COORD, text="/chart", update_id="replayed")
    assert await h.engine.handle(update) == []
    await h.engine.wait_reports()
    assert renderers.calls == 3
    assert await h.engine.handle(update) == []
    await h.engine.wait_reports()
    assert renderers.calls == 3


async def test_a_failing_report_answers_with_an_error_and_keeps_the_turn(
    probed: tuple[EngineHarness, ProbeRenderers], monkeypatch: pytest.MonkeyPatch
) -> None:
    h, renderers = probed
    await seed(h)

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("disk full")

    # An export's file is drawn by ``export`` (the rows read where it is drawn).
    monkeypatch.setattr(renderers, "export", broken)
    replies = await h.report(COORD, "/export xlsx", update_id="export-1")
    assert len(replies) == 1 and replies[0].document is None
    assert replies[0].text == h.engine.ctx.t("de", "error.internal")
    processed = await h.rows("SELECT 1 FROM processed_updates WHERE update_id = 'export-1'")
    assert processed  # the turn committed; a new /export asks again
