"""A raion or hromada as a filter of /open, /subscribe, /export: by name, type word, code;
same-named hromadas asked about, never guessed; the chosen one's button runs the command."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from handlers.core.events import ChatRef, Incoming
from handlers.lifecycle.commands import encode_view
from handlers.requests.submit import matches
from storage import organisations
from storage.models import (
    Filters,
    Identity,
    NeedRequest,
    Organisation,
    OrgKind,
    Role,
    Status,
    Urgency,
)
from storage.places import codifier
from storage.places.placing import placement_for
from tests.engine_harness import EngineHarness, payloads

NURSES = [Identity(transport="telegram", user_id=str(101 + n)) for n in range(3)]
COORD = Identity(transport="telegram", user_id="301")
POKROVSKA_NIKOPOL = "UA12080090000039979"  # centre Покров
POKROVSKA_SYNELNYKOVE = "UA12140250000015858"


async def setup(h: EngineHarness) -> list[int]:
    """R-1001 in Дніпро, R-1002 in Покровська (Нікопольський), R-1003 in Покровська
    (Синельниківський); and an organisation typed before places had codes, with R-1004."""
    dnipro = await h.add_org()
    places = codifier()
    orgs = [dnipro.id]
    async with h.db.transaction() as conn:
        for name, code in (
            ("ЦРЛ Покров", POKROVSKA_NIKOPOL),
            ("Амбулаторія", POKROVSKA_SYNELNYKOVE),
        ):
            org = await organisations.add_organisation(
                conn,
                kind=OrgKind.HOSPITAL,
                name=name,
                raion=places.ancestors(code)[0].name,
                settlement=places[code].name,
                code=None,
                address=None,
                now=h.clock(),
                place=placement_for(places[code]),
            )
            orgs.append(org.id)
    unplaced = await h.add_org(name="Стара лікарня", placed=False)
    coordinators = await h.add_org(name="Hilfswerk NRW", address=None)
    for nurse, org_id in zip(NURSES, orgs, strict=True):
        await h.join(nurse, org_id)
        await h.need_and_submit(nurse, "/need 2 генератор")
    await h.join(Identity(transport="telegram", user_id="104"), unplaced.id)
    await h.need_and_submit(Identity(transport="telegram", user_id="104"), "/need 3 намет")
    await h.join(COORD, coordinators.id, role=Role.COORDINATOR, lang="en")
    await h.send(COORD, "/lang en")
    return orgs


def refs(text: str) -> list[str]:
    return sorted(set(re.findall(r"R-\d+", text)))


async def test_open_by_raion_or_hromada_name_code_and_type_word(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    # R-1004's organisation has no codes yet: a place filter does not find it (it is listed
    # for an admin to place, tests/handlers/test_stats.py).
    for command, expected in {
        "/open Дніпровський": ["R-1001"],
        "/open Дніпровська громада": ["R-1001"],
        "/open UA1202001": ["R-1001"],
        "/open Dniprovskyi raion": ["R-1001"],
        "/open Нікопольський район": ["R-1002"],
        "/open Синельниківського району": ["R-1003"],
        "/open Покровська,Синельниківський": ["R-1003"],
        "/open Покровська, Синельниківський": ["R-1003"],
        "/open UA12080090000039979 power": ["R-1002"],
    }.items():
        text = (await h.send(COORD, command))[0].text
        assert refs(text) == expected, (command, text)
    # A hromada with no organisation yet: the filter is understood, nothing is open there.
    text = (await h.send(COORD, "/open Самарівська громада"))[0].text
    assert "No open requests" in text


async def test_same_named_hromadas_are_asked_about_then_run(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    reply = (await h.send(COORD, "/open critical Покровська"))[0]
    assert "fits more than one" in reply.text
    assert payloads(reply) == [
        "pf:/open critical UA1208009",
        "pf:/open critical UA1208011",
        "pf:/open critical UA1214025",
    ]
    assert "Nikopolskyi" in reply.text and "Synelnykivskyi" in reply.text  # told apart
    assert "<code>/open critical UA1214025</code>" in reply.text  # to copy on any platform
    assert not refs(reply.text)  # nothing listed before the choice
    reply = (await h.press(COORD, "pf:/open UA1208009"))[0]
    assert refs(reply.text) == ["R-1002"]
    # The pages of the list keep the place, as its P-code in the button; a page button from
    # before places had codes (an organisation's number there) is stale.
    assert encode_view(Filters(place=POKROVSKA_NIKOPOL), 1) == "op:1:-:-:-:UA1208009"
    assert refs((await h.press(COORD, "op:0:-:-:-:UA1208009"))[0].text) == ["R-1002"]
    assert (await h.press(COORD, "op:0:-:-:-:2"))[0].toast
    # A typo is offered, not taken.
    reply = (await h.send(COORD, "/open Нікопрльський"))[0]
    assert "not found exactly" in reply.text and payloads(reply) == ["pf:/open UA1208"]
    # A word that is no place, category, urgency or organisation is still refused.
    reply = (await h.send(COORD, "/open Атлантида"))[0]
    assert "Атлантида" in reply.text and not payloads(reply)


async def test_subscribe_and_export_ask_and_keep_their_head(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    reply = (await h.send(COORD, "/subscribe daily 08:00 Покровська"))[0]
    assert "pf:/subscribe daily 08:00 UA1214025" in payloads(reply)
    assert await h.count("subscriptions") == 1  # only the default critical one
    reply = (await h.press(COORD, "pf:/subscribe daily 08:00 UA1214025"))[0]
    assert "Покровська (Pokrovska) hromada" in reply.text
    [(filters,)] = await h.rows("SELECT filters FROM subscriptions WHERE kind = 'daily'")
    assert POKROVSKA_SYNELNYKOVE in filters
    reply = (await h.send(COORD, "/export csv Покровська"))[0]
    assert "pf:/export csv UA1208011" in payloads(reply)


async def test_a_pick_button_runs_only_filter_commands_under_their_rules(
    harness: EngineHarness,
) -> None:
    h = harness
    await setup(h)
    for forged in ("pf:/org_add ngo; X; -; Köln", "pf:/forget_me", "pf:/stats"):
        assert (await h.press(COORD, forged))[0].toast, forged
    assert await h.count("organisations") == 5
    # /open is private: its button pressed in a group does nothing.
    group = Incoming(
        chat=ChatRef(transport="telegram", chat_id="-100"),
        sender=COORD,
        update_id="group-1",
        choice="pf:/open UA1208009",
        private=False,
        language_code="en",
    )
    replies = await h.engine.handle(group)
    assert not refs(" ".join(r.text for r in replies))
    # A requester cannot run a coordinator's command through the button.
    assert (await h.press(NURSES[0], "pf:/open UA1208009"))[0].toast


def test_critical_alert_filter_matches_by_code() -> None:
    places = codifier()
    request = NeedRequest(
        id=1,
        org_id=7,
        created_by=None,
        urgency=Urgency.CRITICAL,
        needed_by=None,
        delivery_place=None,
        note=None,
        status=Status.NEW,
        created_at=places_time(),
        updated_at=places_time(),
    )
    org = Organisation(
        id=7,
        kind=OrgKind.HOSPITAL,
        name="x",
        raion="Синельниківський",
        settlement="Покровське",
        created_at=places_time(),
        place=placement_for(places[POKROVSKA_SYNELNYKOVE]),
    )
    assert matches(Filters(place=POKROVSKA_SYNELNYKOVE), request, org)
    assert matches(Filters(place="UA12140000000011720"), request, org)  # its raion
    assert not matches(Filters(place=POKROVSKA_NIKOPOL), request, org)
    assert not matches(Filters(place="UA12080000000023578"), request, org)


def places_time() -> datetime:
    return datetime(2026, 11, 1, tzinfo=UTC)


async def test_digest_groups_open_requests_by_raion(harness: EngineHarness) -> None:
    h = harness
    await setup(h)
    h.clock.advance(seconds=60)
    text = "\n".join(r.text for r in await h.report(COORD, "/digest by-raion"))
    assert "<b>Open by raion</b>" in text
    section = text.split("<b>Open by raion</b>")[1]
    for raion in ("Дніпровський (Dniprovskyi)", "Нікопольський (Nikopolskyi)"):
        assert f"{raion} raion: 1 requests (0 critical), 1 items not covered" in section
    assert "without a KATOTTH code: 1 requests" in section  # R-1004, typed place only
    # Within a raion filter, only that raion; without the word, no such section.
    text = "\n".join(r.text for r in await h.report(COORD, "/digest by-raion UA1214"))
    assert "Синельниківський (Synelnykivskyi) raion: 1 requests" in text
    assert "Нікопольський" not in text
    text = "\n".join(r.text for r in await h.report(COORD, "/digest"))
    assert "Open by raion" not in text
    reply = (await h.send(COORD, "/subscribe weekly mon 08:00 by-raion"))[0]
    assert "by-raion" in reply.text
    [(filters,)] = await h.rows("SELECT filters FROM subscriptions WHERE kind = 'weekly'")
    assert '"by_raion":true' in filters.replace(" ", "")
