"""GET /api/v1/kpi: figures with their definitions, office-scoped, employees kept apart."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from okno.staff import services as staff_services
from okno.staff.models import Role
from tests.analytics.conftest import make_rating, make_visit
from tests.factories import EmployeeFactory

URL = "/api/v1/kpi"
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)
TUESDAY = dt.date(2026, 11, 17)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _as(employee) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {staff_services.issue_token(employee.user)}"}


@pytest.fixture
def anna(office_a):
    return EmployeeFactory(username="anna", role=Role.OPERATOR, offices=[office_a])


@pytest.fixture
def activity(office_a, office_b, service_a, service_b, operator, anna):
    # Anna: served 10 and 20 minutes, rated all 5s and all 3s; the other operator one visit.
    first = make_visit(office_a, service_a, TUESDAY, "09:00", waited=5, served=10, employee=anna)
    second = make_visit(office_a, service_a, TUESDAY, "09:30", waited=5, served=20, employee=anna)
    make_rating(first, (5, 5, 5, 5, 5))
    make_rating(second, (3, 3, 3, 3, 3))
    make_visit(office_a, service_a, TUESDAY, "10:00", waited=5, served=4, employee=operator)
    make_visit(office_b, service_b, TUESDAY, "10:00", waited=1, served=5)


def _values(response) -> dict[str, float | None]:
    return {row["key"]: row["value"] for row in response.json()["kpis"]}


def test_the_head_gets_her_offices_figures_with_definitions(head, activity):
    response = Client().get(
        URL, {"from": "2026-11-01", "to": "2026-11-19", "lang": "en"}, **_as(head)
    )
    assert response.status_code == 200
    body = response.json()
    values = _values(response)
    assert values["visits"] == 3
    assert values["satisfaction"] == 0.5
    satisfaction = next(row for row in body["kpis"] if row["key"] == "satisfaction")
    assert satisfaction["target"] == 0.9 and satisfaction["meets_target"] is False
    assert "4 or more" in satisfaction["formula"]


def test_another_office_is_not_found(head, office_b, activity):
    response = Client().get(URL, {"office": office_b.pk}, **_as(head))
    assert response.status_code == 404


def test_an_employee_sees_her_own_figures_and_nobody_elses(anna, operator, activity):
    mine = Client().get(URL, {"employee": anna.pk}, **_as(anna))
    assert mine.status_code == 200
    values = _values(mine)
    assert values["satisfaction"] == 0.5
    assert values["service_mean"] == 15  # (10 + 20) / 2
    assert Client().get(URL, {"employee": operator.pk}, **_as(anna)).status_code == 404
    # Nor the office's figures, which include her colleagues'.
    assert Client().get(URL, **_as(anna)).status_code == 403


def test_the_head_sees_each_employee(head, anna, activity):
    assert _values(Client().get(URL, {"employee": anna.pk}, **_as(head)))["service_mean"] == 15


def test_a_weekly_series(head, activity):
    body = Client().get(URL, {"granularity": "week"}, **_as(head)).json()
    assert body["series"][-1]["start"] == "2026-11-16" and body["series"][-1]["visits"] == 3


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-11-19", "to": "2026-11-01"},
        {"from": "2020-01-01", "to": "2026-11-01"},
    ],
)
def test_a_bad_period_is_a_400_in_the_callers_language(head, query):
    response = Client().get(URL, {**query, "lang": "pl"}, **_as(head))
    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("query", [{"from": "soon"}, {"granularity": "year"}, {"office": "0"}])
def test_malformed_parameters_are_a_422(head, query):
    assert Client().get(URL, query, **_as(head)).status_code == 422


def test_without_a_token_it_is_a_401(db):
    assert Client().get(URL).status_code == 401
