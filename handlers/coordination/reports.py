"""Files for coordinators: /export csv|xlsx|hxl with the /open filters, /chart of 8 weeks."""

from __future__ import annotations

from handlers.coordination.charts import chart_document
from handlers.coordination.hxl_export import FORMATS, export_documents
from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import COORDINATOR, Command, Registry, Where
from handlers.lifecycle.commands import filters_or_reply


async def cmd_export(turn: Turn, args: str) -> list[Reply]:
    fmt, _, rest = args.strip().partition(" ")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        return [Reply(text=turn.tr("reports.export_usage"))]
    filters = await filters_or_reply(turn, "export", rest, head=fmt)
    if isinstance(filters, list):
        return filters
    ctx, lang, roles, today = turn.ctx, turn.lang, turn.roles, turn.today
    # Past the platform's largest file the export comes in parts, each announced.
    max_bytes = ctx.file_limits.max_bytes(turn.incoming.chat.transport)

    async def export() -> list[Reply]:
        documents = await export_documents(
            ctx, fmt, filters, lang=lang, roles=roles, today=today, max_bytes=max_bytes
        )
        return [Reply(document=document) for document in documents]

    # Seconds of work for a large export: after the turn's commit, never inside its lock.
    turn.after_commit.append(export)
    return []


async def cmd_chart(turn: Turn, args: str) -> list[Reply]:
    filters = await filters_or_reply(turn, "chart", args)
    if isinstance(filters, list):
        return filters
    ctx, lang, now = turn.ctx, turn.lang, turn.now

    async def chart() -> list[Reply]:
        return [Reply(document=await chart_document(ctx, filters, lang=lang, now=now))]

    turn.after_commit.append(chart)
    return []


def register(registry: Registry) -> None:
    # Private: the spreadsheet has every request's organisation, place and notes, and for an
    # admin the contact column with people's names and messenger ids.
    registry.add_command(Command("export", COORDINATOR, cmd_export, "help.export"))
    # Any chat: the chart draws totals per catalog category and urgency; it names no
    # organisation, place, person or note (a filter typed in a group is only what the group
    # has just read), so it is fit for the coordinators' team room.
    registry.add_command(
        Command("chart", COORDINATOR, cmd_chart, "help.chart", where=Where.ANY_CHAT)
    )
