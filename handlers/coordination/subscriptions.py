"""Coordinators' subscriptions: /subscribe, /subscriptions, /unsubscribe, /digest now."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from handlers.coordination.digest_jobs import build_parts
from handlers.coordination.place_filter import place_label
from handlers.core import room_policy
from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import COORDINATOR, Command, Registry, Where
from handlers.lifecycle.commands import filters_or_reply
from handlers.text.format import esc, fmt_date
from handlers.text.numbers import small_int
from storage import room_holds, subscriptions
from storage.models import Filters, Subscription, SubscriptionKind

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_DAYS: dict[str, str] = {}
for _cron, _names in {
    "mon": "mon monday mo montag пн понеділок",
    "tue": "tue tuesday di dienstag вт вівторок",
    "wed": "wed wednesday mi mittwoch ср середа",
    "thu": "thu thursday do donnerstag чт четвер",
    "fri": "fri friday fr freitag пт пятниця п'ятниця",
    "sat": "sat saturday sa samstag сб субота",
    "sun": "sun sunday so sonntag нд неділя",
}.items():
    for _name in _names.split():
        _DAYS[_name] = _cron
_WEEKDAY = {cron: n for n, cron in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_FORTNIGHTLY_WORDS = ("fortnightly", "biweekly", "zweiwöchentlich", "раз-на-два-тижні")
_FROM_WORDS = ("from", "ab", "з", "від", "starting")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DOT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# A word that looks like a date, as opposed to an organisation number filter.
_DATE_LIKE = re.compile(r"^\d+[./-]\d*")
MAX_SUBSCRIPTIONS = 10


def read_date(word: str) -> date | None:
    """2026-12-04 or 04.12.2026; anything else (or a day that does not exist) is None."""
    iso, dotted = _ISO_DATE.match(word), _DOT_DATE.match(word)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        return None
    return None


def first_day_on(now: datetime, weekday: int, hour: int, minute: int) -> date:
    """The local date of the first ``weekday`` at hour:minute after ``now`` (local)."""
    ahead = (weekday - now.weekday()) % 7
    if ahead == 0 and (now.hour, now.minute) >= (hour, minute):
        ahead = 7
    return now.date() + timedelta(days=ahead)


def describe(turn: Turn, sub: Subscription) -> str:
    if sub.kind is SubscriptionKind.CRITICAL:
        when = turn.tr("subs.kind_critical")
    elif sub.kind is SubscriptionKind.FORTNIGHTLY:
        minute, hour, _, _, dow = (sub.cron or "0 8 * * mon").split()
        start = sub.start_date
        when = turn.tr(
            "meeting.subs_kind_fortnightly",
            day=turn.tr(f"ship.weekday.{_WEEKDAY.get(dow, 0)}"),
            time=f"{int(hour):02d}:{int(minute):02d}",
            start=fmt_date(start) if start is not None else "—",
        )
    else:
        minute, hour, _, _, dow = (sub.cron or "0 8 * * *").split()
        when = turn.tr(
            "subs.kind_daily" if sub.kind is SubscriptionKind.DAILY else "subs.kind_weekly",
            time=f"{int(hour):02d}:{int(minute):02d}",
            day=dow,
        )
    place = place_label(turn.ctx.t, turn.lang, sub.filters.place)
    # ``raion`` is the typed raion of a subscription made before places had codes.
    parts = [
        p for p in (sub.filters.urgency, sub.filters.category, place or sub.filters.raion) if p
    ]
    if sub.filters.org_id:
        parts.append(f"org {sub.filters.org_id}")
    if sub.filters.by_raion:
        parts.append("by-raion")  # the filter word itself, as typed in any language
    filters = f" · {', '.join(str(p) for p in parts)}" if parts else ""
    return f"{sub.id}. {esc(when)}{esc(filters)}"


async def cmd_subscribe(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    words = args.split()
    usage = [Reply(text=f"{turn.tr('subs.usage')}\n{turn.tr('meeting.subs_usage')}")]
    if not words:
        return usage
    kind_word = words[0].lower()
    cron: str | None = None
    start_date: date | None = None
    rest = words[1:]
    if kind_word in ("critical", "kritisch", "критичні", "критично"):
        kind = SubscriptionKind.CRITICAL
    elif kind_word in ("daily", "täglich", "щодня") and rest and _TIME.match(rest[0]):
        kind = SubscriptionKind.DAILY
        match = _TIME.match(rest[0])
        assert match is not None
        cron = f"{int(match[2])} {int(match[1])} * * *"
        rest = rest[1:]
    elif (
        kind_word in ("weekly", "wöchentlich", "щотижня")
        and len(rest) >= 2
        and rest[0].lower() in _DAYS
        and _TIME.match(rest[1])
    ):
        kind = SubscriptionKind.WEEKLY
        match = _TIME.match(rest[1])
        assert match is not None
        cron = f"{int(match[2])} {int(match[1])} * * {_DAYS[rest[0].lower()]}"
        rest = rest[2:]
    elif (
        kind_word in _FORTNIGHTLY_WORDS
        and len(rest) >= 2
        and rest[0].lower() in _DAYS
        and _TIME.match(rest[1])
    ):
        kind = SubscriptionKind.FORTNIGHTLY
        match = _TIME.match(rest[1])
        assert match is not None
        day, hour, minute = _DAYS[rest[0].lower()], int(match[1]), int(match[2])
        cron = f"{minute} {hour} * * {day}"
        rest = rest[2:]
        local_now = turn.now.astimezone(turn.ctx.policy.timezone)
        if rest and rest[0].lower() in _FROM_WORDS:
            rest = rest[1:]
            if not rest:
                return usage
        given = read_date(rest[0]) if rest else None
        if rest and given is None and _DATE_LIKE.match(rest[0]):
            # Looks like a date but is none (31.02.2027, 4/12): ask, never guess.
            return [Reply(text=turn.tr("meeting.subs_bad_date", word=esc(rest[0][:20])))]
        if given is not None:
            if given < local_now.date():
                return [Reply(text=turn.tr("meeting.subs_past_date", day=fmt_date(given)))]
            rest = rest[1:]
            # The weeks on start with the first such weekday on or after the given date.
            start_date = given + timedelta(days=(_WEEKDAY[day] - given.weekday()) % 7)
        else:
            start_date = first_day_on(local_now, _WEEKDAY[day], hour, minute)
    else:
        return usage
    schedule = " ".join(words[: len(words) - len(rest)])
    filters = await filters_or_reply(turn, "subscribe", " ".join(rest), head=schedule)
    if isinstance(filters, list):
        return filters
    chat = turn.incoming.chat
    if turn.room is not None:
        # A digest or alert target holds only coordinators (handlers/core/room_policy.py);
        # where the transport cannot tell (a Telegram group), the subscriber decides.
        if await room_policy.outsiders(turn.conn, turn.room.people, room_policy.SUBSCRIBERS):
            return [Reply(text=turn.tr("rooms.subscribe_outsiders"))]
        # Held before and clean now (the change that cleared it was not seen): sends again.
        await room_holds.release(turn.conn, chat.transport, chat.chat_id)
    existing = await subscriptions.list_subscriptions(turn.conn, member_id=turn.member.id)
    if len(existing) >= MAX_SUBSCRIPTIONS:
        return [Reply(text=turn.tr("subs.too_many", limit=MAX_SUBSCRIPTIONS))]
    sub = await subscriptions.add_subscription(
        turn.conn,
        member_id=turn.member.id,
        transport=chat.transport,
        chat_id=chat.chat_id,
        language=turn.lang,
        kind=kind,
        cron=cron,
        timezone=turn.ctx.policy.timezone.key,
        filters=filters,
        now=turn.now,
        start_date=start_date,
    )
    turn.changed_subscriptions = True
    return [Reply(text=turn.tr("subs.added", sub=describe(turn, sub)))]


async def cmd_subscriptions(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    subs = await subscriptions.list_subscriptions(turn.conn, member_id=turn.member.id)
    if not subs:
        return [Reply(text=turn.tr("subs.none"))]
    held = await room_holds.held_chats(turn.conn)
    lines = [f"<b>{esc(turn.tr('subs.title'))}</b>"] + [
        describe(turn, s)
        + (" · " + turn.tr("rooms.sub_paused") if (s.transport, s.chat_id) in held else "")
        for s in subs
    ]
    lines.append(turn.tr("subs.hint"))
    return [Reply(text="\n".join(lines))]


async def cmd_unsubscribe(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    sub_id = small_int(args)
    if sub_id is None:
        return [Reply(text=turn.tr("subs.unsubscribe_usage"))]
    sub = await subscriptions.get_subscription(turn.conn, sub_id)
    if sub is None or sub.member_id != turn.member.id or not sub.active:
        return [Reply(text=turn.tr("subs.not_found", id=esc(args.strip())))]
    await subscriptions.set_subscription_inactive(turn.conn, sub.id)
    turn.changed_subscriptions = True
    return [Reply(text=turn.tr("subs.removed", sub=describe(turn, sub)))]


async def cmd_digest(turn: Turn, args: str) -> list[Reply]:
    """A digest of the last 24 hours, now, with optional filters; not recorded as a run."""
    filters = await filters_or_reply(turn, "digest", args)
    if isinstance(filters, list):
        return filters
    ctx, lang, now = turn.ctx, turn.lang, turn.now

    async def digest() -> list[Reply]:
        parts = await build_parts(
            ctx,
            language=lang,
            filters=filters or Filters(),
            window_start=now - timedelta(days=1),
            window_end=now,
        )
        return [Reply(text=part) for part in parts]

    # Read and formatted after the turn's commit: a big window's digest holds no lock.
    turn.after_commit.append(digest)
    return []


def register(registry: Registry) -> None:
    # Any chat: subscribing in a group room makes that room a digest target on purpose (the
    # team room, README), if everyone in it is a coordinator (checked by /subscribe, and
    # again whenever people join it: room_policy.recheck_room); the answers list only
    # schedules and filter words. /digest (a digest
    # now, with organisation names and note excerpts) is private like every other view.
    anywhere = Where.ANY_CHAT
    registry.add_command(
        Command("subscribe", COORDINATOR, cmd_subscribe, "help.subscribe", where=anywhere)
    )
    registry.add_command(
        Command(
            "subscriptions", COORDINATOR, cmd_subscriptions, "help.subscriptions", where=anywhere
        )
    )
    registry.add_command(
        Command("unsubscribe", COORDINATOR, cmd_unsubscribe, "help.unsubscribe", where=anywhere)
    )
    registry.add_command(Command("digest", COORDINATOR, cmd_digest, "help.digest"))
