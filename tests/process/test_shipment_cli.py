"""`aidbridge shipment list S-1`: the packing list written by the CLI, private to its user."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.process.test_kill_restart import run_cli
from tests.process.test_shipment_kill import seed

pytestmark = pytest.mark.slow


async def test_cli_writes_the_packing_list(tmp_path: Path) -> None:
    db_path = tmp_path / "aidbridge.db"
    await seed(db_path)
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path)}
    code, out = await run_cli(env, tmp_path, "shipment", "list", "S-1", "--lang", "de")
    assert code == 0, out
    written = tmp_path / "packing-list-S-1.xlsx"
    assert "3 lines of S-1 written to packing-list-S-1.xlsx" in out
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    book = load_workbook(io.BytesIO(written.read_bytes()))
    assert book.sheetnames == ["Übersicht", "1 Hospital 101", "2 Hospital 102", "3 Hospital 103"]
    assert [c.value for c in book["Übersicht"][5]][:3] == ["Nr.", "Anfrage", "Empfänger"]
    code, out = await run_cli(env, tmp_path, "shipment", "list", "S-7")
    assert code == 1 and "S-7 not found" in out
    code, out = await run_cli(env, tmp_path, "shipment", "list", "R-1001")
    assert code == 2 and "no shipment id" in out


async def test_cli_writes_the_packing_list_as_csv(tmp_path: Path) -> None:
    db_path = tmp_path / "aidbridge.db"
    await seed(db_path)
    env = {**os.environ, "AIDBRIDGE_DB_PATH": str(db_path)}
    out_file = tmp_path / "truck.csv"
    code, out = await run_cli(
        env,
        tmp_path,
        "shipment",
        "list",
        "S-1",
        "--format",
        "csv",
        "--lang",
        "en",
        "--out",
        str(out_file),
    )
    assert code == 0, out
    rows = out_file.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("No.,Request,Recipient,EDRPOU code")
    assert len(rows) == 2 + 3 and rows[2].startswith("1,R-1001,Hospital 101,")
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
