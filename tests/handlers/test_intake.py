"""The intake conversation through the engine: Incoming in, Replies and rows out."""

from __future__ import annotations

from handlers.core.engine import Engine
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload, payloads

NURSE = Identity(transport="telegram", user_id="101")
COLLEAGUE = Identity(transport="telegram", user_id="102")
OTHER_ORG = Identity(transport="telegram", user_id="201")
STRANGER = Identity(transport="telegram", user_id="666")
COORD = Identity(transport="telegram", user_id="301")


async def start_wizard(h: EngineHarness, who: Identity = NURSE) -> str:
    replies = await h.send(who, "/new")
    assert len(replies) == 1
    return find_payload(replies[0], "w:cat:power")


async def fill_to_summary(h: EngineHarness, who: Identity = NURSE) -> str:
    """Generator x2, critical, 1 week, org address, no note; returns the Submit payload."""
    await start_wizard(h, who)
    await h.press(who, "w:cat:power")
    replies = await h.press(who, "w:item:generator")
    assert "Генератор" in replies[0].text
    replies = await h.send(who, "2")
    assert find_payload(replies[0], "w:more:done")
    await h.press(who, "w:more:done")
    await h.press(who, "w:urg:critical")
    await h.press(who, "w:due:7")
    replies = await h.press(who, "w:place:org")
    assert "w:note:skip" in payloads(replies[0])
    replies = await h.press(who, "w:note:skip")
    return find_payload(replies[0], "w:submit:")


async def test_stranger_gets_only_the_explanation(harness: EngineHarness) -> None:
    for text in [
        "/new",
        "/need 2 генератор",
        "/my",
        "/show R-1001",
        "/invite 1 admin",
        "/orgs",
        "/help",
        "/whoami",
        "/lang de",
        "/withdraw R-1001",
        "hello",
        "/nonsense",
        "/start",
        "/cancel",
    ]:
        replies = await harness.send(STRANGER, text)
        assert len(replies) == 1
        assert "/start" in replies[0].text and "запрошення" in replies[0].text.lower()
        assert not replies[0].choices
    replies = await harness.press(STRANGER, "w:cat:power")
    assert "запрошення" in replies[0].text
    assert await harness.count("members") == 0
    assert await harness.count("requests") == 0


async def test_stranger_explanation_in_their_language(harness: EngineHarness) -> None:
    replies = await harness.send(STRANGER, "/new", lang="de")
    assert "Einladung" in replies[0].text
    replies = await harness.send(STRANGER, "/new", lang="en")
    assert "invite" in replies[0].text


