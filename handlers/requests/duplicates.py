"""Duplicates (issue 9): the same organisation asking twice for the same item.

Two entry points for the /need preview (handlers/requests/intake.py, owned elsewhere), both
inside the turn's transaction:

* ``find_open_duplicates(turn, org_id, items)``: for each draft item, the open requests of the
  organisation holding the same catalogue item (or, for typed items, the same text, case and
  spacing folded). The preview can then offer "add to R-1001" instead of a second request.
* ``append_items(turn, request_id, items)``: add item lines to an open request of the caller's
  organisation, with a history event, an audit row and notices, like any lifecycle change.

Coordinators see the same relation as a "possible duplicate" mark on /open, /show and digest
lines; ``duplicate_marks`` reads it for a whole view in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from handlers.core.context import Turn
from handlers.core.events import Reply
from handlers.core.notify import notify_members
from handlers.text.format import describe_lines, duplicate_refs, esc, status_label
from storage import lifecycle, members, requests
from storage.models import (
    OPEN_STATUSES,
    EventKind,
    Frozen,
    NeedItemDraft,
    ProgressLine,
    Status,
    request_ref,
)


class DuplicateHit(Frozen):
    """Draft item ``item_index`` is already asked for in open request ``request_id``."""

    item_index: int
    request_id: int
    ref: str
    quantity: int  # the existing request's quantity of that item
    unit: str
    status: Status


async def find_open_duplicates(
    turn: Turn, org_id: int, items: Sequence[NeedItemDraft]
) -> list[DuplicateHit]:
    """Open requests of ``org_id`` with the same item as a draft line, by draft line order.

    Catalogue items match on ``item_key``; typed items on their folded ``free_text``. One
    query whatever the number of lines.
    """
    keys = sorted({i.item_key for i in items if i.item_key})
    texts = sorted({t for i in items if not i.item_key and (t := requests.fold_text(i.free_text))})
    if not keys and not texts:
        return []
    found = await requests.list_open_items_like(
        turn.conn, org_id=org_id, item_keys=keys, free_texts=texts
    )
    hits: list[DuplicateHit] = []
    for index, draft in enumerate(items):
        for line in found:
            same = (
                line.item_key == draft.item_key
                if draft.item_key
                else line.item_key is None
                and requests.fold_text(line.free_text) == requests.fold_text(draft.free_text)
            )
            if same:
                hits.append(
                    DuplicateHit(
                        item_index=index,
                        request_id=line.request_id,
                        ref=request_ref(line.request_id),
                        quantity=line.quantity,
                        unit=line.unit,
                        status=line.status,
                    )
                )
    return hits


async def append_items(turn: Turn, request_id: int, items: Sequence[NeedItemDraft]) -> list[Reply]:
    """Add ``items`` to an open request of the caller's organisation; the confirmation reply.

    Refused (nothing written) when the request is not the caller's organisation's (it reads
    as not found, like everywhere else) or no longer open.
    """
    request = await requests.get_request(turn.conn, request_id)
    member = turn.member
    if request is None or member is None or member.org_id != request.org_id:
        return [Reply(text=turn.tr("requests.not_found", ref=esc(request_ref(request_id))))]
    if request.status not in OPEN_STATUSES:
        status = status_label(turn.ctx.t, turn.lang, request.status)
        return [Reply(text=turn.tr("dup.not_open", ref=esc(request.ref), status=esc(status)))]
    if not items:
        return [Reply(text=turn.tr("intake.no_items"))]
    await requests.add_items(turn.conn, request.id, items)
    lines = tuple(
        ProgressLine(
            stage=EventKind.ITEMS,
            item_key=i.item_key,
            free_text=i.free_text,
            unit=i.unit,
            added=i.quantity,
            done=0,
            of=i.quantity,
        )
        for i in items
    )
    await requests.add_status_event(
        turn.conn,
        request_id=request.id,
        status=request.status,
        actor_id=member.id,
        note=None,
        now=turn.now,
        kind=EventKind.ITEMS,
        lines=lines,
    )
    await lifecycle.touch_request(turn.conn, request.id, turn.now)
    await turn.audit(
        "request.append",
        request.ref,
        params={"lines": [line.model_dump(mode="json") for line in lines]},
    )
    # Colleagues, and whoever already pledged: their plan may need to grow.
    recipients = await members.list_members(turn.conn, org_id=request.org_id)
    for org_id in await lifecycle.list_pledging_org_ids(turn.conn, request.id):
        recipients += await members.list_members(turn.conn, org_id=org_id)
    await notify_members(
        turn,
        recipients,
        lambda lang: turn.ctx.t(
            lang,
            "notify.items_added",
            ref=esc(request.ref),
            summary=esc(describe_lines(turn.ctx.t, turn.ctx.catalog, lang, lines)),
        ),
    )
    mine = describe_lines(turn.ctx.t, turn.ctx.catalog, turn.lang, lines)
    return [
        Reply(
            text=turn.tr("dup.appended", ref=esc(request.ref), summary=esc(mine)),
            durable=True,
        )
    ]


async def duplicate_marks(turn: Turn, request_ids: Iterable[int]) -> dict[int, str]:
    """' · ⚠ possible duplicate of R-1001' per request id of a view, from one query."""
    found = await requests.list_duplicate_ids(turn.conn, request_ids)
    return {
        rid: f" · {esc(turn.tr('dup.mark', refs=duplicate_refs(others)))}"
        for rid, others in found.items()
    }
