"""Files the bot sends (packing lists, the round's workbook and chart, exports) are saved by the
console beside the database, one folder per identity, private, and the path is shown."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from bot.transports.console import ConsoleTransport
from handlers.core.events import Document, Reply
from storage.models import Identity

COORD = Identity(transport="console", user_id="coord:1")


async def no_handle(_incoming: object) -> list[Reply]:
    return []


async def no_mark(_outbox_id: int) -> None:
    return None


async def test_a_document_is_saved_privately_and_its_path_shown(tmp_path: Path) -> None:
    shown = io.StringIO()
    console = ConsoleTransport(
        identity=COORD,
        handle=no_handle,
        mark_delivered=no_mark,
        stdin=io.StringIO(""),
        stdout=shown,
        files_dir=tmp_path / "bot-files",
    )
    document = Document(
        filename="../packing list S-1.xlsx",
        mime_type="application/octet-stream",
        data=b"PK-data",
        caption="Packliste <b>S-1</b>",
    )
    await console.deliver(COORD.user_id, Reply(document=document))
    saved = tmp_path / "bot-files" / "coord_1" / "packing_list_S-1.xlsx"
    assert saved.read_bytes() == b"PK-data"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    out = shown.getvalue()
    assert f"→ {saved}" in out and "Packliste S-1" in out
    # Nothing escapes the folder, whatever the name.
    assert [p.name for p in (tmp_path / "bot-files").rglob("*") if p.is_file()] == [saved.name]


async def test_without_a_folder_the_document_is_only_named(tmp_path: Path) -> None:
    shown = io.StringIO()
    console = ConsoleTransport(
        identity=COORD,
        handle=no_handle,
        mark_delivered=no_mark,
        stdin=io.StringIO(""),
        stdout=shown,
    )
    document = Document(filename="a.png", mime_type="image/png", data=b"x")
    await console.deliver(COORD.user_id, Reply(document=document))
    assert "[📎 a.png, 1 bytes]" in shown.getvalue() and "→" not in shown.getvalue()