async def test_wizard_to_stored_request(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    submit = await fill_to_summary(harness)
    replies = await harness.press(NURSE, submit)
    assert len(replies) == 1
    reply = replies[0]
    assert "R-1001" in reply.text and reply.durable and reply.outbox_id is not None
    rows = await harness.rows(
        "SELECT r.id, r.urgency, r.needed_by, r.delivery_place, r.status, i.item_key,"
        " i.quantity, i.unit FROM requests r JOIN request_items i ON i.request_id = r.id"
    )
    assert rows == [
        (1001, "critical", "2026-12-01", "вул. Тестова, 1", "new", "generator", 2, "pcs")
    ]
    assert await harness.count("status_events") == 1
    assert (await harness.rows("SELECT action FROM audit WHERE target='R-1001'")) == [
        ("request.create",)
    ]
    # The confirmation is an outbox row of its own, written in the same transaction.
    messages = "SELECT kind, chat_id FROM outbox WHERE kind != 'menu'"  # menus are no messages
    assert (await harness.rows(messages)) == [("reply", "101")]


async def test_double_submit_creates_one_request(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    submit = await fill_to_summary(harness)
    first = await harness.press(NURSE, submit)
    second = await harness.press(NURSE, submit)
    assert "R-1001" in first[0].text
    assert len(second) == 1 and second[0].toast and "R-1001" in second[0].text
    assert await harness.count("requests") == 1
    assert await harness.rows("SELECT COUNT(*) FROM outbox WHERE kind != 'menu'") == [(1,)]


async def test_replayed_update_changes_nothing(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    submit = await fill_to_summary(harness)
    first = await harness.press(NURSE, submit, update_id="777")
    again = await harness.press(NURSE, submit, update_id="777")
    assert first and again == []
    assert await harness.count("requests") == 1


async def test_back_button_returns_to_previous_step(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    await harness.press(NURSE, "w:cat:power")
    replies = await harness.press(NURSE, "w:back")
    assert "w:cat:power" in payloads(replies[0]) and replies[0].replace


async def test_bad_quantities_are_refused_with_reasons(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    await harness.press(NURSE, "w:cat:medical_supplies")
    await harness.press(NURSE, "w:item:bandages")
    cases = {
        "0": "щонайменше 1",
        "-5": "від'ємною",
        "99999999999": "максимум",
        "1000001": "максимум",
        "2,5": "ціле число",
        "багато": "не кількість",
        "🔥🔥": "не кількість",
    }
    for text, expected in cases.items():
        replies = await harness.send(NURSE, text)
        assert expected in replies[0].text, (text, replies[0].text)
    assert await harness.count("requests") == 0
    replies = await harness.send(NURSE, "200 уп")
    assert "w:more:add" in payloads(replies[0])


async def test_dates_in_the_past_are_refused(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    await harness.send(NURSE, "генератор")
    await harness.send(NURSE, "3")
    await harness.press(NURSE, "w:more:done")
    await harness.press(NURSE, "w:urg:high")
    replies = await harness.send(NURSE, "01.01.2020")
    assert "минула" in replies[0].text
    replies = await harness.send(NURSE, "31.02.2027")
    assert "Не вдалося прочитати дату" in replies[0].text
    replies = await harness.send(NURSE, "2026-12-15")
    assert "w:place:org" in payloads(replies[0])


async def test_user_text_is_escaped_everywhere(harness: EngineHarness) -> None:
    org = await harness.add_org(name="<b>Hospital</b> & Co", address="<i>Street</i> & 1")
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    replies = await harness.send(NURSE, "<b>ТЕРМІНОВО</b> антибіотики & шприци 🔥")
    assert "&lt;b&gt;ТЕРМІНОВО&lt;/b&gt;" in replies[0].text or "Антибіотики" in replies[0].text
    await harness.send(NURSE, "10")
    await harness.press(NURSE, "w:more:done")
    await harness.press(NURSE, "w:urg:normal")
    await harness.press(NURSE, "w:due:30")
    await harness.send(NURSE, "<script>alert(1)</script> & склад")
    replies = await harness.send(NURSE, "Нотатка <b>жирна</b> & 💉")
    text = replies[0].text
    assert "&lt;script&gt;" in text and "&amp; склад" in text
    assert "&lt;b&gt;жирна&lt;/b&gt; &amp; 💉" in text
    assert "<script>" not in text and "<b>жирна" not in text


async def test_long_note_is_refused_and_nothing_lost(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    await harness.send(NURSE, "намет")
    await harness.send(NURSE, "12")
    await harness.press(NURSE, "w:more:done")
    await harness.press(NURSE, "w:urg:low")
    await harness.press(NURSE, "w:due:14")
    await harness.press(NURSE, "w:place:org")
    replies = await harness.send(NURSE, "х" * 5000)
    assert "5000" in replies[0].text and "4000" in replies[0].text
    replies = await harness.send(NURSE, "х" * 1500)
    assert "1500" in replies[0].text and "1000" in replies[0].text
    replies = await harness.send(NURSE, "коротка примітка")
    assert find_payload(replies[0], "w:submit:")


async def test_unknown_item_is_kept_as_free_text(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    replies = await harness.send(NURSE, "Фортепіано для реабілітації")
    assert "поза каталогом" in replies[0].text or "немає в каталозі" in replies[0].text
    await harness.send(NURSE, "1")
    replies = await harness.press(NURSE, "w:more:done")
    assert "Фортепіано для реабілітації" in replies[0].text


async def test_conversation_survives_a_restart(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await start_wizard(harness)
    await harness.press(NURSE, "w:cat:power")
    await harness.press(NURSE, "w:item:generator")
    # A new engine on the same database: what a restarted process has.
    harness.engine = Engine(harness.engine.ctx)
    harness.clock.advance(hours=5)
    replies = await harness.send(NURSE, "4")
    assert "Генератор — 4" in replies[0].text


async def test_need_one_liner_to_request(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    replies = await harness.send(NURSE, "/need 2 генератор 30 кВт; 200 уп бинти !critical")
    text = replies[0].text
    assert "Генератор — 2" in text and "200" in text and "Критично" in text
    replies = await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    assert "R-1001" in replies[0].text
    rows = await harness.rows("SELECT item_key, quantity, unit FROM request_items ORDER BY id")
    assert rows[0][:2] == ("generator", 2) and rows[1][1] == 200


async def test_need_with_errors_points_at_them(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    for text in [
        "/need -5 генератор",
        "/need 0 бинти",
        "/need генератор",
        "/need 2 генератор by 01.01.2020",
        "/need",
    ]:
        replies = await harness.send(NURSE, text)
        assert "не збережено" in replies[0].text, text
    assert await harness.count("requests") == 0


async def test_my_show_and_withdraw(harness: EngineHarness) -> None:
    org = await harness.add_org()
    other = await harness.add_org(name="Лікарня №9")
    await harness.join(NURSE, org.id)
    await harness.join(OTHER_ORG, other.id)
    replies = await harness.send(NURSE, "/need 5 намет")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    replies = await harness.send(NURSE, "/my")
    assert "R-1001" in replies[0].text
    replies = await harness.send(OTHER_ORG, "/my")
    assert "R-1001" not in replies[0].text
    # Another organisation's request looks exactly like a missing one.
    foreign = await harness.send(OTHER_ORG, "/show R-1001")
    missing = await harness.send(OTHER_ORG, "/show R-9999")
    assert foreign[0].text.replace("1001", "X") == missing[0].text.replace("9999", "X")
    assert (await harness.send(OTHER_ORG, "/withdraw R-1001"))[0].text.replace(
        "1001", "X"
    ) == missing[0].text.replace("9999", "X")
    replies = await harness.send(NURSE, "/withdraw R-1001")
    replies = await harness.press(NURSE, find_payload(replies[0], "wd:yes:"))
    assert "відкликано" in replies[0].text
    assert (await harness.rows("SELECT status FROM requests")) == [("withdrawn",)]
    replies = await harness.send(NURSE, "/withdraw R-1001")
    assert "уже закрито" in replies[0].text


async def test_invites_are_single_use_and_expire(harness: EngineHarness) -> None:
    org = await harness.add_org()
    code = await harness.invite_code(org.id)
    assert "✅" in (await harness.send(NURSE, f"/start {code}"))[0].text
    replies = await harness.send(STRANGER, f"/start {code}")
    assert "вже використано" in replies[0].text
    expiring = await harness.invite_code(org.id, days=1)
    harness.clock.advance(days=1, seconds=1)
    replies = await harness.send(COLLEAGUE, f"/start {expiring}")
    assert "минув" in replies[0].text
    replies = await harness.send(COLLEAGUE, "/start WRONGCODE12")
    assert "не знайдено" in replies[0].text
    stored = await harness.rows("SELECT code_mac FROM invites")
    assert all(code not in row[0] for row in stored)
    assert await harness.count("members") == 1


async def test_bootstrap_admin_invites_from_chat(harness: EngineHarness) -> None:
    org = await harness.add_org()
    replies = await harness.send(ADMIN, f"/invite {org.id} requester 3")
    text = replies[0].text
    assert "https://t.me/aidbridge_test_bot?start=" in text
    code = text.split("?start=")[1].split()[0]
    replies = await harness.send(NURSE, f"/start {code}")
    assert "✅" in replies[0].text
    replies = await harness.send(NURSE, f"/invite {org.id} admin")
    assert "недоступна" in replies[0].text


async def test_colleagues_and_coordinators_hear_of_critical_requests(
    harness: EngineHarness,
) -> None:
    org = await harness.add_org()
    coord_org = await harness.add_org(name="Staatskanzlei NRW")
    await harness.join(NURSE, org.id)
    await harness.join(COLLEAGUE, org.id)
    await harness.join(COORD, coord_org.id, role=Role.COORDINATOR, lang="de")
    replies = await harness.send(NURSE, "/need 2 генератор !critical")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    rows = await harness.rows("SELECT chat_id, kind, text FROM outbox ORDER BY id")
    by_chat = {r[0]: r for r in rows}
    assert set(by_chat) == {"101", "102", "301"}
    assert by_chat["301"][1] == "alert" and "Kritische Anfrage R-1001" in by_chat["301"][2]
    assert "Stromerzeuger" in by_chat["301"][2] or "Generator" in by_chat["301"][2]


async def test_text_platforms_answer_by_number(harness: EngineHarness) -> None:
    org = await harness.add_org()
    who = Identity(transport="console", user_id="local")
    await harness.join(who, org.id)
    replies = await harness.send(who, "/new", buttons=False)
    options = [c for c in replies[0].flat_choices() if not c.nav]
    power_index = [c.payload for c in options].index("w:cat:power") + 1
    replies = await harness.send(who, str(power_index), buttons=False)
    assert "w:item:generator" in payloads(replies[0])
    replies = await harness.send(who, "назад", buttons=False)
    assert "w:cat:power" in payloads(replies[0])


async def test_too_long_message_refused(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    replies = await harness.send(NURSE, "a" * 4001)
    assert "4001" in replies[0].text


async def test_lang_switch(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    replies = await harness.send(NURSE, "/lang de")
    assert "Deutsch" in replies[0].text
    replies = await harness.send(NURSE, "/help")
    assert "Befehle" in replies[0].text and "/new" in replies[0].text
    assert "/invite" not in replies[0].text
    harness.clock.advance(minutes=1)
    replies = await harness.send(NURSE, "/lang")
    assert "lang:en" in payloads(replies[0])
    replies = await harness.press(NURSE, "lang:en")
    assert "English" in replies[0].text


async def test_free_text_gets_a_helpful_answer(harness: EngineHarness) -> None:
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    replies = await harness.send(NURSE, "Доброго дня! Нам терміново потрібні генератори")
    assert "/new" in replies[0].text and "w:start" in payloads(replies[0])
    replies = await harness.press(NURSE, "w:start")
    assert "w:cat:power" in payloads(replies[0])


async def test_sample_free_text_messages_get_helpful_answers(harness: EngineHarness) -> None:
    from tests.sample_files import sample_path

    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    lines = sample_path("free_text_messages.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 5
    for line in filter(None, lines):
        replies = await harness.send(NURSE, line)
        assert len(replies) == 1, line
        assert "/new" in replies[0].text and "/need" in replies[0].text
        assert "w:start" in payloads(replies[0])
        assert "<b>ТЕРМІНОВО" not in replies[0].text


async def test_locked_database_gets_a_busy_answer_and_loses_nothing(
    harness: EngineHarness,
) -> None:
    import sqlite3

    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    replies = await harness.send(NURSE, "/need 3 намет")
    submit = find_payload(replies[0], "w:submit:")
    async with harness.db.read() as conn:
        await conn.execute("PRAGMA busy_timeout = 50")  # do not wait 5 s in a test
    other = sqlite3.connect(harness.db.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process (a backup, the CLI) holds the lock
    try:
        replies = await harness.press(NURSE, submit, update_id="5001")
        assert len(replies) == 1 and "зайнятий" in replies[0].text
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await harness.count("requests") == 0
    # Telegram delivers the same update again: now it goes through, once.
    replies = await harness.press(NURSE, submit, update_id="5001")
    assert "R-1001" in replies[0].text
    assert await harness.count("requests") == 1


async def test_review_findings_stay_fixed(harness: EngineHarness) -> None:
    """/whoami works, odd digits never crash, '!!!' in a note is text, /new resumes."""
    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    replies = await harness.send(NURSE, "/whoami")
    assert "telegram:101" in replies[0].text
    replies = await harness.send(NURSE, "/lang klingon")
    assert "klingon" in replies[0].text
    for text in ["/show R-²", "/withdraw ²", "/show 99999999999999999999"]:
        replies = await harness.send(NURSE, text)
        assert "не знайдено" in replies[0].text or "Вкажіть" in replies[0].text, text
    for payload in ["w:due:²", "w:rm:²", "wd:yes:²", "wd:ask:99999999999999999999"]:
        replies = await harness.press(NURSE, payload)
        assert replies and "Щось пішло не так" not in replies[0].text, payload
    await start_wizard(harness)
    await harness.send(NURSE, "намет")
    await harness.send(NURSE, "2")
    await harness.press(NURSE, "w:more:done")
    await harness.press(NURSE, "w:urg:high")
    await harness.press(NURSE, "w:due:7")
    await harness.press(NURSE, "w:place:org")
    replies = await harness.send(NURSE, "!!! терміново, склад закрито")
    assert find_payload(replies[0], "w:submit:")
    assert "!!! терміново" in replies[0].text
    # A second /new (or an old "New request" button) resumes instead of discarding.
    replies = await harness.send(NURSE, "/new")
    assert "незавершений" in replies[0].text and find_payload(replies[0], "w:submit:")
    replies = await harness.press(NURSE, "w:start")
    assert find_payload(replies[0], "w:submit:")


async def test_group_chat_never_becomes_the_notification_chat(harness: EngineHarness) -> None:
    from handlers.core.events import ChatRef, Incoming

    org = await harness.add_org()
    await harness.join(NURSE, org.id)
    await harness.join(COLLEAGUE, org.id)
    group = Incoming(
        chat=ChatRef(transport="telegram", chat_id="-100555"),
        sender=COLLEAGUE,
        update_id="g1",
        text="/help",
        private=False,
    )
    harness.clock.advance(hours=1)
    await harness.engine.handle(group)
    replies = await harness.send(NURSE, "/need 2 генератор")
    await harness.press(NURSE, find_payload(replies[0], "w:submit:"))
    chats = await harness.rows("SELECT chat_id FROM outbox WHERE kind = 'colleague'")
    assert chats == [("102",)]
