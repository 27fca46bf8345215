"""A tiny scenario language: what people do and what they must see, written once per transport.

A scenario is a list of steps. ``Say`` and ``Pick`` are what a person does (send a text; pick
the option with a label, which is a button press on Telegram and the option's number typed on
Matrix); each carries what the bot's answer to that step must contain. ``Told`` waits for what
the bot sends a person on its own (outbox notifications), ``Stored`` looks at the database.

Expectations are substrings of the answer as a person reads it: plain text, HTML tags gone and
entities decoded, commands written with "/" (a driver turns Matrix's "!new" back into "/new").
Texts may name values captured earlier (``{code}``) and ``{org}``, the id of the organisation
every driver creates before the scenario starts. The people are names; a driver maps them to
Telegram user ids or Matrix accounts. The person named ``Scenario.admin`` is the configured
admin; everyone else is a stranger until they join with an invite code.

The drivers are in tests/bot/scenario_drivers.py; tests/bot/test_parity.py runs every scenario
on both transports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_VARIABLE = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Say:
    """``person`` sends ``text``; the bot's answer must contain every ``expect`` substring.

    ``options``: labels the answer must offer (None: not checked; empty: no options at all).
    ``capture``: (name, regex with one group) matched against the answer; the last match is
    kept under ``name`` for later texts.
    """

    person: str
    text: str
    expect: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    options: tuple[str, ...] | None = None
    capture: tuple[str, str] | None = None


@dataclass(frozen=True)
class Pick:
    """``person`` picks the option labelled ``label`` from the last options they were offered.

    The label matches an offered one exactly, or as the only offered label containing it
    ("3 дні" picks "3 дні (04.06.2026)").
    """

    person: str
    label: str
    expect: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    options: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Told:
    """The bot has sent ``person`` all of ``expect`` since the last ``Told`` for them (waits)."""

    person: str
    expect: tuple[str, ...]
    timeout: float = 10.0


@dataclass(frozen=True)
class Stored:
    """``sql`` (one value) gives ``expected`` in the bot's database."""

    sql: str
    expected: object


Step = Say | Pick | Told | Stored


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]
    admin: str = "admin"

    def people(self) -> list[str]:
        """Everyone who acts or is told something, in order of first appearance."""
        names = [self.admin]
        for step in self.steps:
            person = getattr(step, "person", None)
            if person is not None and person not in names:
                names.append(person)
        return names


def fill(text: str, values: Mapping[str, str]) -> str:
    """``{name}`` replaced by its value; an unknown name is a mistake in the scenario."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"{text!r} uses {{{name}}}, known: {sorted(values)}")
        return values[name]

    return _VARIABLE.sub(value, text)


def choose(label: str, offered: list[str]) -> str:
    """The offered label that ``label`` names: an exact match, else the only one containing it."""
    if label in offered:
        return label
    containing = [o for o in offered if label in o]
    if len(containing) != 1:
        raise AssertionError(f"option {label!r} not offered (or ambiguous) in {offered}")
    return containing[0]


@dataclass
class Check:
    """Compares one step's answer with what the step expects; shared by both drivers."""

    where: str
    answer: str
    offered: list[str] | None = field(default=None)

    def expect(self, step: Say | Pick) -> None:
        for wanted in step.expect:
            assert wanted in self.answer, f"{self.where}: {wanted!r} not in answer:\n{self.answer}"
        for unwanted in step.absent:
            assert unwanted not in self.answer, (
                f"{self.where}: {unwanted!r} in answer:\n{self.answer}"
            )
        if step.options is None:
            return
        offered = self.offered or []
        if not step.options:
            assert not offered, f"{self.where}: no options expected, offered {offered}"
        for label in step.options:
            choose(label, offered)  # raises with what was offered


# --- the scenarios of issue 5 (parity) -------------------------------------------------------

INVITE_CODE = r"/start (\S+)"


def join(person: str, role: str, code: str, org: str = "org") -> tuple[Step, ...]:
    """The admin issues an invite for organisation ``{org}``; ``person`` joins with it."""
    return (
        Say(
            "admin",
            f"/invite {{{org}}} {role}",
            expect=("/start",),
            capture=(code, INVITE_CODE),
        ),
        Say(person, f"/start {{{code}}}", expect=("✅",)),
    )


