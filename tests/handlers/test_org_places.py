"""Organisations placed by KATOTTH code in chat: /org_add's raion -> hromada -> settlement by
buttons and by names, candidates when a name fits several, outside the oblast, the one-line
form's refusals, and the place edit from the /org card."""

from __future__ import annotations

from tests.engine_harness import ADMIN, EngineHarness, payloads
from tests.handlers.admin_steps import admin_in_english, audit_rows, say, tap, text_of

CODES = "SELECT raion_code, hromada_code, settlement_code, outside_oblast, raion, settlement"
SYNELNYKIVSKYI = "UA12140000000011720"
POKROVSKA_S = "UA12140250000015858"  # Покровська hromada, Синельниківський raion
MALOMYKHAILIVSKA = "UA12140130000052990"  # 5 settlements: offered as buttons
HAVRYLIVKA = "UA12140130030041606"  # с. Гаврилівка in it


async def start(h: EngineHarness, name: str = "Амбулаторія") -> None:
    await admin_in_english(h)
    await say(h, ADMIN, "/org_add")
    await tap(h, ADMIN, "oa:k:hospital")
    await say(h, ADMIN, name)


async def codes(h: EngineHarness) -> list[tuple[object, ...]]:
    return await h.rows(f"{CODES} FROM organisations ORDER BY id")


async def finish(h: EngineHarness) -> str:
    await tap(h, ADMIN, "oa:s:code")
    return text_of(await tap(h, ADMIN, "oa:s:address"))


async def test_every_step_by_buttons(harness: EngineHarness) -> None:
    h = harness
    await start(h)
    raion = (await h.rows("SELECT step FROM conversations"))[0][0]
    assert raion == "raion"
    replies = await tap(h, ADMIN, f"oa:p:{SYNELNYKIVSKYI}")
    offered = payloads(replies[0])
    assert f"oa:p:{POKROVSKA_S}" in offered and "oa:b:hromada" in offered
    assert len([p for p in offered if p.startswith("oa:p:")]) == 19  # its 19 hromadas
    # A hromada of another raion, pressed now (an old or forged button), is not taken.
    replies = await tap(h, ADMIN, "oa:p:UA12080090000039979")
    assert "⚠️" in replies[0].text
    replies = await tap(h, ADMIN, f"oa:p:{MALOMYKHAILIVSKA}")
    assert "Settlement in Маломихайлівська (Malomykhailivska) hromada" in replies[0].text
    assert f"oa:p:{HAVRYLIVKA}" in payloads(replies[0]) and "oa:w" in payloads(replies[0])
    await tap(h, ADMIN, f"oa:p:{HAVRYLIVKA}")
    assert "Organisation #1 added" in await finish(h)
    assert await codes(h) == [
        (SYNELNYKIVSKYI, MALOMYKHAILIVSKA, HAVRYLIVKA, 0, "Синельниківський", "Гаврилівка"),
    ]
    [(_, _, summary)] = await audit_rows(h, "org.add")
    assert isinstance(summary, dict)
    assert summary["place"] == f"{SYNELNYKIVSKYI} {MALOMYKHAILIVSKA} {HAVRYLIVKA}"


async def test_names_candidates_and_whole_hromada(harness: EngineHarness) -> None:
    h = harness
    await start(h)
    # Two Покровська hromadas in Нікопольський raion, one in Синельниківський: choices.
    replies = await say(h, ADMIN, "Покровська")
    assert "more than one" in replies[0].text
    picks = [p for p in payloads(replies[0]) if p.startswith("oa:p:")]
    assert len(picks) == 3 and f"oa:p:{POKROVSKA_S}" in picks
    labels = [c.label for c in replies[0].flat_choices() if c.payload == f"oa:p:{POKROVSKA_S}"]
    assert labels == ["Покровська (Pokrovska) hromada — Синельниківський (Synelnykivskyi) raion"]
    assert (await h.rows("SELECT step FROM conversations"))[0][0] == "raion"
    replies = await tap(h, ADMIN, f"oa:p:{POKROVSKA_S}")
    # 50 settlements: typed, not a wall of buttons.
    assert "It has 50: type the name" in replies[0].text
    # A typo is offered, not taken.
    replies = await say(h, ADMIN, "Христофрівка")
    assert "Did you mean" in replies[0].text
    assert payloads(replies[0])[0] == "oa:p:UA12140250490076703"
    # Not in this hromada: not found, the step stays.
    replies = await say(h, ADMIN, "Павлоград")
    assert "No place “Павлоград” found" in replies[0].text
    replies = await tap(h, ADMIN, "oa:w")  # the hromada as a whole
    assert "step 6 of 7" in replies[0].text
    await finish(h)
    assert await codes(h) == [
        (SYNELNYKIVSKYI, POKROVSKA_S, None, 0, "Синельниківський", "Покровська"),
    ]


