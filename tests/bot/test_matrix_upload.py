"""A needs list sent as an m.file on a real Synapse (issue 15): the bot fetches it through the
homeserver's media API (decrypting it in an encrypted direct chat), shows /need's preview
with its numbered options, and Submit stores one request."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import nio
import openpyxl
import pytest

from tests.bot.matrix_bot_harness import (
    E2EPerson,
    MatrixBot,
    Person,
    bodies,
    invite_code,
)
from tests.engine_harness import scalar
from tests.matrix_harness import Homeserver, drain_messages, send_content

pytestmark = pytest.mark.slow

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def needs_list() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Artikel", "Menge", "Einheit"])
    sheet.append(["Decken", 60, "Stk"])
    sheet.append(["Zelte", "ein paar", None])  # not read: how many?
    sheet.append(["Taschenlampe", 25, "Stk"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload_file(person: Person, name: str, data: bytes, mime: str, *, encrypt: bool) -> str:
    client = person.client
    resp, keys = await client.upload(
        io.BytesIO(data), content_type=mime, filename=name, encrypt=encrypt, filesize=len(data)
    )
    assert isinstance(resp, nio.UploadResponse), resp
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": name,
        "filename": name,
        "info": {"size": len(data), "mimetype": mime},
    }
    if not encrypt:
        content["url"] = resp.content_uri
        return await send_content(client, person.room_id, content)
    assert keys is not None
    content["file"] = {"url": resp.content_uri, "mimetype": mime, **keys}
    await client.sync(timeout=0)
    if client.should_query_keys:
        await client.keys_query()
    sent = await client.room_send(
        person.room_id, "m.room.message", content, ignore_unverified_devices=True
    )
    assert isinstance(sent, nio.RoomSendResponse), sent
    event_id: str = sent.event_id
    return event_id


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_an_m_file_needs_list_becomes_a_request(
    homeserver: Homeserver, tmp_path: Path, encrypted: bool
) -> None:
    admin = await Person.register(homeserver, "admin")
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db", admins=f"matrix:{admin.user_id}")
    try:
        await admin.open_dm(bot)
        org_id = await bot.add_org()
        code = invite_code(await admin.say(bot, f"!invite {org_id} requester"))
        nurse: Person = (
            await E2EPerson.register_e2e(homeserver, "nurse", tmp_path)
            if encrypted
            else await Person.register(homeserver, "nurse")
        )
        await nurse.open_dm(bot)
        assert "✅" in bodies(await nurse.say(bot, f"!start {code}"))
        await nurse.say(bot, "!lang de")

        event_id = await upload_file(
            nurse, "bedarf.xlsx", needs_list(), XLSX_MIME, encrypt=encrypted
        )
        await bot.wait_handled(event_id)
        answer = bodies(await drain_messages(nurse.client, nurse.room_id, sender=bot.user_id))
        t = bot.app.ctx.t
        assert t("de", "upload.read", name="bedarf.xlsx", count=2) in answer, answer
        assert t("de", "upload.row_line", row=3, reason="") in answer
        assert "Decke" in answer and "60" in answer
        typed, _ = await bot.option(nurse.room_id, "w:submit:")
        assert "R-" in bodies(await nurse.say(bot, typed))
        assert await scalar(bot.app.db, "SELECT COUNT(*) FROM requests") == 1
        assert await scalar(bot.app.db, "SELECT COUNT(*) FROM request_items") == 2
    finally:
        await bot.stop()
