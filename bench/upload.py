"""Reading a needs list sent as a 500-row XLSX (issue 15: under 1 s).

What is timed is what a worker thread does for one upload (handlers/requests/upload.py
``read_file``): the zip checks, openpyxl in read-only mode, the header row and every row
through /need's reader. The workbook is made with openpyxl, 500 rows of catalog goods in
Ukrainian with units, urgencies, dates and notes, the way a hospital pharmacy's list looks.

    .venv/bin/python -m bench.upload [--rows 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from datetime import date, timedelta

import openpyxl

from bench.common import machine
from bot.sheet_files import SheetFiles
from handlers.requests.catalog import Catalog
from handlers.requests.upload import read_file, vocabulary
from handlers.text.i18n import Translator

GOODS = (
    ("бинти стерильні 7х14", "уп"),
    ("шприци 5 мл", "шт"),
    ("рукавички нітрилові M", "пар"),
    ("маски медичні", "шт"),
    ("катетер венозний 20G", "шт"),
    ("генератор дизельний 30 кВт", "шт"),
    ("павербанк 20000 mAh", "шт"),
    ("ковдри", "шт"),
    ("спальні мішки", "шт"),
    ("ліхтарик", "шт"),
)


def workbook(rows: int, today: date) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Найменування", "Кількість", "Одиниця", "Терміновість", "Потрібно до", "Примітка"]
    )
    for n in range(rows):
        name, unit = GOODS[n % len(GOODS)]
        urgency = ("терміново", "", "критично", "")[n % 4]
        sheet.append(
            [name, 5 + n, unit, urgency, today + timedelta(days=7 + n % 30), f"корпус {n % 7}"]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    today = date(2026, 11, 24)
    data = workbook(args.rows, today)
    files, catalog, words = SheetFiles(), Catalog.default(), vocabulary(Translator())
    read_file(files, data, "warm-up.xlsx", today, catalog, words)  # dictionaries loaded once
    times, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        reading = read_file(files, data, "list.xlsx", today, catalog, words)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert reading.refusal is None and len(reading.lines) == args.rows, reading.problems[:3]
    print(f"machine: {machine()}")
    # CPU time beside wall time: on a shared machine the wall time says as much about the
    # neighbours as about the reading.
    print(
        f"{args.rows}-row XLSX ({len(data) / 1024:.0f} KiB) read in "
        f"{statistics.median(times):.3f} s median wall ({max(times):.3f} s worst of {args.runs}), "
        f"{statistics.median(cpu):.3f} s CPU (target < 1 s)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
