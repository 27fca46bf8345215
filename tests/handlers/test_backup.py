"""/backup and storage.backup: a consistent online copy that opens as a working database."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.core.events import Reply
from storage.backup import backup_database
from storage.db import Database, open_db
from storage.migrations import migrate
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload

NURSE = Identity(transport="telegram", user_id="101")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def use_backup_dir(h: EngineHarness, folder: Path) -> None:
    ctx = h.engine.ctx
    h.engine.ctx = replace(ctx, policy=replace(ctx.policy, backup_dir=folder))


async def say(h: EngineHarness, who: Identity, text: str) -> list[Reply]:
    h.clock.advance(seconds=5)
    return await h.send(who, text, lang="en")


def size_of(path: Path) -> int:
    return path.stat().st_size


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


async def test_backup_command_copy_restores_into_a_working_database(
    harness: EngineHarness, tmp_path: Path
) -> None:
    h = harness
    folder = tmp_path / "backups"
    use_backup_dir(h, folder)
    org = await h.add_org()
    await h.join(NURSE, org.id)
    replies = await say(h, NURSE, "/need 2 генератор")
    h.clock.advance(seconds=1)
    await h.press(NURSE, find_payload(replies[0], "w:submit:"))
    await say(h, ADMIN, "/help")
    source = Path(h.db.path)
    before = table_counts(source)
    assert before["requests"] == 1 and before["members"] == 2

    reply = (await say(h, ADMIN, "/backup"))[0]
    found = re.search(r"<code>(.+)</code>", reply.text)
    assert found, reply.text
    copy = Path(found.group(1))
    assert copy.parent == folder.resolve()
    assert re.fullmatch(r"aidbridge-20261124-0900\d\dZ\.db", copy.name), copy.name
    assert f"{size_of(copy) / 1024:.1f} KB" in reply.text
    assert sorted(p.name for p in folder.iterdir()) == [copy.name]  # no .part, no -wal left
    audit = await h.rows("SELECT action, target FROM audit WHERE action = 'backup.create'")
    assert audit == [("backup.create", copy.name)]

    # The copy holds exactly what was committed before it (not its own audit row).
    assert table_counts(copy) == before
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Restored: migrations find nothing to do and the bot works on it.
    restored = await EngineHarness.create(copy)
    try:
        assert await migrate(restored.db) == []
        restored.clock.now = h.clock.now + timedelta(minutes=5)
        # Update ids the original already saw would be (rightly) skipped as replays.
        my = await restored.send(NURSE, "/my", update_id="after-1")
        assert "R-1001" in my[0].text
        replies = await restored.send(NURSE, "/need 5 бинти", update_id="after-2")
        await restored.press(NURSE, find_payload(replies[0], "w:submit:"), update_id="after-3")
        assert await restored.count("requests") == 2
    finally:
        await restored.close()
    assert table_counts(source)["requests"] == 1


async def test_backup_is_for_admins_and_failures_are_reported(
    harness: EngineHarness, tmp_path: Path
) -> None:
    h = harness
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    use_backup_dir(h, blocker / "backups")
    org = await h.add_org()
    await h.join(NURSE, org.id, role=Role.COORDINATOR)
    refused = await say(h, NURSE, "/backup")
    assert "Backup" not in refused[0].text
    failed = await say(h, ADMIN, "/backup")
    assert "failed" in failed[0].text
    assert await h.rows("SELECT 1 FROM audit WHERE action = 'backup.create'") == []


async def test_backups_in_the_same_second_get_their_own_names(
    harness: EngineHarness, tmp_path: Path
) -> None:
    h = harness
    now = h.clock()
    first = await backup_database(h.db.path, tmp_path, now)
    second = await backup_database(h.db.path, tmp_path, now)
    assert first.path != second.path
    assert first.path.exists() and second.path.exists()
    assert second.path.name == first.path.name.replace(".db", "-1.db")


async def fill(db: Database, megabytes: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE filler (data BLOB)")
        for _ in range(megabytes * 4):
            await conn.execute("INSERT INTO filler VALUES (randomblob(256 * 1024))")


async def test_backup_while_writes_happen(tmp_path: Path) -> None:
    """Writers keep committing during the copy; the copy is one consistent snapshot."""
    db = await open_db(tmp_path / "live.db")
    await migrate(db)
    await fill(db, 40)
    done = asyncio.Event()
    commit_times: list[float] = []

    async def writer() -> None:
        # Each transaction writes two rows: a consistent copy has them in pairs.
        number = 0
        while not done.is_set():
            number += 1
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO organisations (kind, name, raion, settlement, created_at)"
                    " VALUES ('ngo', ?, 'r', 's', 'now')",
                    (f"org {number}",),
                )
                await asyncio.sleep(0)  # let the backup thread run mid-transaction
                await conn.execute(
                    "INSERT INTO audit (actor_label, action, at) VALUES ('test', 'pair', 'now')"
                )
            commit_times.append(time.monotonic())
            await asyncio.sleep(0.001)

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    started = time.monotonic()
    result = await backup_database(db.path, tmp_path / "backups", NOW)
    finished = time.monotonic()
    done.set()
    await task
    try:
        during = [t for t in commit_times if started < t < finished]
        assert during, "the writer was blocked for the whole backup"
        counts = table_counts(result.path)
        assert counts["filler"] == 160
        assert counts["organisations"] == counts["audit"] > 0
        live = table_counts(Path(db.path))
        assert counts["organisations"] < live["organisations"]
        with sqlite3.connect(result.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        await db.close()


async def test_backup_copies_the_outbox_files_its_unsent_rows_name(tmp_path: Path) -> None:
    """An export queued but not yet sent lives in a file beside the database: the backup takes
    it along (only the files the copy's unsent rows name), and the restored database delivers
    it; a file delivered (and removed) while the backup ran is counted as gone."""
    from storage import outbox, outbox_files

    path = tmp_path / "live.db"
    db = await open_db(path)
    await migrate(db)
    folder = outbox_files.folder_of(str(path))
    assert folder is not None
    waiting = outbox_files.spool(folder, b"waiting export " * 1000)
    sent = outbox_files.spool(folder, b"already delivered")
    vanished = outbox_files.spool(folder, b"delivered during the backup")
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    async with db.transaction() as conn:
        ids = {}
        for name in (waiting, sent, vanished):
            ids[name] = await outbox.add_outbox(
                conn,
                transport="telegram",
                chat_id="42",
                text="",
                now=now,
                kind="reply",
                document_name="export.csv",
                document_mime="text/csv",
                document=b"",
                document_file=name,
            )
        await outbox.set_outbox_sent(conn, ids[sent], now)
    await db.close()
    (folder / vanished).unlink()

    result = await backup_database(path, tmp_path / "backups", now)

    copies = outbox_files.folder_of(str(result.path))
    assert copies is not None and copies.name == result.path.name + ".outbox-files"
    assert sorted(p.name for p in copies.iterdir()) == [waiting]
    assert (copies / waiting).read_bytes() == (folder / waiting).read_bytes()
    assert (copies / waiting).stat().st_mode & 0o777 == 0o600
    assert (result.outbox_files, result.outbox_files_gone) == (1, 1)

    # Restored as the bot's database, the row still delivers its document.
    restored = await open_db(result.path)
    try:
        async with restored.read() as conn:
            document = await outbox.get_outbox_document(conn, ids[waiting])
        assert document is not None
        loaded = await outbox.load_document_file(str(result.path), document)
        assert loaded.data == b"waiting export " * 1000
    finally:
        await restored.close()
