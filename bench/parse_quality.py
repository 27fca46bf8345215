"""How well /need reads real phrasings: run the corpus through the engine and print figures.

    .venv/bin/python -m bench.parse_quality [path/to/lines.tsv] [--show OUTCOME]

Targets (issue 9): 0 silent misreads, at most 2 % refused though readable, at least 85 %
stored correctly without any question (of the lines a reader could store as they stand).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tests import need_corpus as corpus
from tests.engine_harness import EngineHarness


async def main(path: Path, show: str | None) -> None:
    lines = corpus.load(path)
    with tempfile.TemporaryDirectory() as tmp:
        harness = await EngineHarness.create(Path(tmp) / "quality.db", start=corpus.START)
        try:
            summary = await corpus.run_corpus(harness, lines)
        finally:
            await harness.close()
    total = len(summary.results)
    storable = sum(1 for r in summary.results if r.line.kind == "store")
    print(f"lines: {total} ({storable} storable as they stand, {total - storable} ask/refuse)")
    for outcome in (
        corpus.CORRECT,
        corpus.ASKED_RIGHT,
        corpus.REFUSED_RIGHT,
        corpus.ASKED_READABLE,
        corpus.REFUSED_READABLE,
        corpus.MISREAD,
    ):
        n = summary.count(outcome)
        print(f"{outcome:28} {n:5}  {100 * n / total:5.1f} % of all")
    correct = summary.count(corpus.CORRECT)
    print(
        f"stored correctly without a question: {100 * correct / max(storable, 1):.1f} % of storable"
    )
    refused = summary.count(corpus.REFUSED_READABLE)
    print(f"refused though readable: {100 * refused / max(storable, 1):.1f} % of storable")
    times = sorted(r.seconds for r in summary.results)
    print(
        f"time per line (engine turn): median {1000 * times[len(times) // 2]:.1f} ms,"
        f" p95 {1000 * times[int(len(times) * 0.95)]:.1f} ms"
    )
    for result in summary.results:
        if show and result.outcome == show:
            print(f"  L{result.line.number}: {result.line.text!r} -> {result.detail}")


if __name__ == "__main__":
    args = sys.argv[1:]
    show = None
    if "--show" in args:
        at = args.index("--show")
        show = args[at + 1]
        del args[at : at + 2]
    asyncio.run(main(Path(args[0]) if args else corpus.CORPUS, show))
