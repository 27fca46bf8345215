"""The `aidbridge` command: run, console, migrate, org, invite, export, shipment, backup."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Final

from bot.app import open_and_migrate, run, utc_now
from bot.config import ConfigError, Settings, load_settings
from bot.file_renderers import FileRenderers
from bot.invite_key import load_invite_key
from bot.logsetup import setup_logging
from bot.matrix_store import backup_store
from bot.transports.base import StartupError
from handlers.admin.invites import issue_invite
from handlers.admin.org_rules import (
    MAX_LENGTH,
    FieldRefused,
    Problem,
    clean_field,
    create_organisation,
)
from handlers.coordination.hxl_export import ExportSpec, expand_category
from handlers.core.context import BotLinks
from handlers.core.location_policy import Detail
from handlers.requests.catalog import Catalog
from handlers.shipments.packing_list import PackingSpec, filename
from storage import audit, organisations
from storage.backup import BackupError, backup_database
from storage.db import is_postgres_url, open_database, open_db
from storage.fileperms import write_private
from storage.migrate_data import CopyMismatch, CopyRefused, copy_database
from storage.migrations import DatabaseTooNew, current_version, migrate
from storage.models import (
    OPEN_STATUSES,
    Filters,
    Identity,
    Organisation,
    OrgKind,
    Placement,
    Role,
    Urgency,
)
from storage.places import Level, Unit, codifier, search
from storage.places.placing import resolve_parts
from storage.shipment_models import parse_shipment_ref, shipment_ref


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aidbridge",
        description="AidBridge: needs requests from Dnipropetrovsk oblast to coordinators in NRW.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start every transport that has credentials (else the console)")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument(
        "--as",
        dest="identity",
        default="console:local",
        help="identity to chat as, e.g. telegram:12345 (default console:local)",
    )
    sub.add_parser("migrate", help="create or upgrade the database schema")

    org = sub.add_parser("org", help="organisations").add_subparsers(
        dest="org_command", required=True
    )
    add = org.add_parser("add", help="register an organisation")
    add.add_argument("--kind", required=True, choices=[k.value for k in OrgKind])
    add.add_argument("--name", required=True)
    # The place by name or KATOTTH code, each part inside the one before; a name that fits
    # several units is refused with the candidates (storage/places/placing.py).
    add.add_argument("--raion", help="raion, name or code, e.g. Дніпровський")
    add.add_argument("--hromada", help="hromada, name or code, e.g. Дніпровська")
    add.add_argument(
        "--settlement", help="settlement (or, without --hromada, a hromada), name or code"
    )
    add.add_argument(
        "--outside", metavar="TOWN", help="outside the oblast (e.g. Köln): no raion or hromada"
    )
    add.add_argument("--code", help="EDRPOU code (8 digits)")
    add.add_argument("--address", help="delivery address")
    org.add_parser("list", help="list organisations")
    org.add_parser("unplaced", help="organisations without a KATOTTH code (to place in chat)")

    export = sub.add_parser("export", help="write requests to a CSV, XLSX or HXL-tagged CSV file")
    export.add_argument("--format", choices=["csv", "xlsx", "hxl"], default="xlsx")
    export.add_argument("--out", help="file to write (default aidbridge-export-DATE.FORMAT)")
    export.add_argument(
        "--lang",
        choices=["uk", "de", "en"],
        default="en",
        help="language of the titles and words; csv: ';' for uk and de, ',' for en",
    )
    export.add_argument("--urgency", choices=[u.value for u in Urgency])
    export.add_argument("--category", help="catalogue category key, e.g. power")
    export.add_argument(
        "--raion", help="a raion or hromada, by name or code (an ambiguous name is refused)"
    )
    export.add_argument("--org", type=int, help="organisation id")
    export.add_argument("--open-only", action="store_true", help="only open requests")
    export.add_argument(
        "--contacts",
        action="store_true",
        help="include who filed each request (admins only: handle with care)",
    )
    # The operator's file is usually handed on to partners: it stops at the hromada, as a
    # coordinator's /export does, unless the operator asks for the settlements as well.
    export.add_argument(
        "--full-places",
        action="store_true",
        help="include each organisation's settlement (an admin's /export); by default the"
        " file stops at the hromada, as a coordinator's does",
    )

    shipment = sub.add_parser("shipment", help="shipments").add_subparsers(
        dest="shipment_command", required=True
    )
    packing = shipment.add_parser("list", help="write a shipment's packing list (XLSX)")
    packing.add_argument("ref", help="the shipment, e.g. S-12")
    packing.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    packing.add_argument("--out", help="file to write (default packing-list-S-12.FORMAT)")
    packing.add_argument(
        "--lang",
        choices=["uk", "de", "en"],
        default="uk",
        help="language of the summary sheet (the delivery notes are always Ukrainian)",
    )

    backup = sub.add_parser(
        "backup", help="copy the database, consistently, while the bot may be running"
    )
    backup.add_argument(
        "--dir", type=Path, help="folder for the copy (default AIDBRIDGE_BACKUP_DIR)"
    )

    move = sub.add_parser(
        "migrate-data",
        help="copy every table from SQLite into an empty PostgreSQL database, verified",
    )
    move.add_argument("--from", dest="source", required=True, help="sqlite:///path/to/aidbridge.db")
    move.add_argument("--to", dest="target", required=True, help="postgresql://user@host/db")

    invite = sub.add_parser("invite", help="create a single-use invite code")
    invite.add_argument("org_id", type=int)
    invite.add_argument("role", choices=[r.value for r in Role])
    invite.add_argument("--days", type=int, default=None, help="validity in days (default 7)")
    return parser


async def _migrate(settings: Settings) -> int:
    url = settings.postgres_url
    db = await open_database(settings.db_path, url)
    try:
        before = await current_version(db)
        applied = await migrate(db)
        after = applied[-1] if applied else before
        print(
            f"database {db.path}: schema version {after}"
            + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)")
        )
    finally:
        await db.close()
    return 0


CLI_PROBLEMS = {
    Problem.EMPTY: "must not be empty",
    Problem.TOO_LONG: "is too long (at most {limit} characters)",
    Problem.BAD_CODE: "must be the 8-digit EDRPOU code",
}


def _unit_line(unit: Unit) -> str:
    """A candidate for the shell: name, level, its hromada and raion, and the code to type."""
    places = codifier()
    parents = [a.name for a in places.ancestors(unit.code) if a.level in _PARENT_LEVELS]
    where = f" in {', '.join(parents)}" if parents else ""
    return f"  {unit.code}  {unit.name} ({unit.latin}), {unit.level.value}{where}"


_PARENT_LEVELS = (Level.HROMADA, Level.RAION)


def _cli_place(args: argparse.Namespace) -> Placement | None:
    """The place from --raion/--hromada/--settlement or --outside; None after printing why."""
    parts = (args.raion, args.hromada, args.settlement)
    if args.outside is not None:
        if any(parts):
            print("error: --outside goes without --raion, --hromada, --settlement", file=sys.stderr)
            return None
        return Placement(outside_oblast=True)
    answer = resolve_parts(raion=args.raion, hromada=args.hromada, settlement=args.settlement)
    if answer.placement is not None and answer.placement.placed:
        return answer.placement
    if answer.placement is not None:
        print(
            "error: give the hromada or settlement (--hromada, --settlement), or --outside TOWN",
            file=sys.stderr,
        )
        return None
    found = answer.found
    typed = getattr(args, answer.part or "settlement")
    if found is None or not found.candidates:
        print(f"error: --{answer.part} {typed!r}: no such place", file=sys.stderr)
        return None
    print(
        f"error: --{answer.part} {typed!r} is not sure; give one of these codes instead:",
        file=sys.stderr,
    )
    for unit in found.units:
        print(_unit_line(unit), file=sys.stderr)
    if found.more:
        print(f"  ... and {found.more} more", file=sys.stderr)
    return None


async def _org_add(settings: Settings, args: argparse.Namespace) -> int:
    # Checked before the database is opened, by the rules /org_add applies
    # (handlers/admin/org_rules.py).
    checks = {"name": args.name, "settlement": args.outside, "code": args.code}
    checks["address"] = args.address
    for field, raw in checks.items():
        if raw is None:
            continue
        try:
            clean_field(field, raw)
        except FieldRefused as refused:
            problem = CLI_PROBLEMS[refused.problem].format(limit=MAX_LENGTH.get(field))
            option = "outside" if field == "settlement" else field
            print(f"error: --{option} {problem}", file=sys.stderr)
            return 2
    place = _cli_place(args)
    if place is None:
        return 2
    db = await open_and_migrate(settings)
    try:
        async with db.transaction() as conn:
            org = await create_organisation(
                conn,
                kind=OrgKind(args.kind),
                name=args.name,
                place=place,
                abroad=args.outside,
                code=args.code,
                address=args.address,
                actor_id=None,
                actor_label=audit.CLI_ACTOR,
                now=utc_now(),
            )
        print(f"organisation {org.id} added: {org.name} ({org.kind.value}, {org.settlement})")
        print(f"next: aidbridge invite {org.id} requester")
    finally:
        await db.close()
    return 0


async def _org_list(settings: Settings) -> int:
    db = await open_and_migrate(settings)
    try:
        async with db.read() as conn:
            orgs = await organisations.list_organisations(conn)
        if not orgs:
            print(
                "no organisations yet: aidbridge org add --kind hospital --name ... "
                "--raion ... --settlement ..."
            )
        for org in orgs:
            print(_org_line(org))
    finally:
        await db.close()
    return 0


def _org_line(org: Organisation) -> str:
    code = f" EDRPOU {org.code}" if org.code else ""
    lowest = org.place.settlement_code or org.place.hromada_code
    where = (
        f" [{lowest}]"
        if lowest
        else " [outside the oblast]"
        if org.place.outside_oblast
        else " [not placed]"
    )
    return (
        f"{org.id:>4}  {org.kind.value:<12} {org.name} — {org.settlement}, {org.raion}{where}{code}"
    )


async def _org_unplaced(settings: Settings) -> int:
    db = await open_and_migrate(settings)
    try:
        async with db.read() as conn:
            orgs = await organisations.list_unplaced(conn)
        if not orgs:
            print("every organisation is placed by KATOTTH code")
        for org in orgs:
            typed = f"{org.settlement}, {org.raion}"
            print(f"{org.id:>4}  {org.kind.value:<12} {org.name} — typed: {typed}")
        if orgs:
            print(f"{len(orgs)} not placed: an admin places each in chat with /org ID place")
    finally:
        await db.close()
    return 0


async def _invite(settings: Settings, args: argparse.Namespace) -> int:
    days = args.days if args.days is not None else settings.invite_days
    if not 1 <= days <= 90:
        print("error: --days must be between 1 and 90", file=sys.stderr)
        return 2
    links = BotLinks(telegram_username=settings.telegram_bot_username)
    key = load_invite_key(settings.invite_key_file)  # the running bot's key, from its file
    db = await open_and_migrate(settings)
    try:
        async with db.transaction() as conn:
            issued = await issue_invite(
                conn,
                key=key,
                org_id=args.org_id,
                role=Role(args.role),
                days=days,
                actor_id=None,
                actor_label=audit.CLI_ACTOR,
                links=links,
                now=utc_now(),
            )
        if issued is None:
            print(
                f"error: no organisation {args.org_id} (see: aidbridge org list)", file=sys.stderr
            )
            return 2
        print(
            f"invite for {issued.org.name} as {issued.role.value}, single use, "
            f"valid until {issued.expires_at.astimezone(settings.tz):%d.%m.%Y %H:%M}:"
        )
        print(f"  code:      {issued.code}")
        print(f"  in chat:   /start {issued.code}")
        if issued.telegram_link:
            print(f"  Telegram:  {issued.telegram_link}")
        else:
            print(
                "  Telegram:  https://t.me/<your_bot>?start="
                + issued.code
                + "   (set AIDBRIDGE_TELEGRAM_BOT_USERNAME to print the full link)"
            )
    finally:
        await db.close()
    return 0


_SUFFIXES: Final = MappingProxyType({"csv": "csv", "xlsx": "xlsx", "hxl": "hxl.csv"})


def _filter_place(text: str | None) -> tuple[str | None, bool]:
    """(code, ok): a raion or hromada named on the command line; not ok after printing why."""
    if text is None:
        return None, True
    found = search(text, levels={Level.RAION, Level.HROMADA})
    if found.sure is not None:
        return found.sure.code, True
    if not found.candidates:
        print(f"error: --raion {text!r}: no raion or hromada of that name", file=sys.stderr)
        return None, False
    print(f"error: --raion {text!r} is not sure; give one of these codes:", file=sys.stderr)
    for unit in found.units:
        print(_unit_line(unit), file=sys.stderr)
    return None, False


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    place, ok = _filter_place(args.raion)
    if not ok:
        return 2
    catalog = Catalog.default()
    if args.category is not None and not catalog.items_in(args.category):
        keys = ", ".join(c.key for c in catalog.categories())
        print(f"error: unknown --category {args.category!r}; one of: {keys}", file=sys.stderr)
        return 2
    filters = expand_category(
        Filters(
            urgency=Urgency(args.urgency) if args.urgency else None,
            category=args.category,
            place=place,
            org_id=args.org,
        ),
        catalog,
    )
    # Opened and migrated here; the rows are then read from the file by the export itself,
    # one at a time, and written as they come (bot/export_writer.py).
    db = await open_and_migrate(settings)
    await db.close()
    spec = ExportSpec(
        fmt=args.format,
        filters=filters,
        statuses=tuple(sorted(OPEN_STATUSES)) if args.open_only else None,
        lang=args.lang,
        include_contacts=args.contacts,
        place_detail=Detail.FULL if args.full_places else Detail.AREA,
        tz=settings.tz.key,
    )
    # The database's location (a file, or PostgreSQL's URL): the export reads it itself.
    location = settings.postgres_url or str(settings.db_path)
    files = await asyncio.to_thread(FileRenderers().export, spec, db_path=location)
    data = files.parts[0].data
    out = Path(
        args.out
        or f"aidbridge-export-{utc_now().astimezone(settings.tz):%Y-%m-%d}.{_SUFFIXES[args.format]}"
    )
    # Readable by this user only: it may hold contacts and settlements.
    await asyncio.to_thread(write_private, out, data)
    print(f"{files.rows} item lines written to {out}")
    return 0


async def _shipment_list(settings: Settings, args: argparse.Namespace) -> int:
    shipment_id = parse_shipment_ref(args.ref)
    if shipment_id is None:
        print(f"error: {args.ref!r} is no shipment id; give one like S-12", file=sys.stderr)
        return 2
    # Opened and migrated here; the lines are then read by the packing list's writer itself,
    # a page at a time, and written as they come (bot/packing_writer.py).
    db = await open_and_migrate(settings)
    await db.close()
    spec = PackingSpec(
        shipment_id=shipment_id,
        fmt=args.format,
        lang=args.lang,
        # The operator prints the list the truck travels with: the carrier's copy, with
        # the street addresses (location_policy: the carrier sees them). One file: a disk
        # has no platform's limit.
        level=Detail.FULL,
    )
    location = settings.postgres_url or str(settings.db_path)
    files = await asyncio.to_thread(FileRenderers().packing_list, spec, db_path=location)
    ref = shipment_ref(shipment_id)
    if files is None:
        print(f"error: shipment {ref} not found", file=sys.stderr)
        return 1
    out = Path(args.out or filename(ref, args.format))
    # Readable by this user only: it holds recipients' names and addresses.
    await asyncio.to_thread(write_private, out, files.parts[0].data)
    print(f"{files.total} lines of {ref} written to {out}")
    return 0


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:///relative or sqlite:////absolute URL (SQLAlchemy's form)."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) and len(url) > len(prefix) else None


async def _migrate_data(source_url: str, target_url: str) -> int:
    """Exit status 0 copied and verified, 1 copied but not verified, 2 refused."""
    path = sqlite_path(source_url)
    if path is None or not path.is_file():
        print(
            f"error: --from must name an SQLite file as sqlite:///path: {source_url}",
            file=sys.stderr,
        )
        return 2
    if not is_postgres_url(target_url):
        print("error: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    source = await open_database(path)
    try:
        target = await open_database(path, target_url)
        try:
            report = await copy_database(source, target)
        finally:
            await target.close()
    except CopyRefused as exc:
        print(f"error: nothing copied: {exc}", file=sys.stderr)
        return 2
    except CopyMismatch as exc:
        print(f"error: the copy does not match the source, do not use it: {exc}", file=sys.stderr)
        return 1
    finally:
        await source.close()
    for check in report.tables:
        print(f"{check.table:<22} {check.rows:>9} rows  checksum {check.checksum[:16]}")
    print(f"copied {report.rows} rows in {len(report.tables)} tables; counts and checksums match")
    return 0


async def _backup(settings: Settings, args: argparse.Namespace) -> int:
    # Not migrated first: a copy taken before an upgrade is the one to fall back to.
    if settings.database_url is not None:
        print("error: on PostgreSQL back up with pg_dump; this copies SQLite", file=sys.stderr)
        return 2
    if not settings.db_path.is_file():
        print(f"error: no database at {settings.db_path}", file=sys.stderr)
        return 2
    dest = args.dir or settings.backup_dir
    try:
        result = await backup_database(settings.db_path, dest, utc_now())
    except (BackupError, OSError) as exc:
        print(f"error: backup failed: {exc}", file=sys.stderr)
        return 1
    db = await open_db(settings.db_path)
    try:
        if await current_version(db) > 0:
            async with db.transaction() as conn:
                await audit.add_audit(
                    conn,
                    actor_id=None,
                    actor_label=audit.CLI_ACTOR,
                    action="backup.create",
                    target=result.path.name,
                    params={
                        "bytes": result.size,
                        "seconds": round(result.seconds, 2),
                        "outbox_files": result.outbox_files,
                    },
                    now=utc_now(),
                )
    finally:
        await db.close()
    print(f"backup written to {result.path.resolve()} ({result.size} bytes)")
    if result.outbox_files:
        print(f"{result.outbox_files} unsent outbox file(s) copied beside it")
    # The Matrix crypto store beside it: the bot's device keys and sessions, without which it
    # cannot read its encrypted rooms after a restore (bot/matrix_store.py).
    try:
        store = await backup_store(settings.matrix_store_dir, result.path)
    except (sqlite3.Error, OSError) as exc:
        print(f"error: backup of the Matrix crypto store failed: {exc}", file=sys.stderr)
        return 1
    if store is not None:
        print(f"Matrix crypto store copied to {store.path.resolve()} ({store.files} file(s))")
    return 0


async def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "run":
        await run(settings)
        return 0
    if args.command == "console":
        await run(settings, console_identity=Identity.parse(args.identity))
        return 0
    if args.command == "migrate":
        return await _migrate(settings)
    if args.command == "org":
        if args.org_command == "add":
            return await _org_add(settings, args)
        if args.org_command == "unplaced":
            return await _org_unplaced(settings)
        return await _org_list(settings)
    if args.command == "invite":
        return await _invite(settings, args)
    if args.command == "export":
        return await _export(settings, args)
    if args.command == "backup":
        return await _backup(settings, args)
    if args.command == "migrate-data":
        return await _migrate_data(args.source, args.target)
    if args.command == "shipment":
        return await _shipment_list(settings, args)
    raise AssertionError(args.command)


def opens_console(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether this command chats in the terminal (`run` does when no platform is set up)."""
    if args.command == "console":
        return True
    return (
        args.command == "run"
        and settings.telegram_token is None
        and settings.matrix_homeserver is None
    )


def console_log_file(settings: Settings) -> Path:
    """Where a console process logs: beside the database, as the terminal is the chat."""
    db = settings.db_path
    return db.with_name(f"{db.stem}-console.log")


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this process creates (database, WAL, backups, exports, logs) is readable by
    # its user only; storage/fileperms.py also sets the modes explicitly where it creates.
    os.umask(0o077)
    # Time periods as timedeltas: PTB 22 otherwise warns on every RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = [
        secret.get_secret_value()
        for secret in (
            settings.telegram_token,
            settings.matrix_access_token,
            settings.matrix_password,
        )
        if secret is not None
    ]
    log_file = console_log_file(settings) if opens_console(args, settings) else None
    setup_logging(settings.log_level, secrets, log_file=log_file, log_text=settings.log_text)
    if log_file is not None:
        print(f"(log: {log_file})")
    try:
        if args.command == "console" and ":" not in args.identity:
            print("error: --as takes an identity like telegram:12345", file=sys.stderr)
            return 2
        return asyncio.run(_dispatch(settings, args))
    except DatabaseTooNew as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (StartupError, ConfigError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
