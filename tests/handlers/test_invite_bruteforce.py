"""Guessing invite codes: five refusals an hour per identity, then a cool-down."""

from __future__ import annotations

import hmac
from pathlib import Path

import pytest

from handlers.text.i18n import Translator
from storage.models import Identity, Role
from tests.engine_harness import EngineHarness

GUESSER = Identity(transport="telegram", user_id="666")
OTHER = Identity(transport="telegram", user_id="667")
WRONG = ["AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC", "DDDDDDDDDD", "EEEEEEEEEE", "FFFFFFFFFF"]

T = Translator()
UNKNOWN = T("uk", "account.invite_unknown")


def cooldown(time: str, minutes: int) -> str:
    return T("uk", "security.invite_cooldown", time=time, minutes=minutes)


async def members(h: EngineHarness) -> int:
    return await h.count("members")


async def test_five_wrong_codes_then_even_the_right_one_waits_an_hour(
    harness: EngineHarness,
) -> None:
    h = harness
    org = await h.add_org()
    code = await h.invite_code(org.id)
    for guess in WRONG[:4]:
        assert [r.text for r in await h.send(GUESSER, f"/start {guess}")] == [UNKNOWN]
    # The fifth refusal says at once when to come back (09:00 UTC + 1 h = 11:00 in Berlin).
    replies = await h.send(GUESSER, f"/start {WRONG[4]}")
    assert [r.text for r in replies] == [UNKNOWN + "\n\n" + cooldown("11:00", 60)]
    assert await h.count("invite_failures") == 5
    # During the cool-down even the correct code is refused, and nothing is recorded,
    # so trying on does not lengthen the wait.
    h.clock.advance(minutes=20)
    replies = await h.send(GUESSER, f"/start {code}")
    assert [r.text for r in replies] == [cooldown("11:00", 40)]
    assert await members(h) == 0
    assert await h.rows("SELECT used_by FROM invites") == [(None,)]
    assert await h.count("invite_failures") == 5
    h.clock.advance(minutes=39, seconds=59)
    assert [r.text for r in await h.send(GUESSER, f"/start {code}")] == [cooldown("11:00", 1)]
    # At 11:00 the first failure leaves the window: the right code works.
    h.clock.advance(seconds=1)
    replies = await h.send(GUESSER, f"/start {code}")
    assert "✅" in replies[0].text
    assert await members(h) == 1


async def test_the_window_slides_one_attempt_at_a_time(harness: EngineHarness) -> None:
    h = harness
    for guess in WRONG[:5]:
        await h.send(GUESSER, f"/start {guess}")
        h.clock.advance(minutes=10)
    # Failures at 09:00..09:40; now 09:50: locked until 10:00 UTC (11:00 local).
    assert [r.text for r in await h.send(GUESSER, "/start ABCDEFGHJK")] == [cooldown("11:00", 10)]
    h.clock.advance(minutes=10)
    # One slot is free again; using it up on a wrong code locks until the next one frees.
    replies = await h.send(GUESSER, f"/start {WRONG[5]}")
    assert [r.text for r in replies] == [UNKNOWN + "\n\n" + cooldown("11:10", 10)]


async def test_the_cool_down_is_per_identity(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    for guess in WRONG[:5]:
        await h.send(GUESSER, f"/start {guess}")
    code = await h.invite_code(org.id)
    replies = await h.send(OTHER, f"/start {code}")
    assert "✅" in replies[0].text
    # The same user id on another platform is another identity too.
    matrix_twin = Identity(transport="matrix", user_id=GUESSER.user_id)
    assert [r.text for r in await h.send(matrix_twin, "/start ZZZZZZZZZZ")] == [UNKNOWN]


async def test_used_and_expired_codes_count_as_failures(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    used = await h.invite_code(org.id)
    await h.send(OTHER, f"/start {used}")
    expired = await h.invite_code(org.id, days=1)
    h.clock.advance(days=2)
    for _ in range(2):
        assert (await h.send(GUESSER, f"/start {used}"))[0].text == T("uk", "account.invite_used")
        expired_text = T("uk", "account.invite_expired")
        assert (await h.send(GUESSER, f"/start {expired}"))[0].text == expired_text
    replies = await h.send(GUESSER, f"/start {used}")
    assert "🔒" in replies[0].text
    assert await h.count("invite_failures") == 5


async def test_refusals_are_audited_but_cool_down_answers_are_not(harness: EngineHarness) -> None:
    h = harness
    for guess in WRONG:
        await h.send(GUESSER, f"/start {guess}")
    actions = await h.rows("SELECT action, actor_label FROM audit WHERE action = 'invite.refused'")
    assert actions == [("invite.refused", "telegram:666")] * 5


async def test_old_failures_are_pruned(harness: EngineHarness) -> None:
    h = harness
    for guess in WRONG[:3]:
        await h.send(GUESSER, f"/start {guess}")
    h.clock.advance(hours=2)
    await h.send(OTHER, "/start ZZZZZZZZZZ")
    assert await h.rows("SELECT user_id FROM invite_failures") == [("667",)]


async def test_the_number_of_attempts_comes_from_the_policy(tmp_path: Path) -> None:
    h = await EngineHarness.create(tmp_path / "strict.db", invite_attempts_per_hour=2)
    try:
        await h.send(GUESSER, "/start AAAAAAAAAA")
        replies = await h.send(GUESSER, "/start BBBBBBBBBB")
        assert replies[0].text == UNKNOWN + "\n\n" + cooldown("11:00", 60)
    finally:
        await h.close()


async def test_a_members_wrong_codes_count_too(harness: EngineHarness) -> None:
    h = harness
    org = await h.add_org()
    await h.join(OTHER, org.id)
    for guess in WRONG[:5]:
        await h.send(OTHER, f"/start {guess}")
    code = await h.invite_code(org.id, role=Role.COORDINATOR)
    assert "🔒" in (await h.send(OTHER, f"/start {code}"))[0].text
    assert await h.rows("SELECT roles FROM members") == [("requester",)]


async def test_the_code_is_compared_in_constant_time(
    harness: EngineHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row is found by its hash's index; the digests are then compared with
    hmac.compare_digest (watched here, still doing the real comparison)."""
    h = harness
    org = await h.add_org()
    code = await h.invite_code(org.id)
    compared: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def watching(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", watching)
    replies = await h.send(GUESSER, f"/start {code.lower()}")
    assert "✅" in replies[0].text
    mac = h.engine.ctx.invite_key.mac(code)
    assert compared == [(mac, mac)]
