"""A needs list sent as a file (.xlsx or .csv) becomes /need's preview; /template sends the form.

The engine calls ``prepare`` before it opens the turn's transaction: the file is read (bytes to
rows in bot/sheet_files.py, rows to items with /need's reader in spreadsheet_reader.py) in a
worker thread, in the reports' slot, with no lock held, and only for a sender who may upload
at all, so a stranger's file costs nothing but its download. The turn then answers from that
reading: the rows it could not read, by number and reason, and the same preview as /need
(handlers/requests/intake.py: questions, Submit / Edit / Cancel, one Submit transaction).

The file is never kept: its bytes live in the event and the reading, both dropped with the
turn; the draft holds the items as read, as /need's does.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from handlers.core.context import HandlerContext, Turn
from handlers.core.events import Document, Incoming, Reply
from handlers.core.offload import off_loop
from handlers.core.registry import DONOR, REQUESTER, Command, Registry, UploadRoute
from handlers.offers import form as offer_form
from handlers.requests import intake
from handlers.requests.catalog import Catalog
from handlers.requests.need_line import PROBLEM_CODES
from handlers.requests.spreadsheet_reader import (
    NOT_FETCHED,
    RawSheet,
    SheetFiles,
    SheetReading,
    Vocabulary,
    fold_header,
    read_rows,
)
from handlers.text.format import esc, fmt_date
from handlers.text.i18n import LANGUAGES, Language, Translator
from handlers.text.workbook import ColumnHead, ColumnKind, Sheet, Workbook
from storage import members
from storage.models import Identity, Role, Urgency

XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows not read are listed up to this many; the rest are counted.
MAX_LISTED_PROBLEMS: Final = 25
# Who may send a list: a requester's is a needs list (/need's preview), a donor's an offer list
# (the /offer form, handlers/offers/form.py), read the same way.
UPLOAD_ROLES: Final = REQUESTER | DONOR


def vocabulary(t: Translator) -> Vocabulary:
    """The urgency labels the bot shows (and the template's example uses), in every language."""
    labels: dict[str, Urgency] = {}
    for lang in LANGUAGES:
        for level in Urgency:
            labels[fold_header(t(lang, f"urgency.{level.value}"))] = level
    return Vocabulary(urgency_labels=labels)


def read_file(
    files: SheetFiles,
    data: bytes,
    filename: str,
    today: date,
    catalog: Catalog,
    words: Vocabulary,
) -> SheetReading:
    """Bytes to a reading; CPU-bound, for a worker thread."""
    sheet: RawSheet = files.read(data, filename)
    return read_rows(sheet, today, catalog, words)


async def _may_upload(ctx: HandlerContext, sender: Identity) -> bool:
    async with ctx.db.read() as conn:
        member = await members.get_member_by_identity(conn, sender)
    return member is not None and member.active and bool(member.roles & UPLOAD_ROLES)


async def prepare(ctx: HandlerContext, incoming: Incoming) -> SheetReading | None:
    """The reading of the event's file, before the turn's transaction; None when there is
    nothing to read (not fetched) or the sender may not upload (the turn refuses)."""
    upload = incoming.upload
    if upload is None or upload.data is None or ctx.sheets is None or not incoming.private:
        return None
    if not await _may_upload(ctx, incoming.sender):
        return None
    today = ctx.clock().astimezone(ctx.policy.timezone).date()
    async with ctx.reports.slot():
        return await off_loop(
            read_file,
            ctx.sheets,
            upload.data,
            upload.filename,
            today,
            ctx.catalog,
            vocabulary(ctx.t),
        )


def _problem_text(turn: Turn, code: str, args: dict[str, str]) -> str:
    safe = {k: esc(v) for k, v in args.items()}
    if code in PROBLEM_CODES:
        safe.setdefault("fragment", "")
    return turn.tr(code, **safe)


def problems_text(turn: Turn, reading: SheetReading) -> str:
    lines = [turn.tr("upload.rows_not_read", count=len(reading.problems))]
    for problem in reading.problems[:MAX_LISTED_PROBLEMS]:
        reason = _problem_text(turn, problem.code, problem.args)
        lines.append(turn.tr("upload.row_line", row=problem.row, reason=reason))
    rest = len(reading.problems) - MAX_LISTED_PROBLEMS
    if rest > 0:
        lines.append(turn.tr("upload.more_rows", count=rest))
    return "\n".join(lines)


async def on_upload(turn: Turn, prepared: object | None) -> list[Reply]:
    upload = turn.incoming.upload
    assert upload is not None
    if refusal := intake.needs_org(turn):
        return refusal
    name = esc(upload.filename)
    if not isinstance(prepared, SheetReading):
        return [Reply(text=turn.tr(NOT_FETCHED, name=name))]
    reading = prepared
    hint = turn.tr("upload.template_hint")
    if reading.refusal is not None:
        args = {k: esc(v) for k, v in reading.refusal_args.items()}
        text = turn.tr(reading.refusal, name=name, **args)
        return [Reply(text=f"{text}\n\n{hint}")]
    if not reading.lines:
        text = turn.tr("upload.nothing_read", name=name) + "\n\n" + problems_text(turn, reading)
        return [Reply(text=f"{text}\n\n{hint}")]
    if turn.roles & DONOR and not turn.roles & {Role.REQUESTER}:
        # The "needed by" column of a donor's list is the last day the goods are available.
        report = [turn.tr("upload.read", name=name, count=len(reading.lines))]
        if reading.problems:
            report.append(problems_text(turn, reading))
        form_replies = await offer_form.start_with_items(
            turn, [line.item for line in reading.lines], reading.needed_by
        )
        return [Reply(text="\n\n".join(report)), *form_replies]
    draft = intake.draft_from_parse(tuple(line.item for line in reading.lines), turn.ctx.catalog)
    await intake.ask_about_duplicates(turn, draft)
    draft.urgency = reading.urgency or Urgency.NORMAL
    draft.needed_by = reading.needed_by
    draft.place = await intake.org_place(turn)
    await intake.save(turn, "summary", draft)
    report = [turn.tr("upload.read", name=name, count=len(reading.lines))]
    if reading.problems:
        report.append(problems_text(turn, reading))
    if reading.urgencies_differ and reading.urgency is not None:
        report.append(
            turn.tr(
                "upload.urgency_most",
                urgency=esc(turn.tr(f"urgency.{reading.urgency.value}")),
            )
        )
    if reading.dates_differ and reading.needed_by is not None:
        report.append(turn.tr("upload.date_earliest", date=fmt_date(reading.needed_by)))
    preview = await intake.show(turn, "summary", draft, error=None, replace=False)
    return [Reply(text="\n\n".join(report)), preview]


# --- /template -----------------------------------------------------------------------------


def template_workbook(t: Translator, lang: Language, today: date) -> Workbook:
    """The empty form in ``lang``: its columns, one example row, and what is refused."""

    def tr(key: str, **args: object) -> str:
        return t(lang, key, **args)

    heads = (
        ColumnHead(title=tr("upload.col.item"), width=40),
        ColumnHead(title=tr("upload.col.quantity"), kind=ColumnKind.INT, width=12),
        ColumnHead(title=tr("upload.col.unit"), width=10),
        ColumnHead(title=tr("upload.col.urgency"), width=14),
        ColumnHead(
            title=tr("upload.col.needed_by"),
            kind=ColumnKind.DATE,
            width=14,
            number_format="dd.mm.yyyy",
        ),
        ColumnHead(title=tr("upload.col.note"), width=40),
    )
    example = (
        tr("upload.example.item"),
        2,
        tr("upload.example.unit"),
        tr(f"urgency.{Urgency.HIGH.value}"),
        today + timedelta(days=14),
        tr("upload.example.note"),
    )
    notes = (tr("upload.template.note1"), tr("upload.template.note2"))
    sheet = Sheet.from_rows(tr("upload.template.title"), heads, [example], notes=notes)
    return Workbook(sheets=(sheet,))


async def cmd_template(turn: Turn, args: str) -> list[Reply]:
    ctx, lang, today = turn.ctx, turn.lang, turn.today

    async def render() -> list[Reply]:
        book = template_workbook(ctx.t, lang, today)
        async with ctx.reports.slot():
            data = await off_loop(ctx.renderers.workbook, book)
        document = Document(
            filename=ctx.t(lang, "upload.template.filename") + ".xlsx",
            mime_type=XLSX_MIME,
            data=data,
            caption=ctx.t(lang, "upload.template.caption"),
        )
        return [Reply(document=document)]

    # Drawn after the turn's commit, off the loop, like every other file the bot writes.
    turn.after_commit.append(render)
    return []


def register(registry: Registry) -> None:
    registry.add_command(Command("template", UPLOAD_ROLES, cmd_template, "help.template"))
    registry.set_upload(UploadRoute(roles=UPLOAD_ROLES, prepare=prepare, handler=on_upload))
