"""One bot, one database, two platforms: a Telegram requester (fake Bot API) and a Matrix
coordinator (real Synapse) work on the same request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from handlers.coordination.digest_jobs import run_digest
from tests.bot.matrix_bot_harness import MatrixBot, Person, bodies, matrix_settings
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, message_id
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi
from tests.matrix_harness import Homeserver, unique_localpart

pytestmark = pytest.mark.slow

TG_ADMIN = 900
NURSE = 101


async def test_telegram_request_in_matrix_digest_and_matrix_pledge_on_telegram(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    db_path = tmp_path / "bot.db"
    bot_user = await homeserver.register(unique_localpart("aidbridge"))
    fake = FakeBotApi(token=TOKEN)
    await fake.start()
    matrix = matrix_settings(homeserver, bot_user, db_path)
    del matrix["db_path"]
    tg = await TelegramHarness.start(fake, db_path, **matrix)
    mx = MatrixBot(homeserver, bot_user, tg.app)
    try:
        assert set(tg.app.transports) == {"telegram", "matrix"}
        org_id = await mx.add_org()

        # A coordinator on Matrix, invited by the admin on Telegram.
        sent = await tg.say(TG_ADMIN, f"/invite {org_id} coordinator")
        invite_text = sent[-1].params["text"]
        assert f"→ {bot_user.user_id}" in invite_text  # the Matrix hint beside the t.me link
        code = invite_text.split("?start=")[1].split()[0]
        coord = await Person.register(homeserver, "koordination")
        await coord.open_dm(mx)
        assert "✅" in bodies(await coord.say(mx, f"!start {code}"))
        assert "Deutsch" in bodies(await coord.say(mx, "!lang de"))
        assert "08:00" in bodies(await coord.say(mx, "!subscribe daily 08:00"))

        # A requester on Telegram submits a request.
        sent = await tg.say(TG_ADMIN, f"/invite {org_id} requester")
        code = sent[-1].params["text"].split("?start=")[1].split()[0]
        await tg.say(NURSE, f"/start {code}")
        sent = await tg.say(NURSE, "/need 2 генератор; 200 уп бинти !high")
        sent = await tg.press(NURSE, button(sent[-1], "w:submit:"), message_id(sent[-1]))
        assert "R-1001" in sent[-1].params["text"]

        # The Matrix coordinator's scheduled digest shows it, in German.
        sub_id = await scalar(tg.app.db, "SELECT id FROM subscriptions WHERE kind = 'daily'")
        assert await run_digest(tg.app.ctx, sub_id, tg.app.ctx.clock() + timedelta(seconds=1))
        tg.app.worker.wake()
        [digest] = await coord.told(mx)
        assert "R-1001" in digest["body"] and "Stromerzeuger" in digest["body"]
        assert digest["msgtype"] == "m.notice" and "<b>" in digest["formatted_body"]

        # The coordinator pledges on Matrix; the hospital hears it on Telegram, in Ukrainian.
        assert "Bearbeitung" in bodies(await coord.say(mx, "!ack R-1001"))
        assert "Zusage" in bodies(await coord.say(mx, "!pledge R-1001 1 2; Lager Köln"))
        [call] = await fake.wait_for(
            lambda c: (
                c.method == "sendMessage"
                and c.chat_id == NURSE
                and "обіцянка" in str(c.params.get("text"))
            ),
            timeout=10,
        )
        assert "R-1001" in call.params["text"] and "Генератор ×2" in call.params["text"]
        assert not fake.errors, [e.description for e in fake.errors]
    finally:
        await tg.stop()
        await fake.stop()
