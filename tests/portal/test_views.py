"""The citizen portal: every page in every language, without JavaScript, and never a 500."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    LifeSituationFactory,
    LifeSituationStepFactory,
    OfficeFactory,
    OpeningHoursFactory,
    RequiredDocumentFactory,
    ServiceFactory,
    ServiceGroupFactory,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ["uk", "ru", "pl", "kk", "en"]
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


@pytest.fixture
def catalogue():
    przemysl = OfficeFactory(
        pl=True,
        slug="przemysl-rynek",
        name={"pl": "Biuro Obsługi — Rynek", "en": "Citizens' office — Market Square"},
        address={"pl": "Rynek 1, Przemyśl"},
        phone="+48 16 675 20 00",
        latitude=Decimal("49.783800"),
        longitude=Decimal("22.767800"),
    )
    for weekday in range(5):
        OpeningHoursFactory(office=przemysl, weekday=weekday, opens=dt.time(8), closes=dt.time(16))
    closed = OfficeFactory(slug="closed-office", is_active=False, name={"en": "Closed office"})
    group = ServiceGroupFactory(
        prefix="A", name={"uk": "Документи", "pl": "Dokumenty", "en": "Documents"}
    )
    passport = ServiceFactory(
        code="A01",
        slug="passport",
        group=group,
        name={"uk": "Паспорт", "pl": "Paszport", "en": "Passport"},
        summary={"en": "Apply for a passport.", "uk": "Оформлення паспорта."},
        paid=True,
        fee_amount=Decimal("30.00"),
        fee_currency="PLN",
        term_value=20,
        term_unit="working_days",
        offices=[przemysl, closed],
    )
    RequiredDocumentFactory(
        service=passport, order=1, name={"uk": "Заява", "en": "Application form"}
    )
    RequiredDocumentFactory(
        service=passport,
        order=2,
        name={"uk": "Фотографія", "en": "Photograph"},
        mandatory=False,
        obtained_by="centre",
    )
    registration = ServiceFactory(
        code="A02",
        slug="registration",
        group=group,
        name={"uk": "Реєстрація місця проживання"},  # Ukrainian only
        offices=[przemysl],
    )
    retired = ServiceFactory(
        code="A03", slug="retired", group=group, name={"en": "Retired"}, is_active=False
    )
    moving = LifeSituationFactory(slug="moving", name={"uk": "Переїзд", "en": "Moving house"})
    LifeSituationStepFactory(situation=moving, service=registration, order=1)
    LifeSituationStepFactory(situation=moving, service=passport, order=2)
    LifeSituationStepFactory(situation=moving, service=retired, order=3)
    LifeSituationFactory(slug="hidden", is_active=False)
    return {"office": przemysl, "passport": passport, "registration": registration}


PAGES = {
    "home": ("", 200),
    "search": ("search/", 200),
    "search-with-query": ("search/?q=паспорт", 200),
    "services": ("services/", 200),
    "passport": ("services/passport/", 200),
    "situations": ("situations/", 200),
    "situation": ("situations/moving/", 200),
    "offices": ("offices/", 200),
    "office": ("offices/przemysl-rynek/", 200),
    "not-found": ("no-such-page/", 404),
}


def html_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("page", "status"), PAGES.values(), ids=PAGES.keys())
def test_every_page_renders_in_every_language(client, catalogue, language, page, status):
    response = client.get(f"/{language}/{page}")
    assert response.status_code == status
    html = html_of(response)
    assert f'<html lang="{language}">' in html
    assert "<main" in html


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        ("pl", "/pl/"),
        ("pl-PL,pl;q=0.9,en;q=0.8", "/pl/"),
        ("en-GB,en;q=0.9", "/en/"),
        ("ru", "/ru/"),
        ("kk-KZ", "/kk/"),
        ("uk-UA", "/uk/"),
        ("de-DE,fr;q=0.8", "/uk/"),  # none of ours: the site's language
        ("", "/uk/"),
    ],
)
def test_the_root_sends_visitors_to_their_browsers_language(client, db, accept, target):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == target


def test_an_address_without_a_language_gets_one(client, catalogue):
    response = client.get("/services/passport/", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 302 and response["Location"] == "/pl/services/passport/"


def language_links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="languages".*?</nav>', html, re.S).group(0)
    return {
        code: href.replace("&amp;", "&")
        for href, code in re.findall(r'<a href="([^"]*)" hreflang="(\w+)"', nav)
    }


def test_the_language_switcher_links_to_the_same_page_in_each_language(client, catalogue):
    links = language_links(html_of(client.get("/uk/services/passport/")))
    assert links == {code: f"/{code}/services/passport/" for code in LANGUAGES}


def test_the_language_switcher_keeps_the_search(client, catalogue):
    links = language_links(html_of(client.get("/en/search/?q=" + quote("паспорт"))))
    for code in LANGUAGES:
        assert links[code] == f"/{code}/search/?q=" + quote("паспорт")


def test_the_current_language_is_marked_in_the_switcher(client, catalogue):
    html = html_of(client.get("/pl/"))
    assert re.search(r'hreflang="pl" lang="pl" aria-current="true"', html)
    assert 'rel="alternate" hreflang="en" href="/en/"' in html


# --- the passport ---------------------------------------------------------------------------------------


def test_a_passport_shows_documents_fee_term_and_offices(client, catalogue):
    response = client.get("/en/services/passport/")
    html = html_of(response)
    assert "<h1>Passport</h1>" in html
    assert "Application form" in html and "Photograph" in html
    assert html.index("Application form") < html.index("Photograph")
    assert "30 PLN" in html
    assert "20 working days" in html
    assert 'href="/en/offices/przemysl-rynek/"' in html
    assert "closed-office" not in html  # an inactive office is not offered
    assert 'href="/en/situations/moving/"' in html  # often needed together


def test_a_passport_in_ukrainian_shows_ukrainian_texts(client, catalogue):
    html = html_of(client.get("/uk/services/passport/"))
    assert "<h1>Паспорт</h1>" in html and "Заява" in html


def test_text_missing_in_the_page_language_falls_back_and_says_its_language(client, catalogue):
    html = html_of(client.get("/en/services/registration/"))
    assert '<h1><span lang="uk">Реєстрація місця проживання</span></h1>' in html
    office = html_of(client.get("/ru/offices/przemysl-rynek/"))
    # The office has no Russian name: its own language (Polish) is shown, marked as such.
    assert '<span lang="pl">Biuro Obsługi — Rynek</span>' in office


def test_text_in_the_page_language_is_not_marked(client, catalogue):
    html = html_of(client.get("/en/services/passport/"))
    assert '<span lang="en">' not in html
    assert "<h1>Passport</h1>" in html


def test_inactive_or_unknown_pages_are_404(client, catalogue):
    for address in (
        "/en/services/retired/",
        "/en/services/nothing/",
        "/en/offices/closed-office/",
        "/en/situations/hidden/",
    ):
        response = client.get(address)
        assert response.status_code == 404, address
        assert "Page not found" in html_of(response)


def test_a_life_situation_lists_its_active_services_in_order(client, catalogue):
    html = html_of(client.get("/en/situations/moving/"))
    assert html.index("/en/services/registration/") < html.index("/en/services/passport/")
    assert "/en/services/retired/" not in html


def test_the_service_list_shows_groups_and_leaves_out_inactive_services(client, catalogue):
    html = html_of(client.get("/en/services/"))
    assert 'id="group-A"' in html
    assert "/en/services/passport/" in html and "/en/services/retired/" not in html


# --- search ------------------------------------------------------------------------------------------------


def test_search_works_as_a_plain_form_without_javascript(client, catalogue):
    html = html_of(client.get("/en/"))
    form = re.search(r"<form[^>]*role=\"search\"[^>]*>", html).group(0)
    assert 'action="/en/search/"' in form and 'method="get"' in form
    assert 'name="q"' in html and '<button type="submit">' in html
    results = html_of(client.get("/en/search/", {"q": "pasport"}))
    assert "<html" in results and "/en/services/passport/" in results


def test_search_finds_across_alphabets(client, catalogue):
    html = html_of(client.get("/pl/search/", {"q": "паспорт"}))
    assert "/pl/services/passport/" in html
    assert "/pl/services/registration/" not in html


def test_an_htmx_search_returns_only_the_results(client, catalogue):
    response = client.get("/uk/search/", {"q": "паспорт"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html and "<form" not in html
    assert "/uk/services/passport/" in html


def test_an_htmx_search_without_a_query_is_empty(client, catalogue):
    response = client.get("/uk/search/", {"q": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and html_of(response).strip() == ""


def test_a_search_that_finds_nothing_says_so(client, catalogue):
    html = html_of(client.get("/en/search/", {"q": "zzzqqq"}))
    assert "Nothing found" in html


def test_a_search_also_finds_life_situations(client, catalogue):
    html = html_of(client.get("/en/search/", {"q": "moving"}))
    assert "/en/situations/moving/" in html


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "\x00",
        "%",
        "🙂🙂🙂",
        "паспорт " * 500,
        "' OR 1=1 --",
    ],
)
def test_any_search_text_is_answered_never_a_500(client, catalogue, query):
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get("/uk/search/", {"q": query}, **headers)
        assert response.status_code == 200
        html = html_of(response)
        assert "<script>alert" not in html and "<img src=x" not in html


def test_the_search_box_keeps_the_query_escaped(client, catalogue):
    html = html_of(client.get("/en/search/", {"q": '"><b>bold</b>'}))
    assert 'value="&quot;&gt;&lt;b&gt;bold&lt;/b&gt;"' in html


# --- lists of many services -------------------------------------------------------------------------------

# Long texts of a passport, which no list of services shows.
PASSPORT_TEXTS = {
    "keywords",
    "fee_legal_basis",
    "result",
    "result_delivery",
    "refusal_grounds",
    "legal_basis",
    "provider",
}
LISTS = ["/en/services/", "/en/search/?q=passport", "/en/offices/przemysl-rynek/"]


def service_columns_read(client, path: str) -> tuple[set[str], int]:
    """The columns of services the page selects, and how many queries it makes (once the search
    index is built; the clock stands still so that the catalogue version stays cached)."""
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
    selected = " ".join(query["sql"].split(" FROM ")[0] for query in captured.captured_queries)
    return set(re.findall(r'"catalog_service"\."(\w+)"', selected)), len(captured)


def test_the_home_page_counts_each_topics_active_services_and_leaves_out_empty_topics(
    client, catalogue
):
    ServiceFactory(group=ServiceGroupFactory(name={"en": "Retired topic"}), is_active=False)
    html = html_of(client.get("/en/"))
    assert re.search(r'href="/en/services/#group-A">.*?</a>\s*<p>2 services</p>', html, re.S)
    assert "Retired topic" not in html


def test_the_home_page_counts_services_without_loading_them(client, catalogue):
    columns, _queries = service_columns_read(client, "/en/")
    assert not columns & {"name", "summary", *PASSPORT_TEXTS}


@pytest.mark.parametrize("path", LISTS)
def test_lists_of_services_load_only_what_their_cards_show(client, catalogue, path):
    columns, _queries = service_columns_read(client, path)
    assert {"slug", "name"} <= columns
    assert not columns & PASSPORT_TEXTS


@pytest.mark.parametrize("path", LISTS)
def test_a_longer_list_of_services_takes_no_more_queries(client, catalogue, path):
    _columns, queries = service_columns_read(client, path)
    for number in range(5):
        ServiceFactory(
            group=catalogue["passport"].group,
            name={"en": f"Passport, case {number}"},
            summary={"en": "More of the same."},
            offices=[catalogue["office"]],
        )
    assert service_columns_read(client, path)[1] == queries


# --- offices, hours and time zones ---------------------------------------------------------------------------


def warsaw(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=WARSAW)


def test_an_office_page_shows_hours_in_the_offices_own_time(client, catalogue):
    # Tuesday 18:30 in Warsaw (19:30 in Kyiv, the site's default zone); Wednesday is a holiday.
    with time_machine.travel(warsaw("2026-11-10", "18:30"), tick=False):
        html = html_of(client.get("/en/offices/przemysl-rynek/"))
    assert "Closed now; opens Thursday at 08:00" in html
    assert "Local time 18:30 (Europe/Warsaw)" in html


def test_the_office_list_shows_each_offices_status_in_its_own_time(client, catalogue):
    with time_machine.travel(warsaw("2026-11-10", "18:30"), tick=False):
        html = html_of(client.get("/en/offices/"))
    assert "Closed now; opens Thursday at 08:00" in html
    with time_machine.travel(warsaw("2026-11-09", "10:00"), tick=False):
        html = html_of(client.get("/en/offices/"))
    assert "Open now, until 16:00" in html


@pytest.mark.parametrize(
    ("language", "holiday"),
    [
        ("uk", "День незалежності"),
        ("pl", "Narodowe Święto Niepodległości"),
        ("en", "National Independence Day"),
        # The library has no Kazakh or Russian names for Polish holidays: Polish, whatever
        # language the server process happens to run in.
        ("kk", "Narodowe Święto Niepodległości"),
        ("ru", "Narodowe Święto Niepodległości"),
    ],
)
def test_holidays_are_named_in_the_page_language(client, catalogue, language, holiday):
    with time_machine.travel(warsaw("2026-11-09", "10:00"), tick=False):
        html = html_of(client.get(f"/{language}/offices/przemysl-rynek/"))
    assert holiday in html


def test_an_office_page_shows_the_week_contact_and_services(client, catalogue):
    with time_machine.travel(warsaw("2026-11-09", "10:00"), tick=False):
        response = client.get("/en/offices/przemysl-rynek/")
    html = html_of(response)
    assert len(response.context["status"].week) == 7
    assert "08:00–16:00" in html
    assert 'href="tel:+48166752000"' in html
    assert "mlat=49.783800" in html
    assert "/en/services/passport/" in html and "/en/services/registration/" in html


# --- odds and ends ----------------------------------------------------------------------------------------------


def test_robots_keeps_crawlers_out_of_staff_pages_and_applications(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Disallow: /*/staff/" in response.content.decode()
    assert "Disallow: /*/case/" in response.content.decode()


def test_portal_pages_only_answer_get(client, catalogue):
    assert client.post("/en/search/", {"q": "x"}).status_code == 405


def test_the_404_page_keeps_the_visitors_language(client, db):
    response = client.get("/pl/nothing/here/")
    assert response.status_code == 404
    assert '<html lang="pl">' in html_of(response)
    assert 'href="/pl/"' in html_of(response)
