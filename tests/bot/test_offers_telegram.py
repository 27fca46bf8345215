"""A donor's offer end to end through python-telegram-bot and the fake Bot API (issue 15).

A German company offers generators and transformers in one line; the coordinator (English)
is alerted that it covers a critical need, reads /offers and /matches both ways, allocates to
two hospitals (Ukrainian and English speakers): each hospital hears once, in its language,
the donor once per hospital in German, naming where the goods go. Then an offer's reminder
three days before its last day and its expiry, each once, through the scheduler's own
housekeeping run with the bot's clock moved on.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_app, utc_now
from storage.models import OrgKind, Role
from tests.bot.telegram_harness import TOKEN, TelegramHarness, button, buttons, make_settings
from tests.bot.test_telegram_shipments import add_org, file_request, join, outbox_drained, received
from tests.fakes.bot_api import FakeBotApi, RecordedCall

COORD = 301  # English
NURSE_A = 101  # Ukrainian
NURSE_B = 102  # English
DONOR = 501  # German

_TAG = re.compile(r"<[^>]+>")


def plain(call: RecordedCall) -> str:
    return html.unescape(_TAG.sub("", str(call.params.get("text") or "")))


def told(tg: TelegramHarness, user: int, since: int, needle: str) -> list[RecordedCall]:
    return [c for c in received(tg, user, since) if needle in plain(c)]


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    tg: TelegramHarness
    clock: Clock


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeBotApi(token=TOKEN) as fake:
        clock = Clock(utc_now())
        settings = make_settings(fake, tmp_path / "bot.db", rate_limit_per_minute=1000)
        app = await build_app(settings, clock=clock)
        tg = TelegramHarness(fake, app)
        await app.start()
        try:
            ngo = await add_org(tg, "Hilfswerk NRW e.V.", OrgKind.NGO)
            a = await add_org(tg, "Лікарня №4", OrgKind.HOSPITAL)
            b = await add_org(tg, "Лікарня Павлоград", OrgKind.HOSPITAL)
            company = await add_org(tg, "Stadtwerke Wuppertal GmbH", OrgKind.COMPANY)
            await join(tg, COORD, ngo, Role.COORDINATOR, "en")
            await join(tg, NURSE_A, a, Role.REQUESTER, "uk")
            await join(tg, NURSE_B, b, Role.REQUESTER, "en")
            await join(tg, DONOR, company, Role.DONOR, "de")
            yield World(tg, clock)
            assert not fake.errors, [e.description for e in fake.errors]
        finally:
            await tg.stop()


async def offer(tg: TelegramHarness, line: str, *, until: str | None = None) -> str:
    """The donor's one line, the form's questions by button (the place typed), Submit."""
    sent = await tg.say(DONOR, f"/offer {line}", language_code="de")
    if until is not None:
        sent = await tg.say(DONOR, until, language_code="de")
    assert "Abholung" not in plain(sent[-1])
    sent = await tg.say(DONOR, "Wuppertal-Vohwinkel", language_code="de")
    for data in ("of:c:used", "of:n:yes", "of:note:skip"):
        sent = await tg.press(DONOR, data, _id(sent))
    sent = await tg.press(DONOR, button(sent[-1], "of:submit:"), _id(sent))
    found = re.findall(r"O-\d+", plain(sent[-1]))
    assert found and "✅" in plain(sent[-1]), plain(sent[-1])
    return str(found[0])


def _id(sent: list[RecordedCall]) -> int:
    last = sent[-1]
    if last.method == "editMessageText":
        return int(last.params["message_id"])
    return int(last.result["message_id"])


async def test_a_donor_offers_and_coordinators_allocate_to_two_hospitals(world: World) -> None:
    tg = world.tg
    t = tg.app.ctx.t
    ref_a = await file_request(tg, NURSE_A, "2 генератор 30 кВА критично", "uk")
    ref_b = await file_request(tg, NURSE_B, "5 generator", "en")
    await outbox_drained(tg)
    mark = tg.fake.last_seq

    ref = await offer(tg, "12 Notstromaggregat 20 kVA; 2 Transformator 630 kVA bis 31.01.")
    await outbox_drained(tg)
    alerts = told(tg, COORD, mark, f"New offer {ref} could cover critical needs")
    assert len(alerts) == 1 and ref_a in plain(alerts[0]) and ref_b not in plain(alerts[0])

    listed = plain((await tg.say(COORD, "/offers", language_code="en"))[-1])
    assert f"{ref} · Stadtwerke Wuppertal GmbH" in listed and "used" in listed
    assert "open needs it could cover: 2" in listed
    matches = plain((await tg.say(COORD, f"/matches {ref}", language_code="en"))[-1])
    assert matches.index(ref_a) < matches.index(ref_b)  # critical first
    assert "needs 2 (30 кВА) | offered 12 (20 kVA)" in matches
    back = plain((await tg.say(COORD, f"/matches {ref_b}", language_code="en"))[-1])
    assert f"/allocate {ref} {ref_b} 5" in back

    mark = tg.fake.last_seq
    done = await tg.say(COORD, f"/allocate {ref} {ref_a} 2", language_code="en")
    assert "Left on the line: 10" in plain(done[-1])
    done = await tg.say(COORD, f"/allocate {ref} {ref_b} 5", language_code="en")
    assert "Left on the line: 5" in plain(done[-1])
    # Refused as /pledge refuses: more than the request still lacks.
    done = await tg.say(COORD, f"/allocate {ref} {ref_b} 1", language_code="en")
    assert plain(done[-1]) == html.unescape(
        t("en", "lifecycle.pledge_too_much", ref=ref_b, status="Pledged", fragment="")
    )
    await outbox_drained(tg)
    assert len(told(tg, NURSE_A, mark, "від донора Stadtwerke Wuppertal GmbH")) == 1
    assert len(told(tg, NURSE_B, mark, "The donor Stadtwerke Wuppertal GmbH pledged")) == 1
    to_donor = told(tg, DONOR, mark, f"Waren aus Ihrem Angebot {ref}")
    assert len(to_donor) == 2
    assert "Лікарня №4" in plain(to_donor[0]) and ref_a in plain(to_donor[0])
    assert "Лікарня Павлоград" in plain(to_donor[1]) and ref_b in plain(to_donor[1])
    assert len(received(tg, NURSE_A, mark)) == 1 and len(received(tg, NURSE_B, mark)) == 1
    assert not [c for c in received(tg, COORD, mark) if "🤝" in plain(c)]

    own = plain((await tg.say(DONOR, "/offers", language_code="de"))[-1])
    assert "zugeteilt 7, übrig 5" in own and f"2 → {ref_a}" in own

    sent = await tg.say(DONOR, f"/withdraw {ref}", language_code="de")
    assert "zurückgezogen" in plain(sent[-1]) and "Stromerzeuger ×5" in plain(sent[-1])
    sent = await tg.say(COORD, "/offers", language_code="en")
    assert plain(sent[-1]) == t("en", "offer.none_open")


async def test_reminder_and_expiry_once_each(world: World) -> None:
    tg, clock = world.tg, world.clock
    today = clock.now.astimezone(tg.app.ctx.policy.timezone).date()
    last_day = today + timedelta(days=5)
    ref = await offer(tg, "4 Pumpe", until=last_day.strftime("%d.%m.%Y"))
    await outbox_drained(tg)
    mark = tg.fake.last_seq
    await tg.app.scheduler.housekeeping()  # five days before: nothing yet
    clock.now += timedelta(days=2)  # three days before
    await tg.app.scheduler.housekeeping()
    await tg.app.scheduler.housekeeping()
    await outbox_drained(tg)
    reminders = told(tg, DONOR, mark, f"Angebot {ref} ist verfügbar bis")
    assert len(reminders) == 1 and "Pumpe ×4" in plain(reminders[0])
    clock.now += timedelta(days=3)  # the last day: still open
    await tg.app.scheduler.housekeeping()
    clock.now += timedelta(days=1)
    await tg.app.scheduler.housekeeping()
    await tg.app.scheduler.housekeeping()
    await outbox_drained(tg)
    expired = told(tg, DONOR, mark, f"Angebot {ref} ist abgelaufen")
    assert len(expired) == 1
    assert len(received(tg, DONOR, mark)) == 2
    assert not [b for c in received(tg, DONOR, mark) for b in buttons(c)]
