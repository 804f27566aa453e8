"""Employees' figures: the table, the weakest criteria, and that colleagues never see each other."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.utils import translation

from okno.analytics import benchmarking
from okno.queueing.models import DeskSession
from okno.staff.models import Role
from tests.analytics.conftest import make_rating, make_visit
from tests.factories import EmployeeFactory

TUESDAY = dt.date(2026, 11, 17)
#: Thursday 19 November 2026, 12:00 in Kyiv.
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)
PERIOD = {"start": "2026-11-17", "end": "2026-11-17"}
EMPLOYEES = "/en/staff/analytics/employees/"
ME = "/en/staff/analytics/me/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def boris(office_a):
    return EmployeeFactory(
        username="boris", first_name="Borys", last_name="Bondar", offices=[office_a]
    )


def _rated_visits(employee, office, service, count, scores, *, first_hour=9):
    for index in range(count):
        at = f"{first_hour + index // 6}:{index % 6 * 10:02d}"
        ticket = make_visit(office, service, TUESDAY, at, waited=3, served=12, employee=employee)
        make_rating(ticket, scores)


@pytest.fixture
def rated(office_a, service_a, operator, boris):
    """On Tuesday the operator (Olena) served 10 visitors in 12 minutes each, rated
    (5, 5, 3, 4, 5): politeness 3 and comfort 4; Borys served 10 rated all 5s. Olena sat at
    window 1 from 09:00 to 14:00 local time: 5 hours."""
    _rated_visits(operator, office_a, service_a, 10, (5, 5, 3, 4, 5))
    _rated_visits(boris, office_a, service_a, 10, (5, 5, 5, 5, 5), first_hour=12)
    DeskSession.objects.create(
        employee=operator,
        service_point=office_a.service_points.get(number=1),
        opened_at=dt.datetime(2026, 11, 17, 7, 0, tzinfo=dt.UTC),
        closed_at=dt.datetime(2026, 11, 17, 12, 0, tzinfo=dt.UTC),
    )


def _person(result, employee):
    return next(p for p in result.employees if p.employee.pk == employee.pk)


# --- the table ---------------------------------------------------------------------------------


def test_each_employee_s_pace_service_time_and_ratings(office_a, operator, boris, rated):
    result = benchmarking.employee_table(office_a, TUESDAY, TUESDAY, now=NOW)
    olena = _person(result, operator)
    assert olena.served == 10
    # 10 served in 5 hours at the window.
    assert olena.visits_per_operator_hour == pytest.approx(2.0)
    assert olena.service_mean == pytest.approx(12.0)
    assert olena.ratings == 10
    # Overall (5+5+3+4+5)/5 = 4.4: every rating is satisfied.
    assert olena.satisfaction == 1.0
    # Borys never opened a window: no pace to speak of.
    assert _person(result, boris).visits_per_operator_hour is None


def test_the_weakest_criteria_are_those_furthest_below_the_office(office_a, operator, boris, rated):
    result = benchmarking.employee_table(office_a, TUESDAY, TUESDAY, now=NOW)
    olena = _person(result, operator)
    politeness = next(c for c in olena.criteria if c.name == "politeness")
    # The office: (10×3 + 10×5) / 20 = 4.0 for politeness, (10×4 + 10×5) / 20 = 4.5 for comfort.
    assert politeness.office_mean == pytest.approx(4.0)
    assert politeness.mean == pytest.approx(3.0)
    # Politeness 1.0 below, comfort 0.5 below; the other criteria are level with the office.
    assert [c.name for c in olena.weakest] == ["politeness", "comfort"]
    assert _person(result, boris).weakest == ()


def test_fewer_than_ten_ratings_are_not_enough_to_call_a_criterion_weak(
    office_a, service_a, operator, boris
):
    _rated_visits(operator, office_a, service_a, 9, (1, 1, 1, 1, 1))
    _rated_visits(boris, office_a, service_a, 10, (5, 5, 5, 5, 5), first_hour=12)
    result = benchmarking.employee_table(office_a, TUESDAY, TUESDAY, now=NOW)
    olena = _person(result, operator)
    assert not olena.enough_ratings and olena.weakest == ()
    with translation.override("en"):
        assert benchmarking.weakest_words(olena) == "not enough ratings"


def test_the_table_lists_operators_and_heads_not_the_back_office(
    office_a, operator, head, clerk, boris, rated
):
    result = benchmarking.employee_table(office_a, TUESDAY, TUESDAY, now=NOW)
    names = {p.employee.pk for p in result.employees}
    assert names == {operator.pk, head.pk, boris.pk}


def test_whoever_worked_in_the_office_is_listed_even_after_leaving_it(
    office_a, service_a, office_b
):
    leaver = EmployeeFactory(username="leaver", role=Role.OPERATOR, offices=[office_a])
    make_visit(office_a, service_a, TUESDAY, "10:00", waited=2, served=5, employee=leaver)
    leaver.offices.set([office_b])
    result = benchmarking.employee_table(office_a, TUESDAY, TUESDAY, now=NOW)
    person = _person(result, leaver)
    assert person.served == 1 and not person.in_office


# --- who sees the employees page ----------------------------------------------------------------


def test_the_head_sees_her_office_s_employees_with_links(signed_in, head, operator, rated):
    response = signed_in(head).get(EMPLOYEES, PERIOD)
    assert response.status_code == 200
    assert f"/en/staff/analytics/employees/{operator.pk}/" in response.content.decode()
    assert response.context["result"].office.slug == "kyiv-centre"


def test_the_head_of_a_may_not_open_the_employees_of_b(signed_in, head, office_b):
    assert signed_in(head).get(EMPLOYEES, {"office": "lviv-centre"}).status_code == 404


def test_the_head_of_b_may_not_open_the_employees_of_a(signed_in, outsider, office_a):
    assert signed_in(outsider).get(EMPLOYEES, {"office": "kyiv-centre"}).status_code == 404


def test_operators_may_not_open_the_employees_page(signed_in, operator):
    assert signed_in(operator).get(EMPLOYEES).status_code == 403


def test_the_analyst_may_open_any_office_s_employees(signed_in, analyst, office_a, office_b):
    response = signed_in(analyst).get(EMPLOYEES, {"office": "lviv-centre"})
    assert response.status_code == 200
    assert response.context["result"].office.slug == "lviv-centre"


# --- who sees one employee's page ---------------------------------------------------------------


def _page(employee):
    return f"/en/staff/analytics/employees/{employee.pk}/"


def test_an_operator_sees_her_own_figures(signed_in, operator, rated):
    browser = signed_in(operator)
    response = browser.get(ME, PERIOD)
    assert response.status_code == 200
    assert response.context["own"] and "My figures" in response.content.decode()
    assert [c.name for c in response.context["figures"].weakest] == ["politeness", "comfort"]
    assert browser.get(_page(operator), PERIOD).status_code == 200


def test_an_operator_asking_for_a_colleague_s_page_gets_not_found(
    signed_in, operator, boris, rated
):
    assert signed_in(operator).get(_page(boris), PERIOD).status_code == 404
    assert signed_in(boris).get(_page(operator), PERIOD).status_code == 404


def test_the_colleague_s_figures_never_appear_on_my_page(signed_in, operator, boris, rated):
    content = signed_in(boris).get(ME, PERIOD).content.decode()
    assert str(operator) not in content and "Borys Bondar" in content


def test_the_head_of_another_office_gets_not_found(signed_in, outsider, operator):
    assert signed_in(outsider).get(_page(operator)).status_code == 404


def test_an_employee_who_does_not_exist_is_not_found(signed_in, head):
    assert signed_in(head).get("/en/staff/analytics/employees/999999/").status_code == 404


@pytest.mark.parametrize("who", ["head", "analyst"])
def test_the_head_and_the_analyst_see_an_employee_s_page(request, signed_in, who, operator, rated):
    response = signed_in(request.getfixturevalue(who)).get(_page(operator), PERIOD)
    assert response.status_code == 200
    assert not response.context["own"]
    charts = {chart.id: chart for chart in response.context["criterion_charts"]}
    # Politeness: Olena's 3.0 as the bar, the office's 4.0 as the target line, below it.
    politeness = charts["criterion-politeness"]
    assert politeness.target == pytest.approx(4.0)
    assert [bar.value for bar in politeness.bars] == [pytest.approx(3.0), pytest.approx(4.0)]
    assert politeness.off_target_bars


def test_a_user_who_is_no_employee_has_no_own_page(db, django_user_model, client):
    user = django_user_model.objects.create_user("plain", password="x")
    client.force_login(user)
    assert client.get(ME).status_code == 404


# --- downloads ---------------------------------------------------------------------------------


def test_the_employees_table_downloads_as_csv_and_xlsx(signed_in, head, operator, boris, rated):
    browser = signed_in(head)
    query = {**PERIOD, "download": "employees"}
    response = browser.get(EMPLOYEES, {**query, "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == [
        "Employee",
        "Visitors served",
        "Visitors served per operator-hour",
        "Mean service time",
        "Ratings",
        "Satisfied visitors",
    ]
    assert rows[0][-1] == "Weakest criteria"
    olena = next(row for row in rows if row[0] == str(operator))
    assert olena[1:6] == ["10", "2.0", "12.0", "10", "1.0"]
    assert olena[-1] == "politeness and competence; comfort of the premises"
    assert rows[-1][0] == "Office average"

    book = openpyxl.load_workbook(
        io.BytesIO(browser.get(EMPLOYEES, {**query, "format": "xlsx"}).content)
    )
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(sheet) == len(rows)
    for from_csv, from_xlsx in zip(rows, sheet, strict=True):
        for text, cell in zip(from_csv, from_xlsx, strict=True):
            if isinstance(cell, int | float):
                assert float(text) == pytest.approx(cell)
            else:
                assert text == (cell or "")


def test_the_person_page_downloads_its_figures(signed_in, operator, rated):
    response = signed_in(operator).get(ME, {**PERIOD, "download": "figures", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Indicator", "Unit", str(operator), "Office average"]
    satisfied = next(row for row in rows if row[0] == "Satisfied visitors")
    assert satisfied[2:] == ["1.0", "1.0"]


def test_a_period_over_two_months_shows_the_monthly_trend(signed_in, operator, rated):
    response = signed_in(operator).get(ME, {"start": "2026-10-20", "end": "2026-11-19"})
    assert response.status_code == 200
    trend = response.context["trend"]
    # October: no ratings; November: all 10 satisfied.
    assert trend.series[0].values == (None, 100.0)
    assert len(trend.labels) == 2


def test_a_period_within_one_month_has_no_trend(signed_in, operator, rated):
    assert signed_in(operator).get(ME, PERIOD).context["trend"] is None
