"""The /need corpus (tests/data/need_lines.tsv) run through the real engine, line by line.

Shared by tests/handlers/test_need_corpus.py (fails on any silent misread) and
bench/parse_quality.py (prints the figures). Each line is sent as ``/need LINE`` by a
requester of a fresh organisation; when the preview offers Submit, Submit is pressed and the
stored request is read back from the database and compared with the expectation.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from handlers.core.events import Reply
from handlers.requests.catalog import Catalog, normalise
from storage.models import Identity, NeedItem, NeedRequest
from storage.requests import get_request
from tests.engine_harness import EngineHarness, payloads

CORPUS = Path(__file__).parent / "data" / "need_lines.tsv"
TODAY = date(2026, 11, 30)
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

# Outcomes
CORRECT = "stored correctly"
ASKED_RIGHT = "asked (right to ask)"
ASKED_READABLE = "asked though readable"
MISREAD = "silent misread"
REFUSED_READABLE = "refused though readable"
REFUSED_RIGHT = "refused (right to refuse)"


@dataclass(frozen=True)
class ExpectedItem:
    quantity: int
    unit: str
    key: str | None
    free_text: str | None
    pack_size: int | None
    pack_unit: str | None
    spec: str | None


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    kind: str  # "store", "ask", "refuse"
    items: tuple[ExpectedItem, ...] = ()
    urgency: str = "normal"
    needed_by: date | None = None
    comment: str = ""


@dataclass
class Result:
    line: Line
    outcome: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Summary:
    results: list[Result] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


_ITEM_RE = re.compile(
    r'^(?P<qty>\d+)\s+(?P<unit>\S+)\s+(?:"(?P<free>[^"]*)"|(?P<key>[a-z_0-9]+))'
    r"(?:\s+x(?P<size>\d+)\s+(?P<sunit>\S+))?(?:\s+\{(?P<spec>[^}]*)\})?$"
)


def load(path: Path = CORPUS) -> list[Line]:
    lines: list[Line] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        text, expected, *rest = raw.split("\t")
        lines.append(_line(number, text.replace("\\n", "\n"), expected.strip(), "".join(rest)))
    return lines


def _line(number: int, text: str, expected: str, comment: str) -> Line:
    if expected in ("ask", "refuse"):
        return Line(number, text, expected, comment=comment)
    parts = [p.strip() for p in expected.split("|")]
    items = []
    for entry in parts[0].split(";"):
        match = _ITEM_RE.match(entry.strip())
        if match is None:
            raise ValueError(f"line {number}: cannot read expectation {entry!r}")
        items.append(
            ExpectedItem(
                quantity=int(match["qty"]),
                unit=match["unit"],
                key=match["key"],
                free_text=match["free"],
                pack_size=int(match["size"]) if match["size"] else None,
                pack_unit=match["sunit"],
                spec=match["spec"],
            )
        )
    urgency, needed_by = "normal", None
    for part in parts[1:]:
        name, _, value = part.partition("=")
        if name == "urgency":
            urgency = value
        elif name == "by":
            needed_by = date.fromisoformat(value)
    return Line(number, text, "store", tuple(items), urgency, needed_by, comment)


async def run_line(harness: EngineHarness, line: Line, who: Identity) -> Result:
    started = time.perf_counter()
    replies = await harness.send(who, "/need " + line.text)
    seconds = time.perf_counter() - started
    reply = replies[-1]
    submit = _payload(reply, "w:submit:")
    if submit is None:
        asked = _payload(reply, "w:q:") is not None or _is_asking(harness, reply)
        if line.kind == "store":
            outcome = ASKED_READABLE if asked else REFUSED_READABLE
        elif asked or line.kind == "ask":
            outcome = ASKED_RIGHT
        else:
            outcome = REFUSED_RIGHT
        return Result(line, outcome, reply.text[:300], seconds)
    await harness.press(who, submit)
    rows = await harness.rows("SELECT MAX(id) FROM requests")
    async with harness.db.read() as conn:
        request = await get_request(conn, int(rows[0][0]))
    assert request is not None
    if line.kind != "store":
        return Result(line, MISREAD, _describe(request), seconds)
    problem = compare(line, request, harness.engine.ctx.catalog)
    if problem:
        return Result(line, MISREAD, problem + " | stored: " + _describe(request), seconds)
    return Result(line, CORRECT, "", seconds)


def compare(line: Line, request: NeedRequest, catalog: Catalog) -> str:
    if request.urgency.value != line.urgency:
        return f"urgency {request.urgency.value} != {line.urgency}"
    if request.needed_by != line.needed_by:
        return f"needed_by {request.needed_by} != {line.needed_by}"
    if len(request.items) != len(line.items):
        return f"{len(request.items)} items != {len(line.items)}"
    for got, want in zip(request.items, line.items, strict=True):
        if got.quantity != want.quantity or got.unit != want.unit:
            return f"{got.quantity} {got.unit} != {want.quantity} {want.unit}"
        if (got.pack_size, got.pack_unit) != (want.pack_size, want.pack_unit) and not _same_size(
            got, want
        ):
            return f"pack {got.pack_size} {got.pack_unit} != {want.pack_size} {want.pack_unit}"
        if want.key is not None and got.item_key != want.key:
            return f"item {got.item_key or got.free_text!r} != {want.key}"
        if want.free_text is not None and got.item_key is not None:
            return f"item {got.item_key} != free text {want.free_text!r}"
        if want.spec:
            kept = normalise(" ".join(p for p in (got.spec, got.free_text) if p))
            for word in normalise(want.spec).split():
                names_item = got.item_key is not None and got.item_key in catalog.word_items(word)
                if word not in kept.split() and not names_item:
                    return f"spec {got.spec!r} lost {word!r}"
    return ""


def _same_size(got: NeedItem, want: ExpectedItem) -> bool:
    """ "500 ml, 300 Flaschen" kept as a pack size or as the specification says the same: the
    size of each bottle is stored either way. Corpus writers differ on which they expect for
    bottles (never for containers of a measured good, where only count × size adds up)."""
    if got.unit != "bottles":
        return False
    spec = normalise(got.spec or "")
    if want.pack_size is not None and got.pack_size is None:
        return (
            normalise(f"{want.pack_size} {want.pack_unit}") in spec or str(want.pack_size) in spec
        )
    if got.pack_size is not None and want.pack_size is None:
        return str(got.pack_size) in normalise(want.spec or "")
    return False


def _describe(request: NeedRequest) -> str:
    items = "; ".join(
        f"{i.quantity} {i.unit} {i.item_key or repr(i.free_text)}"
        + (f" x{i.pack_size} {i.pack_unit}" if i.pack_size else "")
        + (f" {{{i.spec}}}" if i.spec else "")
        for i in request.items
    )
    return f"{items} | {request.urgency.value} | {request.needed_by}"


def _payload(reply: Reply, prefix: str) -> str | None:
    return next((p for p in payloads(reply) if p.startswith(prefix)), None)


def _is_asking(harness: EngineHarness, reply: Reply) -> bool:
    return any(
        reply.text.startswith(text) for text in harness.engine.ctx.t.all_forms("need.asking")
    )


async def run_corpus(harness: EngineHarness, lines: list[Line]) -> Summary:
    summary = Summary()
    for index, line in enumerate(lines):
        org = await harness.add_org(name=f"Лікарня №{index + 1}")
        who = Identity(transport="telegram", user_id=str(50_000 + index))
        await harness.join(who, org.id)
        summary.results.append(await run_line(harness, line, who))
    return summary