WIZARD = Scenario(
    "wizard",
    (
        Say(
            "admin",
            "/invite {org} requester",
            expect=("Код запрошення",),
            capture=("code", INVITE_CODE),
        ),
        # The welcome names the organisation (escaped on the wire, read back as typed) and
        # offers the requester's first step.
        Say(
            "nurse",
            "/start {code}",
            expect=("✅", "Лікарня №4 <Дніпро> & Co"),
            options=("📝 Новий запит",),
        ),
        Say("nurse", "/new", options=("Енергетика", "✖️ Скасувати")),
        Pick("nurse", "Енергетика", options=("Генератор",)),
        Pick("nurse", "Генератор", expect=("Генератор",)),
        Say("nurse", "2", options=("Далі ➡️", "➕ Додати ще позицію")),
        Pick("nurse", "Далі ➡️", options=("Критично", "Високо", "Звичайно", "Низько")),
        Pick("nurse", "Критично", options=("3 дні", "1 тиждень")),
        Pick("nurse", "3 дні", options=("📍 вул. Тестова, 1",)),
        Pick("nurse", "вул. Тестова", options=("Пропустити",)),
        Pick(
            "nurse",
            "Пропустити",
            expect=("Генератор — 2 шт.", "Критично", "вул. Тестова, 1"),
            options=("✅ Надіслати", "✏️ Змінити", "✖️ Скасувати"),
        ),
        Pick("nurse", "✅ Надіслати", expect=("R-1001",)),
        Say("nurse", "/my", expect=("R-1001",)),
        Stored("SELECT COUNT(*) FROM requests", 1),
        Stored("SELECT urgency FROM requests", "critical"),
        Stored("SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND sent_at IS NULL", 0),
    ),
)

NEED_AND_COORDINATION = Scenario(
    "need_and_coordination",
    (
        *join("nurse", "requester", "nurse_code"),
        # The coordinator works for a German organisation the admin adds from chat.
        Say(
            "admin",
            "/org_add ngo; DRK Kreisverband Köln; -; Köln",
            expect=("✅",),
            capture=("drk", r"#(\d+)"),
        ),
        *join("coord", "coordinator", "coord_code", org="drk"),
        Say("coord", "/lang de", expect=("Deutsch",)),
        Say(
            "nurse",
            "/need 2 генератор !critical",
            expect=("Генератор — 2 шт.", "Критично"),
            options=("✅ Надіслати", "✏️ Змінити"),
        ),
        Pick("nurse", "✅ Надіслати", expect=("R-1001",)),
        # A coordinator is subscribed to critical requests on joining; the alert follows the
        # language chosen afterwards (Matrix sends none, so the join itself was Ukrainian).
        Told("coord", ("Kritische Anfrage R-1001", "R-1001 · 🔴")),
        Say("coord", "/ack R-1001", expect=("R-1001", "Bearbeitung")),
        Say("coord", "/pledge R-1001", expect=("Zusage", "R-1001")),
        Told("nurse", ("R-1001", "прийняли до роботи", "обіцянка")),
        Stored("SELECT status FROM requests", "pledged"),
    ),
)

STRANGER = Scenario(
    "stranger",
    (
        Say(
            "stranger",
            "/need 2 генератор",
            expect=("Доступ лише за запрошенням", "/start КОД"),
            absent=("R-",),
            options=(),
        ),
        # A wrong code is answered precisely, and the same explanation follows plain text.
        Say("guest", "/start WRONG", expect=("Код запрошення не знайдено", "/start КОД")),
        Say("guest", "привіт", expect=("Доступ лише за запрошенням",), options=()),
        Stored("SELECT COUNT(*) FROM members", 0),
        Stored("SELECT COUNT(*) FROM requests", 0),
        Stored("SELECT COUNT(*) FROM conversations", 0),
        Stored("SELECT COUNT(*) FROM outbox", 0),
    ),
)

WRONG_INPUT = Scenario(
    "wrong_input",
    (
        *join("nurse", "requester", "code"),
        Say(
            "nurse",
            "/need 0 бинти",
            # The refusal names the faulty fragment and why, then shows an example.
            expect=("Запит не збережено", "• 0: кількість має бути більшою за нуль", "/need 2"),
            absent=("✅ Надіслати",),
        ),
        Say("nurse", "/show R-9999", expect=("Запит R-9999 не знайдено",)),
        Stored("SELECT COUNT(*) FROM requests", 0),
    ),
)

SCENARIOS = (WIZARD, NEED_AND_COORDINATION, STRANGER, WRONG_INPUT)
