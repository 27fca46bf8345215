"""A donor's offer on Matrix against a real Synapse (issue 15): buttons come as numbered
options, the coordinator allocates, the hospital and the donor hear it in their chats."""

from __future__ import annotations

import pytest

from storage import organisations
from storage.models import OrgKind
from tests.bot.matrix_bot_harness import Person, bodies, invite_code, join_with_invite
from tests.bot.test_matrix_coordination import Team, collect_until, submit, team

pytestmark = pytest.mark.slow
__all__ = ["team"]  # the fixture, shared with the coordination tests


async def test_a_donor_offers_and_a_coordinator_allocates_on_matrix(team: Team) -> None:
    bot, admin = team.bot, team.admin
    nurse = await join_with_invite(bot, admin, "requester", "nurse")
    coord = await join_with_invite(bot, admin, "coordinator", "coord")
    await submit(bot, nurse, "!need 2 генератор 30 кВА")
    async with bot.app.db.transaction() as conn:
        company = await organisations.add_organisation(
            conn,
            kind=OrgKind.COMPANY,
            name="Stadtwerke Wuppertal GmbH",
            raion="-",
            settlement="Wuppertal",
            code=None,
            address=None,
            now=bot.app.ctx.clock(),
        )
    code = invite_code(await admin.say(bot, f"!invite {company.id} donor"))
    donor = await Person.register(bot.hs, "donor")
    await donor.open_dm(bot)
    assert "✅" in bodies(await donor.say(bot, f"!start {code}"))
    assert "Deutsch" in bodies(await donor.say(bot, "!lang de"))

    asked = bodies(await donor.say(bot, "!offer 12 Notstromaggregat 20 kVA bis 31.01."))
    assert "Stromerzeuger — 12 Stk. (20 kVA)" in asked and "31.01.2027" in asked
    await donor.say(bot, "Wuppertal")
    for payload in ("of:c:used", "of:n:yes", "of:note:skip", "of:submit:"):
        typed, _ = await bot.option(donor.room_id, payload)
        answer = bodies(await donor.say(bot, typed))
    assert "Angebot O-1 gespeichert" in answer, answer

    matches = bodies(await coord.say(bot, "!matches O-1"))
    assert "R-1001" in matches and "30 кВА" in matches and "20 kVA" in matches
    done = bodies(await coord.say(bot, "!allocate O-1 R-1001 2"))
    assert "O-1 → R-1001" in done, done
    told_nurse = await collect_until(nurse, bot, "від донора Stadtwerke Wuppertal GmbH")
    assert told_nurse.count("від донора") == 1
    told_donor = await collect_until(donor, bot, "Waren aus Ihrem Angebot O-1")
    assert "R-1001" in told_donor
