"""No staff page or staff API endpoint lets the head of office A read office B.

The tests walk every address that exists — the `staff` URL patterns and every path under
/api/v1/staff/ in the OpenAPI document — so a new page or endpoint is checked the day it is
added. A parameter the walker cannot fill in fails the walk: teach it what the parameter means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from okno.staff import services
from okno.staff.models import Employee


@dataclass
class Office:
    """What identifies an office in addresses, and what only its own pages would show."""

    id: int
    slug: str
    markers: tuple[str, ...]


@pytest.fixture
def places(office_a, office_b, service_a, service_b, operator, clerk, head, b_operator, outsider):
    services.grant_competency(b_operator, service=service_b)
    return {
        "A": Office(office_a.pk, office_a.slug, ("kyiv-centre", "Kyiv service centre", "olena")),
        "B": Office(
            office_b.pk,
            office_b.slug,
            ("lviv-centre", "Lviv service centre", "ЦНАП Львів", "Lviv-window-1", "bozhena", "B01"),
        ),
    }


# --- filling in addresses --------------------------------------------------------------------------

#: URL/query parameters that identify an office, and how to fill them in.
OFFICE_PARAMETERS = {"slug": "slug", "office_slug": "slug", "office": "id", "office_id": "id"}


def staff_patterns() -> list[tuple[str, list[str]]]:
    """Every named pattern of the `staff` namespace with its parameter names."""
    resolver = get_resolver()
    found: list[tuple[str, list[str]]] = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace == "staff" and entry.name:
                found.append((entry.name, list(entry.pattern.converters)))

    walk(resolver.url_patterns, None)
    return found


def staff_url(name: str, parameters: list[str], office: Office) -> str:
    kwargs = {}
    for parameter in parameters:
        assert parameter in OFFICE_PARAMETERS, (
            f"staff:{name} takes {parameter!r}; teach the walker what it means"
        )
        kwargs[parameter] = getattr(office, OFFICE_PARAMETERS[parameter])
    with translation.override("uk"):
        return reverse(f"staff:{name}", kwargs=kwargs)


def api_operations(client: Client) -> list[tuple[str, list[dict]]]:
    """Every GET under /api/v1/staff/ in the OpenAPI document, with its parameters."""
    document = client.get("/api/v1/openapi.json").json()
    operations = [
        (path, operation.get("parameters", []))
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/staff/")
        for method, operation in methods.items()
        if method == "get"
    ]
    assert operations, "the OpenAPI document lists no staff endpoints"
    return operations


def api_url(path: str, parameters: list[dict], office: Office) -> tuple[str, dict, bool]:
    """The address for `office`, its query, and whether it names an office at all."""
    query: dict = {}
    names_office = False
    for parameter in parameters:
        name = parameter["name"]
        if name in OFFICE_PARAMETERS:
            value = getattr(office, OFFICE_PARAMETERS[name])
            names_office = True
        else:
            assert not parameter.get("required"), (
                f"{path} requires {name!r}; teach the walker what it means"
            )
            continue
        if parameter["in"] == "path":
            path = path.replace("{" + name + "}", str(value))
        else:
            query[name] = value
    return path, query, names_office


def shows(content: str, office: Office) -> list[str]:
    return [marker for marker in office.markers if marker in content]


def bearer(employee: Employee) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {services.issue_token(employee.user)}"}


# --- staff pages -------------------------------------------------------------------------------------


def test_the_walker_finds_the_staff_pages():
    names = {name for name, _parameters in staff_patterns()}
    assert {"home", "login", "logout", "office"} <= names


def test_no_staff_page_lets_the_head_of_office_a_read_office_b(places, head, signed_in):
    browser = signed_in(head)
    for name, parameters in staff_patterns():
        if parameters:
            foreign = browser.get(staff_url(name, parameters, places["B"]))
            assert foreign.status_code == 404, f"staff:{name} for office B"
            own = browser.get(staff_url(name, parameters, places["A"]))
            assert own.status_code == 200, f"staff:{name} for office A"
            assert not shows(own.content.decode(), places["B"]), f"staff:{name}"
        else:
            response = browser.get(staff_url(name, parameters, places["A"]), follow=True)
            assert response.status_code < 500, f"staff:{name}"
            assert not shows(response.content.decode(), places["B"]), f"staff:{name}"


def test_no_staff_page_lets_the_head_of_office_b_read_office_a(places, outsider, signed_in):
    browser = signed_in(outsider)
    for name, parameters in staff_patterns():
        if parameters:
            assert browser.get(staff_url(name, parameters, places["A"])).status_code == 404
            assert browser.get(staff_url(name, parameters, places["B"])).status_code == 200


@pytest.mark.parametrize("actor", ["analyst", "administrator"])
def test_analysts_and_administrators_read_both_offices_on_every_staff_page(
    request, places, signed_in, actor
):
    browser = signed_in(request.getfixturevalue(actor))
    for name, parameters in staff_patterns():
        if parameters:
            for office in places.values():
                response = browser.get(staff_url(name, parameters, office))
                assert response.status_code == 200, f"staff:{name} for {office.slug}"
                assert shows(response.content.decode(), office), f"staff:{name}"


def test_the_staff_home_page_lists_both_offices_for_an_analyst(places, analyst, signed_in):
    html = signed_in(analyst).get(staff_url("home", [], places["A"])).content.decode()
    assert shows(html, places["A"]) and shows(html, places["B"])


# --- staff API ---------------------------------------------------------------------------------------


def test_the_walker_finds_the_staff_endpoints(db, citizen):
    paths = {path for path, _parameters in api_operations(citizen)}
    assert {"/api/v1/staff/me", "/api/v1/staff/offices", "/api/v1/staff/employees"} <= paths


def test_no_staff_endpoint_lets_the_head_of_office_a_read_office_b(places, head, citizen):
    headers = bearer(head)
    for path, parameters in api_operations(citizen):
        foreign_path, foreign_query, names_office = api_url(path, parameters, places["B"])
        if names_office:
            foreign = citizen.get(foreign_path, foreign_query, **headers)
            assert foreign.status_code == 404, f"{path} for office B"
            assert foreign.json()["message"]
            own_path, own_query, _ = api_url(path, parameters, places["A"])
            own = citizen.get(own_path, own_query, **headers)
            assert own.status_code == 200, f"{path} for office A"
            assert not shows(json.dumps(own.json(), ensure_ascii=False), places["B"]), path
        if "{" not in path:
            # Without an office filter, the answer holds nothing of office B.
            unfiltered = citizen.get(path, **headers)
            assert unfiltered.status_code == 200, path
            body = json.dumps(unfiltered.json(), ensure_ascii=False)
            assert not shows(body, places["B"]), f"{path} without a filter shows office B"


def test_no_staff_endpoint_lets_the_head_of_office_a_read_office_b_in_a_session(
    places, head, signed_in
):
    browser = signed_in(head)
    for path, parameters in api_operations(browser):
        foreign_path, foreign_query, names_office = api_url(path, parameters, places["B"])
        response = browser.get(foreign_path, foreign_query)
        if names_office:
            assert response.status_code == 404, path
        else:
            assert response.status_code == 200, path
            assert not shows(json.dumps(response.json(), ensure_ascii=False), places["B"]), path


@pytest.mark.parametrize("actor", ["analyst", "administrator"])
def test_analysts_and_administrators_read_both_offices_through_every_staff_endpoint(
    request, places, citizen, actor
):
    headers = bearer(request.getfixturevalue(actor))
    for path, parameters in api_operations(citizen):
        for office in places.values():
            office_path, query, names_office = api_url(path, parameters, office)
            response = citizen.get(office_path, query, **headers)
            assert response.status_code == 200, f"{path} for {office.slug}"
            if names_office:
                assert shows(json.dumps(response.json(), ensure_ascii=False), office), path


@pytest.mark.parametrize("actor", ["analyst", "administrator"])
def test_unfiltered_staff_lists_include_both_offices_for_those_who_see_all(
    request, places, citizen, actor
):
    headers = bearer(request.getfixturevalue(actor))
    for path in ("/api/v1/staff/offices", "/api/v1/staff/employees", "/api/v1/staff/me"):
        body = json.dumps(citizen.get(path, **headers).json(), ensure_ascii=False)
        assert "kyiv-centre" in body and "lviv-centre" in body, path


def test_every_staff_endpoint_refuses_strangers(places, citizen):
    for path, parameters in api_operations(citizen):
        office_path, query, _ = api_url(path, parameters, places["A"])
        response = citizen.get(office_path, query)
        assert response.status_code == 401, path
        assert response.json()["message"]
