"""Donors' offers through the engine (issue 15): /offer, /offers, /matches, /allocate,
/withdraw O-7, the expiry with its reminder, and the alerts both ways."""

from __future__ import annotations

from handlers.offers.service import clear_closed_offer_notes, expire_offers
from handlers.text.i18n import Translator
from storage import organisations
from storage.models import Identity, OrgKind, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload, payloads

T = Translator()

NURSE_A = Identity(transport="telegram", user_id="11")
NURSE_B = Identity(transport="telegram", user_id="12")
COORD = Identity(transport="telegram", user_id="31")
DONOR = Identity(transport="telegram", user_id="51")
OTHER_DONOR = Identity(transport="telegram", user_id="52")

LINE = "/offer 12 Notstromaggregat 20 kVA; 2 Transformator 630 kVA bis 31.01."


async def donor_org(h: EngineHarness, name: str) -> int:
    async with h.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.COMPANY,
            name=name,
            raion="-",
            settlement="Wuppertal",
            code=None,
            address=None,
            now=h.clock(),
        )
    return org.id


async def world(h: EngineHarness) -> None:
    a = await h.add_org("Лікарня №4")
    b = await h.add_org("Лікарня №9", address="вул. Друга, 2")
    await h.join(NURSE_A, a.id)
    await h.join(NURSE_B, b.id)
    await h.join(COORD, a.id, Role.COORDINATOR, lang="en")
    await h.join(DONOR, await donor_org(h, "Stadtwerke Wuppertal"), Role.DONOR, lang="de")
    await h.join(OTHER_DONOR, await donor_org(h, "Handwerkskammer"), Role.DONOR, lang="en")


async def offer(
    h: EngineHarness, who: Identity, text: str, *, named: bool = True, lang: str = "de"
) -> str:
    """Send /offer, answer the form, Submit; the offer's reference."""
    replies = await h.send(who, text, lang=lang)
    for _ in range(12):
        options = payloads(replies[0])
        if any(p.startswith("of:submit:") for p in options):
            break
        if "of:u:30" in options:
            replies = await h.press(who, "of:u:30", lang=lang)
        elif "of:c:used" in options:
            replies = await h.press(who, "of:c:used", lang=lang)
        elif "of:n:yes" in options:
            replies = await h.press(who, "of:n:yes" if named else "of:n:no", lang=lang)
        elif "of:note:skip" in options:
            replies = await h.press(who, "of:note:skip", lang=lang)
        elif any(p.startswith("of:q:") for p in options):
            replies = await h.press(who, next(p for p in options if p.startswith("of:q:")))
        else:
            replies = await h.send(who, "Wuppertal", lang=lang)
    replies = await h.press(who, find_payload(replies[0], "of:submit:"), lang=lang)
    assert "✅" in replies[0].text, replies[0].text
    return replies[0].text.split("<b>")[1].split("</b>")[0]


async def outbox(h: EngineHarness, chat: str, kind: str | None = None) -> list[str]:
    sql = "SELECT text FROM outbox WHERE chat_id = ?" + (" AND kind = ?" if kind else "")
    args = (chat, kind) if kind else (chat,)
    return [str(r[0]) for r in await h.rows(sql + " ORDER BY id", *args)]


