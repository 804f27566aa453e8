"""Catalogue import and export: all or nothing, idempotent, and a faithful round trip."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import translation

from okno.catalog.exchange import export_catalog, import_catalog, parse_document
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
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CATALOGUE_MODELS = [
    Office,
    OpeningHours,
    CalendarException,
    ServicePoint,
    ServiceGroup,
    Service,
    RequiredDocument,
    LifeSituation,
    LifeSituationStep,
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def rows() -> dict[str, int]:
    """How many rows each catalogue table holds."""
    counts = {model.__name__: model.objects.count() for model in CATALOGUE_MODELS}
    counts["Service.offices"] = Service.offices.through.objects.count()
    return counts


def history_rows() -> int:
    """Every history record the catalogue keeps (simple_history), m2m history included."""
    return sum(
        model.objects.count()
        for model in apps.get_app_config("catalog").get_models()
        if model.__name__.startswith("Historical")
    )


def nothing_was_written() -> bool:
    return not any(rows().values()) and history_rows() == 0


def catalogue() -> dict:
    """A small but complete document in the documented format (docs/catalog-format.md)."""
    return {
        "format": "okno-catalog",
        "version": 1,
        "offices": [
            {
                "slug": "przemysl-rynek",
                "name": {
                    "pl": "Biuro Obsługi Mieszkańców — Rynek",
                    "uk": "Центр обслуговування мешканців — Ринок",
                    "en": "Citizens' office — Market Square",
                },
                "kind": "centre",
                "address": {"pl": "Rynek 1, 37-700 Przemyśl", "en": "1 Market Square, Przemyśl"},
                "country": "PL",
                "subdivision": "",
                "time_zone": "Europe/Warsaw",
                "default_language": "pl",
                "accessibility": {"en": "Step-free entrance from the square."},
                "phone": "+48 16 675 20 00",
                "email": "bom@example.org",
                "website": "https://example.org/bom",
                "latitude": 49.783800,
                "longitude": 22.767800,
                "is_active": True,
                "opening_hours": [
                    {"weekday": day, "opens": "08:00", "closes": "16:00"} for day in range(5)
                ],
                "exceptions": [
                    {
                        "date": "2026-12-31",
                        "kind": "shortened",
                        "opens": "08:00",
                        "closes": "12:00",
                        "note": {"pl": "Sylwester", "en": "New Year's Eve"},
                    },
                    {"date": "2027-01-02", "kind": "working", "opens": "09:00", "closes": "13:00"},
                ],
                "service_points": [
                    {"number": 1, "label": "1", "floor": "0", "is_active": True},
                    {"number": 2, "label": "2A", "floor": "1", "is_active": False},
                ],
            },
            {
                "slug": "przemysl-dworzec",
                "name": {"pl": "Punkt na dworcu", "en": "Station desk"},
                "kind": "remote",
                "country": "PL",
                "time_zone": "Europe/Warsaw",
                "default_language": "pl",
                "latitude": None,
                "longitude": None,
                "opening_hours": [{"weekday": 1, "opens": "10:00", "closes": "14:00"}],
            },
        ],
        "groups": [
            {"prefix": "A", "name": {"pl": "Dowody osobiste", "en": "Identity cards"}, "order": 1},
            {"prefix": "B", "name": {"pl": "Meldunek", "en": "Residence"}, "order": 2},
        ],
        "services": [
            {
                "code": "A01",
                "slug": "identity-card",
                "group": "A",
                "name": {"pl": "Dowód osobisty", "uk": "Посвідка особи", "en": "Identity card"},
                "summary": {"en": "Apply for a new identity card."},
                "keywords": {"pl": "dowód, karta", "en": "id, card"},
                "fee": {"free": True},
                "term": {"value": 30, "unit": "calendar_days"},
                "result": {"en": "An identity card."},
                "provider": {"pl": "Prezydent Miasta Przemyśla"},
                "responsible_official": "Anna Nowak, head of the Civil Affairs Department",
                "channels": {
                    "in_person": True,
                    "online": True,
                    "online_url": "https://www.gov.pl/dowod",
                    "by_post": False,
                    "bookable": True,
                },
                "handling_minutes": 20,
                "max_wait_minutes": 15,
                "offices": ["przemysl-rynek", "przemysl-dworzec"],
                "is_active": True,
                "version": 3,
                "last_reviewed": "2026-10-01",
                "documents": [
                    {
                        "name": {"pl": "Wniosek", "en": "Application form"},
                        "form": "original",
                        "mandatory": True,
                        "obtained_by": "applicant",
                    },
                    {
                        "name": {"pl": "Zdjęcie", "en": "Photograph"},
                        "form": "electronic",
                        "mandatory": False,
                        "obtained_by": "centre",
                        "note": {"en": "35 × 45 mm"},
                    },
                ],
            },
            {
                "code": "B01",
                "slug": "residence-registration",
                "group": "B",
                "name": {"pl": "Zameldowanie", "en": "Residence registration"},
                "fee": {
                    "free": False,
                    "amount": "17.00",
                    "currency": "PLN",
                    "legal_basis": {"pl": "Ustawa o opłacie skarbowej"},
                },
                "term": {"value": 0, "unit": "on_the_spot"},
                "channels": {"in_person": True, "bookable": False},
                "offices": ["przemysl-rynek"],
            },
            {
                "code": "B02",
                "slug": "registration-certificate",
                "group": "B",
                "name": {"en": "Registration certificate"},
                "term": {"value": 7, "unit": "working_days"},
                "channels": {"in_person": False, "by_post": True, "bookable": False},
                "offices": [],
            },
        ],
        "life_situations": [
            {
                "slug": "moving-house",
                "name": {"pl": "Przeprowadzka", "en": "Moving house"},
                "description": {"en": "What to do when you move."},
                "order": 1,
                "is_active": True,
                "steps": [
                    {"service": "B01", "note": {"en": "First register."}},
                    {"service": "A01"},
                ],
            }
        ],
    }


def problems_at(report) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in report.problems:
        found.setdefault(problem.location, []).append(problem.message)
    return found


# --- importing ---------------------------------------------------------------------------------


def test_an_import_creates_every_row_of_the_document():
    report = import_catalog(catalogue())

    assert report.ok, report.problems
    assert report.created == {
        "offices": 2,
        "service_points": 2,
        "groups": 2,
        "services": 3,
        "life_situations": 1,
    }
    assert rows() == {
        "Office": 2,
        "OpeningHours": 6,
        "CalendarException": 2,
        "ServicePoint": 2,
        "ServiceGroup": 2,
        "Service": 3,
        "RequiredDocument": 2,
        "LifeSituation": 1,
        "LifeSituationStep": 2,
        "Service.offices": 3,
    }
    rynek = Office.objects.get(slug="przemysl-rynek")
    assert rynek.latitude == Decimal("49.783800") and rynek.time_zone == "Europe/Warsaw"
    assert rynek.calendar_exceptions.get(date=dt.date(2026, 12, 31)).closes == dt.time(12, 0)
    assert list(rynek.service_points.values_list("label", "is_active")) == [
        ("1", True),
        ("2A", False),
    ]
    card = Service.objects.get(code="A01")
    assert card.group.prefix == "A" and card.version == 3 and card.online
    assert sorted(card.offices.values_list("slug", flat=True)) == [
        "przemysl-dworzec",
        "przemysl-rynek",
    ]
    assert [d.name["en"] for d in card.documents.all()] == ["Application form", "Photograph"]
    fee = Service.objects.get(code="B01")
    assert (fee.is_free, fee.fee_amount, fee.fee_currency) == (False, Decimal("17.00"), "PLN")
    steps = LifeSituation.objects.get(slug="moving-house").steps.all()
    assert [step.service.code for step in steps] == ["B01", "A01"]


def test_importing_the_same_document_twice_changes_nothing():
    import_catalog(catalogue())
    before_rows, before_history = rows(), history_rows()
    stamps = dict(Service.objects.values_list("code", "updated_at"))

    report = import_catalog(catalogue())

    assert report.ok and not report.changed
    assert report.created == {} and report.updated == {}
    assert report.unchanged == {
        "offices": 2,
        "service_points": 2,
        "groups": 2,
        "services": 3,
        "life_situations": 1,
    }
    assert rows() == before_rows
    assert history_rows() == before_history
    assert dict(Service.objects.values_list("code", "updated_at")) == stamps


def test_a_document_listing_hours_and_exceptions_out_of_calendar_order_is_still_unchanged_the_second_time():
    document = catalogue()
    office = document["offices"][0]
    office["opening_hours"].reverse()  # Friday first
    office["exceptions"].reverse()  # 2 January before 31 December
    import_catalog(document)
    before_history = history_rows()
    hour_ids = set(OpeningHours.objects.values_list("pk", flat=True))

    report = import_catalog(document)

    assert report.ok and not report.changed, report.summary()
    assert history_rows() == before_history
    assert set(OpeningHours.objects.values_list("pk", flat=True)) == hour_ids


def test_editing_one_field_updates_only_that_row():
    import_catalog(catalogue())
    history = {
        code: Service.objects.get(code=code).history.count() for code in ("A01", "B01", "B02")
    }
    office_history = Office.history.count()
    edited = catalogue()
    edited["services"][2]["name"]["en"] = "Certificate of registered address"

    report = import_catalog(edited)

    assert report.ok
    assert report.updated == {"services": 1}
    assert report.created == {}
    assert report.unchanged["services"] == 2
    assert Service.objects.get(code="B02").name["en"] == "Certificate of registered address"
    assert Service.objects.get(code="B02").history.count() == history["B02"] + 1
    assert Service.objects.get(code="A01").history.count() == history["A01"]
    assert Service.objects.get(code="B01").history.count() == history["B01"]
    assert Office.history.count() == office_history


def test_changing_a_services_offices_or_documents_counts_the_service_as_updated():
    import_catalog(catalogue())
    edited = catalogue()
    edited["services"][0]["offices"] = ["przemysl-rynek"]
    edited["services"][0]["documents"].pop()

    report = import_catalog(edited)

    assert report.ok and report.updated == {"services": 1}
    card = Service.objects.get(code="A01")
    assert list(card.offices.values_list("slug", flat=True)) == ["przemysl-rynek"]
    assert card.documents.count() == 1


def test_a_document_with_some_sections_leaves_the_rest_alone():
    import_catalog(catalogue())
    before = rows()
    report = import_catalog(
        {
            "format": "okno-catalog",
            "version": 1,
            "groups": [{"prefix": "C", "name": {"en": "Cars"}}],
        }
    )
    assert report.ok and report.created == {"groups": 1}
    assert rows() == {**before, "ServiceGroup": before["ServiceGroup"] + 1}


def test_an_office_without_an_hours_list_keeps_its_hours():
    import_catalog(catalogue())
    document = catalogue()
    del document["offices"][0]["opening_hours"]
    report = import_catalog(document)
    assert report.ok and not report.changed
    assert Office.objects.get(slug="przemysl-rynek").opening_hours.count() == 5


def test_a_dry_run_checks_everything_and_writes_nothing():
    report = import_catalog(catalogue(), dry_run=True)
    assert report.ok and report.dry_run
    assert report.created["services"] == 3  # what would happen
    assert nothing_was_written()


def test_progress_is_reported_for_each_section():
    seen = []
    import_catalog(catalogue(), progress=lambda kind, done, total: seen.append((kind, done, total)))
    assert seen == [
        ("offices", 2, 2),
        ("groups", 2, 2),
        ("services", 3, 3),
        ("life_situations", 1, 1),
    ]


# --- invalid documents -----------------------------------------------------------------------------


def broken(change) -> dict:
    document = catalogue()
    change(document)
    return document


INVALID = {
    "wrong-types": (
        lambda d: d["services"][0]["term"].update(value="soon", unit="weeks"),
        ["services[0].term.value", "services[0].term.unit"],
    ),
    "unknown-field": (
        lambda d: d["services"][1].update(colour="blue"),
        ["services[1].colour"],
    ),
    "not-a-date": (
        lambda d: d["offices"][0]["exceptions"][0].update(date="31.12.2026"),
        ["offices[0].exceptions[0].date"],
    ),
    "unknown-group": (
        lambda d: d["services"][1].update(group="Z"),
        ["services[1].group"],
    ),
    "unknown-office": (
        lambda d: d["services"][0]["offices"].append("krakow"),
        ["services[0].offices[2]"],
    ),
    "unknown-step-service": (
        lambda d: d["life_situations"][0]["steps"].append({"service": "Z99"}),
        ["life_situations[0].steps[2].service"],
    ),
    "free-with-amount": (
        lambda d: d["services"][0]["fee"].update(amount="10.00"),
        ["services[0].fee.amount"],
    ),
    "paid-without-currency": (
        lambda d: d["services"][1]["fee"].update(currency=""),
        ["services[1].fee.currency"],
    ),
    "paid-zero": (
        lambda d: d["services"][1]["fee"].update(amount="0.00"),
        ["services[1].fee.amount"],
    ),
    "on-the-spot-with-term": (
        lambda d: d["services"][1]["term"].update(value=5),
        ["services[1].term.value"],
    ),
    "no-term": (
        lambda d: d["services"][2]["term"].update(value=0),
        ["services[2].term.value"],
    ),
    "no-channel": (
        lambda d: d["services"][2]["channels"].update(by_post=False),
        ["services[2].channels.in_person"],
    ),
    "booked-but-not-in-person": (
        lambda d: d["services"][2]["channels"].update(bookable=True),
        ["services[2].channels.bookable"],
    ),
    "online-without-address": (
        lambda d: d["services"][0]["channels"].update(online_url=""),
        ["services[0].channels.online_url"],
    ),
    "closed-day-with-hours": (
        lambda d: d["offices"][0]["exceptions"][0].update(kind="closed"),
        ["offices[0].exceptions[0]"],
    ),
    "hours-backwards": (
        lambda d: d["offices"][1]["opening_hours"][0].update(opens="15:00"),
        ["offices[1].opening_hours[0].closes"],
    ),
    "unknown-language": (
        lambda d: d["groups"][0]["name"].update(xx="?"),
        ["groups[0].name"],
    ),
    "unknown-country": (
        lambda d: d["offices"][1].update(country="XX"),
        ["offices[1].country"],
    ),
    "bad-time-zone": (
        lambda d: d["offices"][0].update(time_zone="Europe/Przemysl"),
        ["offices[0].time_zone"],
    ),
    "group-letter": (
        lambda d: d["groups"][1].update(prefix="b"),
        ["groups[1].prefix"],
    ),
    "duplicate-window": (
        lambda d: d["offices"][0]["service_points"][1].update(number=1),
        ["offices[0].service_points[1]"],
    ),
    "duplicate-service-code": (
        lambda d: d["services"].append({**copy.deepcopy(d["services"][2]), "slug": "again"}),
        ["services[3]"],
    ),
    "duplicate-office-slug": (
        lambda d: d["offices"][1].update(slug="przemysl-rynek"),
        ["offices[1]"],
    ),
}


@pytest.mark.parametrize(("change", "locations"), INVALID.values(), ids=INVALID.keys())
def test_an_invalid_document_reports_where_and_writes_nothing(change, locations):
    report = import_catalog(broken(change))

    assert not report.ok
    found = problems_at(report)
    for location in locations:
        assert location in found, f"{location} not in {sorted(found)}"
        assert all(message for message in found[location])
    assert nothing_was_written()


def test_the_rule_is_explained_in_the_problem_message():
    report = import_catalog(broken(lambda d: d["services"][0]["fee"].update(amount="10.00")))
    assert problems_at(report)["services[0].fee.amount"] == ["A free service has no fee amount."]
    unknown = import_catalog(broken(lambda d: d["services"][1].update(group="Z")))
    assert problems_at(unknown)["services[1].group"] == ["no service group with prefix 'Z'"]


def test_a_row_repeated_in_the_document_is_reported_instead_of_overwriting_the_first():
    report = import_catalog(broken(lambda d: d["offices"][0]["service_points"][1].update(number=1)))
    assert problems_at(report)["offices[0].service_points[1]"] == [
        "an earlier row in the document has the same number"
    ]


def test_a_language_problem_names_the_language():
    report = import_catalog(broken(lambda d: d["groups"][0]["name"].update(xx="?")))
    assert problems_at(report)["groups[0].name"] == ["Unknown language code xx."]


def test_every_problem_is_reported_not_only_the_first():
    def change(document):
        document["services"][0]["fee"]["amount"] = "10.00"
        document["services"][1]["group"] = "Z"
        document["offices"][1]["country"] = "XX"

    found = problems_at(import_catalog(broken(change)))
    assert {"services[0].fee.amount", "services[1].group", "offices[1].country"} <= set(found)


@pytest.mark.parametrize(
    ("data", "location"),
    [
        ({"format": "something-else", "version": 1}, "format"),
        ({"format": "okno-catalog", "version": 2}, "version"),
        ({"format": "okno-catalog", "version": 1, "services": {"code": "A01"}}, "services"),
    ],
)
def test_a_document_of_another_kind_is_refused(data, location):
    report = import_catalog(data)
    assert location in problems_at(report)
    assert nothing_was_written()


@pytest.mark.parametrize("data", [[], "okno-catalog", None, 42])
def test_something_that_is_not_a_document_is_refused_with_a_problem(data):
    report = import_catalog(data)
    assert not report.ok and report.problems
    assert nothing_was_written()


def test_a_failed_import_leaves_an_existing_catalogue_as_it_was():
    import_catalog(catalogue())
    before_rows, before_history = rows(), history_rows()
    before = export_catalog()

    def change(document):
        document["services"][0]["name"]["en"] = "A new name that must not be kept"
        document["services"][2]["term"]["value"] = 0

    report = import_catalog(broken(change))

    assert not report.ok
    assert rows() == before_rows
    assert history_rows() == before_history
    assert export_catalog() == before


def test_a_term_too_large_for_the_database_is_a_problem_not_a_crash():
    report = import_catalog(broken(lambda d: d["services"][2]["term"].update(value=10**20)))
    assert not report.ok
    assert nothing_was_written()


def test_parse_document_names_nested_places_with_indexes_and_dots():
    _document, problems = parse_document(
        broken(lambda d: d["offices"][0]["opening_hours"][3].update(weekday=9))
    )
    assert [p.location for p in problems] == ["offices[0].opening_hours[3].weekday"]
    assert str(problems[0]).startswith("offices[0].opening_hours[3].weekday: ")


# --- exporting and the round trip ------------------------------------------------------------------


def test_export_gives_the_documented_shape():
    import_catalog(catalogue())
    document = export_catalog()
    assert document["format"] == "okno-catalog" and document["version"] == 1
    office = document["offices"][1]  # ordered by slug: dworzec, rynek
    assert office["slug"] == "przemysl-rynek"
    assert office["latitude"] == "49.783800"
    assert office["opening_hours"][0] == {"weekday": 0, "opens": "08:00", "closes": "16:00"}
    assert office["exceptions"][1] == {
        "date": "2027-01-02",
        "kind": "working",
        "opens": "09:00",
        "closes": "13:00",
        "note": {},
    }
    services = {s["code"]: s for s in document["services"]}
    assert services["A01"]["fee"] == {"free": True}
    assert services["B01"]["fee"] == {
        "free": False,
        "amount": "17.00",
        "currency": "PLN",
        "legal_basis": {"pl": "Ustawa o opłacie skarbowej"},
    }
    assert services["A01"]["offices"] == ["przemysl-dworzec", "przemysl-rynek"]
    assert services["A01"]["last_reviewed"] == "2026-10-01"
    assert document["life_situations"][0]["steps"] == [
        {"service": "B01", "note": {"en": "First register."}},
        {"service": "A01", "note": {}},
    ]
    json.dumps(document)  # plain JSON, nothing Python-only


def test_export_then_import_into_an_empty_catalogue_then_export_gives_the_same_document():
    assert import_catalog(catalogue()).ok
    first = export_catalog()

    for model in (LifeSituation, Service, ServiceGroup, Office):
        model.objects.all().delete()
    assert not any(rows().values())

    report = import_catalog(copy.deepcopy(first))
    assert report.ok, report.problems
    assert export_catalog() == first


def test_an_exported_document_imported_again_changes_nothing():
    import_catalog(catalogue())
    report = import_catalog(export_catalog())
    assert report.ok and not report.changed


def test_a_free_services_legal_basis_survives_export_and_import():
    service = ServiceFactory(is_free=True, fee_legal_basis={"uk": "Безоплатно згідно зі ст. 5"})
    document = export_catalog()

    report = import_catalog(document)

    assert report.ok and not report.changed
    service.refresh_from_db()
    assert service.fee_legal_basis == {"uk": "Безоплатно згідно зі ст. 5"}
    Service.objects.all().delete()
    ServiceGroup.objects.all().delete()
    assert import_catalog(document).ok
    assert Service.objects.get().fee_legal_basis == {"uk": "Безоплатно згідно зі ст. 5"}
