"""Fuzzing the whole engine: generated text, button payloads and commands with odd arguments,
sent as the engine harness's Incoming by a stranger, requesters of two organisations, a
coordinator and an admin, against a database holding a real request and hostile names.

For every generated event:
- no exception escapes a handler (the engine would log it and answer error.internal);
- every reply is well-formed markup: only the bot's own tags, user text never forms a tag;
- nothing is written for an input that changed nothing: outbox and audit rows only appear
  alongside a change to the domain tables (a refused invite code's audit row aside), and no
  request is ever created without its draft's Submit button.

10,000 generated events in all (5,000 + 2,000 /need + 3,000 as the admin). Hypothesis is
derandomized, so CI sees the same inputs every run. The engine runs on its own
event loop (one harness per module: creating one per example would dominate the run time), on
/dev/shm when there is one, since fsync per commit is not what is being tested here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.core.engine import build_registry
from handlers.core.events import Reply
from handlers.text.i18n import LANGUAGES, Translator
from storage.models import Identity, Role
from tests.engine_harness import ADMIN, EngineHarness, find_payload
from tests.markup import assert_markup_ok

R = TypeVar("R")

STRANGER = Identity(transport="telegram", user_id="666")
NURSE_A = Identity(transport="telegram", user_id="101")
NURSE_B = Identity(transport="telegram", user_id="102")
COORD = Identity(transport="telegram", user_id="301")
MEMBERS = [NURSE_A, NURSE_B, COORD]
EVERYONE = [STRANGER, *MEMBERS]

T = Translator()
INTERNAL = {T(lang, "error.internal") for lang in LANGUAGES}
# Tables whose change is a real effect; outbox and audit rows may only come with one of them.
DOMAIN = (
    "organisations",
    "members",
    "invites",
    "requests",
    "request_items",
    "status_events",
    "pledges",
    "subscriptions",
    "meeting_rounds",  # /meeting records the round it builds the pack for
)
# Read in full too, but not a "real effect" (a draft is not yet a request).
DRAFTS = ("conversations",)
# Tables only counted (their "#table" entry in a fingerprint).
COUNTED = ("outbox", "audit", "invite_failures", "requests")
# /backup writes a file beside the database's configured directory, outside the test's
# temporary space; it takes no arguments, so fuzzing it finds nothing anyway.
NOT_FUZZED = frozenset({"backup"})
COMMANDS = sorted(set(build_registry().commands) - NOT_FUZZED)
PREFIXES = sorted(build_registry().choices)


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    h: EngineHarness
    errors: _Errors
    fingerprint_sql: str
    sent: int = 0
    seen_kinds: dict[str, int] = field(default_factory=dict)

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        return self.loop.run_until_complete(coro)

    async def fingerprint(self) -> dict[str, Any]:
        """The domain tables' full content and the other tables' row counts, in one query
        (reading every table twice per event would be most of the run time)."""
        async with self.h.db.read() as conn:
            cur = await conn.execute(self.fingerprint_sql)
            row = await cur.fetchone()
        assert row is not None
        keys = (*DOMAIN, *DRAFTS, *(f"#{table}" for table in COUNTED))
        return dict(zip(keys, tuple(row), strict=True))


async def fingerprint_query(h: EngineHarness) -> str:
    parts = []
    async with h.db.read() as conn:
        for table in (*DOMAIN, *DRAFTS):
            cur = await conn.execute(f"PRAGMA table_info({table})")
            columns = [str(r[1]) for r in await cur.fetchall()]
            row = " || ',' || ".join(f"quote({c})" for c in columns)
            parts.append(f"(SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {table}))")
    parts += [f"(SELECT COUNT(*) FROM {table})" for table in COUNTED]
    return "SELECT " + ", ".join(parts)


async def build_world(path: Path) -> EngineHarness:
    # Limits are tested elsewhere; here every generated event must reach the handlers.
    h = await EngineHarness.create(
        path, rate_limit_per_minute=10**9, invite_attempts_per_hour=10**9
    )
    org_a = await h.add_org(name='Лікарня <№4> & "Co"', address="вул. <b>Тестова</b>, 1 & 2")
    org_b = await h.add_org(name="Громада <i>Б", address="<code>пл. Ринок</code>")
    ngo = await h.add_org(name="Hilfswerk <NRW> & Partner", address=None)
    await h.join(NURSE_A, org_a.id)
    await h.join(NURSE_B, org_b.id)
    await h.join(COORD, ngo.id, role=Role.COORDINATOR, lang="de")
    replies = await h.send(NURSE_A, "/need 2 генератор; 5 <b>ліжко & co</b> !high")
    # Not a catalog item as typed: the preview asks, and the nurse keeps it as written.
    replies = await h.press(NURSE_A, find_payload(replies[0], "w:q:keep"))
    replies = await h.press(NURSE_A, find_payload(replies[0], "w:submit:"))
    await h.send(COORD, "/ack R-1001 <i>Lager & Co")
    assert await h.count("requests") == 1
    return h


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = (
        Path(tempfile.mkdtemp(prefix="aidbridge-fuzz-", dir="/dev/shm"))
        if os.path.isdir("/dev/shm")
        else tmp_path_factory.mktemp("fuzz")
    )
    loop = asyncio.new_event_loop()
    errors = _Errors()
    engine_log = logging.getLogger("handlers.core.engine")
    engine_log.addHandler(errors)
    try:
        h = loop.run_until_complete(build_world(base / "fuzz.db"))
        sql = loop.run_until_complete(fingerprint_query(h))
        world = World(loop=loop, h=h, errors=errors, fingerprint_sql=sql)
        yield world
        loop.run_until_complete(h.close())
    finally:
        engine_log.removeHandler(errors)
        loop.close()
        shutil.rmtree(base, ignore_errors=True)


# --- what is generated --------------------------------------------------------------------

HOSTILE = st.sampled_from(
    [
        "<b>",
        "</b>",
        "<i>x",
        "<code>",
        "</code>",
        "<script>alert(1)</script>",
        '<a href="x">',
        "<",
        ">",
        "&",
        "&amp;",
        "&lt;b&gt;",
        "&#0;",
        '"',
        "'",
        "`",
        "\\",
        "{ref}",
        "{0}",
        "%s",
        "\u202e",
        "\u200b",
        "\x00",
        "\n",
        "🔥",
        "@aidbridge_test_bot",
    ]
)
MEANINGFUL = st.sampled_from(
    [
        "R-1001",
        "r-1001",
        "R-1",
        "R-0",
        "R-",
        "R-99999999999999999999999",
        "1001",
        "-1",
        "0",
        "2",
        "99999999999",
        "генератор",
        "бинти",
        "уп",
        "!critical",
        "by 31.12.2026",
        "до 1.1.2020",
        ";",
        "requester",
        "coordinator",
        "admin",
        "telegram:101",
        "telegram:666",
        "matrix:@x:y",
        "uk",
        "de",
        "en",
        "csv",
        "xlsx",
        "daily",
        "weekly",
        "08:00",
        "25:99",
        "mo",
        "all",
        "yes",
        "no",
        "1",
        "3",
        "Лікарня",
        "hospital",
    ]
)
WORD = st.one_of(HOSTILE, MEANINGFUL, st.text(max_size=12))
ARGS = st.lists(WORD, max_size=8).map(" ".join)


@st.composite
def commands(draw: st.DrawFn) -> str:
    name = draw(st.one_of(st.sampled_from(COMMANDS), st.text(min_size=1, max_size=10)))
    name = draw(st.sampled_from([name, name.upper(), f"{name}@aidbridge_test_bot"]))
    lead = draw(st.sampled_from(["/", "/", "!"]))
    joiner = draw(st.sampled_from([" ", " ", "\n", "  "]))
    return f"{lead}{name}{joiner}{draw(ARGS)}"


@st.composite
def payloads(draw: st.DrawFn) -> str:
    prefix = draw(st.one_of(st.sampled_from(PREFIXES), st.text(max_size=4)))
    parts = draw(st.lists(st.one_of(MEANINGFUL, HOSTILE, st.text(max_size=6)), max_size=4))
    payload = ":".join([prefix, *parts])
    return payload.encode()[:64].decode(errors="ignore")  # Telegram's callback_data limit


EVENTS = st.one_of(
    commands().map(lambda text: ("command", text)),
    payloads().map(lambda payload: ("button", payload)),
    st.one_of(ARGS, st.text(max_size=200)).map(lambda text: ("text", text)),
)


# --- checking one event --------------------------------------------------------------------


def check_replies(replies: list[Reply]) -> None:
    for reply in replies:
        assert reply.text not in INTERNAL, "a handler raised (see the log)"
        assert_markup_ok(reply.text)
        if reply.document is not None and reply.document.caption:
            assert_markup_ok(reply.document.caption)


async def send_and_check(w: World, who: Identity, kind: str, value: str, buttons: bool) -> None:
    h = w.h
    before = await w.fingerprint()
    last_row = await h.last_outbox_id()
    reports = h.engine.reports_started
    if kind == "button":
        replies = await h.press(who, value, buttons=buttons)
    else:
        replies = await h.send(who, value, buttons=buttons)
    # A report (/chart, /export, /digest) answers through the outbox once its turn is done.
    reported = (
        await h.reported(who.user_id, after=last_row) if h.engine.reports_started > reports else []
    )
    after = await w.fingerprint()
    assert not w.errors.records, [r.getMessage() for r in w.errors.records]
    check_replies([*replies, *reported])
    w.sent += 1
    w.seen_kinds[kind] = w.seen_kinds.get(kind, 0) + 1
    domain_changed = any(before[t] != after[t] for t in DOMAIN)
    if not domain_changed:
        assert after["#outbox"] == before["#outbox"] + len(reported), (who, kind, value)
        refused_codes = after["#invite_failures"] - before["#invite_failures"]
        assert after["#audit"] - before["#audit"] == max(0, refused_codes), (kind, value)
    # Only a draft's own Submit button creates a request; nothing generated here knows one.
    assert after["#requests"] == before["#requests"], (who, kind, value)


@fuzz_settings(5000)
@given(who=st.sampled_from(EVERYONE), event=EVENTS, buttons=st.booleans())
def test_members_and_strangers_send_anything(
    world: World, who: Identity, event: tuple[str, str], buttons: bool
) -> None:
    kind, value = event
    world.run(send_and_check(world, who, kind, value, buttons))


NEED_ARGS = st.lists(
    st.one_of(
        MEANINGFUL,
        HOSTILE,
        st.integers(min_value=-5, max_value=10**12).map(str),
        st.sampled_from(["шт", "уп", "boxes", "кВт", "!high", "!x", "by", "bis 1.1.2027", ";"]),
    ),
    max_size=25,
).map(" ".join)


@fuzz_settings(2000)
@given(who=st.sampled_from([NURSE_A, NURSE_B, COORD, STRANGER]), args=NEED_ARGS)
def test_need_through_the_engine(world: World, who: Identity, args: str) -> None:
    """A refused /need writes nothing at all; an accepted one only its draft."""

    async def go() -> None:
        h = world.h
        before = await world.fingerprint()
        replies = await h.send(who, f"/need {args}")
        after = await world.fingerprint()
        check_replies(replies)
        changed = {t for t in before if before[t] != after[t]}
        assert changed <= {"conversations"}, changed
        refused = T("uk", "need.refused")
        if any(r.text.startswith(refused) for r in replies):
            assert not changed

    world.run(go())


@fuzz_settings(3000)
@given(event=EVENTS, buttons=st.booleans())
def test_the_admin_sends_anything(world: World, event: tuple[str, str], buttons: bool) -> None:
    """Admin commands change things by design (/broadcast queues messages), so only the
    handlers' robustness and the replies' markup are checked here."""
    kind, value = event

    async def go() -> None:
        h = world.h
        if kind == "button":
            replies = await h.press(ADMIN, value, buttons=buttons)
        else:
            replies = await h.send(ADMIN, value, buttons=buttons)
        assert not world.errors.records, [r.getMessage() for r in world.errors.records]
        check_replies(replies)

    world.run(go())


def test_the_fuzzing_reached_every_kind_of_event(world: World) -> None:
    """Runs after the fuzz tests in this module: the generators did produce each kind."""
    assert world.sent >= 3500
    assert min(world.seen_kinds.get(k, 0) for k in ("command", "button", "text")) >= 500


async def test_an_unknown_command_is_echoed_escaped(harness: EngineHarness) -> None:
    """Found by the fuzzing above: '/<' came back raw and broke the whole message."""
    replies = await harness.send(ADMIN, "/<b>x")
    assert [r.text for r in replies] == [T("uk", "error.unknown_command", command="/&lt;b&gt;x")]
