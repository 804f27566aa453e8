"""Error pages: JSON for API clients, a page with a way back for people."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from okno.core.views import healthz, not_found, server_error


@pytest.fixture
def requests():
    return RequestFactory()


def test_not_found_is_json_under_the_api(requests, db):
    response = not_found(requests.get("/api/v1/whatever"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_not_found_is_a_page_elsewhere(requests, db):
    with translation.override("en"):
        response = not_found(requests.get("/en/whatever/"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'href="/en/"' in html


def test_server_error_is_json_under_the_api(requests):
    response = server_error(requests.get("/api/v1/offices"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b"message" in response.content


def test_server_error_is_a_static_page_elsewhere_that_needs_no_database(requests):
    # No `db` fixture: touching the database here would fail the test.
    response = server_error(requests.get("/uk/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_healthz_refuses_writes(requests, db):
    assert healthz(requests.post("/healthz")).status_code == 405


def test_healthz_is_never_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
