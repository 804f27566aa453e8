"""Catalogue files: XLSX and CSV layout, round trips, forgiving reading, unreadable files, and
problems named by sheet, row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import factory
import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from factory.django import DjangoModelFactory

from okno.catalog.exchange import Problem, export_catalog, import_catalog
from okno.catalog.models import (
    CalendarException,
    LifeSituation,
    LifeSituationStep,
    Office,
    OpeningHours,
    RequiredDocument,
    Service,
    ServiceGroup,
    ServicePoint,
)
from okno.catalog.tables import (
    TABLES,
    UnreadableFile,
    locate,
    read_document,
    sheet_location,
    write_document,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]  # settings.LANGUAGES, in order
SHEETS = [
    "offices",
    "opening_hours",
    "exceptions",
    "service_points",
    "groups",
    "services",
    "documents",
    "life_situations",
    "steps",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- a sample catalogue ------------------------------------------------------------------------


class OfficeFactory(DjangoModelFactory):
    class Meta:
        model = Office

    slug = factory.Sequence(lambda n: f"office-{n}")
    name = factory.LazyAttribute(lambda office: {"en": f"Office {office.slug}"})
    country = "PL"
    time_zone = "Europe/Warsaw"
    default_language = "pl"


class ServiceGroupFactory(DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    prefix = factory.Sequence(lambda n: "ABCDEFGHIJ"[n % 10])
    name = factory.LazyAttribute(lambda group: {"en": f"Group {group.prefix}"})


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"S{n:02d}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    group = factory.SubFactory(ServiceGroupFactory)
    name = factory.LazyAttribute(lambda service: {"en": f"Service {service.code}"})
    term_value = 10
    term_unit = Service.TermUnit.WORKING_DAYS


def sample_catalogue() -> None:
    """Offices, groups, services and life situations using every column in its awkward forms:
    several languages, line breaks, commas and quotes, codes that look like numbers, text that
    looks like a formula, empty optional values."""
    rynek = OfficeFactory(
        slug="przemysl-rynek",
        name={
            "pl": "Biuro Obsługi Mieszkańców — Rynek",
            "uk": "Центр «Ринок»",
            "en": "Residents' Office, Market Square",
        },
        address={"pl": "Rynek 1, 37-700 Przemyśl", "uk": "Ринок, 1"},
        accessibility={"uk": "Пандус біля входу;\nліфт на 1 поверх", "en": "Ramp, lift"},
        phone="+48 16 675 20 00",
        email="bom@example.org",
        website="https://example.org/bom",
        latitude=Decimal("49.783800"),
        longitude=Decimal("22.767800"),
    )
    mobile = OfficeFactory(
        slug="mobile-unit",
        name={"uk": "Мобільний офіс"},
        kind=Office.Kind.MOBILE,
        country="UA",
        subdivision="46",
        time_zone="Europe/Kyiv",
        default_language="uk",
        is_active=False,
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            office=rynek, weekday=weekday, opens=dt.time(8), closes=dt.time(12)
        )
        OpeningHours.objects.create(
            office=rynek, weekday=weekday, opens=dt.time(12, 30), closes=dt.time(16)
        )
    CalendarException.objects.create(
        office=rynek,
        date=dt.date(2026, 12, 24),
        kind=CalendarException.Kind.SHORTENED,
        opens=dt.time(8),
        closes=dt.time(12),
        note={"en": "Christmas Eve", "pl": "Wigilia"},
    )
    CalendarException.objects.create(
        office=rynek, date=dt.date(2026, 12, 25), kind=CalendarException.Kind.CLOSED
    )
    ServicePoint.objects.create(office=rynek, number=1, label="1", floor="0")
    ServicePoint.objects.create(office=rynek, number=2, label="2A", floor="1", is_active=False)

    passports = ServiceGroupFactory(prefix="A", name={"uk": "Паспорти", "en": "Passports"}, order=1)
    residence = ServiceGroupFactory(prefix="B", name={"en": "Residence"}, order=2)
    card = ServiceFactory(
        code="A01",
        slug="identity-card",
        group=passports,
        name={"uk": "Паспорт громадянина у формі ID-картки", "en": "Identity card"},
        summary={"en": 'Apply for an "ID card", collect it in person.\nSecond line.'},
        keywords={"uk": "паспорт, ID-картка, айді"},
        term_value=0,
        term_unit=Service.TermUnit.ON_THE_SPOT,
        responsible_official="Anna Nowak, head of the Civil Affairs Department",
        handling_minutes=20,
        max_wait_minutes=30,
        last_reviewed=dt.date(2026, 10, 1),
    )
    card.offices.set([rynek, mobile])
    RequiredDocument.objects.create(service=card, order=1, name={"en": "Birth certificate"})
    RequiredDocument.objects.create(
        service=card,
        order=2,
        name={"en": "Photo, 35×45 mm", "uk": "Фото"},
        form=RequiredDocument.Form.COPY,
        mandatory=False,
        obtained_by=RequiredDocument.ObtainedBy.CENTRE,
        note={"en": 'Colour; "biometric", please'},
    )
    registration = ServiceFactory(
        code="0101",
        slug="residence-registration",
        group=residence,
        name={"pl": "Zameldowanie na pobyt stały", "en": "Registering residence"},
        is_free=False,
        fee_amount=Decimal("30.50"),
        fee_currency="PLN",
        fee_legal_basis={"pl": "Ustawa o opłacie skarbowej, art. 1"},
        term_value=30,
        term_unit=Service.TermUnit.CALENDAR_DAYS,
        version=3,
    )
    registration.offices.set([rynek])
    online = ServiceFactory(
        code="B02",
        slug="online-certificate",
        group=residence,
        name={"en": '=HYPERLINK("https://example.org") is text, not a formula'},
        in_person=False,
        bookable=False,
        online=True,
        online_url="https://example.org/apply",
        by_post=True,
        term_value=5,
        is_active=False,
    )
    birth = LifeSituation.objects.create(
        slug="birth-of-a-child",
        name={"uk": "Народження дитини", "en": "Birth of a child"},
        description={"en": "What to do, step by step."},
        order=1,
    )
    LifeSituationStep.objects.create(situation=birth, service=card, order=1, note={"en": "First"})
    LifeSituationStep.objects.create(situation=birth, service=online, order=2)
    LifeSituation.objects.create(slug="moving-house", name={"en": "Moving house"}, is_active=False)


def empty_the_catalogue() -> None:
    LifeSituation.objects.all().delete()
    Service.objects.all().delete()
    ServiceGroup.objects.all().delete()
    Office.objects.all().delete()


def workbook(sheets: dict[str, list[list[Any]]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def archive(files: dict[str, str | bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, content in files.items():
            zipped.writestr(name, content if isinstance(content, bytes) else content.encode())
    buffer.seek(0)
    return buffer


GROUPS = [["prefix", "name_en"], ["A", "Passports"]]
SERVICE_HEADER = ["code", "slug", "group", "name_en", "term_value", "term_unit"]


def services_sheet(*rows: list[Any], extra: list[str] = ()) -> list[list[Any]]:
    return [[*SERVICE_HEADER, *extra], *rows]


# --- layout ----------------------------------------------------------------------------------


def test_a_workbook_has_one_sheet_per_table_and_one_column_per_language():
    sample_catalogue()
    book = openpyxl.load_workbook(io.BytesIO(write_document(export_catalog(), "xlsx")))

    assert book.sheetnames == SHEETS
    header = [cell.value for cell in book["services"][1]]
    assert header[:3] == ["code", "slug", "group"]
    assert header[3:8] == [f"name_{code}" for code in LANGUAGES]
    for column in [
        "fee_free",
        "fee_amount",
        "fee_currency",
        *[f"fee_legal_basis_{code}" for code in LANGUAGES],
        "term_value",
        "term_unit",
        "channels_in_person",
        "channels_online",
        "channels_online_url",
        "channels_by_post",
        "channels_bookable",
        "offices",
        "last_reviewed",
    ]:
        assert column in header
    row = dict(zip(header, [cell.value for cell in book["services"][2]], strict=True))
    assert row["code"] == "A01"
    assert row["offices"] == "mobile-unit, przemysl-rynek"
    assert row["name_uk"] == "Паспорт громадянина у формі ID-картки"
    assert row["fee_free"] is True
    assert row["term_value"] == 0


def test_child_rows_name_their_parent_and_keep_their_order():
    sample_catalogue()
    book = openpyxl.load_workbook(io.BytesIO(write_document(export_catalog(), "xlsx")))

    hours = [[cell.value for cell in row] for row in book["opening_hours"].iter_rows()]
    assert hours[0] == ["office", "weekday", "opens", "closes"]
    assert hours[1] == ["przemysl-rynek", 0, dt.time(8), dt.time(12)]
    assert hours[2] == ["przemysl-rynek", 0, dt.time(12, 30), dt.time(16)]
    documents = [[cell.value for cell in row][:2] for row in book["documents"].iter_rows()]
    assert documents == [["service", "name_uk"], ["A01", None], ["A01", "Фото"]]
    steps = [[cell.value for cell in row][:2] for row in book["steps"].iter_rows()]
    assert steps == [
        ["situation", "service"],
        ["birth-of-a-child", "A01"],
        ["birth-of-a-child", "B02"],
    ]


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook():
    sample_catalogue()
    book = openpyxl.load_workbook(io.BytesIO(write_document(export_catalog(), "xlsx")))

    cell = next(c for c in book["services"]["H"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    # Excel's own leading quote: the cell stays text even when someone edits it.
    assert cell.quotePrefix
    assert not book["services"]["A2"].quotePrefix


# Text a spreadsheet would run as a formula (OWASP, "CSV injection"): = + - @, tab, return.
FORMULA_LIKE = ["=1+1", '=HYPERLINK("https://evil.example")', "+48 16 675 20 00", "-1", "@SUM(A1)"]
# Text that starts with the quote the escape uses, which must come back with its own quote.
QUOTED = ["'=not escaped by okno", "''two quotes", "'s-Hertogenbosch", "it's"]


def csv_rows(data: bytes, table: str) -> list[list[str]]:
    text = zipfile.ZipFile(io.BytesIO(data)).read(f"{table}.csv").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def services_named(*names: str) -> None:
    group = ServiceGroupFactory(prefix="A", name={"en": "Group"})
    for number, name in enumerate(names):
        ServiceFactory(code=f"X{number:02d}", group=group, name={"en": name}, summary={"en": name})


def test_text_that_a_spreadsheet_would_run_as_a_formula_goes_behind_a_quote_in_csv():
    services_named(*FORMULA_LIKE, "\t=1+1", "\r=1+1", "plain text", "a=b")
    OfficeFactory(slug="west", latitude=Decimal("-33.5"), longitude=Decimal("-70.25"))

    data = write_document(export_catalog(), "csv")

    header, *rows = csv_rows(data, "services")
    names = [dict(zip(header, row, strict=True))["name_en"] for row in rows]
    assert names == [
        *(f"'{text}" for text in FORMULA_LIKE),
        "'\t=1+1",
        "'\r=1+1",
        "plain text",
        "a=b",
    ]
    header, office = csv_rows(data, "offices")
    coordinates = dict(zip(header, office, strict=True))
    assert (coordinates["latitude"], coordinates["longitude"]) == ("-33.500000", "-70.250000")


@pytest.mark.parametrize(("file_format", "filename"), [("xlsx", "c.xlsx"), ("csv", "c.zip")])
def test_escaped_text_comes_back_exactly_as_it_was(file_format, filename):
    services_named(*FORMULA_LIKE, *QUOTED)
    before = export_catalog()
    data = write_document(before, file_format)
    empty_the_catalogue()

    report = import_catalog(read_document(io.BytesIO(data), filename))

    assert report.ok, report.problems
    assert export_catalog() == before
    assert sorted(tr["en"] for tr in Service.objects.values_list("name", flat=True)) == sorted(
        [*FORMULA_LIKE, *QUOTED]
    )


def test_a_quote_typed_before_a_formula_in_a_csv_file_is_taken_off():
    document = read_document(
        archive(
            {
                "groups.csv": "prefix,name_en\nA,Passports\n",
                "services.csv": "code,slug,group,name_en,term_value,term_unit\n"
                "'=A1,eq,A,'=1+1,0,on_the_spot\n"
                "B1,apostrophe,A,'s-Hertogenbosch,0,on_the_spot\n",
            }
        ),
        "c.zip",
    )
    assert [(s["code"], s["name"]["en"]) for s in document["services"]] == [
        ("=A1", "=1+1"),
        ("B1", "'s-Hertogenbosch"),
    ]


def test_a_csv_archive_holds_one_utf8_file_per_table_with_a_byte_order_mark():
    sample_catalogue()
    zipped = zipfile.ZipFile(io.BytesIO(write_document(export_catalog(), "csv")))

    assert sorted(zipped.namelist()) == sorted(f"{name}.csv" for name in SHEETS)
    for name in zipped.namelist():
        assert zipped.read(name).startswith(b"\xef\xbb\xbf")
    groups = zipped.read("groups.csv").decode("utf-8-sig").splitlines()
    assert groups[0] == "prefix,name_uk,name_ru,name_pl,name_kk,name_en,order"
    assert groups[1] == "A,Паспорти,,,,Passports,1"


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_format", "filename"),
    [("xlsx", "catalogue.xlsx"), ("csv", "catalogue.zip"), ("json", "catalogue.json")],
)
def test_an_exported_file_imported_into_an_empty_database_gives_the_same_catalogue(
    file_format, filename
):
    sample_catalogue()
    before = export_catalog()
    data = write_document(before, file_format)
    empty_the_catalogue()

    report = import_catalog(read_document(io.BytesIO(data), filename))

    assert report.ok, report.problems
    assert export_catalog() == before


@pytest.mark.parametrize(("file_format", "filename"), [("xlsx", "c.xlsx"), ("csv", "c.zip")])
def test_importing_the_catalogues_own_file_again_changes_nothing(file_format, filename):
    sample_catalogue()
    data = write_document(export_catalog(), file_format)

    report = import_catalog(read_document(io.BytesIO(data), filename))

    assert report.ok, report.problems
    assert not report.changed
    assert report.unchanged == {
        "offices": 2,
        "service_points": 2,
        "groups": 2,
        "services": 3,
        "life_situations": 2,
    }


# --- forgiving reading -------------------------------------------------------------------------


def test_numbers_that_come_back_as_floats_are_whole_numbers_and_codes_are_text():
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(
            [101.0, "card", "A", "Card", 30.0, "calendar_days", "15"],
            extra=["handling_minutes"],
        ),
    }

    document = read_document(workbook(sheets), "c.xlsx")
    service = document["services"][0]

    assert service["code"] == "101"
    assert service["term"] == {"value": 30, "unit": "calendar_days"}
    assert service["handling_minutes"] == 15
    assert import_catalog(document).ok
    assert Service.objects.get(code="101").term_value == 30


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (True, True),
        (False, False),
        ("TRUE", True),
        ("false", False),
        (1, True),
        (0, False),
        (1.0, True),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("No", False),
        ("tak", True),
        ("nie", False),
        ("так", True),
        ("ні", False),
        ("да", True),
        ("нет", False),
        ("ИСТИНА", True),
        ("FAŁSZ", False),
    ],
)
def test_booleans_are_read_from_the_words_spreadsheets_use(cell, expected):
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(
            ["A01", "card", "A", "Card", 1, "working_days", cell], extra=["channels_by_post"]
        ),
    }

    document = read_document(workbook(sheets), "c.xlsx")

    assert document["services"][0]["channels"] == {"by_post": expected}


def test_empty_cells_mean_not_given_so_the_defaults_apply():
    header = [*SERVICE_HEADER, "summary_en", "fee_free", "fee_amount", "last_reviewed", "version"]
    sheets = {
        "groups": GROUPS,
        "services": [header, ["A01", "card", "A", "Card", 1, "working_days", "", None, " ", None]],
    }

    document = read_document(workbook(sheets), "c.xlsx")
    assert import_catalog(document).ok

    assert document["services"][0] == {
        "code": "A01",
        "slug": "card",
        "group": "A",
        "name": {"en": "Card"},
        "term": {"value": 1, "unit": "working_days"},
    }
    service = Service.objects.get(code="A01")
    assert (service.summary, service.is_free, service.fee_amount) == ({}, True, None)
    assert (service.last_reviewed, service.version) == (None, 1)


def test_dates_and_times_are_read_from_cells_and_from_text():
    offices = [["slug", "name_en", "country"], ["rynek", "Rynek", "PL"]]
    exceptions = [
        ["office", "date", "kind", "opens", "closes"],
        ["rynek", dt.date(2026, 12, 24), "shortened", dt.time(8), "12:00"],
        ["rynek", "31.12.2026", "shortened", "8:00", 0.5],
        ["rynek", "2027-01-02", "working", "9.30", "13:00:00"],
        ["rynek", dt.datetime(2027, 1, 6), "closed", None, ""],
        ["rynek", 46394, "closed"],  # an Excel serial number: 2027-01-07
    ]

    document = read_document(workbook({"offices": offices, "exceptions": exceptions}), "c.xlsx")
    assert import_catalog(document).ok

    stored = [
        (e.date, e.kind, e.opens, e.closes) for e in CalendarException.objects.order_by("date")
    ]
    assert stored == [
        (dt.date(2026, 12, 24), "shortened", dt.time(8), dt.time(12)),
        (dt.date(2026, 12, 31), "shortened", dt.time(8), dt.time(12)),
        (dt.date(2027, 1, 2), "working", dt.time(9, 30), dt.time(13)),
        (dt.date(2027, 1, 6), "closed", None, None),
        (dt.date(2027, 1, 7), "closed", None, None),
    ]


def test_a_decimal_comma_is_read_as_a_decimal_point():
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(
            ["A01", "card", "A", "Card", 1, "working_days", "FALSE", "30,50", "PLN"],
            extra=["fee_free", "fee_amount", "fee_currency"],
        ),
    }

    assert import_catalog(read_document(workbook(sheets), "c.xlsx")).ok

    assert Service.objects.get(code="A01").fee_amount == Decimal("30.50")


def test_a_list_of_keys_is_split_at_commas_and_an_empty_cell_is_an_empty_list():
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(
            ["A01", "a", "A", "A", 1, "working_days", " rynek ,  mobile "],
            ["A02", "b", "A", "B", 1, "working_days", "rynek;mobile\nkiosk,"],
            ["A03", "c", "A", "C", 1, "working_days", None],
            extra=["offices"],
        ),
    }

    document = read_document(workbook(sheets), "c.xlsx")

    assert [service["offices"] for service in document["services"]] == [
        ["rynek", "mobile"],
        ["rynek", "mobile", "kiosk"],
        [],
    ]


def test_csv_saved_by_a_localised_excel_with_semicolons_in_a_folder_is_read():
    files = {
        "catalogue/groups.csv": "\ufeffprefix;name_uk\r\nA;Паспорти\r\n".encode(),
        "catalogue/services.csv": (
            "\ufeffcode;slug;group;name_pl;term_value;term_unit;fee_free;fee_amount;fee_currency\r\n"
            "A01;karta;A;Dowód osobisty;30;calendar_days;FAŁSZ;30,50;PLN\r\n"
        ).encode(),
        "__MACOSX/catalogue/._services.csv": b"\x00\x05\x16\x07",
        "catalogue/readme.txt": b"not a table",
    }

    assert import_catalog(read_document(archive(files), "catalogue.zip")).ok

    service = Service.objects.get(code="A01")
    assert service.name == {"pl": "Dowód osobisty"}
    assert (service.is_free, service.fee_amount) == (False, Decimal("30.50"))
    assert ServiceGroup.objects.get(prefix="A").name == {"uk": "Паспорти"}


def test_sheet_and_column_names_are_read_whatever_their_case_and_other_sheets_are_ignored():
    sheets = {
        "Notes": [["anything", "goes"], ["here", 1]],
        " Groups ": [["Prefix", " NAME_EN "], ["A", "Passports"]],
    }

    document = read_document(workbook(sheets), "c.xlsx")

    assert document["groups"] == [{"prefix": "A", "name": {"en": "Passports"}}]
    assert "services" not in document


def test_empty_rows_are_skipped_and_the_rows_keep_their_sheet_numbers():
    groups = [["prefix", "name_en"], ["A", "Passports"], [None, None], ["B", ""], [], [None]]

    document = read_document(workbook({"groups": groups}), "c.xlsx")

    assert [g["prefix"] for g in document["groups"]] == ["A", "B"]
    assert sheet_location("groups[1].name", document) == "groups, row 4, name_uk … name_en"


def test_a_child_sheet_left_out_leaves_those_children_as_they_are():
    sample_catalogue()
    sheets = {
        "offices": [["slug", "name_en", "country"], ["przemysl-rynek", "Rynek", "PL"]],
        "service_points": [["office", "number", "label"], ["przemysl-rynek", 3, "3"]],
    }

    document = read_document(workbook(sheets), "c.xlsx")
    assert import_catalog(document).ok

    assert "opening_hours" not in document["offices"][0]
    assert OpeningHours.objects.filter(office__slug="przemysl-rynek").count() == 10
    assert ServicePoint.objects.filter(office__slug="przemysl-rynek").count() == 3


# --- unreadable files -------------------------------------------------------------------------


def unreadable(handle: io.BytesIO, filename: str) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read_document(handle, filename)
    return str(caught.value)


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n random bytes", "c.xlsx", "not an Excel workbook"),
        (b"", "c.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04 broken", "c.xlsx", "not an Excel workbook"),
        (b"random bytes", "c.zip", "not a ZIP archive"),
        (b"{not json", "c.json", "not valid JSON"),
        (b"", "c.json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "c.json", "not valid JSON"),
        (b"[1, 2, 3]", "c.json", "is JSON but not a catalogue"),
        (b"offices", "c.xls", "okno reads .json, .xlsx and .zip"),
        (b"offices", "c.txt", "okno reads .json, .xlsx and .zip"),
    ],
)
def test_files_that_are_not_catalogues_are_refused_with_what_to_do(content, filename, expected):
    assert expected in unreadable(io.BytesIO(content), filename)


def test_a_zip_that_is_an_archive_but_not_a_workbook_is_not_an_excel_workbook():
    assert "not an Excel workbook" in unreadable(archive({"a.txt": "x"}), "c.xlsx")


def test_a_workbook_without_any_catalogue_sheet_is_refused():
    message = unreadable(workbook({"Sheet1": [["a", "b"]]}), "registry.xlsx")

    assert "registry.xlsx has none of the catalogue tables" in message
    assert "offices, opening_hours" in message


def test_an_archive_without_any_catalogue_csv_is_refused():
    assert "none of the catalogue tables" in unreadable(archive({"x.txt": "x"}), "c.zip")


def test_a_child_sheet_without_its_parent_sheet_is_refused():
    sheets = {"documents": [["service", "name_en"], ["A01", "Passport"]]}

    message = unreadable(workbook(sheets), "c.xlsx")

    assert "There is a documents sheet but no services sheet" in message
    assert "Add the services sheet" in message


def test_a_missing_required_column_is_named():
    sheets = {"groups": GROUPS, "services": [SERVICE_HEADER[:-1], ["A01", "a", "A", "A", 1]]}

    assert unreadable(workbook(sheets), "c.xlsx") == (
        "Sheet services has no term_unit column. "
        "Add it to the first row (export a file to see the columns)."
    )


def test_a_missing_name_in_every_language_is_named():
    message = unreadable(workbook({"groups": [["prefix", "order"], ["A", 1]]}), "c.xlsx")

    assert message.startswith("Sheet groups has no name column for any language")
    assert "name_uk, name_ru, name_pl, name_kk, name_en" in message


def test_an_unknown_column_is_named_with_its_letter():
    sheets = {"groups": GROUPS, "services": services_sheet(["A01"], extra=["fee_ammount"])}

    message = unreadable(workbook(sheets), "c.xlsx")

    assert message.startswith("Sheet services, column G: okno does not know the column")
    assert "fee_ammount" in message


def test_a_column_given_twice_is_refused():
    sheets = {"groups": [["prefix", "name_en", "name_en"], ["A", "x", "y"]]}

    message = unreadable(workbook(sheets), "c.xlsx")

    assert message == "Sheet groups has two columns named name_en (B and C). Keep one."


def test_a_child_row_naming_an_unknown_parent_is_refused_with_its_row():
    sheets = {
        "offices": [["slug", "name_en", "country"], ["rynek", "Rynek", "PL"]],
        "opening_hours": [
            ["office", "weekday", "opens", "closes"],
            ["rynek", 0, "08:00", "16:00"],
            ["nowhere", 1, "08:00", "16:00"],
        ],
    }

    message = unreadable(workbook(sheets), "c.xlsx")

    assert message.startswith("Sheet opening_hours, row 3, column office:")
    assert "no row with slug “nowhere” in the offices sheet" in message


def test_a_child_row_without_its_parent_is_refused_with_its_row():
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(["A01", "card", "A", "Card", 1, "working_days"]),
        "documents": [["service", "name_en"], ["A01", "Photo"], [None, "Passport"]],
    }

    message = unreadable(workbook(sheets), "c.xlsx")

    assert message.startswith("Sheet documents, row 3, column service: the cell is empty.")


def test_an_unreadable_boolean_is_named_with_its_sheet_row_and_column():
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(
            ["A01", "card", "A", "Card", 1, "working_days", "TRUE"],
            ["A02", "card-2", "A", "Card", 1, "working_days", "maybe"],
            extra=["channels_online"],
        ),
    }

    message = unreadable(workbook(sheets), "c.xlsx")

    assert message == (
        "Sheet services, row 3, column channels_online: “maybe” is not yes or no. "
        "Write TRUE or FALSE, or leave the cell empty for the default."
    )


def test_two_rows_with_the_same_key_are_refused():
    groups = [["prefix", "name_en"], ["A", "Passports"], ["B", "x"], ["A", "Again"]]

    message = unreadable(workbook({"groups": groups}), "c.xlsx")

    assert message.startswith("Sheet groups, rows 2 and 4: both have prefix “A”.")


def test_a_csv_file_that_is_not_utf8_is_refused_with_how_to_save_it():
    files = {"groups.csv": "prefix,name_uk\r\nA,Паспорти\r\n".encode("cp1251")}

    message = unreadable(archive(files), "c.zip")

    assert message == (
        "groups.csv is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” and try again."
    )


# --- problems named by sheet, row and column -----------------------------------------------


def located_document() -> dict[str, Any]:
    sheets = {
        "offices": [
            ["slug", "name_en", "country"],
            ["a", "A", "PL"],
            ["b", "B", "PL"],
        ],
        "opening_hours": [
            ["office", "weekday", "opens", "closes"],
            ["b", 0, "08:00", "16:00"],
            ["a", 0, "08:00", "16:00"],
            [None, None, None, None],
            ["b", 1, "16:00", "08:00"],
        ],
        "groups": GROUPS,
        "services": services_sheet(
            ["A01", "card", "A", "Card", 1, "working_days", "a, b"],
            ["A02", "paid", "A", "Paid", 1, "working_days", "a, nowhere"],
            extra=["offices"],
        ),
    }
    return read_document(workbook(sheets), "c.xlsx")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("services[0]", "services, row 2"),
        ("services[1].fee.amount", "services, row 3, fee_amount"),
        ("services[1].channels.in_person", "services, row 3, channels_in_person"),
        ("services[0].name", "services, row 2, name_uk … name_en"),
        ("services[0].name.uk", "services, row 2, name_uk"),
        ("services[0].term", "services, row 2, term_value, term_unit"),
        ("services[1].offices[1]", "services, row 3, offices"),
        ("offices[1].country", "offices, row 3, country"),
        ("offices[1].opening_hours[0]", "opening_hours, row 2"),
        ("offices[0].opening_hours[0].opens", "opening_hours, row 3, opens"),
        ("offices[1].opening_hours[1].closes", "opening_hours, row 5, closes"),
        ("", ""),
        ("format", "format"),
        ("life_situations[0].slug", "life_situations[0].slug"),
    ],
)
def test_a_document_location_maps_to_its_sheet_row_and_column(location, expected):
    assert sheet_location(location, located_document()) == expected


def test_locations_in_a_json_document_stay_as_they_are():
    document = json.loads(write_document({"format": "okno-catalog", "version": 1}, "json"))

    assert sheet_location("services[12].fee.amount", document) == "services[12].fee.amount"


def test_the_importers_problems_are_reported_by_sheet_row_and_column():
    document = located_document()

    problems = locate(import_catalog(document).problems, document)

    assert [problem.location for problem in problems] == [
        "opening_hours, row 5, closes",  # opens after it closes
        "services, row 3, offices",
    ]
    assert problems[1].message == "no office with slug 'nowhere'"
    assert not Office.objects.exists()


def test_a_bad_value_in_a_child_row_is_reported_on_that_row():
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(["A01", "card", "A", "Card", 1, "working_days"]),
        "documents": [
            ["service", "name_en", "form"],
            ["A01", "Passport", "original"],
            ["A01", "Photo", "scan"],
        ],
    }
    document = read_document(workbook(sheets), "c.xlsx")

    problems = locate(import_catalog(document).problems, document)

    assert [p.location for p in problems] == ["documents, row 3, form"]
    assert not Service.objects.exists()


def test_locate_keeps_the_message():
    problems = [Problem("services[1].fee.amount", "Give the fee amount.")]

    assert locate(problems, located_document()) == [
        Problem("services, row 3, fee_amount", "Give the fee amount.")
    ]


# --- the management commands -------------------------------------------------------------------


@pytest.mark.parametrize(("file_format", "suffix"), [("xlsx", "xlsx"), ("csv", "zip")])
def test_the_commands_export_and_import_spreadsheets(tmp_path, file_format, suffix):
    sample_catalogue()
    before = export_catalog()
    path = tmp_path / f"catalogue.{suffix}"
    call_command("export_catalog", "--format", file_format, "-o", str(path), stderr=io.StringIO())
    empty_the_catalogue()

    out = io.StringIO()
    call_command("import_catalog", str(path), stdout=out)

    assert "Import finished." in out.getvalue()
    assert export_catalog() == before


def test_the_import_command_on_a_dry_run_changes_nothing(tmp_path):
    sample_catalogue()
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(write_document(export_catalog(), "xlsx"))
    empty_the_catalogue()

    out = io.StringIO()
    call_command("import_catalog", str(path), "--dry-run", stdout=out)

    assert "Dry run: the file is valid; nothing was changed." in out.getvalue()
    assert not Office.objects.exists()
    assert not Service.objects.exists()


def test_the_import_command_names_the_sheet_rows_of_problems(tmp_path):
    sheets = {
        "groups": GROUPS,
        "services": services_sheet(
            ["A01", "card", "A", "Card", 1, "working_days", "TRUE", None],
            ["A02", "paid", "A", "Paid", 1, "working_days", "FALSE", None],
            extra=["fee_free", "fee_amount"],
        ),
    }
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(workbook(sheets).getvalue())
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_catalog", str(path), stdout=io.StringIO(), stderr=err)

    assert "services, row 3, fee_amount: Give the fee amount." in err.getvalue()
    assert not ServiceGroup.objects.exists()


def test_the_import_command_explains_an_unreadable_file(tmp_path):
    path = tmp_path / "catalogue.xlsx"
    path.write_bytes(b"not a workbook")

    with pytest.raises(CommandError, match="not an Excel workbook"):
        call_command("import_catalog", str(path))


def test_every_table_is_described():
    assert [table.name for table in TABLES] == SHEETS
