"""/org_add, /orgs and /org through the engine: one line, guided, editing, wrong input."""

from __future__ import annotations

from storage.models import Role
from tests.engine_harness import ADMIN, EngineHarness, payloads
from tests.handlers.admin_steps import NURSE, admin_in_english, audit_rows, say, tap, text_of

ORG_COLUMNS = "kind, name, raion, settlement, code, address"


async def org_row(h: EngineHarness, org_id: int = 1) -> tuple[object, ...]:
    rows = await h.rows(f"SELECT {ORG_COLUMNS} FROM organisations WHERE id = ?", org_id)
    assert rows, f"no organisation {org_id}"
    return rows[0]


async def test_org_add_in_one_line_then_list_and_card(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    replies = await say(
        h, ADMIN, "/org_add hospital; КНП «Лікарня №4» <A&B>; Дніпровський; Дніпро; 0123 4567"
    )
    text = text_of(replies)
    assert "Organisation #1 added" in text
    assert "&lt;A&amp;B&gt;" in text and "<A&B>" not in text  # the name is escaped
    assert "/invite 1 requester" in text
    assert await org_row(h) == (
        "hospital",
        "КНП «Лікарня №4» <A&B>",
        "Дніпровський",
        "Дніпро",
        "01234567",
        None,
    )
    [(actor, target, params)] = await audit_rows(h, "org.add")
    assert (actor, target) == (1, "org:1")
    assert params == {
        "fields": {
            "name": "КНП «Лікарня №4» <A&B>",
            "kind": "hospital",
            "raion": "Дніпровський",
            "settlement": "Дніпро",
            "code": "01234567",
        },
        # The place as its KATOTTH codes: raion, hromada, settlement.
        "place": "UA12020000000052809 UA12020010000033698 UA12020010010037010",
    }
    codes = await h.rows("SELECT raion_code, hromada_code, settlement_code FROM organisations")
    assert codes == [("UA12020000000052809", "UA12020010000033698", "UA12020010010037010")]

    # English readers get the Latin transliteration beside every Cyrillic name.
    listing = text_of(await say(h, ADMIN, "/orgs"))
    assert (
        "1. КНП «Лікарня №4» &lt;A&amp;B&gt; (KNP «Likarnia №4» &lt;A&amp;B&gt;) — hospital, "
        "Дніпро (Dnipro), Дніпровська (Dniprovska) hromada, Дніпровський (Dniprovskyi) raion"
    ) in listing
    card = (await say(h, ADMIN, "/org 1"))[0]
    assert "EDRPOU: 01234567" in card.text and "Address: —" in card.text
    assert "KATOTTH: <code>UA12020010010037010</code>" in card.text
    assert payloads(card) == [
        f"org:e:1:{field}" for field in ("name", "kind", "place", "code", "address")
    ]
    # Ukrainian readers see the Cyrillic only.
    await say(h, ADMIN, "/lang uk")
    listing = text_of(await say(h, ADMIN, "/orgs"))
    assert "м. Дніпро, Дніпровська громада, Дніпровський район" in listing
    assert "Dnipro" not in listing


async def test_org_add_refuses_wrong_input_and_saves_nothing(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    cases = {
        "/org_add castle; Name; Raion; Town": "Unknown kind “castle”",
        "/org_add hospital; Name; Raion; Town; 1234567": "exactly 8 digits",
        "/org_add hospital; Name; Raion; Town; 12345678x": "exactly 8 digits",
        "/org_add hospital;  ; Raion; Town": "Name must not be empty",
        "/org_add hospital; Name; Raion": "got 3",
        "/org_add hospital; a; b; c; 12345678; addr; extra": "got 7",
        "/org_add just some words": "Or in one line",
        "/org_add ngo; " + "x" * 201 + "; Raion; Town": "at most 200",
    }
    for command, expected in cases.items():
        text = text_of(await say(h, ADMIN, command))
        assert expected in text, (command, text)
    assert await h.count("organisations") == 0
    assert await audit_rows(h, "org.add") == []


async def test_org_add_guided_with_buttons_and_typed_answers(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    first = (await say(h, ADMIN, "/org_add"))[0]
    assert "step 1 of 7" in first.text
    assert "oa:k:municipality" in payloads(first) and "oa:x" in payloads(first)
    replies = await tap(h, ADMIN, "oa:k:municipality")
    assert "step 2 of 7" in replies[0].text
    await say(h, ADMIN, "Покровська   громада")
    await say(h, ADMIN, "Нікопольський")
    # A city typed at the hromada question: its hromada and the city are both taken.
    replies = await say(h, ADMIN, "Покров")
    assert "step 6 of 7" in replies[0].text and "oa:s:code" in payloads(replies[0])
    replies = await say(h, ADMIN, "12-34")
    assert "exactly 8 digits" in replies[0].text and "step 6 of 7" in replies[0].text
    replies = await say(h, ADMIN, "87654321")
    assert "step 7 of 7" in replies[0].text
    # A Skip button from the earlier question is stale now: the current question is repeated.
    replies = await tap(h, ADMIN, "oa:s:code")
    assert "step 7 of 7" in replies[0].text
    replies = await tap(h, ADMIN, "oa:s:address")
    assert "Organisation #1 added" in text_of(replies)
    assert await org_row(h) == (
        "municipality",
        "Покровська громада",
        "Нікопольський",
        "Покров",
        "87654321",
        None,
    )
    assert await h.count("conversations") == 0
    assert len(await audit_rows(h, "org.add")) == 1


async def test_org_add_guided_can_be_cancelled(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await say(h, ADMIN, "/org_add")
    await say(h, ADMIN, "лікарня")  # the kind typed, in Ukrainian
    await say(h, ADMIN, "Лікарня №9")
    replies = await tap(h, ADMIN, "oa:x")
    assert "nothing was saved" in replies[0].text
    assert await h.count("organisations") == 0
    assert await h.count("conversations") == 0
    # Typed text now is ordinary free text, not a field of a forgotten wizard.
    await say(h, ADMIN, "Дніпро")
    assert await h.count("organisations") == 0


async def test_org_edit_in_one_line(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await h.add_org(address="вул. Тестова, 1")
    replies = await say(h, ADMIN, "/org 1 address Вул. Шевченка 5")
    assert "Address of “Лікарня №4” changed" in replies[0].text
    assert "Address: Вул. Шевченка 5" in replies[0].text
    assert (await org_row(h))[5] == "Вул. Шевченка 5"
    [(_, target, params)] = await audit_rows(h, "org.edit")
    assert target == "org:1"
    assert params == {"field": "address", "old": "вул. Тестова, 1", "new": "Вул. Шевченка 5"}

    await say(h, ADMIN, "/org 1 адреса вул. Нова, 2")  # the field named in Ukrainian
    assert (await org_row(h))[5] == "вул. Нова, 2"
    await say(h, ADMIN, "/org 1 edrpou 11223344")
    await say(h, ADMIN, "/org 1 kind ngo")
    assert (await org_row(h))[0] == "ngo" and (await org_row(h))[4] == "11223344"
    await say(h, ADMIN, "/org 1 code -")
    assert (await org_row(h))[4] is None
    assert len(await audit_rows(h, "org.edit")) == 5

    wrong = {
        "/org 1 code 123": "exactly 8 digits",
        "/org 1 colour red": "Unknown field “colour”",
        "/org 1 kind castle": "Unknown kind “castle”",
        "/org 1 name -": "required",
        "/org 1 settlement    ": "Raion? Pick a button",  # no value: the place is picked
        "/org 7 name X": "Organisation 7 not found",
        "/org x": "Usage: /org ID",
        "/org": "Usage: /org ID",
        "/org 1 kind ngo": "nothing changed",
    }
    for command, expected in wrong.items():
        text = text_of(await say(h, ADMIN, command))
        assert expected in text, (command, text)
    assert len(await audit_rows(h, "org.edit")) == 5
    assert await org_row(h) == ("ngo", "Лікарня №4", "Дніпровський", "Дніпро", None, "вул. Нова, 2")


async def test_org_edit_with_buttons(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await h.add_org(placed=False)
    card = (await say(h, ADMIN, "/org 1"))[0]
    assert "Place: Дніпро (Dnipro), Дніпровський (Dniprovskyi) ⚠️ no KATOTTH code" in card.text
    replies = await tap(h, ADMIN, "org:e:1:place")
    assert "Raion? Pick a button" in replies[0].text
    assert "opl:p:UA12040000000032213" in payloads(replies[0])  # Кам’янський raion
    # Three places called Кам’янське: each offered with its hromada and raion, none taken.
    replies = await say(h, ADMIN, "Кам'янське")
    assert "more than one" in replies[0].text
    offered = [p for p in payloads(replies[0]) if p.startswith("opl:p:")]
    assert len(offered) == 3 and "opl:p:UA12040150010056523" in offered
    assert await h.count("conversations") == 1
    replies = await tap(h, ADMIN, "opl:p:UA12040150010056523")
    assert "Place of “Лікарня №4” changed" in replies[0].text
    assert "Кам’янське (Kamianske), Кам’янська (Kamianska) hromada" in replies[0].text
    assert await h.count("conversations") == 0
    [(_, target, summary)] = await audit_rows(h, "org.place")
    assert target == "org:1" and summary is not None
    assert isinstance(summary, dict)
    assert summary["codes"].startswith("UA12040000000032213 ")
    assert summary["codes"].endswith(" UA12040150010056523")

    await tap(h, ADMIN, "org:e:1:code")
    replies = await say(h, ADMIN, "abc")
    assert "exactly 8 digits" in replies[0].text and "org:x" in payloads(replies[0])
    replies = await say(h, ADMIN, "87654321")  # still in the step after a wrong value
    assert "EDRPOU: 87654321" in replies[0].text

    replies = await tap(h, ADMIN, "org:e:1:kind")
    assert "org:k:1:coordination" in payloads(replies[0])
    replies = await tap(h, ADMIN, "org:k:1:coordination")
    assert replies[0].replace and "Kind: coordination" in replies[0].text

    replies = await tap(h, ADMIN, "org:e:1:address")
    assert "org:c:1:address" in payloads(replies[0])
    await tap(h, ADMIN, "org:c:1:address")
    assert await org_row(h) == (
        "coordination",
        "Лікарня №4",
        "Кам’янський",
        "Кам’янське",
        "87654321",
        None,
    )
    assert await h.count("conversations") == 0

    replies = await tap(h, ADMIN, "org:e:1:name")
    replies = await tap(h, ADMIN, "org:x")
    assert "Cancelled" in replies[0].text and await h.count("conversations") == 0
    # Forged or stale payloads change nothing.
    stale = ("org:e:9:name", "org:e:1:colour", "org:k:1:castle", "org:k:1:name", "org:c:1:name")
    for payload in (*stale, "org:zz", "org:e:x:name"):
        assert (await tap(h, ADMIN, payload))[0].toast, payload
    assert len(await audit_rows(h, "org.edit")) == 3


async def test_only_admins_manage_organisations(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    await h.join(NURSE, org.id, Role.REQUESTER)
    for command in ("/org_add hospital; X; Y; Z", "/org 1 name X", "/orgs", "/org_add"):
        replies = await say(h, NURSE, command)
        assert "недоступна" in replies[0].text, command
    assert (await tap(h, NURSE, "org:k:1:ngo"))[0].toast
    assert (await org_row(h))[:2] == ("hospital", "Лікарня №4")
    assert await h.count("organisations") == 1
    help_text = text_of(await say(h, NURSE, "/help"))
    assert "/org_add" not in help_text and "/audit" not in help_text
    admin_help = text_of(await say(h, ADMIN, "/help", lang="en"))
    for command in ("/org_add", "/orgs", "/org ", "/invites", "/uninvite", "/members", "/role"):
        assert command in admin_help, command
    assert "/revoke" in admin_help and "/restore" in admin_help and "/audit" in admin_help


async def test_org_add_on_a_platform_without_buttons(harness: EngineHarness) -> None:
    """Console and text-only Matrix clients answer the numbered options by number."""
    h = harness
    await admin_in_english(h)
    first = await say(h, ADMIN, "/org_add", buttons=False)
    assert "step 1 of 7" in first[0].text
    await say(h, ADMIN, "2", buttons=False)  # the second option: municipality
    for answer in ("Громада Х", "Синельниківський", "Синельникове"):
        await say(h, ADMIN, answer, buttons=False)
    await say(h, ADMIN, "-", buttons=False)  # no EDRPOU
    replies = await say(h, ADMIN, "вул. Центральна, 1", buttons=False)
    assert "Organisation #1 added" in text_of(replies)
    assert await org_row(h) == (
        "municipality",
        "Громада Х",
        "Синельниківський",
        "Синельникове",
        None,
        "вул. Центральна, 1",
    )
