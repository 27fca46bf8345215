"""The bot on Matrix against a real Synapse: joining, the wizard, /need, refusals, files.

Every test starts its own bot account and database on the session's homeserver.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import nio
import pytest
import pytest_asyncio
from openpyxl import load_workbook

from bot.transports.matrix import UPLOAD_FRAMING_BYTES
from handlers.core.file_limits import DEFAULT_LIMITS
from tests.bot.matrix_bot_harness import (
    MatrixBot,
    Person,
    bodies,
    invite_code,
    join_with_invite,
)
from tests.engine_harness import scalar
from tests.matrix_harness import (
    Homeserver,
    create_dm,
    joined_user_ids,
    send_text,
    wait_until_joined,
)

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(loop_scope="session")
async def setup(homeserver: Homeserver, tmp_path: Path) -> AsyncIterator[tuple[MatrixBot, Person]]:
    """A bot whose configured admin already has a direct chat with it."""
    admin = await Person.register(homeserver, "admin")
    bot = await MatrixBot.start(homeserver, tmp_path / "bot.db", admins=f"matrix:{admin.user_id}")
    await admin.open_dm(bot)
    try:
        yield bot, admin
    finally:
        await bot.stop()


async def test_invite_and_start_code(setup: tuple[MatrixBot, Person]) -> None:
    bot, admin = setup
    org_id = await bot.add_org()
    [answer] = await admin.say(bot, f"!invite {org_id} requester")
    # The admin is told what to send and to whom; the Telegram-style /start is shown as !start.
    assert f"→ {bot.user_id}" in answer["body"]
    assert "/start" not in answer["body"] and "!start" in answer["body"]
    code = invite_code([answer])

    nurse = await Person.register(bot.hs, "nurse")
    await nurse.open_dm(bot)
    [welcome] = await nurse.say(bot, f"!start {code}")
    # An m.notice with an HTML body and a plain one; the organisation's name escaped in HTML.
    assert welcome["msgtype"] == "m.notice"
    assert welcome["format"] == "org.matrix.custom.html"
    assert "&lt;Дніпро&gt; &amp; Co" in welcome["formatted_body"]
    assert "<Дніпро> & Co" in welcome["body"] and "<b>" not in welcome["body"]
    assert "<br>" in welcome["formatted_body"]
    # The requester's button is a numbered option, and commands are offered with "!".
    assert "1. " in welcome["body"] and "!new" in welcome["body"]
    member = await scalar(
        bot.app.db,
        "SELECT chat_id FROM members WHERE transport = 'matrix' AND user_id = ?",
        nurse.user_id,
    )
    assert member == nurse.room_id

    # A member who invites the bot to another direct chat is joined there too; "/" works.
    second = await create_dm(nurse.client, bot.user_id)
    await wait_until_joined(nurse.client, second, bot.user_id)
    assert nurse.user_id in bodies(await nurse.say(bot, "/whoami", room_id=second))


async def test_wizard_with_numbered_answers_to_stored_request(
    setup: tuple[MatrixBot, Person],
) -> None:
    bot, admin = setup
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    [step] = await nurse.say(bot, "!new")
    for prefix in ("w:cat:power", "w:item:generator"):
        typed, label = await bot.option(nurse.room_id, prefix)
        # What the engine will read back is what the person saw under that number.
        assert f"{typed}. {label}" in step["body"]
        [step] = await nurse.say(bot, typed)
    [step] = await nurse.say(bot, "2")  # the quantity
    for prefix in ("w:more:done", "w:urg:critical", "w:due:", "w:place:org"):
        typed, label = await bot.option(nurse.room_id, prefix)
        assert f"{typed}. {label}" in step["body"], (prefix, step["body"])
        [step] = await nurse.say(bot, typed)
    [summary] = await nurse.say(bot, "Нотатка з <b>тегами</b> & 🚑")
    assert "&lt;b&gt;тегами&lt;/b&gt; &amp; 🚑" in summary["formatted_body"]
    # Navigation is offered as a word and accepted as typed.
    typed, label = await bot.option(nurse.room_id, "w:cancel")
    assert typed == label and label in summary["body"]
    typed, _ = await bot.option(nurse.room_id, "w:submit:")
    confirmation = await nurse.say(bot, typed)
    assert "R-1001" in bodies(confirmation)
    assert await scalar(bot.app.db, "SELECT COUNT(*) FROM requests") == 1
    assert await scalar(bot.app.db, "SELECT urgency FROM requests") == "critical"
    assert (
        await scalar(
            bot.app.db, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND kind='reply'"
        )
        == 0
    )


async def test_need_one_liner_and_my(setup: tuple[MatrixBot, Person]) -> None:
    bot, admin = setup
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    [preview] = await nurse.say(
        bot, "!need 2 генератор 30 кВт; 200 уп бинти !critical by 01.12.2026"
    )
    assert "Генератор" in preview["body"] and "01.12.2026" in preview["body"]
    typed, _ = await bot.option(nurse.room_id, "w:submit:")
    assert "R-1001" in bodies(await nurse.say(bot, typed))
    assert "R-1001" in bodies(await nurse.say(bot, "!my"))
    assert "не збережено" in bodies(await nurse.say(bot, "!need 2 генератор by 01.01.2020"))
    # '!' followed by no command is text, as in a note: the person gets the free-text answer.
    assert bodies(await nurse.say(bot, "!!! терміново"))


async def test_stranger_is_refused_and_the_bot_leaves(setup: tuple[MatrixBot, Person]) -> None:
    bot, _ = setup
    stranger = await Person.register(bot.hs, "stranger")
    await stranger.open_dm(bot)
    [answer] = await stranger.say(bot, "hello")
    # The same explanation as on Telegram, with the Matrix way to send the code.
    assert "Доступ лише за запрошенням" in answer["body"] and "!start" in answer["body"]
    assert bot.user_id not in await joined_user_ids(stranger.client, stranger.room_id)
    assert await scalar(bot.app.db, "SELECT COUNT(*) FROM members") == 0

    # A wrong code is answered and the chat stays open for a corrected one.
    again = await Person.register(bot.hs, "stranger")
    await again.open_dm(bot)
    assert "не знайдено" in bodies(await again.say(bot, "!start WRONG"))
    assert bot.user_id in await joined_user_ids(again.client, again.room_id)

    # A stranger's invitation to a group room is declined.
    resp = await stranger.client.room_create(
        visibility=nio.RoomVisibility.private, invite=[bot.user_id], is_direct=False
    )
    assert isinstance(resp, nio.RoomCreateResponse)
    await send_text(stranger.client, resp.room_id, "!help")
    for _ in range(100):
        state = await stranger.client.room_get_state_event(
            resp.room_id, "m.room.member", bot.user_id
        )
        if getattr(state, "content", {}).get("membership") == "leave":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the bot did not decline the group invitation")


async def bot_membership(person: Person, room_id: str, bot: MatrixBot, wanted: str) -> None:
    """Wait until the bot's membership in ``room_id`` is ``wanted`` (join, leave)."""
    for _ in range(200):
        state = await person.client.room_get_state_event(room_id, "m.room.member", bot.user_id)
        if getattr(state, "content", {}).get("membership") == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot's membership in {room_id} never became {wanted!r}")


