"""End-to-end encryption on a real Synapse (issue 12): a hospital on an encrypting client, as
on Element with its defaults, joins, files a request and reads every answer; the bot keeps
its keys across a restart; a message it cannot decrypt gets a notice, not silence."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import nio
import pytest
from nio.crypto.attachments import decrypt_attachment

from bot.matrix_store import STORE_SUFFIX
from handlers.core.events import Document, Reply
from tests.bot.matrix_bot_harness import (
    E2EPerson,
    MatrixBot,
    Person,
    bodies,
    invite_code,
)
from tests.engine_harness import scalar
from tests.matrix_harness import (
    UNDECRYPTED,
    Homeserver,
    drain_messages,
    next_messages,
)

pytestmark = pytest.mark.slow

UNDECRYPTABLE_UK = "не зміг прочитати"


async def _bot_events_encrypted(hs: Homeserver, person: Person, bot: MatrixBot) -> int:
    """How many events the bot sent in the person's room; every one must be encrypted."""
    sent = [
        e for e in await hs.raw_events(person.user, person.room_id) if e["sender"] == bot.user_id
    ]
    kinds = {e["type"] for e in sent if e["type"].startswith("m.room.") and "state_key" not in e}
    assert kinds == {"m.room.encrypted"}, kinds
    return len([e for e in sent if e["type"] == "m.room.encrypted"])


async def _send_with_withheld_key(hs: Homeserver, person: E2EPerson, store: Path, text: str) -> str:
    """The same person on a new device that encrypts with a room key it never shares: what
    the bot gets when keys are withheld, or from a device whose keys it never received."""
    device = await hs.new_device(person.user)
    other = await hs.e2e_client(device, store)
    await drain_messages(other, person.room_id)  # learns the room and its members
    # Both now, or room_send would do them and, seeing the members change, start a new
    # room key that it then shares.
    await other.joined_members(person.room_id)
    await other.keys_query()
    other.olm.create_outbound_group_session(person.room_id)
    other.olm.outbound_group_sessions[person.room_id].shared = True  # ... but never shared
    resp = await other.room_send(
        person.room_id,
        "m.room.message",
        {"msgtype": "m.text", "body": text},
        ignore_unverified_devices=True,
    )
    assert isinstance(resp, nio.RoomSendResponse), resp
    event_id: str = resp.event_id
    return event_id


async def test_encrypted_direct_chat_from_start_to_request_and_after_restart(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    db_path = tmp_path / "bot.db"
    admin = await Person.register(homeserver, "admin")
    bot = await MatrixBot.start(homeserver, db_path, admins=f"matrix:{admin.user_id}")
    bot_user = bot.user
    try:
        # The store beside the database, private to the bot's user, holding its device.
        store = db_path.with_name(db_path.name + STORE_SUFFIX)
        assert stat.S_IMODE(store.stat().st_mode) == 0o700
        assert list(store.glob("*.db"))
        await admin.open_dm(bot)
        org_id = await bot.add_org()
        code = invite_code(await admin.say(bot, f"!invite {org_id} requester"))

        nurse = await E2EPerson.register_e2e(homeserver, "nurse", tmp_path / "clients")
        await nurse.open_dm(bot)
        assert "✅" in bodies(await nurse.say(bot, f"!start {code}"))
        preview = await nurse.say(bot, "!need 2 генератор; 200 уп бинти !high")
        assert "Генератор" in bodies(preview), bodies(preview)
        typed, _ = await bot.option(nurse.room_id, "w:submit:")
        confirmation = await nurse.say(bot, typed)
        assert "R-1001" in bodies(confirmation), bodies(confirmation)
        assert UNDECRYPTED not in bodies(confirmation)
        assert await _bot_events_encrypted(homeserver, nurse, bot) >= 3

        # A file (an export, a chart) goes encrypted too: the homeserver holds only ciphertext.
        data = "Дата;Потреба\n2026-01-01;генератор\n".encode()
        await bot.transport.deliver(
            nurse.room_id,
            Reply(document=Document(filename="export.csv", mime_type="text/csv", data=data)),
        )
        [file_msg] = await next_messages(nurse.client, nurse.room_id, sender=bot.user_id)
        assert "url" not in file_msg and file_msg["file"]["url"].startswith("mxc://")
        download = await nurse.client.download(mxc=file_msg["file"]["url"])
        assert isinstance(download, nio.DownloadResponse), download
        assert download.body != data
        keys = file_msg["file"]
        plain = decrypt_attachment(
            download.body, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"]
        )
        assert plain == data
    finally:
        await bot.stop()

    # Restarted: the same device and keys, and the room is still read and written.
    bot = await MatrixBot.start(
        homeserver, db_path, user=bot_user, admins=f"matrix:{admin.user_id}"
    )
    try:
        mine = await nurse.say(bot, "!my")
        assert "R-1001" in bodies(mine), bodies(mine)
        assert UNDECRYPTED not in bodies(mine)

        # A message the bot has no key for: a notice in the member's language, once per
        # interval however many such messages come.
        event_id = await _send_with_withheld_key(homeserver, nurse, tmp_path / "nurse-2", "!my")
        await bot.wait_handled(event_id)
        [notice] = await next_messages(nurse.client, nurse.room_id, sender=bot.user_id)
        assert UNDECRYPTABLE_UK in notice["body"], notice
        again = await _send_with_withheld_key(homeserver, nurse, tmp_path / "nurse-3", "!help")
        await bot.wait_handled(again)
        assert await drain_messages(nurse.client, nurse.room_id, sender=bot.user_id) == []
        # The undecryptable events changed nothing and are not taken for handled updates.
        assert (
            await scalar(
                bot.app.db,
                "SELECT COUNT(*) FROM processed_updates WHERE update_id IN (?, ?)",
                event_id,
                again,
            )
            == 0
        )
        # And the person's own device still gets through.
        assert "R-1001" in bodies(await nurse.say(bot, "!my"))
    finally:
        await bot.stop()


async def test_a_stranger_gets_an_answer_in_an_encrypted_chat_and_unencrypted_still_works(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db")
    try:
        stranger = await E2EPerson.register_e2e(homeserver, "stranger", tmp_path / "clients")
        await stranger.open_dm(bot)
        answer = await stranger.say(bot, "hello")
        assert "/start" in bodies(answer) or "!start" in bodies(answer), bodies(answer)
        plain = await Person.register(homeserver, "plain")
        await plain.open_dm(bot)
        assert "!start" in bodies(await plain.say(bot, "hello"))
    finally:
        await bot.stop()


async def test_encryption_off_says_so_in_an_encrypted_room(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db", matrix_encryption=False)
    try:
        assert not (tmp_path / f"bot.db{STORE_SUFFIX}").exists()
        person = await E2EPerson.register_e2e(homeserver, "person", tmp_path / "clients")
        await person.open_dm(bot)
        event_id = await person.send(person.room_id, "!help")
        await bot.wait_handled(event_id)
        [notice] = await asyncio.wait_for(
            next_messages(person.client, person.room_id, sender=bot.user_id), 15
        )
        # Unencrypted, so the person can read it; in every language (a stranger).
        assert "Encryption is switched off" in notice["body"], notice
    finally:
        await bot.stop()
