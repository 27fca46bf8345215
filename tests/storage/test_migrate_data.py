"""`aidbridge migrate-data`: SQLite to PostgreSQL, every table, verified, never into a used one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database, fetch_all, open_database
from storage.migrate_data import CopyMismatch, CopyRefused, checksum_rows, copy_database
from storage.migrations import migrate
from tests.engine_harness import EngineHarness
from tests.handlers.test_lifecycle import COORD, NURSE, setup


async def _filled(path: Path) -> None:
    """A database with requests, items, events, pledges, audit, outbox rows and a document."""
    h = await EngineHarness.create(path)
    try:
        await setup(h)
        await h.send(COORD, "/pledge R-1001 all")
        await h.send(COORD, "/delivered R-1001 1 1")
        await h.need_and_submit(NURSE, "/need 5 вода !critical")
        async with h.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO outbox (transport, chat_id, text, document_name, document_mime,"
                " document, created_at, not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ("telegram", "1", "file", "a.bin", "x/y", bytes(range(256)), "t", "t"),
            )
            # A deleted request: SQLite's counter remembers its id, so must the copy.
            await conn.execute("UPDATE sqlite_sequence SET seq = 1010 WHERE name = 'requests'")
    finally:
        await h.close()


async def _contents(db: Database, table: str, columns: str) -> list[tuple[object, ...]]:
    async with db.read() as conn:
        rows = await fetch_all(conn, f"SELECT {columns} FROM {table} ORDER BY 1")
    return [tuple(r) for r in rows]


async def test_every_table_is_copied_and_verified(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "live.db"
    await _filled(path)
    source = await open_database(path)
    target = await open_database(path, pg_url)
    try:
        report = await copy_database(source, target, batch=2)
        counted = {check.table: check.rows for check in report.tables}
        for table in ("requests", "request_items", "status_events", "audit", "outbox"):
            assert counted[table] > 0, table
        assert counted["requests"] == 2
        # The same contents, column by column, read from each engine.
        for table, columns in (
            ("requests", "id, org_id, urgency, status, created_at, last_event_at, urgency_rank"),
            ("request_items", "id, request_id, free_text, quantity, pledged, request_open"),
            ("outbox", "id, chat_id, text, document"),
            ("audit", "id, action, params"),
        ):
            assert await _contents(source, table, columns) == await _contents(
                target, table, columns
            ), table
        # New rows continue after the copied ids and SQLite's own counter.
        async with target.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO requests (org_id, urgency, status, created_at, updated_at)"
                " VALUES (1, 'low', 'new', 't', 't')"
            )
        assert cur.lastrowid == 1011
        # The append-only audit log holds on the copy.
        with pytest.raises(Exception, match="append-only"):
            async with target.transaction() as conn:
                await conn.execute("DELETE FROM audit")
    finally:
        await source.close()
        await target.close()


async def test_a_target_with_rows_is_refused(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "live.db"
    await _filled(path)
    source = await open_database(path)
    target = await open_database(path, pg_url)
    try:
        await copy_database(source, target)
        before = await _contents(target, "requests", "id, status")
        with pytest.raises(CopyRefused, match="not empty"):
            await copy_database(source, target)
        assert await _contents(target, "requests", "id, status") == before
    finally:
        await source.close()
        await target.close()


async def test_a_source_behind_the_code_is_refused(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "old.db"
    source = await open_database(path)
    target = await open_database(path, pg_url)
    try:
        await migrate(source, target=10)
        with pytest.raises(CopyRefused, match="aidbridge migrate"):
            await copy_database(source, target)
        assert await target.table_names() == []
    finally:
        await source.close()
        await target.close()


def test_the_checksum_sees_any_change_and_not_the_order() -> None:
    rows = [(1, "a", None, b"\x00"), (2, "b", 3, None)]
    same = checksum_rows(list(reversed(rows)))
    assert checksum_rows(rows) == same
    for changed in ([(1, "a", None, b"\x01"), rows[1]], [rows[0]], [rows[0], (2, "b", 4, None)]):
        assert checksum_rows(changed) != same
    assert CopyMismatch.__doc__  # raised by copy_database when a read-back differs


async def test_the_command_copies_and_reports(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "live.db"
    await _filled(path)
    monkeypatch.setenv("AIDBRIDGE_DB_PATH", str(tmp_path / "settings.db"))
    # main() runs its own event loop: run it in a worker thread, away from the test's loop.
    status = await asyncio.to_thread(
        main, ["migrate-data", "--from", f"sqlite:///{path}", "--to", pg_url]
    )
    out = capsys.readouterr()
    assert status == 0, out.err
    assert "counts and checksums match" in out.out
    assert "requests" in out.out
    again = await asyncio.to_thread(
        main, ["migrate-data", "--from", f"sqlite:///{path}", "--to", pg_url]
    )
    assert again == 2
    assert "not empty" in capsys.readouterr().err
    missing = await asyncio.to_thread(
        main, ["migrate-data", "--from", f"sqlite:///{tmp_path}/none.db", "--to", pg_url]
    )
    assert missing == 2
