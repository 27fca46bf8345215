"""`aidbridge org add` goes the way /org_add goes (handlers.admin.org_rules.create_organisation):
the same cleaned values, the same refusals, and an org.add row in the audit log under the CLI's
actor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.audit import CLI_ACTOR
from tests.process.test_kill_restart import ORG_ADD, run_cli

pytestmark = pytest.mark.slow


async def test_a_cli_organisation_is_cleaned_and_audited(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIDBRIDGE_")}
    env.update(
        AIDBRIDGE_DB_PATH=str(tmp_path / "cli.db"),
        AIDBRIDGE_LOG_LEVEL="WARNING",
        AIDBRIDGE_DEFAULT_LANGUAGE="en",
    )
    # Refused by the chat's rules, before anything is written.
    code, out = await run_cli(env, tmp_path, *ORG_ADD, "--code", "1234567")
    assert code == 2 and "--code must be the 8-digit EDRPOU code" in out, out
    code, out = await run_cli(env, tmp_path, *ORG_ADD, "--address", "x" * 301)
    assert code == 2 and "--address is too long (at most 300 characters)" in out, out
    code, out = await run_cli(env, tmp_path, *ORG_ADD[:-1], "  ")
    assert code == 2 and "give the hromada or settlement" in out, out

    # Cleaned as in chat: a code typed in groups, a name with a line break and double spaces.
    args = [*ORG_ADD, "--code", "0123 4567", "--address", " вул.  Тестова,\n1 "]
    code, out = await run_cli(env, tmp_path, *args)
    assert code == 0 and "organisation 1 added" in out, out

    # The local console is the server's own admin: its /audit lists the CLI's row.
    code, out = await run_cli(env, tmp_path, "console", typed="/audit\n")
    assert code == 0, out
    # In the console's language (English), from the row's parameters.
    [line] = [line for line in out.splitlines() if "Organisation added" in line]
    assert f"· {CLI_ACTOR} ·" in line and "org:1" in line, out
    assert "EDRPOU: 01234567" in out and "Address: вул. Тестова, 1" in out, out
    assert out.count("Organisation added") == 1, out


async def test_cli_places_by_name_or_code_and_refuses_ambiguity(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIDBRIDGE_")}
    env.update(AIDBRIDGE_DB_PATH=str(tmp_path / "p.db"), AIDBRIDGE_LOG_LEVEL="WARNING")
    base = ("org", "add", "--kind", "municipality", "--name", "Покровська громада")
    # Two Покровська hromadas in Нікопольський raion: refused, both listed with their codes.
    code, out = await run_cli(
        env, tmp_path, *base, "--raion", "Нікопольський", "--hromada", "Покровська"
    )
    assert code == 2 and "is not sure" in out, out
    assert "UA12080090000039979" in out and "UA12080110000055958" in out, out
    assert "UA12140250000015858" not in out, out  # the one in another raion is not a candidate
    code, out = await run_cli(env, tmp_path, *base, "--settlement", "Атлантида")
    assert code == 2 and "no such place" in out, out
    # By code, and by an old name with a type word.
    code, out = await run_cli(env, tmp_path, *base, "--hromada", "UA12080090000039979")
    assert code == 0, out
    code, out = await run_cli(
        env,
        tmp_path,
        "org",
        "add",
        "--kind",
        "hospital",
        "--name",
        "ЦРЛ",
        "--settlement",
        "м. Новомосковськ",
    )
    assert code == 0, out
    code, out = await run_cli(
        env, tmp_path, "org", "add", "--kind", "ngo", "--name", "DRK Köln", "--outside", "Köln"
    )
    assert code == 0, out
    code, out = await run_cli(env, tmp_path, "org", "list")
    assert "[UA12080090000039979]" in out and "[UA12100070010038698]" in out, out
    assert "Самар, Самарівський" in out and "[outside the oblast]" in out, out
    code, out = await run_cli(env, tmp_path, "org", "unplaced")
    assert code == 0 and "every organisation is placed" in out, out
    # The export's place filter: a raion or hromada by name or code, ambiguity refused.
    out_file = str(tmp_path / "x.csv")
    export = ("export", "--format", "csv", "--out", out_file, "--raion")
    code, out = await run_cli(env, tmp_path, *export, "Покровська")
    assert code == 2 and "not sure" in out and "UA12140250000015858" in out, out
    code, out = await run_cli(env, tmp_path, *export, "Самарівський район")
    assert code == 0 and "0 item lines" in out, out
