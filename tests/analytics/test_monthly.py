"""The printable monthly report: one office-month against the month before, for those who may
see the office's figures."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from okno.analytics.services import refresh_due
from tests.analytics.conftest import make_rating, make_visit

URL = "/en/staff/analytics/report/kyiv-centre/2026/10/"
#: Thursday 19 November 2026, 12:00 in Kyiv.
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def two_months(office_a, service_a):
    """September: waits of 2 and 6 minutes, one rating of all fives.
    October: Thursday the 1st a wait of 4 (rated all fives); Tuesday the 6th waits of 10 (rated
    all threes) and 16 minutes. Rollups built as the nightly job would."""
    september = dt.date(2026, 9, 8)
    make_rating(make_visit(office_a, service_a, september, "09:00", waited=2, served=10), (5,) * 5)
    make_visit(office_a, service_a, september, "09:30", waited=6, served=10)
    thursday, tuesday = dt.date(2026, 10, 1), dt.date(2026, 10, 6)
    make_rating(make_visit(office_a, service_a, thursday, "09:00", waited=4, served=10), (5,) * 5)
    make_rating(make_visit(office_a, service_a, tuesday, "10:00", waited=10, served=10), (3,) * 5)
    make_visit(office_a, service_a, tuesday, "10:30", waited=16, served=10)
    refresh_due(NOW)


def test_each_kpi_is_set_against_last_month(signed_in, head, two_months):
    response = signed_in(head).get(URL)
    assert response.status_code == 200
    rows = _rows(response)
    # (4 + 10 + 16) ÷ 3 = 10 minutes against (2 + 6) ÷ 2 = 4: six minutes longer, which is worse.
    wait = rows["wait_mean"]
    assert wait["value"] == pytest.approx(10.0) and wait["previous"] == pytest.approx(4.0)
    assert wait["change"]["value"] == pytest.approx(6.0)
    assert wait["change"]["text"] == "+6.0 min" and wait["change"]["direction"] == "worse"
    # One of two ratings satisfied (50 %) against one of one (100 %): 50 points down, below 90 %.
    satisfaction = rows["satisfaction"]
    assert satisfaction["value"] == 0.5 and satisfaction["previous"] == 1.0
    assert satisfaction["change"]["text"] == "−50.0 pp"
    assert satisfaction["change"]["direction"] == "worse"
    assert satisfaction["meets_target"] is False
    # 4 and 10 are within the 15-minute norm, 16 is not: 2/3 against 2/2.
    assert rows["wait_within_norm"]["value"] == pytest.approx(2 / 3)
    assert rows["wait_within_norm"]["change"]["value"] == pytest.approx(-1 / 3)
    assert rows["visits"]["value"] == 3 and rows["visits"]["change"]["text"] == "+1"
    # Complaints and applications have their sections.
    assert {"complaints_per_1000", "complaints_open", "cases_on_time", "case_days"} <= set(rows)


def test_the_criteria_weeks_and_busiest_hours(signed_in, head, two_months):
    context = signed_in(head).get(URL).context
    politeness = next(row for row in context["criteria"] if row["name"] == "politeness")
    # Scores 5 and 3: mean 4; one of two gave 4 or 5; September's single rating gave 5.
    assert politeness["mean"] == 4.0 and politeness["top"] == 0.5
    assert politeness["previous_mean"] == 5.0
    weeks = [(w["start"], w["visits"], w["satisfaction"]) for w in context["weeks"]]
    # The week of Monday 28 September is shown from 1 October, the month's first day.
    assert weeks == [(dt.date(2026, 10, 1), 1, 1.0), (dt.date(2026, 10, 5), 2, 0.0)]
    busiest = [(b["weekday"], b["hour"], b["visits"], b["wait"]) for b in context["busiest"]]
    # Tuesday 10–11: two arrivals on the one Tuesday with visits, waits (10 + 16) ÷ 2 = 13.
    assert busiest == [(2, 10, 2.0, 13.0), (4, 9, 1.0, 4.0)]


def test_the_page_is_ready_to_print(signed_in, head, two_months):
    page = signed_in(head).get(URL).content.decode()
    assert "Kyiv service centre: report for October 2026" in page
    assert "print-report.css" in page and "window.print()" in page
    assert "+6.0 min" in page and "−50.0 pp" in page
    assert "Generated Nov. 19, 2026, noon (Europe/Kyiv)." in page
    assert "Tuesday, 10:00–11:00" in page
    assert "Complaints per 1,000 visits" in page and "Applications decided in time" in page


def test_each_table_downloads(signed_in, head, two_months):
    response = signed_in(head).get(URL, {"download": "weeks", "format": "csv"})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Week from,Visits,Ratings")
    assert lines[1].startswith("2026-10-01,1,1,1.0")
    xlsx = signed_in(head).get(URL, {"download": "kpis", "format": "xlsx"})
    assert xlsx["Content-Disposition"].endswith('kyiv-centre-2026-10-kpis.xlsx"')


def test_the_current_month_is_the_month_so_far(signed_in, head, two_months):
    response = signed_in(head).get("/en/staff/analytics/report/kyiv-centre/2026/11/")
    assert response.status_code == 200
    assert response.context["end"] == dt.date(2026, 11, 19)
    assert "the month so far" in response.content.decode()


@pytest.mark.parametrize("month", ["2026/12", "2027/1", "2026/13", "2026/0", "1/1", "99999/1"])
def test_a_month_to_come_or_no_month_is_not_found(signed_in, head, month):
    url = f"/en/staff/analytics/report/kyiv-centre/{month}/"
    assert signed_in(head).get(url).status_code == 404


def test_a_month_without_data_shows_dashes_and_says_why(signed_in, head, office_a):
    response = signed_in(head).get("/en/staff/analytics/report/kyiv-centre/2026/08/")
    assert response.status_code == 200
    assert "No visits or ratings were recorded in this month" in response.content.decode()
    rows = _rows(response)
    assert rows["visits"]["value"] is None and rows["wait_mean"]["value"] is None
    assert rows["satisfaction"]["change"] is None
    assert response.context["weeks"] == [] and response.context["busiest"] == []


def test_another_offices_head_gets_not_found(signed_in, outsider, two_months):
    assert signed_in(outsider).get(URL).status_code == 404


def test_an_operator_gets_not_found_and_a_stranger_is_sent_to_sign_in(
    signed_in, operator, citizen, office_a
):
    assert signed_in(operator).get(URL).status_code == 404
    response = citizen.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_analyst_may_read_any_office(signed_in, analyst, office_b):
    url = "/en/staff/analytics/report/lviv-centre/2026/10/"
    assert signed_in(analyst).get(url).status_code == 200


def test_the_report_speaks_ukrainian(signed_in, head, two_months):
    response = signed_in(head).get("/uk/staff/analytics/report/kyiv-centre/2026/10/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="uk"' in page and "ЦНАП Київ" in page


def _rows(response) -> dict:
    return {
        row["kpi"].key: row for section in response.context["sections"] for row in section["rows"]
    }
