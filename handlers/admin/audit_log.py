"""/audit [N] [MEMBER|R-1042|org:ID]: the audit log, newest first, for admins."""

from __future__ import annotations

import re

from handlers.admin.audit_text import action_name, entry_detail
from handlers.admin.invites import local_time, long_reply
from handlers.admin.member_ref import resolve_member
from handlers.admin.people import is_forgotten
from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.registry import ADMIN, Command, Registry
from handlers.text.format import esc
from handlers.text.numbers import small_int
from storage import audit
from storage.models import AuditEntry, request_ref

DEFAULT_ROWS = 20
MAX_ROWS = 200
# A detail is a before/after note; a very long one (a whole address) is cut in the listing.
SUMMARY_CHARS = 300
_REQUEST = re.compile(r"^R-?([0-9]{1,9})$", re.IGNORECASE)
_ORG = re.compile(r"^org:([0-9]{1,9})$", re.IGNORECASE)


def entry_lines(turn: Turn, entry: AuditEntry) -> str:
    """The entry in the reader's language (handlers/admin/audit_text.py)."""
    t, lang = turn.ctx.t, turn.lang
    actor = f"#{entry.actor_id}" if entry.actor_id is not None else esc(entry.actor_label)
    head = f"{local_time(turn, entry.at)} · {actor} · <b>{action_name(t, lang, entry.action)}</b>"
    if entry.target:
        head += f" · {esc(entry.target)}"
    detail = entry_detail(t, turn.ctx.catalog, lang, entry)
    if not detail:
        return head
    return head + "\n   " + cut_html(detail, SUMMARY_CHARS)


def cut_html(text: str, limit: int) -> str:
    """``text`` (escaped HTML without tags) cut to ``limit`` characters, never inside an
    entity such as ``&amp;``."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


async def cmd_audit(turn: Turn, args: str) -> list[Reply]:
    parts = args.split()
    limit = DEFAULT_ROWS
    if parts and (number := small_int(parts[0])) is not None:
        # "/audit 50" is a count; a member by number is written "#12" after it or alone.
        if number < 1:
            return [Reply(text=turn.tr("admin.audit_usage", limit=MAX_ROWS))]
        limit = min(number, MAX_ROWS)
        parts = parts[1:]
    if len(parts) > 1:
        return [Reply(text=turn.tr("admin.audit_usage", limit=MAX_ROWS))]
    target: str | None = None
    member_id: int | None = None
    label = ""
    if parts:
        word = parts[0]
        if request := _REQUEST.match(word):
            target = request_ref(int(request.group(1)))
            label = target
        elif org := _ORG.match(word):
            target = audit.org_target(int(org.group(1)))
            label = target
        else:
            member = await resolve_member(turn.conn, word)
            if member is None:
                return [Reply(text=turn.tr("admin.member_not_found", ref=esc(word[:60])))]
            member_id = member.id
            # A forgotten member's identity is a tombstone: name them as everywhere else.
            who = (
                turn.tr("privacy.former_member")
                if is_forgotten(member)
                else member.display_name or member.identity
            )
            label = f"#{member.id} {who}"
    entries = await audit.list_audit(turn.conn, limit=limit, target=target, member_id=member_id)
    if not entries:
        return [Reply(text=turn.tr("admin.audit_none"))]
    if label:
        title = turn.tr("admin.audit_title_for", what=esc(label), count=len(entries))
    else:
        title = turn.tr("admin.audit_title", count=len(entries))
    lines = [f"<b>{title}</b>"] + [entry_lines(turn, e) for e in entries]
    return long_reply("\n".join(lines))


def register(registry: Registry) -> None:
    registry.add_command(Command("audit", ADMIN, cmd_audit, "help.audit"))
