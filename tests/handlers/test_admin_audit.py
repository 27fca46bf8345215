"""/audit through the engine: newest first, counts, filters by member, request and org."""

from __future__ import annotations

import re

from handlers.text.i18n import Language, Translator
from handlers.text.split import TELEGRAM_LIMIT
from storage import audit
from storage.models import Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload
from tests.handlers.admin_steps import COORD, NURSE, admin_in_english, say, tap, text_of

ENTRY = re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d · ", re.MULTILINE)


def actions(text: str, lang: Language = "en") -> list[str]:
    """The action codes of the entries listed, from their names in ``lang``."""
    t = Translator()
    codes = {
        t(lang, key): key.removeprefix("audit.action.")
        for key in t.catalogs[lang]
        if key.startswith("audit.action.")
    }
    return [codes.get(name, name) for name in re.findall(r"· <b>([^<]+)</b>", text)]


async def setup(h: EngineHarness, admin_lang: Language = "en") -> None:
    """Admin #1, nurse #2 with request R-1001, coordinator #3 who acknowledged it."""
    # The bootstrap admin's first message creates them, in the language it comes in.
    await say(h, ADMIN, "/help", lang=admin_lang)
    hospital = await h.add_org()
    ngo = await h.add_org(name="Hilfswerk NRW", address=None)
    await h.join(NURSE, hospital.id)
    await h.join(COORD, ngo.id, Role.COORDINATOR, lang="de")
    replies = await say(h, NURSE, "/need 2 генератор")
    await tap(h, NURSE, find_payload(replies[0], "w:submit:"))
    await say(h, COORD, "/ack R-1001")
    await say(h, ADMIN, "/org 2 address Köln, Domplatz 1")
    await say(h, ADMIN, "/role 2 coordinator add")