async def test_one_line_offer_asks_what_it_lacks_and_stores_once(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    first = await h.send(DONOR, LINE, lang="de")
    text = first[0].text
    assert "Stromerzeuger — 12 Stk. (20 kVA)" in text and "Transformator — 2 Stk. (630 kVA)" in text
    assert "31.01.2027" in text  # "bis 31.01." read as the last day of availability
    assert "Abholung" not in text and payloads(first[0]) == ["of:cancel"]  # the place: asked
    assert await h.count("offers") == 0
    await h.send(DONOR, "Wuppertal", lang="de")
    await h.press(DONOR, "of:c:refurbished", lang="de")
    await h.press(DONOR, "of:n:no", lang="de")
    summary = await h.send(DONOR, "Ansprechpartner Herr Kaya", lang="de")
    submit = find_payload(summary[0], "of:submit:")
    assert await h.count("offers") == 0
    done = await h.press(DONOR, submit, lang="de")
    again = await h.press(DONOR, submit, lang="de")
    assert "O-1" in done[0].text and done[0].durable
    assert again[0].toast and "O-1" in again[0].text
    assert await h.rows(
        "SELECT status, available_until, pickup_place, condition, note, named FROM offers"
    ) == [("open", "2027-01-31", "Wuppertal", "refurbished", "Ansprechpartner Herr Kaya", 0)]
    assert await h.rows("SELECT item_key, spec, quantity, unit FROM offer_lines ORDER BY id") == [
        ("generator", "20 kVA", 12, "pcs"),
        ("transformer", "630 kVA", 2, "pcs"),
    ]
    assert await h.rows("SELECT action, target FROM audit WHERE action LIKE 'offer.%'") == [
        ("offer.create", "O-1")
    ]


async def test_what_the_reader_asks_is_asked_before_anything_is_stored(
    harness: EngineHarness,
) -> None:
    h = harness
    await world(h)
    # A bulk good without a unit: litres? kilograms? Never assumed.
    asked = await h.send(DONOR, "/offer 200 бензин", lang="de")
    assert "❓" in asked[0].text
    assert any(p.startswith("of:q:u:") for p in payloads(asked[0]))
    # Typed text does not get past the question, a submit button does not exist yet.
    still = await h.send(DONOR, "Wuppertal", lang="de")
    assert "❓" in still[0].text
    assert not any(p.startswith("of:submit:") for p in payloads(still[0]))
    answered = await h.press(DONOR, "of:q:u:l", lang="de")
    assert "❓" not in answered[0].text
    # Unreadable lines are refused with the reason, nothing kept.
    refused = await h.send(DONOR, "/offer Notstromaggregat", lang="de")
    assert "/offer" in refused[0].text and await h.count("offers") == 0
    # A requester may not offer; a donor may not file needs.
    assert (await h.send(NURSE_A, LINE))[0].text == h.engine.ctx.t("uk", "error.not_allowed")
    denied = await h.send(DONOR, "/need 2 генератор", lang="de")
    assert denied[0].text == h.engine.ctx.t("de", "error.not_allowed")


async def test_guided_offer_starts_with_the_goods(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    asked = await h.send(DONOR, "/offer", lang="de")
    assert asked[0].text == h.engine.ctx.t("de", "offer.ask_lines")
    ref = await offer(h, DONOR, "4 Pumpe")
    assert ref == "O-1"
    assert await h.rows("SELECT item_key, quantity FROM offer_lines") == [("pump", 4)]


async def test_allocate_across_two_hospitals(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор 30 кВА")  # R-1001
    await h.need_and_submit(NURSE_B, "/need 5 генератор; 10 бинт")  # R-1002
    ref = await offer(h, DONOR, LINE)
    listed = (await h.send(COORD, "/offers", lang="en"))[0].text
    assert "O-1" in listed and "Stadtwerke Wuppertal" in listed
    assert "open needs it could cover: 2" in listed
    matches = (await h.send(COORD, f"/matches {ref}", lang="en"))[0].text
    assert matches.index("R-1001") < matches.index("R-1002")  # older first at equal urgency
    assert "needs 2 (30 кВА) | offered 12 (20 kVA)" in matches  # side by side, not decided
    back = (await h.send(COORD, "/matches R-1002", lang="en"))[0].text
    assert "O-1" in back and "/allocate O-1 R-1002 5" in back
    seen = await h.last_outbox_id()
    done_a = await h.send(COORD, "/allocate O-1 R-1001 2", lang="en")
    done_b = await h.send(COORD, "/allocate O-1 R-1002 5", lang="en")
    assert "Left on the line: 10" in done_a[0].text and "Left on the line: 5" in done_b[0].text
    donor_org_id = (await h.rows("SELECT org_id FROM offers"))[0][0]
    assert await h.rows("SELECT request_id, org_id, quantity FROM pledges ORDER BY id") == [
        (1001, donor_org_id, 2),
        (1002, donor_org_id, 5),
    ]
    assert await h.rows("SELECT status FROM requests ORDER BY id") == [("pledged",), ("pledged",)]
    assert await h.rows("SELECT allocated FROM offer_lines ORDER BY id") == [(7,), (0,)]
    rows = await h.rows(
        "SELECT chat_id, text FROM outbox WHERE id > ? AND kind = 'notice' ORDER BY id", seen
    )
    by_chat: dict[str, list[str]] = {}
    for chat, text in rows:
        by_chat.setdefault(str(chat), []).append(str(text))
    # Each hospital once, in Ukrainian, naming the donor (who agreed to be named).
    assert len(by_chat[NURSE_A.user_id]) == 1 and len(by_chat[NURSE_B.user_id]) == 1
    assert "від донора Stadtwerke Wuppertal" in by_chat[NURSE_A.user_id][0]
    # The donor twice (two hospitals), in German, told where the goods go.
    assert len(by_chat[DONOR.user_id]) == 2
    assert "gehen an Лікарня №4" in by_chat[DONOR.user_id][0]
    assert "Лікарня №9" in by_chat[DONOR.user_id][1]
    assert COORD.user_id not in by_chat  # the coordinator hears it as the answer
    own = (await h.send(DONOR, "/offers", lang="de"))[0].text
    assert "zugeteilt 7, übrig 5" in own and "2 → R-1001" in own and "5 → R-1002" in own
    audit = await h.rows("SELECT target, params FROM audit WHERE action = 'offer.allocate'")
    assert [a[0] for a in audit] == ["R-1001", "R-1002"] and '"offer": "O-1"' in str(audit[0][1])


async def test_an_unnamed_donor_stays_unnamed_and_pledge_rules_hold(
    harness: EngineHarness,
) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор")  # R-1001
    await offer(h, DONOR, "/offer 12 Notstromaggregat", named=False)
    refused_more = await h.send(COORD, "/allocate O-1 R-1001 3", lang="en")
    assert refused_more[0].text == h.engine.ctx.t(
        "en", "lifecycle.pledge_too_much", ref="R-1001", status="New", fragment=""
    )
    too_much = await h.send(COORD, "/allocate O-1 R-1001 13", lang="en")
    assert "Only 12 left" in too_much[0].text
    bad = await h.send(COORD, "/allocate O-1 R-1001 -1", lang="en")
    assert "whole number" in bad[0].text
    assert await h.count("pledges") == 0
    await h.send(COORD, "/allocate O-1 R-1001 2", lang="en")
    told = await outbox(h, NURSE_A.user_id, "notice")
    assert len(told) == 1 and "Stadtwerke" not in told[0] and "від донора:" in told[0]
    # A declined request takes no more, as /pledge refuses.
    await h.need_and_submit(NURSE_A, "/need 3 генератор")  # R-1002
    await h.send(COORD, "/decline R-1002 not needed", lang="en")
    refused = await h.send(COORD, "/allocate O-1 R-1002 1", lang="en")
    assert "R-1002" in refused[0].text and await h.count("pledges") == 1


async def test_withdraw_the_rest(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор")
    await offer(h, DONOR, "/offer 12 Notstromaggregat")
    await h.send(COORD, "/allocate O-1 R-1001 2", lang="en")
    stranger = await h.send(OTHER_DONOR, "/withdraw O-1", lang="en")
    assert stranger[0].text == h.engine.ctx.t("en", "offer.not_found", ref="O-1")
    done = await h.send(DONOR, "/withdraw O-1", lang="de")
    assert "zurückgezogen" in done[0].text and "×10" in done[0].text
    again = await h.send(DONOR, "/withdraw O-1", lang="de")
    assert again[0].text == h.engine.ctx.t("de", "offer.not_open", ref="O-1")
    assert await h.rows("SELECT status FROM offers") == [("withdrawn",)]
    assert await h.rows("SELECT quantity FROM pledges") == [(2,)]  # allocated stays pledged
    assert (await h.send(COORD, "/offers", lang="en"))[0].text == h.engine.ctx.t(
        "en", "offer.none_open"
    )
    refused = await h.send(COORD, "/allocate O-1 R-1001 1", lang="en")
    assert refused[0].text == h.engine.ctx.t("en", "offer.not_open", ref="O-1")


async def test_reminder_three_days_before_and_expiry_each_once(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    # The harness's clock: 24.11.2026 09:00 UTC; available until 10.12.2026.
    await offer(h, DONOR, "/offer 12 Notstromaggregat bis 10.12.2026")
    ctx = h.engine.ctx
    assert await expire_offers(ctx) == (0, 0)
    h.clock.advance(days=12)  # 06.12: four days before
    assert await expire_offers(ctx) == (0, 0)
    h.clock.advance(days=1)  # 07.12: three days before
    assert await expire_offers(ctx) == (1, 0)
    assert await expire_offers(ctx) == (0, 0)
    h.clock.advance(days=3)  # 10.12: the last day, still open
    assert await expire_offers(ctx) == (0, 0)
    h.clock.advance(days=1)  # 11.12
    assert await expire_offers(ctx) == (0, 1)
    assert await expire_offers(ctx) == (0, 0)
    told = await outbox(h, DONOR.user_id, "notice")
    assert len(told) == 2
    assert "verfügbar bis 10.12.2026" in told[0] and "Stromerzeuger ×12" in told[0]
    assert "abgelaufen" in told[1]
    assert await h.rows("SELECT status FROM offers") == [("expired",)]
    assert await h.rows("SELECT action FROM audit WHERE action = 'offer.expire'") == [
        ("offer.expire",)
    ]


async def test_an_offer_past_its_reminder_day_expires_without_a_late_reminder(
    harness: EngineHarness,
) -> None:
    h = harness
    await world(h)
    await offer(h, DONOR, "/offer 12 Notstromaggregat bis 30.11.2026")
    h.clock.advance(days=10)  # the bot was down through the reminder day and the last day
    assert await expire_offers(h.engine.ctx) == (0, 1)
    told = await outbox(h, DONOR.user_id, "notice")
    assert len(told) == 1 and "abgelaufen" in told[0]


async def test_alerts_both_ways(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор критично")  # R-1001, critical
    before = len(await outbox(h, COORD.user_id, "alert"))
    await offer(h, DONOR, "/offer 12 Notstromaggregat 20 kVA")
    alerts = (await outbox(h, COORD.user_id, "alert"))[before:]
    assert len(alerts) == 1 and "O-1" in alerts[0] and "R-1001" in alerts[0]
    await h.need_and_submit(NURSE_B, "/need 1 генератор критично")  # R-1002
    alerts = (await outbox(h, COORD.user_id, "alert"))[before + 1 :]
    assert len(alerts) == 2  # the critical request's own alert, then the offer that covers it
    assert "R-1002" in alerts[1] and "O-1" in alerts[1] and "/matches R-1002" in alerts[1]
    # A normal request, or an offer of something nobody needs critically: no alert.
    await h.need_and_submit(NURSE_B, "/need 1 генератор")
    await offer(h, OTHER_DONOR, "/offer 3 Pumpe", lang="en")
    assert len(await outbox(h, COORD.user_id, "alert")) == before + 3


async def test_offers_expire_out_of_matching(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор")
    await offer(h, DONOR, "/offer 12 Notstromaggregat bis 30.11.2026")
    h.clock.advance(days=7)  # past the last day, before housekeeping ran
    shown = (await h.send(COORD, "/matches R-1001", lang="en"))[0].text
    assert "O-1" not in shown
    assert (await h.send(COORD, "/allocate O-1 R-1001 1", lang="en"))[0].text == (
        h.engine.ctx.t("en", "offer.not_open", ref="O-1")
    )


async def test_without_buttons_the_form_answers_by_number(harness: EngineHarness) -> None:
    """Matrix and the console show buttons as numbered options; the same form is filled by
    typing the numbers (the place and the note are typed anyway)."""
    h = harness
    await world(h)
    steps = [
        ("/offer 12 Notstromaggregat bis 31.01.", "Abholung"),
        ("Wuppertal", "Zustand der Waren?"),
        ("3", "Dürfen wir"),  # generalüberholt
        ("2", "Anmerkung"),  # not named
        ("1", "Angebot absenden?"),  # no note
        ("1", "O-1"),  # Submit
    ]
    for text, expected in steps:
        replies = await h.send(DONOR, text, lang="de", buttons=False)
        shown = "\n".join(r.text for r in replies)
        if expected == "Abholung":
            assert expected not in shown
        else:
            assert expected in shown, (text, shown)
    assert await h.rows("SELECT condition, named, note FROM offers") == [("refurbished", 0, None)]


async def test_which_line_goes_where_is_said_by_number_never_guessed(
    harness: EngineHarness,
) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор 30 кВА; 3 генератор 5 кВт")  # R-1001
    await offer(h, DONOR, "/offer 12 Notstromaggregat 20 kVA; 2 Notstromaggregat 6 kVA")
    asked = await h.send(COORD, "/allocate O-1 R-1001 2", lang="en")
    assert "/allocate O-1/1 R-1001/2 QTY" in asked[0].text and await h.count("pledges") == 0
    done = await h.send(COORD, "/allocate O-1/2 R-1001/2 2", lang="en")
    assert "Left on the line: 0" in done[0].text
    assert await h.rows("SELECT item_id, quantity FROM pledges") == [(2, 2)]
    assert await h.rows("SELECT allocated FROM offer_lines ORDER BY id") == [(0,), (2,)]
    # A line taken in full is no longer a candidate: the rest pairs by itself.
    done = await h.send(COORD, "/allocate O-1 R-1001/1 2", lang="en")
    assert "Left on the line: 10" in done[0].text
    assert (await h.send(COORD, "/allocate O-1/x R-1001 1", lang="en"))[0].text == (
        h.engine.ctx.t("en", "offer.allocate_usage")
    )


async def test_an_offer_allocated_in_full_closes_without_a_word(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 4 насос")
    await offer(h, DONOR, "/offer 4 Pumpe bis 30.11.2026")
    await h.send(COORD, "/allocate O-1 R-1001 4", lang="en")
    before = await outbox(h, DONOR.user_id, "notice")
    h.clock.advance(days=7)
    assert await expire_offers(h.engine.ctx) == (0, 1)
    assert await outbox(h, DONOR.user_id, "notice") == before  # no reminder, no expiry notice
    assert await h.rows("SELECT status FROM offers") == [("expired",)]


async def test_the_donor_hears_the_truck_leave_and_the_receipt(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 4 насос")
    await h.need_and_submit(NURSE_B, "/need 2 намет")
    await offer(h, DONOR, "/offer 4 Pumpe")
    await h.send(COORD, "/allocate O-1 R-1001 4", lang="en")
    await h.send(COORD, "/pledge R-1002", lang="en")  # not the donor's: they hear nothing of it
    await h.send(COORD, "/shipment new Truck 1", lang="en")
    await h.send(COORD, "/shipment add S-1 R-1001", lang="en")
    await h.send(COORD, "/shipment add S-1 R-1002", lang="en")
    await h.send(COORD, "/shipment depart S-1", lang="en")
    told = await outbox(h, DONOR.user_id, "notice")
    assert len(told) == 2 and "unterwegs (Transport S-1)" in told[1]
    assert "R-1001" in told[1] and "R-1002" not in told[1]
    signed = await h.press(NURSE_A, "shr:ok:1")
    assert signed
    told = await outbox(h, DONOR.user_id, "notice")
    assert len(told) == 3 and "quittiert" in told[2] and "R-1001" in told[2]
    await h.press(NURSE_B, "shr:ok:2")
    assert await h.rows("SELECT request_id, status FROM shipment_lines ORDER BY id") == [
        (1001, "received"),
        (1002, "received"),
    ]
    assert len(await outbox(h, DONOR.user_id, "notice")) == 3


async def test_the_audit_log_tells_offers_in_the_readers_words(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.need_and_submit(NURSE_A, "/need 2 генератор")
    await offer(h, DONOR, "/offer 12 Notstromaggregat bis 31.01.")
    await h.send(COORD, "/allocate O-1 R-1001 2", lang="en")
    await h.send(DONOR, "/withdraw O-1", lang="de")
    shown = "\n".join(r.text for r in await h.send(ADMIN, "/audit 10", lang="uk"))
    assert "Пропозицію створено" in shown and "позицій: 1; доступно до 2027-01-31" in shown
    assert "з O-1: Генератор ×2 (обіцяно 2 з 2)" in shown
    assert "Пропозицію відкликано" in shown and "не розподілено: 10" in shown


async def test_offer_alerts_follow_the_subscriptions_filters(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    watcher = Identity(transport="telegram", user_id="32")
    await h.join(watcher, 1, Role.COORDINATOR, lang="en")
    subs = (await h.send(watcher, "/subscriptions", lang="en"))[0].text
    number = subs.split("\n")[1].split(".")[0]  # the default critical alerts, without filters
    await h.send(watcher, f"/unsubscribe {number}", lang="en")
    await h.send(watcher, "/subscribe critical 2", lang="en")  # hospital B only
    await h.need_and_submit(NURSE_A, "/need 2 генератор критично")  # A's: not for the watcher
    await offer(h, DONOR, "/offer 12 Notstromaggregat")
    alerts = await outbox(h, watcher.user_id, "alert")
    assert not [a for a in alerts if "O-1" in a]
    assert [a for a in await outbox(h, COORD.user_id, "alert") if "O-1" in a]  # no filters
    await h.need_and_submit(NURSE_B, "/need 1 генератор критично")  # B's: the watcher hears
    alerts = [a for a in await outbox(h, watcher.user_id, "alert") if "O-1" in a]
    assert len(alerts) == 1 and "R-1002" in alerts[0]


async def test_a_closed_offers_note_is_cleared_after_the_retention_period(
    harness: EngineHarness,
) -> None:
    h = harness
    await world(h)

    async def with_note(who: Identity, note: str) -> None:
        await h.send(who, "/offer 4 Pumpe bis 31.01.", lang="de")
        await h.send(who, "Wuppertal", lang="de")
        await h.press(who, "of:c:new", lang="de")
        await h.press(who, "of:n:no", lang="de")
        replies = await h.send(who, note, lang="de")
        await h.press(who, find_payload(replies[0], "of:submit:"), lang="de")

    await with_note(DONOR, "Herr Kaya, 0202 123456")
    await with_note(OTHER_DONOR, "Frau Lenz")  # stays open: its note stays
    await h.send(DONOR, "/withdraw O-1", lang="de")
    ctx = h.engine.ctx
    h.clock.advance(days=ctx.policy.retention_days - 1)
    assert await clear_closed_offer_notes(ctx) == 0
    h.clock.advance(days=2)
    assert await clear_closed_offer_notes(ctx) == 1
    assert await clear_closed_offer_notes(ctx) == 0
    assert await h.rows("SELECT id, note FROM offers ORDER BY id") == [(1, None), (2, "Frau Lenz")]
    assert await h.rows("SELECT action FROM audit WHERE action = 'offer.clear_notes'") == [
        ("offer.clear_notes",)
    ]


async def test_cancel_ends_a_half_filled_offer(harness: EngineHarness) -> None:
    h = harness
    await world(h)
    await h.send(DONOR, "/offer 12 Notstromaggregat", lang="de")
    cancelled = await h.send(DONOR, "/cancel", lang="de")
    assert cancelled[0].text == h.engine.ctx.t("de", "intake.cancelled")
    again = await h.send(DONOR, "/cancel", lang="de")
    assert again[0].text == h.engine.ctx.t("de", "intake.nothing_to_cancel")
    ref = await offer(h, DONOR, "/offer 4 Pumpe")
    assert ref == "O-1"
    after = await h.send(DONOR, "/cancel", lang="de")  # the submitted marker is no conversation
    assert after[0].text == h.engine.ctx.t("de", "intake.nothing_to_cancel")


async def test_a_donor_sends_an_offer_list_as_a_file(harness: EngineHarness) -> None:
    """Issue 15: donors upload offer lists the same way as hospitals their needs lists; the
    list's goods go into the /offer form, which asks what the file did not say."""
    from handlers.core.events import Upload

    h = harness
    await world(h)
    data = (
        "Artikel;Menge;Einheit;Verfügbar bis\nNotstromaggregat 20 kVA;12;Stk;31.01.2027\n??;x;;\n"
    )
    raw = data.encode()
    incoming = h.incoming(DONOR).model_copy(
        update={
            "upload": Upload(filename="angebot.csv", size=len(raw), data=raw),
            "attachment_size": len(raw),
            "language_code": "de",
        }
    )
    report, form = await h.engine.handle(incoming)
    # The row that could not be read is listed by its number (row 3: header, then two rows).
    assert "angebot.csv" in report.text
    assert T("de", "upload.row_line", row=3, reason="").split(":")[0] in report.text, report.text
    # The offer form with the goods read, not a request preview.
    assert "Notstromaggregat" in form.text or "Stromerzeuger" in form.text, form.text
    assert not any(p.startswith("w:submit:") for p in payloads(form))
    assert await h.count("requests") == 0
    # It goes on like a typed /offer: the pick-up town is asked next (the date came from the
    # file), then it can be submitted and is stored as one offer.
    replies = await h.send(DONOR, "Wuppertal", lang="de")
    for _ in range(8):
        options = payloads(replies[0])
        if any(p.startswith("of:submit:") for p in options):
            break
        if "of:c:used" in options:
            replies = await h.press(DONOR, "of:c:used", lang="de")
        elif "of:n:yes" in options:
            replies = await h.press(DONOR, "of:n:yes", lang="de")
        elif "of:note:skip" in options:
            replies = await h.press(DONOR, "of:note:skip", lang="de")
        else:
            raise AssertionError(replies[0].text)
    await h.press(DONOR, find_payload(replies[0], "of:submit:"), lang="de")
    assert await h.count("offers") == 1
    assert await h.rows("SELECT quantity FROM offer_lines") == [(12,)]
