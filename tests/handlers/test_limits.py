"""Abuse limits through the engine: message rate, button presses, attachments, long text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.core.limits import BUTTON_FACTOR, RateLimiter
from handlers.text.i18n import Translator
from storage.models import Identity
from tests.engine_harness import EngineHarness, db_snapshot, find_payload

NURSE = Identity(transport="telegram", user_id="101")
OTHER_NURSE = Identity(transport="telegram", user_id="102")
STRANGER = Identity(transport="telegram", user_id="666")
OTHER_STRANGER = Identity(transport="telegram", user_id="667")
MATRIX_STRANGER = Identity(transport="matrix", user_id="666")
LIMIT = 20  # Policy.rate_limit_per_minute's default, which the harness keeps

T = Translator()
THROTTLED_PREFIX = T("uk", "security.rate_limited", seconds=0).split("0")[0]


def throttled(text: str) -> bool:
    return text.startswith(THROTTLED_PREFIX)


async def joined(h: EngineHarness, *who: Identity) -> None:
    org = await h.add_org()
    for person in who:
        await h.join(person, org.id)  # the /start counts: one message each


async def test_over_the_limit_one_polite_answer_then_silence_and_nothing_written(
    harness: EngineHarness,
) -> None:
    h = harness
    await joined(h, NURSE)
    for _ in range(LIMIT - 1):
        replies = await h.send(NURSE, "/my")
        assert replies and not throttled(replies[0].text)
    before = await db_snapshot(h.db)
    claims = await h.count("processed_updates")
    replies = await h.send(NURSE, "/my")
    assert len(replies) == 1 and throttled(replies[0].text), replies
    assert "60 с" in replies[0].text  # all 20 came in this very second: a minute to wait
    # The rest of the flood gets no answer at all (a flood is not amplified)...
    for text in ["/my", "/need 2 генератор", "привіт", "/help"] * 5:
        assert await h.send(NURSE, text) == []
    # ...and costs nothing but the update claims that keep replays harmless.
    assert await db_snapshot(h.db) == before
    assert await h.count("processed_updates") == claims + 21
    assert await h.count("requests") == 0


async def test_the_window_slides_and_a_new_stretch_gets_a_new_answer(
    harness: EngineHarness,
) -> None:
    h = harness
    await joined(h, NURSE)  # t=0: 1 admitted
    for _ in range(9):
        await h.send(NURSE, "/my")  # t=0: 10 admitted
    h.clock.advance(seconds=30)
    for _ in range(10):
        replies = await h.send(NURSE, "/my")  # t=30: 20 admitted
        assert not throttled(replies[0].text)
    replies = await h.send(NURSE, "/my")
    assert throttled(replies[0].text) and "30 с" in replies[0].text
    h.clock.advance(seconds=30)  # t=60: the ten from t=0 have left the window
    for _ in range(10):
        replies = await h.send(NURSE, "/my")
        assert replies and not throttled(replies[0].text)
    replies = await h.send(NURSE, "/my")
    assert throttled(replies[0].text)  # a new throttled stretch: one new answer
    assert await h.send(NURSE, "/my") == []


async def test_wizard_button_presses_are_not_throttled(harness: EngineHarness) -> None:
    h = harness
    await joined(h, NURSE)
    for _ in range(LIMIT - 3):
        await h.send(NURSE, "/my")
    replies = await h.send(NURSE, "/new")  # 19th typed message
    # A fast nurse taps through the wizard, back and forth, within the same second.
    for _ in range(LIMIT * 2):
        replies = await h.press(NURSE, find_payload(replies[0], "w:cat:"))
        assert not throttled(replies[0].text)
        replies = await h.press(NURSE, "w:back")
        assert not throttled(replies[0].text)
    # The presses used none of the typed budget: one typed message is still admitted.
    replies = await h.send(NURSE, "2 генератор")
    assert not throttled(replies[0].text)
    assert throttled((await h.send(NURSE, "/my"))[0].text)


async def test_a_button_flood_is_limited_too(harness: EngineHarness) -> None:
    h = harness
    await joined(h, NURSE)
    for _ in range(LIMIT * BUTTON_FACTOR):
        replies = await h.press(NURSE, "lang:de")
        assert not throttled(replies[0].text)
    replies = await h.press(NURSE, "lang:uk")
    assert len(replies) == 1 and replies[0].toast
    assert replies[0].text.startswith(T("de", "security.rate_limited", seconds=0).split("0")[0])
    assert await h.press(NURSE, "lang:uk") == []
    assert await h.rows("SELECT language FROM members") == [("de",)]
    h.clock.advance(seconds=61)
    await h.press(NURSE, "lang:uk")
    assert await h.rows("SELECT language FROM members") == [("uk",)]


async def test_strangers_are_limited_by_identity(harness: EngineHarness) -> None:
    h = harness
    stranger_text = T("uk", "account.stranger")
    for _ in range(LIMIT):
        assert (await h.send(STRANGER, "hello"))[0].text == stranger_text
    assert throttled((await h.send(STRANGER, "hello"))[0].text)
    assert await h.send(STRANGER, "/start ABCDEFGHJK") == []
    # Another person, or the same user id on another platform, is someone else.
    assert (await h.send(OTHER_STRANGER, "hello"))[0].text == stranger_text
    assert (await h.send(MATRIX_STRANGER, "hello"))[0].text == stranger_text
    # A guesser cannot use the flood to try codes: the refused /start wrote nothing.
    assert await h.count("invite_failures") == 0


async def test_one_members_flood_does_not_slow_another(harness: EngineHarness) -> None:
    h = harness
    await joined(h, NURSE, OTHER_NURSE)
    for _ in range(LIMIT * 2):
        await h.send(NURSE, "/my")
    replies = await h.send(OTHER_NURSE, "/my")
    assert not throttled(replies[0].text)


async def test_a_replay_does_not_use_up_the_budget(harness: EngineHarness) -> None:
    h = harness
    await joined(h, NURSE)
    first = await h.send(NURSE, "/my", update_id="same")
    assert first
    for _ in range(LIMIT * 2):
        assert await h.send(NURSE, "/my", update_id="same") == []
    for _ in range(LIMIT - 2):
        replies = await h.send(NURSE, "/my")
        assert not throttled(replies[0].text)
    assert throttled((await h.send(NURSE, "/my"))[0].text)


async def test_the_limit_comes_from_the_policy(tmp_path: Path) -> None:
    h = await EngineHarness.create(tmp_path / "strict.db", rate_limit_per_minute=3)
    try:
        await h.send(STRANGER, "1")
        await h.send(STRANGER, "2")
        await h.send(STRANGER, "3")
        assert throttled((await h.send(STRANGER, "4"))[0].text)
    finally:
        await h.close()


def test_the_limiter_forgets_people_who_went_quiet() -> None:
    limiter = RateLimiter()
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    for n in range(5000):
        assert limiter.admit(("message", "telegram", str(n)), start, limit=1).allowed
    assert len(limiter) == 5000  # all of them are within the window: all are kept
    later = start + timedelta(minutes=2)
    for n in range(5000, 6100):
        limiter.admit(("message", "telegram", str(n)), later, limit=1)
    # Everyone from two minutes ago was dropped at the first new arrival.
    assert len(limiter) == 1100
    assert limiter.admit(("message", "telegram", "0"), later, limit=1).allowed
    assert not limiter.admit(("message", "telegram", "5000"), later, limit=1).allowed


# --- attachments and long text ----------------------------------------------------------


async def test_an_oversized_attachment_is_refused_caption_and_all(
    harness: EngineHarness,
) -> None:
    h = harness
    await joined(h, NURSE)
    before = await db_snapshot(h.db)
    big = h.incoming(NURSE, text="/need 2 генератор").model_copy(
        update={"attachment_size": 10_000_001}
    )
    replies = await h.engine.handle(big)
    assert [r.text for r in replies] == [
        T("uk", "security.attachment_too_large", size="10,1", limit="10,0")
    ]
    assert await db_snapshot(h.db) == before  # the caption's /need did not start a draft


async def test_a_small_attachment_says_files_are_not_kept(harness: EngineHarness) -> None:
    h = harness
    await joined(h, NURSE)
    photo = h.incoming(NURSE).model_copy(update={"attachment_size": 250_000})
    replies = await h.engine.handle(photo)
    assert [r.text for r in replies] == [T("uk", "security.attachment_not_kept")]
    # With a caption, the caption is handled, after a notice that the file was not kept.
    captioned = h.incoming(NURSE, text="/need 2 генератор").model_copy(
        update={"attachment_size": 250_000}
    )
    replies = await h.engine.handle(captioned)
    assert replies[0].text == T("uk", "security.attachment_caption_used")
    assert "Генератор" in replies[1].text
    find_payload(replies[1], "w:submit:")


async def test_an_attachment_at_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    h = await EngineHarness.create(tmp_path / "small.db", max_attachment_bytes=1000)
    try:
        ok = h.incoming(STRANGER, text="hi").model_copy(update={"attachment_size": 1000})
        assert (await h.engine.handle(ok))[0].text == T("uk", "security.attachment_caption_used")
        big = h.incoming(STRANGER, text="hi").model_copy(update={"attachment_size": 1001})
        text = (await h.engine.handle(big))[0].text
        assert text == T("uk", "security.attachment_too_large", size="0,1", limit="0,1")
    finally:
        await h.close()


async def test_text_over_the_limit_is_refused_and_nothing_is_written(
    harness: EngineHarness,
) -> None:
    h = harness
    await joined(h, NURSE)
    await h.send(NURSE, "/new")
    before = await db_snapshot(h.db)
    long_text = "<b>" + "х" * 4000
    replies = await h.send(NURSE, long_text)
    assert [r.text for r in replies] == [T("uk", "error.too_long", length=4003, limit=4000)]
    assert await db_snapshot(h.db) == before
    # Exactly at the limit reaches the wizard (which has its own, shorter limit for names).
    replies = await h.send(NURSE, "<b>" + "х" * 3997)
    too_long = T("uk", "error.too_long", length=4000, limit=4000)
    assert replies[0].text != too_long and "200" in replies[0].text


async def test_typed_option_numbers_count_as_button_presses(harness: EngineHarness) -> None:
    """On the console, answering the wizard's options by number is pressing its buttons: a
    nurse who typed a lot just before is not stopped halfway through /new (issue 9)."""
    h = harness
    await joined(h, NURSE)
    for _ in range(LIMIT - 3):
        assert not throttled((await h.send(NURSE, "/my", buttons=False))[0].text)
    await h.send(NURSE, "/new", buttons=False)  # the typed budget is now one short of full
    # Back and forth through the first two steps, by number and by the Back word: far more
    # than the typed budget, all within the same second.
    for _ in range(LIMIT):
        replies = await h.send(NURSE, "1", buttons=False)  # the first category
        assert replies and not throttled(replies[0].text), replies
        replies = await h.send(NURSE, "назад", buttons=False)
        assert replies and not throttled(replies[0].text), replies
    # Typed text that selects nothing still counts as a message: one left, then the refusal.
    await h.send(NURSE, "1", buttons=False)
    replies = await h.send(NURSE, "Генератор", buttons=False)
    assert replies and not throttled(replies[0].text)
    replies = await h.send(NURSE, "2", buttons=False)  # a quantity, not an option
    assert len(replies) == 1 and throttled(replies[0].text), replies