async def test_audit_newest_first_with_a_count(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    text = text_of(await say(h, ADMIN, "/audit"))
    total = await h.count("audit")
    assert f"Audit log, newest first: {total}" in text
    found = actions(text)
    assert found[0] == "member.role" and found[1] == "org.edit"
    assert found[-1] == "invite.create"
    assert "#1 · <b>Roles changed</b> · member:2" in text
    assert "roles: requester → coordinator, requester; alerts switched on (subscriptions 2)" in text
    assert "24.11.2026 10:" in text  # times in the configured zone (Berlin, UTC+1)

    two = text_of(await say(h, ADMIN, "/audit 2"))
    assert "newest first: 2" in two and actions(two) == ["member.role", "org.edit"]
    for wrong in ("/audit 0", "/audit 5 #2 extra", "/audit x y"):
        assert "Usage: /audit" in text_of(await say(h, ADMIN, wrong)), wrong


async def test_audit_filters(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    by_nurse = text_of(await say(h, ADMIN, "/audit #2"))
    assert "Audit log for #2 Test Person" in by_nurse
    # What they did (joined, filed R-1001) and what was done to them (the role change).
    assert actions(by_nurse) == ["member.role", "request.create", "member.join"]
    assert actions(text_of(await say(h, ADMIN, "/audit 1 telegram:101"))) == ["member.role"]
    by_coord = text_of(await say(h, ADMIN, "/audit telegram:301"))
    assert actions(by_coord) == ["request.ack", "member.join"]

    request = text_of(await say(h, ADMIN, "/audit R-1001"))
    assert "Audit log for R-1001" in request
    assert actions(request) == ["request.ack", "request.create"]
    assert actions(text_of(await say(h, ADMIN, "/audit r1001"))) == actions(request)
    org = text_of(await say(h, ADMIN, "/audit org:2"))
    assert actions(org) == ["org.edit", "member.join", "invite.create"]

    assert "No member “#99”" in text_of(await say(h, ADMIN, "/audit #99"))
    assert "No matching audit entries" in text_of(await say(h, ADMIN, "/audit R-2000"))


async def test_audit_of_many_rows_is_capped_and_split(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    async with h.db.transaction() as conn:
        for n in range(230):
            await audit.add_audit(
                conn,
                actor_id=1,
                actor_label="telegram:900",
                action="org.edit",
                target="org:1",
                summary=f"entry {n} " + "x" * 60 + " <&>",
                now=h.clock(),
            )
    replies = await say(h, ADMIN, "/audit 500")
    assert len(replies) > 1
    assert all(len(r.text) <= TELEGRAM_LIMIT for r in replies)
    text = text_of(replies)
    assert "newest first: 200" in text
    assert len(ENTRY.findall(text)) == 200
    assert "entry 229 " in text and "entry 30 " in text and "entry 29 " not in text
    assert "&lt;&amp;&gt;" in text and "<&>" not in text


async def test_audit_is_for_admins_only(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    assert "недоступна" in (await say(h, NURSE, "/audit"))[0].text
    assert "nicht zur Verfügung" in (await say(h, COORD, "/audit R-1001"))[0].text


async def test_a_forgotten_member_is_named_as_former_member(harness: EngineHarness) -> None:
    """Their identity is a tombstone after /forget: the title must not show it."""
    h = harness
    await setup(h)
    await say(h, ADMIN, "/forget 2")
    await tap(h, ADMIN, "fgm:2:yes")
    text = text_of(await say(h, ADMIN, "/audit #2"))
    assert "Audit log for #2 former member" in text
    assert "forgotten-" not in text
    assert actions(text)[0] == "member.forget"


async def test_help_shows_how_to_name_a_member_for_audit(harness: EngineHarness) -> None:
    """'/audit 12' is a count; the help must show the '#' that makes it member 12."""
    h = harness
    await admin_in_english(h)
    help_text = text_of(await say(h, ADMIN, "/help"))
    assert "/audit [N] [#MEMBER|R-1042|org:ID]" in help_text


async def test_a_ukrainian_admin_reads_the_log_in_ukrainian(harness: EngineHarness) -> None:
    h = harness
    await setup(h, admin_lang="uk")
    await say(h, NURSE, "/withdraw R-1001")
    await tap(h, NURSE, "wd:yes:1001")
    text = text_of(await say(h, ADMIN, "/audit"))
    assert "Журнал змін, нові зверху: 9" in text
    for line in (
        "#2 · <b>Запит відкликано</b> · R-1001\n   Прийнято до роботи → Відкликано",
        "#1 · <b>Ролі змінено</b> · member:2\n"
        "   ролі: заявник → координатор, заявник; увімкнено сповіщення (підписки 2)",
        "#1 · <b>Організацію змінено</b> · org:2\n   Адреса: — → Köln, Domplatz 1",
        "#3 · <b>Запит прийнято до роботи</b> · R-1001\n   статус: Прийнято до роботи",
        "#2 · <b>Запит подано</b> · R-1001\n   позицій: 1; Звичайно",
        "#3 · <b>Учасник приєднався</b> · org:2\n   роль: координатор, запрошення 2",
        "test · <b>Запрошення створено</b> · org:1\n   запрошення 1, роль: заявник, діє 7 дн.",
    ):
        assert line in text, line
    assert actions(text, "uk")[:2] == ["request.withdraw", "member.role"]
    # Not a word of the English log.
    for english in ("roles", "status:", "items", "invite", "Request", "withdrawn", "acknowledged"):
        assert english not in text, english


async def test_the_same_entries_in_german(harness: EngineHarness) -> None:
    h = harness
    await setup(h, admin_lang="de")
    text = text_of(await say(h, ADMIN, "/audit 3"))
    assert "Änderungsprotokoll, neueste zuerst: 3" in text
    assert (
        "<b>Rollen geändert</b> · member:2\n   Rollen: Anfragende → Koordination, Anfragende"
        in text
    )
    assert "<b>Anfrage in Bearbeitung genommen</b> · R-1001\n   Status: In Bearbeitung" in text


async def test_rows_written_before_parameters_read_as_they_were(harness: EngineHarness) -> None:
    """An English sentence of an older version is shown as written, escaped."""
    h = harness
    await say(h, ADMIN, "/help", lang="uk")
    async with h.db.transaction() as conn:
        await audit.add_audit(
            conn,
            actor_id=1,
            actor_label="telegram:900",
            action="request.withdraw",
            target="R-1001",
            summary="acknowledged -> withdrawn <old>",
            now=h.clock(),
        )
        await audit.add_audit(
            conn,
            actor_id=1,
            actor_label="telegram:900",
            action="shipment.dispatch",  # an action without a name yet: its code
            target="S-1",
            params={"boxes": 1200},
            now=h.clock(),
        )
    text = text_of(await say(h, ADMIN, "/audit"))
    assert "<b>Запит відкликано</b> · R-1001\n   acknowledged -&gt; withdrawn &lt;old&gt;" in text
    assert "<b>shipment.dispatch</b> · S-1\n   boxes: 1\u202f200" in text
