"""The public catalogue API: documented shapes, languages, filters, and JSON errors for bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from tests.factories import (
    LifeSituationFactory,
    LifeSituationStepFactory,
    OfficeFactory,
    RequiredDocumentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    ServicePointFactory,
)

pytestmark = pytest.mark.django_db

OFFICE_KEYS = {
    "id",
    "slug",
    "name",
    "kind",
    "address",
    "country",
    "time_zone",
    "default_language",
    "phone",
    "email",
    "website",
    "latitude",
    "longitude",
    "open_now",
    "opening_hours",
}
OFFICE_DETAIL_KEYS = OFFICE_KEYS | {"accessibility", "service_points", "services"}
SERVICE_KEYS = {
    "id",
    "code",
    "slug",
    "name",
    "summary",
    "group",
    "fee",
    "term",
    "channels",
    "handling_minutes",
    "max_wait_minutes",
}
SERVICE_DETAIL_KEYS = SERVICE_KEYS | {
    "result",
    "result_delivery",
    "refusal_grounds",
    "legal_basis",
    "provider",
    "responsible_official",
    "documents",
    "offices",
    "version",
    "last_reviewed",
}


@pytest.fixture
def catalogue():
    kyiv = OfficeFactory(
        slug="kyiv-centre",
        name={"uk": "ЦНАП Київ", "en": "Kyiv service centre"},
        address={"uk": "вул. Хрещатик, 36", "en": "36 Khreshchatyk St"},
        accessibility={"uk": "Пандус біля входу", "en": "Ramp at the entrance"},
        latitude=Decimal("50.450100"),
        longitude=Decimal("30.523400"),
        weekday_hours=("08:00", "17:00"),
    )
    ServicePointFactory(office=kyiv, number=1)
    ServicePointFactory(office=kyiv, number=2)
    ServicePointFactory(office=kyiv, number=3, is_active=False)
    closed = OfficeFactory(slug="closed-office", is_active=False)
    documents = ServiceGroupFactory(
        prefix="A", order=1, name={"uk": "Документи", "en": "Documents"}
    )
    residence = ServiceGroupFactory(
        prefix="B", order=2, name={"uk": "Проживання", "en": "Residence"}
    )
    passport = ServiceFactory(
        code="A01",
        slug="passport",
        group=documents,
        name={"uk": "Паспорт громадянина", "en": "Citizen's passport"},
        summary={"uk": "Оформлення паспорта", "en": "Getting a passport"},
        paid=True,
        fee_amount=Decimal("30.00"),
        fee_currency="UAH",
        fee_legal_basis={"en": "Fee law"},
        term_value=20,
        term_unit="working_days",
        result={"en": "A passport"},
        provider={"uk": "ДМС"},
        responsible_official="Olena Shevchenko, head of department",
        version=2,
        last_reviewed=dt.date(2026, 10, 1),
        offices=[kyiv, closed],
    )
    RequiredDocumentFactory(service=passport, order=1, name={"uk": "Заява", "en": "Application"})
    RequiredDocumentFactory(
        service=passport,
        order=2,
        name={"uk": "Фото", "en": "Photo"},
        form="electronic",
        mandatory=False,
        obtained_by="centre",
        note={"en": "35 x 45 mm"},
    )
    registration = ServiceFactory(
        code="B01",
        slug="registration",
        group=residence,
        name={"uk": "Реєстрація місця проживання"},  # Ukrainian only
        term_unit="on_the_spot",
        term_value=0,
        offices=[kyiv],
    )
    retired = ServiceFactory(
        code="A02", slug="retired", group=documents, is_active=False, offices=[kyiv]
    )
    moving = LifeSituationFactory(
        slug="moving", order=1, name={"uk": "Переїзд", "en": "Moving house"}
    )
    LifeSituationStepFactory(situation=moving, service=registration, order=1, note={"en": "First"})
    LifeSituationStepFactory(situation=moving, service=retired, order=2)
    LifeSituationStepFactory(situation=moving, service=passport, order=3)
    LifeSituationFactory(slug="hidden", is_active=False)
    return {
        "kyiv": kyiv,
        "closed": closed,
        "passport": passport,
        "registration": registration,
        "retired": retired,
    }


def get(client, path, **query):
    response = client.get(path, query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# --- offices -----------------------------------------------------------------------------------------


def test_the_office_list_has_the_documented_shape_and_only_active_offices(client, catalogue):
    offices = get(client, "/api/v1/offices", lang="en")
    assert [office["slug"] for office in offices] == ["kyiv-centre"]
    office = offices[0]
    assert set(office) == OFFICE_KEYS
    assert office["id"] == catalogue["kyiv"].pk
    assert office["name"] == "Kyiv service centre"
    assert office["address"] == "36 Khreshchatyk St"
    assert (office["country"], office["time_zone"], office["default_language"]) == (
        "UA",
        "Europe/Kyiv",
        "uk",
    )
    assert Decimal(str(office["latitude"])) == Decimal("50.4501")
    assert office["opening_hours"][0] == {"weekday": 0, "opens": "08:00:00", "closes": "17:00:00"}
    assert [h["weekday"] for h in office["opening_hours"]] == [0, 1, 2, 3, 4]


def test_office_texts_come_in_the_asked_language(client, catalogue):
    assert get(client, "/api/v1/offices", lang="uk")[0]["name"] == "ЦНАП Київ"
    assert get(client, "/api/v1/offices", lang="en")[0]["name"] == "Kyiv service centre"
    # A language the office has no text in falls back to the office's own language.
    assert get(client, "/api/v1/offices", lang="pl")[0]["name"] == "ЦНАП Київ"


def test_lang_wins_over_the_browsers_language(client, catalogue):
    response = client.get("/api/v1/offices", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="uk")
    assert response.json()[0]["name"] == "Kyiv service centre"


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        (dt.datetime(2026, 11, 9, 8, 0, tzinfo=dt.UTC), True),  # Monday 10:00 in Kyiv
        (dt.datetime(2026, 11, 9, 15, 30, tzinfo=dt.UTC), False),  # Monday 17:30 in Kyiv
        (dt.datetime(2026, 11, 8, 8, 0, tzinfo=dt.UTC), False),  # Sunday
    ],
)
def test_open_now_follows_the_offices_clock(client, catalogue, moment, open_now):
    with time_machine.travel(moment, tick=False):
        assert get(client, "/api/v1/offices")[0]["open_now"] is open_now


def test_an_office_in_detail(client, catalogue):
    office = get(client, f"/api/v1/offices/{catalogue['kyiv'].pk}", lang="en")
    assert set(office) == OFFICE_DETAIL_KEYS
    assert office["accessibility"] == "Ramp at the entrance"
    assert office["service_points"] == 2  # the inactive window is not counted
    assert office["services"] == ["A01", "B01"]  # the retired service is not listed


def test_an_inactive_or_unknown_office_is_404_json(client, catalogue):
    for office_id in (catalogue["closed"].pk, 999999, 10**20):
        response = client.get(f"/api/v1/offices/{office_id}")
        assert response.status_code == 404
        assert response.json()["message"]


# --- services ----------------------------------------------------------------------------------------


def test_the_service_list_is_paginated_with_the_documented_shape(client, catalogue):
    page = get(client, "/api/v1/services", lang="en")
    assert set(page) == {"items", "count"}
    assert page["count"] == 2
    assert [s["code"] for s in page["items"]] == ["A01", "B01"]
    service = page["items"][0]
    assert set(service) == SERVICE_KEYS
    assert service["name"] == "Citizen's passport"
    assert service["summary"] == "Getting a passport"
    assert service["group"] == {"prefix": "A", "name": "Documents"}
    assert service["fee"] == {
        "free": False,
        "amount": "30.00",
        "currency": "UAH",
        "legal_basis": "Fee law",
    }
    assert service["term"] == {"value": 20, "unit": "working_days"}
    assert service["channels"] == {
        "in_person": True,
        "online": False,
        "online_url": "",
        "by_post": False,
        "bookable": True,
    }


def test_limit_and_offset_page_through_the_services(client, catalogue):
    first = get(client, "/api/v1/services", limit=1)
    second = get(client, "/api/v1/services", limit=1, offset=1)
    beyond = get(client, "/api/v1/services", limit=1, offset=5)
    assert first["count"] == second["count"] == beyond["count"] == 2
    assert [s["code"] for s in first["items"] + second["items"]] == ["A01", "B01"]
    assert beyond["items"] == []


def test_services_are_filtered_by_office(client, catalogue):
    assert get(client, "/api/v1/services", office=catalogue["kyiv"].pk)["count"] == 2
    only_passport = get(client, "/api/v1/services", office=catalogue["closed"].pk)
    assert [s["code"] for s in only_passport["items"]] == ["A01"]
    assert get(client, "/api/v1/services", office=999999)["count"] == 0


@pytest.mark.parametrize("group", ["B", "b"])
def test_services_are_filtered_by_group(client, catalogue, group):
    assert [s["code"] for s in get(client, "/api/v1/services", group=group)["items"]] == ["B01"]


@pytest.mark.parametrize("query", ["паспорт", "pasport", "passport", "Паспорта"])
def test_services_are_searched_in_any_alphabet(client, catalogue, query):
    assert [s["code"] for s in get(client, "/api/v1/services", q=query)["items"]] == ["A01"]


def test_an_empty_group_means_every_group(client, catalogue):
    assert get(client, "/api/v1/services", group="")["count"] == 2


def test_filters_combine(client, catalogue):
    assert get(client, "/api/v1/services", q="паспорт", group="B")["count"] == 0
    assert (
        get(client, "/api/v1/services", q="реєстрація", office=catalogue["kyiv"].pk)["count"] == 1
    )


def test_service_texts_come_in_the_asked_language_and_fall_back(client, catalogue):
    items = {s["code"]: s for s in get(client, "/api/v1/services", lang="uk")["items"]}
    assert items["A01"]["name"] == "Паспорт громадянина"
    assert items["A01"]["group"]["name"] == "Документи"
    english = {s["code"]: s for s in get(client, "/api/v1/services", lang="en")["items"]}
    # B01 has Ukrainian text only: English asks fall back to the site's language.
    assert english["B01"]["name"] == "Реєстрація місця проживання"


def test_a_service_passport_in_detail(client, catalogue):
    service = get(client, f"/api/v1/services/{catalogue['passport'].pk}", lang="en")
    assert set(service) == SERVICE_DETAIL_KEYS
    assert service["result"] == "A passport"
    assert service["provider"] == "ДМС"  # only in Ukrainian
    assert service["responsible_official"] == "Olena Shevchenko, head of department"
    assert service["documents"] == [
        {
            "name": "Application",
            "form": "original",
            "mandatory": True,
            "obtained_by": "applicant",
            "note": "",
        },
        {
            "name": "Photo",
            "form": "electronic",
            "mandatory": False,
            "obtained_by": "centre",
            "note": "35 x 45 mm",
        },
    ]
    assert service["offices"] == ["kyiv-centre"]  # the inactive office is not named
    assert service["version"] == 2 and service["last_reviewed"] == "2026-10-01"


def test_a_service_in_ukrainian(client, catalogue):
    service = get(client, f"/api/v1/services/{catalogue['passport'].pk}", lang="uk")
    assert service["name"] == "Паспорт громадянина"
    assert service["documents"][0]["name"] == "Заява"


def test_an_inactive_or_unknown_service_is_404_json(client, catalogue):
    for service_id in (catalogue["retired"].pk, 999999):
        response = client.get(f"/api/v1/services/{service_id}")
        assert response.status_code == 404
        assert response.json()["message"]
    listed = [s["code"] for s in get(client, "/api/v1/services")["items"]]
    assert "A02" not in listed


# --- life situations -------------------------------------------------------------------------------------


def test_life_situations_list_active_steps_in_order(client, catalogue):
    situations = get(client, "/api/v1/life-situations", lang="en")
    assert [s["slug"] for s in situations] == ["moving"]
    moving = situations[0]
    assert set(moving) == {"slug", "name", "description", "steps"}
    assert moving["name"] == "Moving house"
    assert moving["steps"] == [
        {"service": "B01", "name": "Реєстрація місця проживання", "note": "First"},
        {"service": "A01", "name": "Citizen's passport", "note": ""},
    ]


def test_life_situations_in_ukrainian(client, catalogue):
    assert get(client, "/api/v1/life-situations", lang="uk")[0]["name"] == "Переїзд"


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services?office=abc",
        "/api/v1/services?lang=xx",
        "/api/v1/services?lang=",
        "/api/v1/services?limit=-1",
        "/api/v1/services?limit=0",
        "/api/v1/services?offset=-1",
        "/api/v1/services?limit=many",
        "/api/v1/services?group=%00",
        "/api/v1/services?group=" + "A" * 500,
        "/api/v1/offices?lang=de",
        "/api/v1/offices/abc",
        "/api/v1/offices/1?lang=xx",
        "/api/v1/services/abc",
        "/api/v1/services/-1",
        "/api/v1/services/99999999999999999999",
        "/api/v1/life-situations?lang=klingon",
        "/api/v1/staff/employees?office=abc",
    ],
)
def test_bad_input_is_a_4xx_json_answer_with_a_message(client, catalogue, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]


def test_a_validation_error_says_which_parameter(client, catalogue):
    body = client.get("/api/v1/services?office=abc").json()
    assert body["errors"][0]["location"] == "query.office"
    assert body["errors"][0]["message"]


@pytest.mark.parametrize(
    "query",
    ["x" * 100_000, "паспорт " * 2000, "%%%", "' OR 1=1 --", "<script>", "\x00", "🙂" * 50],
)
def test_any_search_text_is_answered_never_a_500(client, catalogue, query):
    response = client.get("/api/v1/services", {"q": query})
    assert response.status_code == 200
    assert set(response.json()) == {"items", "count"}


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/nope", "/api/v2/offices", "/api/v1/offices/1/nope"]
)
def test_unknown_api_addresses_are_json_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]


# --- documentation and health ---------------------------------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(client, db):
    document = get(client, "/api/v1/openapi.json")
    assert document["info"]["title"] == "okno API"
    assert {
        "/api/v1/offices",
        "/api/v1/offices/{office_id}",
        "/api/v1/services",
        "/api/v1/services/{service_id}",
        "/api/v1/life-situations",
        "/api/v1/staff/me",
    } <= set(document["paths"])


def test_the_api_documentation_page_loads(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.content.decode()


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, db, monkeypatch):
    from django.db import connection
    from django.db.utils import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("post", "/api/v1/offices", {"GET"}), ("delete", "/api/v1/staff/me", {"GET"})],
)
def test_a_wrong_method_is_a_json_405_with_a_message(client, db, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert {name.strip() for name in response["Allow"].split(",")} == allowed
