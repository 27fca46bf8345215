"""/meeting: the coordination round's pack (issue 14).

Rounds are remembered per coordinator organisation (``meeting_rounds``): the ministry's team
and an NGO's keep their own rhythm, and two colleagues of one team share it, so whoever builds
the pack next starts where the team's last round ended. A member without an organisation has
the rounds of everyone without one.

* ``/meeting``: a new round, from the end of the team's last round (the first: the last 14
  days) to now; it is recorded with the turn, and the pack is built after the commit.
* ``/meeting again``: the last round's pack once more (the same window), nothing recorded.
* ``/meeting since 2026-11-16`` (or 16.11.2026): a new round from that day's start.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Final

from handlers.coordination.meeting_pack import meeting_pack
from handlers.coordination.subscriptions import read_date
from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import COORDINATOR, Command, Registry
from handlers.text.format import esc, fmt_date
from storage import meeting

FIRST_ROUND: Final = timedelta(days=14)
_AGAIN: Final = frozenset({"again", "nochmal", "erneut", "знову", "ще"})
_SINCE: Final = frozenset({"since", "seit", "ab", "from", "з", "від"})


async def cmd_meeting(turn: Turn, args: str) -> list[Reply]:
    assert turn.member is not None
    org_id = turn.member.org_id
    words = args.split()
    last = await meeting.last_round(turn.conn, org_id)
    tz = turn.ctx.policy.timezone
    until = turn.now
    if words and words[0].casefold() in _AGAIN:
        if len(words) > 1:
            return [Reply(text=turn.tr("meeting.usage"))]
        if last is None:
            return [Reply(text=turn.tr("meeting.no_round"))]
        since, until = last.since, last.until
    else:
        if words and words[0].casefold() in _SINCE:
            words = words[1:]
            if not words:
                return [Reply(text=turn.tr("meeting.usage"))]
        if len(words) > 1 or (words and read_date(words[0]) is None):
            return [Reply(text=turn.tr("meeting.usage"))]
        if words:
            day = read_date(words[0])
            assert day is not None
            since = datetime.combine(day, time(0, 0), tzinfo=tz)
        elif last is not None:
            since = last.until
        else:
            since = until - FIRST_ROUND
        if since >= until:
            return [Reply(text=turn.tr("meeting.future", day=fmt_date(since.date())))]
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
        return await meeting_pack(ctx, since=since, until=until, lang=lang)

    # Seconds of work over a big database: after the turn's commit, never inside its lock.
    turn.after_commit.append(pack)
    window = turn.tr(
        "meeting.window",
        since=fmt_date(since.astimezone(tz).date()),
        until=fmt_date(until.astimezone(tz).date()),
    )
    return [Reply(text=turn.tr("meeting.building", window=esc(window)))]


def register(registry: Registry) -> None:
    # Private (the default): the pack names every requesting organisation, its place and
    # who pledged what, like /export.
    registry.add_command(Command("meeting", COORDINATOR, cmd_meeting, "help.meeting"))
