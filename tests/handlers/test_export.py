"""Exports on a real SQLite file: CSV cell by cell, HXL row, contacts, filters, weekly sums."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from handlers.coordination.charts import chart_by_category, chart_labels
from handlers.coordination.hxl_export import (
    COLUMNS,
    CSV_MIME,
    ExportTable,
    build_workbook,
    export_document,
    sector,
)
from handlers.core.events import Document
from handlers.core.location_policy import Detail
from handlers.requests.catalog import Catalog
from handlers.text.i18n import Language, Translator
from handlers.text.workbook import ColumnHead, ColumnKind, Sheet, to_csv
from storage import members, organisations, requests
from storage.charts import ChartData, outstanding_by_week, week_ends
from storage.exports import list_export_lines
from storage.models import (
    Filters,
    Identity,
    Member,
    NeedItemDraft,
    OrgKind,
    Role,
    Status,
    Urgency,
)
from tests.engine_harness import DNIPRO, EngineHarness

HXL = [
    "#meta+id",
    "#date+reported",
    "#date+needed",
    "#org+name",
    "#org+code",
    "#adm1+name",
    "#adm1+code",
    "#adm2+name",
    "#adm2+code",
    "#adm3+name",
    "#adm3+code",
    "#adm4+name",
    "#adm4+code",
    "#loc+facility+name",
    "#sector",
    "#item+name+i_uk",
    "#item+name+i_de",
    "#item+name+i_en",
    "#item+num+requested",
    "#item+num+pledged",
    "#item+num+delivered",
    "#item+unit",
    "#severity",
    "#status",
    "#description",
    "#sector+code",
    "#item+unit+code",
    "#severity+code",
    "#status+code",
    "#meta+shipment",
]
NURSE = Identity(transport="telegram", user_id="101")
COORD = Identity(transport="telegram", user_id="301")
BOSS = Identity(transport="telegram", user_id="900")
HTMLISH = "<b>Ліжко</b> & <i>матрац</i> &amp;"
INJECTION = '=HYPERLINK("http://evil.example","click")'


@dataclass
class Seeded:
    hospital_id: int
    hromada_id: int
    nurse: Member
    coord: Member
    admin: Member
    first: int  # R-1001: hospital, critical, bandages typed in Ukrainian + free text
    second: int  # R-1002: hromada, normal, generator, no creator


async def seed(h: EngineHarness) -> Seeded:
    catalog = Catalog.default()
    bandages = catalog.match("бинти")
    assert bandages is not None and bandages.key == "bandages"
    now = h.clock()
    async with h.db.transaction() as conn:
        hospital = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Лікарня №4",
            raion="Дніпровський",
            settlement="Дніпро",
            code="01994102",
            address=None,
            now=now,
            place=DNIPRO,  # placed by KATOTTH code
        )
        # Not placed yet: its typed raion and settlement, no codes.
        hromada = await organisations.add_organisation(
            conn,
            kind=OrgKind.MUNICIPALITY,
            name="Марганецька громада",
            raion="Нікопольський",
            settlement="Марганець",
            code=None,
            address=None,
            now=now,
        )

        async def member(who: Identity, org: int, role: Role, name: str) -> Member:
            return await members.add_member(
                conn,
                identity=who,
                chat_id=who.user_id,
                org_id=org,
                roles=frozenset({role}),
                language="uk",
                display_name=name,
                now=now,
            )

        nurse = await member(NURSE, hospital.id, Role.REQUESTER, "Олена Коваль")
        coord = await member(COORD, hromada.id, Role.COORDINATOR, "Jana Schmidt")
        admin = await member(BOSS, hromada.id, Role.ADMIN, "Admin")
        first = await requests.add_request(
            conn,
            org_id=hospital.id,
            created_by=nurse.id,
            urgency=Urgency.CRITICAL,
            needed_by=date(2026, 12, 1),
            delivery_place=None,
            note=INJECTION,
            items=[
                NeedItemDraft(item_key=bandages.key, spec="10 см", quantity=200, unit="packs"),
                NeedItemDraft(free_text=HTMLISH, quantity=5, unit="pcs"),
            ],
            # 23:30 UTC is already the next day in Berlin.
            now=now.replace(hour=23, minute=30),
        )
        second = await requests.add_request(
            conn,
            org_id=hromada.id,
            created_by=None,
            urgency=Urgency.NORMAL,
            needed_by=None,
            delivery_place=None,
            note=None,
            items=[NeedItemDraft(item_key="generator", quantity=2, unit="pcs")],
            now=now + timedelta(days=1),
        )
        await conn.execute(
            "UPDATE request_items SET pledged = 1, delivered = 1 WHERE request_id = ?",
            (second.id,),
        )
        await requests.set_status(
            conn, second.id, Status.PLEDGED, actor_id=coord.id, note=None, now=now
        )
    return Seeded(hospital.id, hromada.id, nurse, coord, admin, first.id, second.id)


async def export(
    h: EngineHarness,
    who: Member,
    fmt: str = "csv",
    filters: Filters | None = None,
    lang: Language = "uk",
    statuses: tuple[Status, ...] | None = None,
) -> Document:
    ctx = h.engine.ctx
    return await export_document(
        ctx,
        fmt,
        filters or Filters(),
        lang=lang,
        roles=who.roles if who.active else frozenset(),
        today=h.clock().astimezone(ctx.policy.timezone).date(),
        statuses=statuses,
    )


def read_csv(doc: Document, delimiter: str) -> list[list[str]]:
    assert doc.data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    text = doc.data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    # Every row splits into the header's columns, so Excel in that language opens it in
    # columns rather than as one.
    assert all(len(row) == len(rows[0]) > 1 for row in rows)
    return rows


def by_tag(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]


async def test_csv_cell_by_cell_for_a_ukrainian_coordinator(harness: EngineHarness) -> None:
    s = await seed(harness)
    doc = await export(harness, s.coord)
    assert doc.filename == "aidbridge-export-2026-11-24.csv"
    assert doc.mime_type == CSV_MIME
    assert doc.caption is not None and "3" in doc.caption
    rows = read_csv(doc, ";")
    assert rows[0] == [
        "Запит",
        "Дата подання",
        "Потрібно до",
        "Організація",
        "Код ЄДРПОУ",
        "Область",
        "Код області",
        "Район",
        "Код району",
        "Громада",
        "Код громади",
        "Населений пункт",
        "Код населеного пункту",
        "Заклад",
        "Сектор",
        "Позиція (українською)",
        "Позиція (німецькою)",
        "Позиція (англійською)",
        "Запитано",
        "Обіцяно",
        "Доставлено",
        "Одиниця",
        "Терміновість",
        "Статус",
        "Опис",
        "Код сектору",
        "Код одиниці",
        "Код терміновості",
        "Код статусу",
        "Вантаж",
    ]
    assert rows[1] == HXL
    assert len(rows) == 5
    bandages, free, generator = rows[2], rows[3], rows[4]
    assert bandages == [
        "R-1001",
        "2026-11-25",  # reported 23:30 UTC, which is the 25th in Berlin; ISO in CSV
        "2026-12-01",
        "Лікарня №4",
        "01994102",
        "Дніпропетровська область",
        "UA12",
        "Дніпровський",
        "UA1202",  # P-codes from the codifier
        "Дніпровська",
        "UA1202001",
        "",  # a coordinator's export stops at the hromada: no settlement
        "",
        "Лікарня №4",
        "Охорона здоров’я",
        "Бинт",
        "Mullbinde",
        "Bandage",
        "200",
        "0",
        "0",
        "уп.",
        "Критично",
        "Новий",
        "'" + INJECTION + "; 10 см",
        "health",
        "packs",
        "critical",
        "new",
        "",  # on no shipment
    ]
    # Free text: as typed in all three languages, HTML-ish text left literal.
    assert free[15:18] == [HTMLISH, HTMLISH, HTMLISH]
    assert (free[14], free[25]) == ("Інше", "other")
    assert (free[18], free[21], free[26]) == ("5", "шт.", "pcs")
    assert generator == [
        "R-1002",
        "2026-11-25",
        "",
        "Марганецька громада",
        "",
        "Дніпропетровська область",
        "UA12",
        "Нікопольський",  # typed, not placed: no codes, no hromada guessed from it
        "",
        "",
        "",
        "",  # the typed settlement: not for a coordinator either
        "",
        "",  # a hromada is not a facility
        "Енергетика",
        "Генератор",
        "Stromerzeuger",
        "Generator",
        "2",
        "1",
        "1",
        "шт.",
        "Звичайно",
        "Є постачальник",
        "",
        "energy",
        "pcs",
        "normal",
        "pledged",
        "",
    ]
    # No contact data at all: not the name, not the platform id.
    for needle in ("Олена", "telegram", "101", "#contact"):
        assert needle.encode() not in doc.data


async def test_admin_export_has_the_contact_column(harness: EngineHarness) -> None:
    s = await seed(harness)
    rows = read_csv(await export(harness, s.admin, lang="en"), ",")
    assert rows[0][-1] == "Requester contact"
    assert rows[0][5] == "Oblast" and rows[2][5] == "Dnipropetrovsk oblast"
    assert rows[1] == [*HXL, "#contact+name"]
    assert rows[2][-1] == "Олена Коваль (telegram:101)"
    assert rows[3][-1] == "Олена Коваль (telegram:101)"
    assert rows[4][-1] == ""  # filed without a member (CLI)
    assert all(len(row) == len(HXL) + 1 for row in rows)


async def test_places_by_reader_and_language(harness: EngineHarness) -> None:
    """Place columns by the location policy (admins: down to the settlement; coordinators:
    the hromada) and by language (Latin beside Cyrillic for German and English readers);
    the +code columns hold the same P-codes in every language."""
    s = await seed(harness)
    adm = slice(5, 14)  # #adm1+name .. #loc+facility+name

    def places(rows: list[list[str]]) -> list[list[str]]:
        return [[*row[3:4], *row[adm]] for row in rows[2:]]

    admin_en = places(read_csv(await export(harness, s.admin, lang="en"), ","))
    assert admin_en[0] == [
        "Лікарня №4 (Likarnia №4)",
        "Dnipropetrovsk oblast",
        "UA12",
        "Дніпровський (Dniprovskyi)",
        "UA1202",
        "Дніпровська (Dniprovska)",
        "UA1202001",
        "Дніпро (Dnipro)",
        "UA1202001001",
        "Лікарня №4 (Likarnia №4)",
    ]
    # Not placed: the typed raion and settlement in Latin too, and no code made up.
    assert admin_en[2][3:9] == [
        "Нікопольський (Nikopolskyi)",
        "",
        "",
        "",
        "Марганець (Marhanets)",
        "",
    ]
    coord_de = places(read_csv(await export(harness, s.coord, lang="de"), ";"))
    assert coord_de[0][3:9] == [
        "Дніпровський (Dniprovskyi)",
        "UA1202",
        "Дніпровська (Dniprovska)",
        "UA1202001",
        "",
        "",
    ]
    assert coord_de[2][3:9] == ["Нікопольський (Nikopolskyi)", "", "", "", "", ""]
    # Ukrainian readers get the names as the codifier writes them, and the same codes.
    coord_uk = places(read_csv(await export(harness, s.coord, lang="uk"), ";"))
    assert [row[4::2] for row in coord_uk] == [row[4::2] for row in coord_de]
    assert coord_uk[0][3] == "Дніпровський"


async def test_no_settlement_in_a_coordinators_file(harness: EngineHarness) -> None:
    """Whatever the format or language, a coordinator's file names no settlement and no
    address of the organisations: the export stops at the hromada."""
    s = await seed(harness)
    async with harness.db.transaction() as conn:
        await conn.execute("UPDATE organisations SET address = 'вул. Прихована, 3'")
    for lang in ("uk", "de", "en"):
        for fmt in ("csv", "hxl", "xlsx"):
            data = (await export(harness, s.coord, fmt, lang=lang)).data
            if fmt == "xlsx":  # compressed: read back
                book = load_workbook(io.BytesIO(data))
                data = "\n".join(
                    str(c.value) for row in book.worksheets[0].iter_rows() for c in row
                ).encode()
            # ("Марганець" alone is the start of "Марганецька громада", the organisation.)
            needles = ("Марганець;", "Марганець,", "Марганець\n", "Марганець (", "UA1202001001")
            for needle in (*needles, "Прихована", "Дніпро;", "Дніпро\n", "Dnipro)"):
                assert needle.encode() not in data, (lang, fmt, needle)
        admin = (await export(harness, s.admin, "csv", lang=lang)).data
        assert b"UA1202001001" in admin and "Марганець".encode() in admin


async def test_storage_reads_contacts_only_when_asked(harness: EngineHarness) -> None:
    await seed(harness)
    async with harness.db.read() as conn:
        without = await list_export_lines(conn, Filters(), include_contacts=False)
        with_ = await list_export_lines(conn, Filters(), include_contacts=True)
    assert [(x.request_id, x.position) for x in without] == [(1001, 0), (1001, 1), (1002, 0)]
    assert all(x.creator is None and x.creator_name is None for x in without)
    assert with_[0].creator == NURSE and with_[0].creator_name == "Олена Коваль"


WORDS: dict[Language, dict[str, list[str]]] = {
    "uk": {
        "#sector": ["Охорона здоров’я", "Інше", "Енергетика"],
        "#item+unit": ["уп.", "шт.", "шт."],
        "#severity": ["Критично", "Критично", "Звичайно"],
        "#status": ["Новий", "Новий", "Є постачальник"],
    },
    "de": {
        "#sector": ["Gesundheit", "Sonstiges", "Energie"],
        "#item+unit": ["Pkg.", "Stk.", "Stk."],
        "#severity": ["Kritisch", "Kritisch", "Normal"],
        "#status": ["Neu", "Neu", "Zugesagt"],
    },
    "en": {
        "#sector": ["Health", "Other", "Energy"],
        "#item+unit": ["packs", "pcs", "pcs"],
        "#severity": ["Critical", "Critical", "Normal"],
        "#status": ["New", "New", "Pledged"],
    },
}
CODES = {
    "#sector+code": ["health", "other", "energy"],
    "#item+unit+code": ["packs", "pcs", "pcs"],
    "#severity+code": ["critical", "critical", "normal"],
    "#status+code": ["new", "new", "pledged"],
}


@pytest.mark.parametrize(("lang", "delimiter"), [("uk", ";"), ("de", ";"), ("en", ",")])
async def test_csv_in_the_readers_language(
    harness: EngineHarness, lang: Language, delimiter: str
) -> None:
    s = await seed(harness)
    rows = read_csv(await export(harness, s.coord, lang=lang), delimiter)
    assert rows[1] == HXL
    lines = by_tag(rows)
    for tag, words in WORDS[lang].items():
        assert [line[tag] for line in lines] == words, tag
    # Codes are the same whatever the language, so exports can be merged.
    for tag, codes in CODES.items():
        assert [line[tag] for line in lines] == codes, tag
    assert [line["#date+reported"] for line in lines] == ["2026-11-25"] * 3
    assert [line["#item+num+requested"] for line in lines] == ["200", "5", "2"]


async def test_german_headers(harness: EngineHarness) -> None:
    s = await seed(harness)
    rows = read_csv(await export(harness, s.coord, lang="de"), ";")
    assert rows[0][:3] == ["Anfrage", "Gemeldet am", "Benötigt bis"]
    assert rows[0][9:13] == ["Hromada (Gemeinde)", "Hromada-Code", "Ort", "Ort-Code"]
    assert rows[2][5] == "Oblast Dnipropetrowsk"
    assert rows[1] == HXL


async def test_hxl_format_is_comma_separated_without_bom(harness: EngineHarness) -> None:
    s = await seed(harness)
    doc = await export(harness, s.coord, "hxl", lang="de")
    assert doc.filename == "aidbridge-export-2026-11-24.hxl.csv"
    assert doc.mime_type == CSV_MIME
    assert not doc.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(doc.data.decode(), newline="")))
    assert rows[0][0] == "Anfrage" and rows[1] == HXL
    assert by_tag(rows)[0]["#severity"] == "Kritisch"


async def test_filters(harness: EngineHarness) -> None:
    s = await seed(harness)

    async def ids(filters: Filters, statuses: tuple[Status, ...] | None = None) -> list[str]:
        rows = read_csv(await export(harness, s.coord, filters=filters, statuses=statuses), ";")
        return [f"{line['#meta+id']}:{line['#item+name+i_en']}" for line in by_tag(rows)]

    both = ["R-1001:Bandage", f"R-1001:{HTMLISH}", "R-1002:Generator"]
    assert await ids(Filters()) == both
    assert await ids(Filters(urgency=Urgency.CRITICAL)) == both[:2]
    assert await ids(Filters(raion="Нікопольський")) == ["R-1002:Generator"]
    assert await ids(Filters(org_id=s.hospital_id)) == both[:2]
    assert await ids(Filters(item_keys=("generator", "bandages"))) == [both[0], both[2]]
    assert await ids(Filters(item_keys=())) == []
    # A category reaches storage as its item keys.
    assert await ids(Filters(category="power")) == ["R-1002:Generator"]
    assert await ids(Filters(), statuses=(Status.PLEDGED,)) == ["R-1002:Generator"]
    assert await ids(Filters(), statuses=()) == []
    assert await ids(Filters(urgency=Urgency.LOW)) == []


def test_csv_formula_guard_and_literal_text() -> None:
    risky = ["=1+1", "+380 50 123", "-5", "@SUM(A1)", "\tx", "\rx"]
    safe = ["R-1", "<b>x</b>", 'кома, "лапки"', "рядок\nдругий", "a=b"]
    heads = [ColumnHead(title=f"c{n}", hxl="#a") for n in range(len(risky + safe))]
    sheet = Sheet.from_rows("S", heads, [tuple(risky + safe)])
    rows = list(csv.reader(io.StringIO(to_csv(sheet).decode("utf-8-sig"), newline="")))
    assert rows[2] == ["'" + text for text in risky] + safe


def test_csv_cells_of_every_kind() -> None:
    heads = [
        ColumnHead(title="n", kind=ColumnKind.INT),
        ColumnHead(title="d", kind=ColumnKind.DATE, number_format="dd.mm.yyyy"),
        ColumnHead(title="t", kind=ColumnKind.DATETIME),
        ColumnHead(title="x", kind=ColumnKind.DECIMAL),
        ColumnHead(title="f", kind=ColumnKind.FLOAT),
    ]
    row = (7, date(2026, 12, 1), datetime(2026, 11, 25, 9, 30, tzinfo=UTC), Decimal("1.5"), 0.25)
    sheet = Sheet.from_rows("S", heads, [row, (None,) * 5])
    english = to_csv(sheet).decode("utf-8-sig").splitlines()
    # No HXL row when no column has a tag; dates ISO whatever the number format says.
    assert english == ["n,d,t,x,f", "7,2026-12-01,2026-11-25 09:30,1.5,0.25", ",,,,"]
    german = to_csv(sheet, delimiter=";").decode("utf-8-sig").splitlines()
    assert german[1] == "7;2026-12-01;2026-11-25 09:30;1,5;0,25"


def test_table_rows_must_match_the_header() -> None:
    with pytest.raises(ValueError, match="same width"):
        ExportTable(header=("a", "b"), hxl=("#a", "#b"), rows=(("x",),))


def test_sector_per_category() -> None:
    catalog = Catalog.default()
    expected = {
        "medical_supplies": "health",
        "medicines": "health",
        "power": "energy",
        "water_sanitation": "wash",
        "shelter": "shelter",
        "food": "food_security",
        "vehicles": "logistics",
        "other": "other",
    }
    assert {c.key for c in catalog.categories()} == set(expected)
    for category, cluster in expected.items():
        for item in catalog.items_in(category):
            assert sector(catalog, item.key) == cluster
    assert sector(catalog, None) == "other"
    assert sector(catalog, "retired_item") == "other"
    t = Translator()
    for lang in ("uk", "de", "en"):
        names = {t(lang, f"export.sector.{code}") for code in expected.values()}
        assert len(names) == len(set(expected.values())), lang


def test_build_workbook_shape() -> None:
    book = build_workbook(
        [],
        lang="en",
        t=Translator(),
        catalog=Catalog.default(),
        include_contacts=False,
        place_detail=Detail.AREA,
    )
    needs, about = book.sheets
    assert needs.hxl_row() == tuple(c.hxl for c in COLUMNS) == tuple(HXL)
    assert needs.height == 0
    assert about.height == len(COLUMNS)
    assert [c.kind for c in needs.columns if c.kind is not ColumnKind.TEXT] == [
        ColumnKind.DATE,
        ColumnKind.DATE,
        ColumnKind.INT,
        ColumnKind.INT,
        ColumnKind.INT,
    ]


# --- weekly chart data ------------------------------------------------------------------


async def history(h: EngineHarness) -> tuple[datetime, list[datetime]]:
    """A hand-built history over 8 weeks ending at the harness clock.

    A: generator x4, critical, before week 1, delivered during week 5.
    B: bandages 200 (50 pledged), high, created in week 3, open.
    C: free text x10, normal, created in week 2, acknowledged in week 3 (still open).
    D: generator x1, low, withdrawn before week 1: never counted.
    E: water x3, low, fully pledged: nothing outstanding, never counted.
    """
    end = h.clock()
    ends = week_ends(end, 8)
    async with h.db.transaction() as conn:
        org = await organisations.add_organisation(
            conn,
            kind=OrgKind.HOSPITAL,
            name="Лікарня",
            raion="Дніпровський",
            settlement="Дніпро",
            code=None,
            address=None,
            now=ends[0] - timedelta(days=30),
        )

        async def add(
            urgency: Urgency, draft: NeedItemDraft, at: datetime, pledged: int = 0
        ) -> int:
            req = await requests.add_request(
                conn,
                org_id=org.id,
                created_by=None,
                urgency=urgency,
                needed_by=None,
                delivery_place=None,
                note=None,
                items=[draft],
                now=at,
            )
            await conn.execute(
                "UPDATE request_items SET pledged = ? WHERE request_id = ?", (pledged, req.id)
            )
            return req.id

        gen = NeedItemDraft(item_key="generator", quantity=4, unit="pcs")
        a = await add(Urgency.CRITICAL, gen, ends[0] - timedelta(days=1))
        await requests.set_status(
            conn, a, Status.DELIVERED, actor_id=None, note=None, now=ends[4] - timedelta(days=2)
        )
        bandages = NeedItemDraft(item_key="bandages", quantity=200, unit="packs")
        await add(Urgency.HIGH, bandages, ends[2] - timedelta(days=2), pledged=50)
        free = NeedItemDraft(free_text="Щось особливе", quantity=10, unit="pcs")
        c = await add(Urgency.NORMAL, free, ends[1] - timedelta(days=3))
        await requests.set_status(
            conn, c, Status.ACKNOWLEDGED, actor_id=None, note=None, now=ends[2] - timedelta(days=1)
        )
        one = NeedItemDraft(item_key="generator", quantity=1, unit="pcs")
        d = await add(Urgency.LOW, one, ends[0] - timedelta(days=20))
        await requests.set_status(
            conn, d, Status.WITHDRAWN, actor_id=None, note=None, now=ends[0] - timedelta(days=10)
        )
        water = NeedItemDraft(item_key="drinking_water", quantity=3, unit="l")
        assert Catalog.default().get("drinking_water") is not None
        await add(Urgency.LOW, water, ends[0] - timedelta(days=1), pledged=3)
    return end, ends


def sums(data: ChartData) -> list[dict[tuple[str | None, str], int]]:
    return [{(c.key, c.urgency.value): c.outstanding for c in w.cells} for w in data.weeks]


async def test_outstanding_by_week(harness: EngineHarness) -> None:
    end, ends = await history(harness)
    async with harness.db.read() as conn:
        data = await outstanding_by_week(conn, weeks=8, end=end, filters=Filters())
    assert [w.end for w in data.weeks] == ends
    a = {("generator", "critical"): 4}
    b = {("bandages", "high"): 150}
    c = {(None, "normal"): 10}
    assert sums(data) == [
        a,  # week 1
        a | c,
        a | b | c,
        a | b | c,  # week 4
        b | c,  # A was delivered during week 5: gone from week 5 on
        b | c,
        b | c,
        b | c,
    ]
    # Free text is ordered last within a week.
    assert [cell.key for cell in data.weeks[3].cells] == ["bandages", "generator", None]

    async with harness.db.read() as conn:
        critical = await outstanding_by_week(
            conn, weeks=8, end=end, filters=Filters(urgency=Urgency.CRITICAL)
        )
        power = await outstanding_by_week(
            conn, weeks=3, end=end, filters=Filters(item_keys=("generator",))
        )
    assert sums(critical) == [a, a, a, a, {}, {}, {}, {}]
    assert sums(power) == [{}, {}, {}]


async def test_chart_by_category(harness: EngineHarness) -> None:
    end, _ = await history(harness)
    catalog = Catalog.default()
    async with harness.db.read() as conn:
        data = await outstanding_by_week(conn, weeks=8, end=end, filters=Filters())
    folded = chart_by_category(data, catalog, tz=harness.engine.ctx.policy.timezone)
    assert sums(folded)[3] == {
        ("medical_supplies", "high"): 150,
        ("power", "critical"): 4,
        ("other", "normal"): 10,
    }
    # Catalog order: medical supplies before power before other.
    assert [c.key for c in folded.weeks[3].cells] == ["medical_supplies", "power", "other"]
    assert folded.weeks[-1].end.utcoffset() == timedelta(hours=1)  # Berlin in November
    labels = chart_labels(Translator(), catalog, "de")
    assert labels["category.power"] == "Energieversorgung"
    assert labels["urgency.critical"] == "Kritisch"
    assert labels["x_axis"] == "Woche bis"


def test_week_ends() -> None:
    end = datetime(2026, 11, 24, tzinfo=UTC)
    assert week_ends(end, 2) == [end - timedelta(weeks=1), end]
    with pytest.raises(ValueError):
        week_ends(end, 0)