async def test_a_settlement_typed_first_and_back(harness: EngineHarness) -> None:
    h = harness
    await start(h)
    # An old name at the raion question: the city, its hromada and raion at once.
    replies = await say(h, ADMIN, "м. Новомосковськ")
    assert "step 6 of 7" in replies[0].text
    replies = await tap(h, ADMIN, "oa:b:code")
    assert "Settlement in Новомосковська (Novomoskovska) hromada" in replies[0].text
    replies = await tap(h, ADMIN, "oa:b:settlement")
    assert "Hromada in Самарівський (Samarivskyi) raion" in replies[0].text
    await tap(h, ADMIN, "oa:b:hromada")
    await say(h, ADMIN, "Кривий Ріг")
    await finish(h)
    [(raion, _, settlement, *_)] = await codes(h)
    assert settlement == "UA12060170010065850" and raion == "UA12060000000022633"


async def test_outside_the_oblast(harness: EngineHarness) -> None:
    h = harness
    await start(h, "DRK Kreisverband Köln")
    replies = await tap(h, ADMIN, "oa:o")
    assert "Where is it?" in replies[0].text
    replies = await say(h, ADMIN, "Köln")
    assert "step 6 of 7" in replies[0].text
    replies = await tap(h, ADMIN, "oa:b:code")
    assert "Where is it?" in replies[0].text
    await say(h, ADMIN, "Köln")
    text = await finish(h)
    assert "Köln (outside the oblast)" in text
    assert await codes(h) == [(None, None, None, 1, "—", "Köln")]
    assert "Organisations without" not in text_of(await say(h, ADMIN, "/stats"))


async def test_one_line_refuses_ambiguity_with_candidates(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    text = text_of(await say(h, ADMIN, "/org_add hospital; ЦРЛ; Нікопольський; Покровська"))
    assert "Nothing was saved" in text or "nothing" in text.lower()
    assert "UA12080090000039979" in text and "UA12080110000055958" in text
    assert POKROVSKA_S not in text
    text = text_of(await say(h, ADMIN, "/org_add hospital; ЦРЛ; Атлантида; Х"))
    assert "no such name" in text and "“-”" in text
    assert await h.count("organisations") == 0
    text = text_of(await say(h, ADMIN, "/org_add hospital; ЦРЛ; UA1214; Покровська"))
    assert "Organisation #1 added" in text
    text = text_of(await say(h, ADMIN, "/org_add ngo; DRK; -; Köln"))
    assert "Organisation #2 added" in text
    assert await codes(h) == [
        (SYNELNYKIVSKYI, POKROVSKA_S, None, 0, "Синельниківський", "Покровська"),
        (None, None, None, 1, "—", "Köln"),
    ]


async def test_place_edit_in_one_line_and_cancel(harness: EngineHarness) -> None:
    h = harness
    await admin_in_english(h)
    await h.add_org(placed=False)
    replies = await say(h, ADMIN, "/org 1 place Самар")
    assert "Place of “Лікарня №4” changed: Самар (Samar)" in replies[0].text
    assert await h.count("conversations") == 0
    replies = await say(h, ADMIN, "/org 1 place Тарасівка")
    assert "more than one" in replies[0].text
    replies = await tap(h, ADMIN, "opl:x")
    assert await h.count("conversations") == 0
    [(raion, _, settlement, *_)] = await codes(h)
    assert settlement == "UA12100070010038698" and raion == "UA12100000000039307"
    assert len(await audit_rows(h, "org.place")) == 1


async def test_a_draft_from_before_place_codes_asks_the_raion_again(
    harness: EngineHarness,
) -> None:
    h = harness
    await admin_in_english(h)
    # Saved by the previous version at its settlement question, with the raion as text.
    old = '{"kind": "hospital", "name": "Лікарня №7", "raion": "Дніпровський"}'
    async with h.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO conversations (transport, chat_id, user_id, flow, step, data,"
            " updated_at) VALUES ('telegram', '900', '900', 'org_add', 'settlement', ?,"
            " '2026-11-24T11:00:00+00:00')",
            (old,),
        )
    # Read at the raion question (its hromada was never chosen): a hromada is taken.
    replies = await say(h, ADMIN, "Самарівська громада")
    assert "Settlement in Новомосковська (Novomoskovska) hromada" in replies[0].text
    await tap(h, ADMIN, "oa:w")
    text = await finish(h)
    assert "Organisation #1 added" in text
    [(_, hromada, settlement, *_)] = await codes(h)
    assert (hromada, settlement) == ("UA12100070000011492", None)
