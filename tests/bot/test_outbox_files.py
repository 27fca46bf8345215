"""A big document goes to a file beside the database before its report's transaction; the
outbox row names it, the delivery reads it, and it is removed once the row is marked sent.
Through python-telegram-bot and the fake Bot API, with the real render process."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import time
from pathlib import Path

import pytest

from storage import outbox_files
from storage.outbox_files import SPOOL_GRACE, folder_of, spool, sweep
from tests.bot.telegram_harness import TelegramHarness
from tests.bot.test_export_telegram import german_coordinator, upload
from tests.bot.test_telegram_intake import tg

__all__ = ["tg"]  # the fixture, used by name


async def test_an_export_travels_as_a_file_and_the_file_goes_once_sent(
    tg: TelegramHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every document counts as big here, so two requests' lines are enough.
    monkeypatch.setattr(outbox_files, "SPOOL_MIN_BYTES", 1)
    await german_coordinator(tg)
    name, data = await upload(tg, "/export csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Anfrage", "Gemeldet am"] and len(rows) == 4
    async with tg.app.db.read() as conn:
        stored = await conn.execute_fetchall(
            "SELECT document IS NULL, document_file IS NOT NULL, sent_at IS NOT NULL"
            " FROM outbox WHERE document_name = ?",
            (name,),
        )
    # The row held the file's name, not its bytes, and it was delivered.
    assert [tuple(row) for row in stored] == [(1, 1, 1)]
    folder = folder_of(str(tmp_path / "bot.db"))
    assert folder is not None and folder.is_dir()
    assert folder.stat().st_mode & 0o777 == 0o700
    # Removed right after the mark commits (a moment after the send the fake saw).
    for _ in range(200):
        if not any(folder.iterdir()):
            break
        await asyncio.sleep(0.01)
    assert list(folder.iterdir()) == []


def test_sweep_removes_only_old_files_no_unsent_row_names(tmp_path: Path) -> None:
    folder = tmp_path / "bot.db.outbox-files"
    named, orphan, young = (spool(folder, data) for data in (b"a", b"b", b"c"))
    assert all((folder / n).stat().st_mode & 0o777 == 0o600 for n in (named, orphan, young))
    old = time.time() - SPOOL_GRACE.total_seconds() - 60
    for n in (named, orphan):
        os.utime(folder / n, (old, old))
    assert sweep(folder, {named}) == 1
    assert sorted(p.name for p in folder.iterdir()) == sorted([named, young])
    assert outbox_files.read(folder, young) == b"c"


def test_a_row_cannot_name_a_file_outside_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        outbox_files.read(tmp_path, "../bot.db")


async def test_on_postgresql_a_big_document_stays_in_its_row() -> None:
    # Replicas on other hosts share the database, not this host's folder.
    from storage.models import Document, Reply
    from storage.outbox_files import spool_reply

    reply = Reply(
        text="x", document=Document(filename="a.csv", mime_type="text/csv", data=b"a" * (2 << 20))
    )
    url = "postgresql://bot:***@db.example/aidbridge"
    assert folder_of(url) is None
    kept, name = await spool_reply(url, reply)
    assert name is None
    assert kept.document is not None and len(kept.document.data) == 2 << 20
