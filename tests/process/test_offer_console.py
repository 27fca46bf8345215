"""A donor on the console (issue 15): the admin adds a company and invites a donor on the
server's terminal; the donor, as someone else, joins and offers in one line, answering the
form's questions by number as Matrix and the console show buttons."""

from __future__ import annotations

import re
from pathlib import Path

from tests.process.test_console import chat


async def test_a_donor_offers_on_the_console(tmp_path: Path) -> None:
    out = await chat(
        tmp_path,
        "console",
        lines=["/org_add company; Stadtwerke Wuppertal; -; Wuppertal", "/invite 1 donor"],
    )
    assert "(role: donor)" in out
    code = re.findall(r"/start (\S+)", out)[-1]
    out = await chat(
        tmp_path,
        "console",
        "--as",
        "telegram:5",
        lines=[
            f"/start {code}",
            "/offer 12 Notstromaggregat 20 kVA bis 31.01.",
            "Wuppertal",
            "2",  # used
            "1",  # may be named
            "1",  # no note
            "1",  # Submit
            "/offers",
        ],
    )
    assert "joined “Stadtwerke Wuppertal” as donor" in out
    assert "/offer — offer goods" in out
    assert "✅ Offer O-1 saved." in out
    assert "O-1 · open · until 31.01.2027 · Wuppertal · used" in out
    assert "1. Generator ×12 (20 kVA) — allocated 0, left 12" in out