async def group_invite(person: Person, bot: MatrixBot) -> str:
    resp = await person.client.room_create(
        visibility=nio.RoomVisibility.private, invite=[bot.user_id], is_direct=False
    )
    assert isinstance(resp, nio.RoomCreateResponse), resp
    return str(resp.room_id)


async def test_a_revoked_member_is_a_stranger_to_the_transport_at_once(
    setup: tuple[MatrixBot, Person],
) -> None:
    """The transport asks the engine on every invitation and message; nothing it learnt
    about a member before the revocation outlives it (no restart in between)."""
    bot, admin = setup
    coord = await join_with_invite(bot, admin, "coordinator", "coord")
    # Trusted as a member: answered in the direct chat, their group room joined.
    assert coord.user_id in bodies(await coord.say(bot, "!whoami"))
    first = await group_invite(coord, bot)
    await bot_membership(coord, first, bot, "join")

    member_id = await scalar(bot.app.db, "SELECT id FROM members WHERE user_id = ?", coord.user_id)
    await admin.say(bot, f"!revoke {member_id}")
    typed, _ = await bot.option(admin.room_id, "rv:y:")
    assert f"#{member_id}" in bodies(await admin.say(bot, typed))

    # The next group invitation is declined, like a stranger's.
    second = await group_invite(coord, bot)
    await bot_membership(coord, second, bot, "leave")
    # The direct chat gets the revoked answer, and the bot leaves it.
    assert "доступ до бота завершено" in bodies(await coord.say(bot, "hello"))
    await bot_membership(coord, coord.room_id, bot, "leave")


async def test_export_file_and_chart_image(setup: tuple[MatrixBot, Person]) -> None:
    bot, admin = setup
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    await nurse.say(bot, "!need 2 генератор; 200 уп бинти !critical")
    typed, _ = await bot.option(nurse.room_id, "w:submit:")
    await nurse.say(bot, typed)
    coord = await join_with_invite(bot, admin, "coordinator", "coord")
    [file_msg] = await coord.say(bot, "!export xlsx")
    assert file_msg["msgtype"] == "m.file"
    assert file_msg["filename"].endswith(".xlsx")
    # The caption travels as the body (Matrix 1.10 media captions), in HTML too.
    assert "Експорт" in file_msg["body"] and file_msg["formatted_body"]
    assert file_msg["url"].startswith("mxc://")
    download = await coord.client.download(mxc=file_msg["url"])
    assert isinstance(download, nio.MemoryDownloadResponse), download
    assert file_msg["info"]["size"] == len(download.body)
    sheet = load_workbook(io.BytesIO(download.body)).active
    assert sheet is not None
    assert sheet["A2"].value == "#meta+id" and sheet["A3"].value == "R-1001"

    chart = await coord.say(bot, "!chart")
    images = [c for c in chart if c["msgtype"] == "m.image"]
    assert len(images) == 1, bodies(chart)
    image = await coord.client.download(mxc=images[0]["url"])
    assert isinstance(image, nio.MemoryDownloadResponse)
    assert image.body.startswith(b"\x89PNG")
    assert images[0]["info"]["w"] > 0 and images[0]["info"]["mimetype"] == "image/png"


async def test_exports_are_split_at_the_homeservers_upload_limit(
    setup: tuple[MatrixBot, Person],
) -> None:
    """The transport asks the homeserver's media config at start (m.upload.size: the
    test server's max_upload_size, 50M) and the exports' file limit is that, less room for
    the upload's framing; Telegram keeps its default."""
    bot, _ = setup
    limits = bot.app.ctx.file_limits
    assert limits.max_bytes("matrix") == 50 * 1024 * 1024 - UPLOAD_FRAMING_BYTES
    assert limits.max_bytes("telegram") == DEFAULT_LIMITS["telegram"]
