"""The public open-data page of an office: anybody may read it, it holds aggregates only and
withholds thin figures, it speaks JSON too, and it is served from the cache for a minute."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from okno.analytics.services import refresh_due
from okno.queueing.models import Ticket
from tests.analytics.conftest import make_rating, make_visit
from tests.factories import EmployeeFactory

URL = "/en/offices/kyiv-centre/performance/"
#: Thursday 19 November 2026, 12:00 in Kyiv: "last month" is October 2026.
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 19)
OCTOBER = dt.date(2026, 10, 6)
SEPTEMBER = dt.date(2026, 9, 8)
ALL_FIVES = (5, 5, 5, 5, 5)
ALL_TWOS = (2, 2, 2, 2, 2)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def zoryana(office_a):
    """An operator with a name nobody could mistake for anything else on the page."""
    return EmployeeFactory(
        username="zoryana.v", first_name="Zoryana", last_name="Vyshyvanenko", offices=[office_a]
    )


@pytest.fixture
def today(office_a, service_a, zoryana):
    """Ten visits called today (five after 6 minutes, five after 20) and two still waiting."""
    for waited in (6, 20) * 5:
        make_visit(office_a, service_a, TODAY, "09:00", waited=waited, served=5, employee=zoryana)
    for at in ("11:40", "11:50"):
        _waiting(make_visit(office_a, service_a, TODAY, at, outcome=Ticket.Outcome.CANCELLED))


@pytest.fixture
def october(office_a, service_a, zoryana):
    """October: ten rated visits, each called after 4 minutes; nine gave all fives, one all twos."""
    for scores in [ALL_FIVES] * 9 + [ALL_TWOS]:
        ticket = make_visit(
            office_a, service_a, OCTOBER, "10:00", waited=4, served=8, employee=zoryana
        )
        make_rating(
            ticket, scores, comment="Zoryana Vyshyvanenko helped me, call me on +380671234567"
        )


def test_anybody_may_read_it_and_it_names_nobody(citizen, today, october):
    response = citizen.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    opendata = citizen.get(URL, {"format": "json"}).content.decode()
    for personal in ("Zoryana", "Vyshyvanenko", "zoryana.v", "+380671234567"):
        assert personal not in page
        assert personal not in opendata
    assert "How Kyiv service centre is doing" in page


def test_today_shows_the_live_queue(citizen, today):
    figures = _figures(citizen.get(URL, {"format": "json"}))["today"]["figures"]
    # Twelve tickets issued today; the two not called yet are the people waiting now.
    assert figures["visits"]["value"] == 12
    assert figures["waiting_now"]["value"] == 2
    # (5 × 6 + 5 × 20) ÷ 10 called visitors = 13 minutes; 6 is within the 15-minute norm, 20 not.
    assert figures["wait_mean"]["value"] == pytest.approx(13.0)
    assert figures["wait_mean"]["base"] == 10 and figures["wait_mean"]["withheld"] is False
    assert figures["wait_within_norm"]["value"] == 0.5
    page = citizen.get(URL).content.decode()
    assert "13.0 min" in page and "50.0 %" in page


def test_last_month_shows_satisfaction_against_its_target(citizen, october):
    figures = _figures(citizen.get(URL, {"format": "json"}))["last_month"]
    assert figures["month"] == "2026-10"
    satisfaction = figures["figures"]["satisfaction"]
    # Nine of ten ratings have an overall score of 4 or more: 90 %, exactly the target.
    assert satisfaction["value"] == 0.9
    assert satisfaction["target"] == 0.9
    assert satisfaction["meets_target"] is True
    assert figures["figures"]["wait_mean"]["value"] == 4.0
    assert figures["figures"]["wait_within_norm"]["value"] == 1.0
    page = citizen.get(URL).content.decode()
    assert "Last month (October 2026)" in page
    assert "target met" in page and "target 90.0 %" in page


def test_figures_on_fewer_than_ten_ratings_or_waits_are_withheld(citizen, office_a, service_a):
    for _ in range(9):
        make_rating(
            make_visit(office_a, service_a, OCTOBER, "10:00", waited=30, served=8), ALL_TWOS
        )
    for _ in range(9):
        make_visit(office_a, service_a, TODAY, "09:00", waited=25, served=5)
    page = citizen.get(URL).content.decode()
    assert "Not enough ratings yet to show." in page
    assert "Not enough visits yet to show." in page
    # Only the two counts of today (visits, waiting now) show a value.
    assert page.count('class="kpi-tile__value"') == 2
    assert "30.0 min" not in page and "25.0 min" not in page
    data = _figures(citizen.get(URL, {"format": "json"}))
    satisfaction = data["last_month"]["figures"]["satisfaction"]
    assert satisfaction["value"] is None and satisfaction["withheld"] is True
    assert satisfaction["base"] == 9
    assert data["today"]["figures"]["wait_mean"]["value"] is None
    # A count is not a sample: today's nine visits are shown.
    assert data["today"]["figures"]["visits"]["value"] == 9
    assert data["satisfaction_trend"][-1] == {
        "month": "2026-10",
        "satisfaction": None,
        "ratings": 9,
    }


def test_the_json_has_every_figure_with_its_words_and_a_licence(
    citizen, office_a, service_a, today, october
):
    for _ in range(10):
        make_rating(make_visit(office_a, service_a, SEPTEMBER, "10:00", waited=3), ALL_FIVES)
    # The nightly rollups built up to yesterday: the same figures, read from the rollup tables.
    refresh_due(NOW)
    response = citizen.get(URL, {"format": "json"})
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = _figures(response)
    assert set(data) == {
        "office",
        "generated_at",
        "license",
        "minimum_base",
        "today",
        "last_month",
        "satisfaction_trend",
    }
    assert data["office"] == {"slug": "kyiv-centre", "name": "Kyiv service centre"}
    assert data["generated_at"] == "2026-11-19T12:00:00+02:00"
    assert "CC BY 4.0" in data["license"] and data["minimum_base"] == 10
    assert data["today"]["date"] == "2026-11-19"
    assert set(data["today"]["figures"]) == {
        "visits",
        "waiting_now",
        "wait_mean",
        "wait_within_norm",
    }
    assert set(data["last_month"]["figures"]) == {"satisfaction", "wait_mean", "wait_within_norm"}
    for figure in [*data["today"]["figures"].values(), *data["last_month"]["figures"].values()]:
        assert set(figure) == {
            "label",
            "value",
            "unit",
            "base",
            "withheld",
            "target",
            "meets_target",
            "formula",
        }
        assert figure["formula"]
    trend = data["satisfaction_trend"]
    assert [point["month"] for point in trend][:2] == ["2025-11", "2025-12"]
    assert len(trend) == 12
    assert trend[-2] == {"month": "2026-09", "satisfaction": 1.0, "ratings": 10}
    assert trend[-1] == {"month": "2026-10", "satisfaction": 0.9, "ratings": 10}
    assert trend[0] == {"month": "2025-11", "satisfaction": None, "ratings": 0}


def test_a_second_request_within_the_minute_does_not_touch_the_database(
    citizen, office_a, service_a, today, django_assert_num_queries, _frozen
):
    first = citizen.get(URL)
    with django_assert_num_queries(0):
        second = citizen.get(URL)
    assert second.content == first.content
    assert "max-age=60" in second["Cache-Control"] and "public" in second["Cache-Control"]
    # Another language is a page of its own.
    assert 'lang="uk"' in citizen.get("/uk/offices/kyiv-centre/performance/").content.decode()
    # A visit that arrives meanwhile shows once the minute is over (today's figures are shared
    # for a minute, whichever form of the page asks).
    make_visit(office_a, service_a, TODAY, "11:55", outcome=Ticket.Outcome.CANCELLED)
    json_today = _figures(citizen.get(URL, {"format": "json"}))["today"]["figures"]
    assert json_today["visits"]["value"] == 12
    assert citizen.get(URL).content == first.content
    _frozen.shift(dt.timedelta(seconds=61))
    assert citizen.get(URL).content != first.content
    later = _figures(citizen.get(URL, {"format": "json"}))["today"]["figures"]
    assert later["visits"]["value"] == 13


def test_the_trend_table_downloads_as_a_spreadsheet(citizen, october):
    response = citizen.get(URL, {"download": "trend", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Month,Ratings,Satisfied visitors"
    assert lines[-1] == "2026-10,10,0.9"


def test_other_parameters_lead_back_to_the_plain_page(citizen, office_a):
    response = citizen.get(URL, {"utm_source": "x"})
    assert response.status_code == 302 and response["Location"] == URL
    assert citizen.get(URL, {"format": "xml"}).status_code == 302


def test_an_unknown_or_closed_office_is_not_found(citizen, office_a):
    assert citizen.get("/en/offices/nowhere/performance/").status_code == 404
    office_a.is_active = False
    office_a.save()
    assert citizen.get(URL).status_code == 404


def test_the_page_speaks_ukrainian(citizen, today, october):
    response = citizen.get("/uk/offices/kyiv-centre/performance/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="uk"' in page and "ЦНАП Київ" in page


def test_the_office_page_links_to_it(citizen, office_a):
    page = citizen.get("/en/offices/kyiv-centre/").content.decode()
    assert 'href="/en/offices/kyiv-centre/performance/"' in page


# --- helpers ------------------------------------------------------------------------------------


def _waiting(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(
        state=Ticket.State.WAITING, outcome="", finished_at=None
    )


def _figures(response) -> dict:
    assert response.status_code == 200
    return json.loads(response.content)
