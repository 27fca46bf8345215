"""/stats: how the bot is doing, for admins. Numbers only: no names, no request texts."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import ADMIN, Command, Registry
from handlers.text.format import esc, status_label, urgency_label
from storage.stats import collect_stats

ACTIVE_WINDOW = timedelta(days=7)
MAX_DIGEST_LINES = 30


def age_text(turn: Turn, since: datetime) -> str:
    minutes = max(0, int((turn.now - since).total_seconds() // 60))
    if minutes < 120:
        return turn.tr("stats.age_minutes", count=minutes)
    if minutes < 48 * 60:
        return turn.tr("stats.age_hours", count=minutes // 60)
    return turn.tr("stats.age_days", count=minutes // (24 * 60))


async def cmd_stats(turn: Turn, args: str) -> list[Reply]:
    stats = await collect_stats(turn.conn, active_since=turn.now - ACTIVE_WINDOW)
    t, lang = turn.ctx.t, turn.lang
    lines = [f"<b>{esc(turn.tr('stats.title'))}</b>", "", turn.tr("stats.requests")]
    lines += [f"{esc(status_label(t, lang, s))}: {n}" for s, n in stats.by_status.items()]
    lines += ["", turn.tr("stats.open_urgency")]
    lines += [f"{esc(urgency_label(t, lang, u))}: {n}" for u, n in stats.open_by_urgency.items()]
    lines += [
        "",
        turn.tr(
            "stats.members",
            members=stats.members,
            recent=stats.active_recently,
            unreachable=stats.unreachable,
        ),
    ]
    if stats.outbox_oldest is None:
        lines.append(turn.tr("stats.outbox_empty", failed=stats.outbox_failed))
    else:
        lines.append(
            turn.tr(
                "stats.outbox",
                pending=stats.outbox_pending,
                age=age_text(turn, stats.outbox_oldest),
                failed=stats.outbox_failed,
            )
        )
    if stats.unplaced_orgs:
        lines.append(turn.tr("place.unplaced_count", count=stats.unplaced_orgs))
    lines.append("")
    if not stats.digests:
        lines.append(turn.tr("stats.no_digests"))
    else:
        lines.append(turn.tr("stats.digests"))
        tz = turn.ctx.policy.timezone
        for line in stats.digests[:MAX_DIGEST_LINES]:
            last = (
                f"{line.last_run.astimezone(tz):%d.%m.%Y %H:%M}"
                if line.last_run is not None
                else turn.tr("stats.digest_never")
            )
            lines.append(
                turn.tr(
                    "stats.digest_line",
                    id=line.subscription_id,
                    kind=turn.tr(f"stats.kind_{line.kind.value}"),
                    member=line.member_id,
                    last=last,
                )
            )
        if len(stats.digests) > MAX_DIGEST_LINES:
            lines.append(turn.tr("stats.more", count=len(stats.digests) - MAX_DIGEST_LINES))
    return [Reply(text="\n".join(lines))]


def register(registry: Registry) -> None:
    registry.add_command(Command("stats", ADMIN, cmd_stats, "help.stats"))
