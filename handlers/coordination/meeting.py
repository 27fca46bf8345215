"""/meeting: the coordination round's pack (issue 14).

Rounds are remembered per coordinator organisation (``meeting_rounds``): the ministry's team
and an NGO's keep their own rhythm, and two colleagues of one team share it, so whoever builds
the pack next starts where the team's last round ended. A member without an organisation has
the rounds of everyone without one.

* ``/meeting``: a new round, from the end of the team's last round (the first: the last 14
  days) to now; it is recorded with the turn, and the pack is built after the commit.
* ``/meeting again``: the last round's pack once more (the same window), nothing recorded.
* ``/meeting since 2026-11-16`` (or 16.11.2026): a new round from that day's start.
* any of these with a raion or hromada after it (name, name with its type word, or code, as
  /open reads it; handlers/coordination/place_filter.py): the same window's pack for requests of
  that place's organisations only. It is not recorded, like ``again``: one place's pack is a
  look at a part, and must not move the team's next round. An ambiguous name is asked.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final

from handlers.coordination import place_filter
from handlers.coordination.meeting_pack import meeting_pack
from handlers.coordination.place_filter import place_label
from handlers.coordination.subscriptions import read_date
from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import COORDINATOR, Command, Registry
from handlers.lifecycle.commands import parse_filters
from handlers.text.format import esc, fmt_date
from storage import meeting
from storage.models import Filters

FIRST_ROUND: Final = timedelta(days=14)
_AGAIN: Final = frozenset({"again", "nochmal", "erneut", "знову", "ще"})
_SINCE: Final = frozenset({"since", "seit", "ab", "from", "з", "від"})


async def cmd_meeting(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    org_id = turn.member.org_id
    words = args.split()
    # The window's words come first; what follows is a raion or hromada (or nothing).
    again = bool(words) and words[0].casefold() in _AGAIN
    day_word: str | None = None
    if again:
        head, rest = words[:1], words[1:]
    elif words and words[0].casefold() in _SINCE:
        if len(words) < 2:
            return [Reply(text=turn.tr("meeting.usage"))]
        if read_date(words[1]) is None:
            bad = turn.tr("meeting.bad_date", word=esc(words[1][:40]))
            return [Reply(text=f"{bad}\n\n{turn.tr('meeting.usage')}")]
        day_word, head, rest = words[1], words[:2], words[2:]
    elif words and read_date(words[0]) is not None:
        day_word, head, rest = words[0], words[:1], words[1:]
    else:
        head, rest = [], words
    place: str | None = None
    if rest:
        chosen = await _place_or_reply(turn, " ".join(head), " ".join(rest))
        if isinstance(chosen, list):
            return chosen
        place = chosen
    last = await meeting.last_round(turn.conn, org_id)
    tz = turn.ctx.policy.timezone
    until = turn.now
    if again:
        if last is None:
            return [Reply(text=turn.tr("meeting.no_round"))]
        since, until = last.since, last.until
    else:
        if day_word is not None:
            day = read_date(day_word)
            assert day is not None
            since = datetime.combine(day, time(0, 0), tzinfo=tz)
        elif last is not None:
            since = last.until
        else:
            since = until - FIRST_ROUND
        if since >= until:
            return [Reply(text=turn.tr("meeting.future", day=fmt_date(since.date())))]
    if not again and place is None:
        await meeting.add_round(
            turn.conn,
            org_id=org_id,
            member_id=turn.member.id,
            since=since,
            until=until,
            now=turn.now,
        )
        await turn.audit(
            "meeting.round",
            None,
            params={"since": since.isoformat(), "until": until.isoformat()},
        )
    ctx, lang = turn.ctx, turn.lang

    async def pack() -> list[Reply]:
        return await meeting_pack(ctx, since=since, until=until, lang=lang, place=place)

    # Seconds of work over a big database: after the turn's commit, never inside its lock.
    turn.after_commit.append(pack)
    window = turn.tr(
        "meeting.window",
        since=fmt_date(since.astimezone(tz).date()),
        until=fmt_date(until.astimezone(tz).date()),
    )
    label = place_label(turn.ctx.t, turn.lang, place)
    if label:
        window = f"{window} · {label}"
    return [Reply(text=turn.tr("meeting.building", window=esc(window)))]


async def _place_or_reply(turn: Turn, head: str, text: str) -> str | list[Reply]:
    """The raion's or hromada's code ``text`` names, or the answer: candidates to choose from
    when a name fits several units or only nearly (never guessed), else the usage. Only a
    place: the pack's sections have their own urgency and status, and /export filters more."""
    parsed = await parse_filters(turn, text)
    if parsed.ask is not None:
        return [place_filter.question(turn, "meeting", head, list(parsed.words), parsed.ask)]
    filters = parsed.filters
    only_place = filters.place is not None and filters == Filters(place=filters.place)
    if parsed.unknown is not None:
        # Say which word is not a raion or hromada, not only how the command goes.
        unknown = turn.tr("meeting.unknown_place", word=esc(parsed.unknown[:40]))
        return [Reply(text=f"{unknown}\n\n{turn.tr('meeting.usage')}")]
    if not only_place or filters.place is None:
        return [Reply(text=turn.tr("meeting.usage"))]
    return filters.place


def register(registry: Registry) -> None:
    # Private (the default): the pack names every requesting organisation, its place and
    # who pledged what, like /export.
    registry.add_command(Command("meeting", COORDINATOR, cmd_meeting, "help.meeting"))
