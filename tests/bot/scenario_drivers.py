"""Two drivers that run a scenario (tests/bot/scenarios.py) through the real stacks.

``TelegramDriver``: build_app on python-telegram-bot against the fake Bot API
(tests/bot/telegram_harness.py); a pick presses the inline button with that label.
``MatrixDriver``: build_app on matrix-nio against the session's Synapse
(tests/bot/matrix_bot_harness.py); people are real Matrix accounts in direct chats with the bot,
commands are typed as "!new" (Element takes "/new" for its own), a pick types the option's
number (or the word, for navigation) as shown in the bot's message.

Both turn what the bot sent into the text a person reads and check it with the same
``Check``; the transport-specific parts are how to act and how to read the answer.
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import App
from storage import organisations
from storage.models import OrgKind
from tests.bot.matrix_bot_harness import MatrixBot, Person
from tests.bot.scenarios import Check, Pick, Say, Scenario, Step, Stored, Told, choose, fill
from tests.bot.telegram_harness import TOKEN, TelegramHarness, buttons, message_id
from tests.engine_harness import scalar
from tests.fakes.bot_api import FakeBotApi, RecordedCall
from tests.matrix_harness import Homeserver

ORG_NAME = "Лікарня №4 <Дніпро> & Co"
TELEGRAM_ADMIN = 900  # telegram_harness configures telegram:900 as the admin

_TAG = re.compile(r"<[^>]+>")


@dataclass
class Answer:
    """What a person read after one step: plain text, and the options offered, if any."""

    text: str
    offered: list[str] | None


async def seed_org(app: App) -> int:
    """The organisation invites are issued for; its name needs escaping on both transports."""
    async with app.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name=ORG_NAME,
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address="вул. Тестова, 1",
            now=app.ctx.clock(),
        )
    return org.id


class Driver(ABC):
    """Runs the steps; subclasses say how a person acts and reads on their transport."""

    transport: str

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    @abstractmethod
    def session(self, scenario: Scenario) -> AbstractAsyncContextManager[App]:
        """The running bot, with ``self.values['org']`` set."""

    @abstractmethod
    async def say(self, person: str, text: str) -> Answer: ...

    @abstractmethod
    async def pick(self, person: str, label: str) -> Answer: ...

    @abstractmethod
    async def told(self, person: str, expect: tuple[str, ...], timeout: float) -> None:
        """Return once ``expect`` all appeared in what ``person`` got since the last call."""

    async def run(self, scenario: Scenario) -> None:
        async with self.session(scenario) as app:
            for number, step in enumerate(scenario.steps, 1):
                where = f"{self.transport}/{scenario.name} step {number}: {step}"
                try:
                    await self._step(app, step, where)
                except AssertionError as exc:
                    if str(exc).startswith(where):
                        raise
                    raise AssertionError(f"{where}: {exc}") from None

    async def _step(self, app: App, step: Step, where: str) -> None:
        if isinstance(step, Say | Pick):
            if isinstance(step, Say):
                answer = await self.say(step.person, fill(step.text, self.values))
            else:
                answer = await self.pick(step.person, step.label)
            Check(where, answer.text, answer.offered).expect(step)
            if isinstance(step, Say) and step.capture is not None:
                name, pattern = step.capture
                found = re.findall(pattern, answer.text)
                assert found, f"{where}: {pattern!r} not in answer:\n{answer.text}"
                self.values[name] = found[-1]
        elif isinstance(step, Told):
            await self.told(step.person, step.expect, step.timeout)
        elif isinstance(step, Stored):
            value = await scalar(app.db, step.sql)
            assert value == step.expected, f"{where}: got {value!r}"


# --- Telegram --------------------------------------------------------------------------------


def telegram_text(call: RecordedCall) -> str:
    """A sent message as the person reads it: HTML parse mode rendered to plain text."""
    raw = str(call.params.get("text") or call.params.get("caption") or "")
    return html.unescape(_TAG.sub("", raw))


class TelegramDriver(Driver):
    transport = "telegram"

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.ids: dict[str, int] = {}
        # Per person: the latest message with buttons (its id, (label, callback data)).
        self.menus: dict[str, tuple[int, list[tuple[str, str]]]] = {}
        self.told_seq: dict[str, int] = {}
        self._tg: TelegramHarness | None = None

    @property
    def tg(self) -> TelegramHarness:
        assert self._tg is not None, "the bot is not running"
        return self._tg

    @asynccontextmanager
    async def session(self, scenario: Scenario) -> AsyncIterator[App]:
        self.ids = {scenario.admin: TELEGRAM_ADMIN}
        for index, person in enumerate(p for p in scenario.people() if p != scenario.admin):
            self.ids[person] = 101 + index
        async with FakeBotApi(token=TOKEN) as fake:
            self._tg = await TelegramHarness.start(fake, self.db_path)
            try:
                self.values["org"] = str(await seed_org(self.tg.app))
                yield self.tg.app
                assert not fake.errors, [e.description for e in fake.errors]
            finally:
                await self.tg.stop()
                self._tg = None

    def _answer(self, person: str, calls: list[RecordedCall]) -> Answer:
        offered: list[str] = []
        for call in calls:
            labelled = buttons(call)
            if labelled:
                self.menus[person] = (message_id(call), labelled)
                offered = [label for label, _ in labelled]
        return Answer("\n".join(telegram_text(c) for c in calls), offered)

    async def say(self, person: str, text: str) -> Answer:
        return self._answer(person, await self.tg.say(self.ids[person], text))

    async def pick(self, person: str, label: str) -> Answer:
        assert person in self.menus, f"{person} was offered no buttons"
        mid, labelled = self.menus[person]
        chosen = choose(label, [lab for lab, _ in labelled])
        data = next(d for lab, d in labelled if lab == chosen)
        return self._answer(person, await self.tg.press(self.ids[person], data, mid))

    async def told(self, person: str, expect: tuple[str, ...], timeout: float) -> None:
        chat = self.ids[person]
        deadline = time.monotonic() + timeout
        while True:
            calls = [
                c
                for c in self.tg.fake.calls(chat_id=chat)
                if c.seq > self.told_seq.get(person, -1)
                and c.method in ("sendMessage", "editMessageText", "sendDocument")
            ]
            text = "\n".join(telegram_text(c) for c in calls)
            if all(e in text for e in expect):
                self.told_seq[person] = max(c.seq for c in calls)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{person} was not told {expect} in {timeout} s:\n{text}")
            await asyncio.sleep(0.02)


# --- Matrix ----------------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(\d+)\. (.+)$")
_WORDS = re.compile(r"^\((.+)\)$")


def matrix_options(body: str) -> list[tuple[str, str]]:
    """(what to type, label) of the options a bot message lists after its text.

    matrix_html appends them as the last paragraph: "1. label" lines, then the navigation
    words in one "(Back · Cancel)" line. A last paragraph with any other line is text.
    """
    block = body.rsplit("\n\n", 1)[-1]
    options: list[tuple[str, str]] = []
    for line in block.splitlines():
        if numbered := _NUMBERED.match(line):
            options.append((numbered.group(1), numbered.group(2)))
        elif words := _WORDS.match(line):
            options.extend((word, word) for word in words.group(1).split(" · "))
        else:
            return []
    return options


def slash_commands(text: str, commands: Collection[str]) -> str:
    """'!new' -> '/new' for registered commands, so expectations are written once."""

    def swap(match: re.Match[str]) -> str:
        return f"/{match.group(1)}" if match.group(1) in commands else match.group(0)

    return re.sub(r"(?<![\w!/])!([a-z_]+)\b", swap, text)


def typed_command(text: str, commands: Collection[str]) -> str:
    """What an Element user types for '/new ...': '!new ...' (Element keeps '/' for itself)."""
    head = text.split(maxsplit=1)[0] if text.strip() else ""
    if head.startswith("/") and head[1:] in commands:
        return "!" + text[1:]
    return text


class MatrixDriver(Driver):
    transport = "matrix"

    def __init__(self, hs: Homeserver, db_path: Path) -> None:
        super().__init__()
        self.hs = hs
        self.db_path = db_path
        self.people: dict[str, Person] = {}
        self.menus: dict[str, list[tuple[str, str]]] = {}
        self.heard: dict[str, list[str]] = {}  # per person, told but not yet claimed by Told
        self._bot: MatrixBot | None = None

    @property
    def bot(self) -> MatrixBot:
        assert self._bot is not None, "the bot is not running"
        return self._bot

    @property
    def commands(self) -> Collection[str]:
        return self.bot.app.engine.registry.commands

    @asynccontextmanager
    async def session(self, scenario: Scenario) -> AsyncIterator[App]:
        admin = await Person.register(self.hs, scenario.admin)
        self._bot = await MatrixBot.start(self.hs, self.db_path, admins=f"matrix:{admin.user_id}")
        try:
            await admin.open_dm(self.bot)
            self.people[scenario.admin] = admin
            self.values["org"] = str(await seed_org(self.bot.app))
            yield self.bot.app
        finally:
            await self.bot.stop()
            self._bot = None

    async def _person(self, name: str) -> Person:
        if name not in self.people:
            person = await Person.register(self.hs, name)
            await person.open_dm(self.bot)
            self.people[name] = person
        return self.people[name]

    def _read(self, name: str, contents: list[dict[str, Any]]) -> list[str]:
        texts = [slash_commands(str(c.get("body", "")), self.commands) for c in contents]
        self.heard.setdefault(name, []).extend(texts)
        return texts

    def _answer(self, name: str, contents: list[dict[str, Any]]) -> Answer:
        texts = self._read(name, contents)
        offered: list[str] = []
        for text in texts:
            options = matrix_options(text)
            if options:
                self.menus[name] = options
                offered = [label for _, label in options]
        return Answer("\n".join(texts), offered)

    async def say(self, person: str, text: str) -> Answer:
        sender = await self._person(person)
        contents = await sender.say(self.bot, typed_command(text, self.commands))
        return self._answer(person, contents)

    async def pick(self, person: str, label: str) -> Answer:
        assert person in self.menus, f"{person} was offered no options"
        options = self.menus[person]
        chosen = choose(label, [lab for _, lab in options])
        typed = next(t for t, lab in options if lab == chosen)
        sender = await self._person(person)
        return self._answer(person, await sender.say(self.bot, typed))

    async def told(self, person: str, expect: tuple[str, ...], timeout: float) -> None:
        sender = await self._person(person)
        deadline = time.monotonic() + timeout
        heard = self.heard.setdefault(person, [])
        while not all(e in "\n".join(heard) for e in expect):
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                self._read(person, await sender.told(self.bot, timeout=remaining))
            except TimeoutError:
                text = "\n".join(heard)
                raise AssertionError(
                    f"{person} was not told {expect} in {timeout} s:\n{text}"
                ) from None
        heard.clear()
