"""The KPI dashboard: who may open it, what each person sees, and bad filters."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from okno.queueing.models import Ticket
from tests.analytics.conftest import make_rating, make_visit

URL = "/en/staff/analytics/"
#: Thursday 19 November 2026, 12:00 in Kyiv.
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def activity(office_a, office_b, service_a, service_b):
    """Office A: two visits on Tuesday, one rated 5s; office B: three visits."""
    tuesday = dt.date(2026, 11, 17)
    rated = make_visit(office_a, service_a, tuesday, "09:00", waited=4, served=10)
    make_rating(rated, (5, 5, 5, 5, 5))
    make_visit(office_a, service_a, tuesday, "10:00", waited=30, served=10)
    for hour in ("09:00", "10:00", "11:00"):
        make_visit(office_b, service_b, tuesday, hour, waited=1, served=5)


def test_signed_out_visitors_are_sent_to_sign_in(citizen):
    response = citizen.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["operator", "clerk"])
def test_operators_and_the_back_office_may_not_open_it(request, signed_in, who):
    assert signed_in(request.getfixturevalue(who)).get(URL).status_code == 403


def test_the_head_sees_her_office_only(signed_in, head, activity):
    response = signed_in(head).get(URL)
    assert response.status_code == 200
    tiles = {kpi.key: kpi.value for kpi in response.context["report"].kpis}
    assert tiles["visits"] == 2
    assert tiles["satisfaction"] == 1.0
    # 4 and 30 minutes: one of two within the 15-minute norm.
    assert tiles["wait_within_norm"] == 0.5
    assert [o.slug for o in response.context["offices"]] == ["kyiv-centre"]
    content = response.content.decode()
    assert "How it is computed" in content and "lviv" not in content.lower()


def test_asking_for_another_office_is_refused_with_a_message(signed_in, head, activity):
    response = signed_in(head).get(URL, {"office": "lviv-centre"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_analyst_sees_every_office_and_can_narrow_to_one(signed_in, analyst, activity):
    browser = signed_in(analyst)
    every = {k.key: k.value for k in browser.get(URL).context["report"].kpis}
    assert every["visits"] == 5
    one = browser.get(URL, {"office": "lviv-centre"})
    assert {k.key: k.value for k in one.context["report"].kpis}["visits"] == 3


def test_a_period_ending_before_it_starts_is_a_clear_error(signed_in, head):
    response = signed_in(head).get(URL, {"start": "2026-11-19", "end": "2026-11-01"})
    assert response.status_code == 400
    assert "The first day must not be after the last." in response.content.decode()


def test_a_malformed_date_is_a_clear_error_not_a_crash(signed_in, head):
    response = signed_in(head).get(URL, {"start": "yesterday", "service": "x"})
    assert response.status_code == 400


def test_the_page_speaks_ukrainian(signed_in, head, activity):
    response = signed_in(head).get("/uk/staff/analytics/")
    assert response.status_code == 200
    assert 'lang="uk"' in response.content.decode()


def test_by_week_the_trend_has_one_point_per_week(signed_in, head, activity):
    response = signed_in(head).get(
        URL, {"start": "2026-11-01", "end": "2026-11-19", "granularity": "week"}
    )
    series = response.context["series"]
    assert [point["start"] for point in series] == [dt.date(2026, 11, 16)]
    assert series[0]["visits"] == 2


def test_no_show_counts_walk_ins_never_called(signed_in, head, office_a, service_a):
    make_visit(
        office_a, service_a, dt.date(2026, 11, 18), "09:00", outcome=Ticket.Outcome.CANCELLED
    )
    tiles = {k.key: k.value for k in signed_in(head).get(URL).context["report"].kpis}
    assert tiles["not_called"] == 1


def test_the_page_draws_its_charts_with_text_alternatives(signed_in, head, activity):
    content = signed_in(head).get(URL).content.decode()
    for chart_id in ("trend-satisfaction", "criteria", "wait-distribution", "arrivals"):
        assert f'id="{chart_id}' in content
    assert content.count('role="img"') >= 4
    assert "Figures as a table" in content


def test_a_service_drills_down(signed_in, analyst, activity, service_b):
    response = signed_in(analyst).get(URL, {"service": service_b.pk})
    assert {k.key: k.value for k in response.context["report"].kpis}["visits"] == 3
    assert [row["name"] for row in response.context["per_service"]] == ["Registration"]


def test_every_table_downloads_as_csv_and_xlsx(signed_in, head, activity):
    import io

    import openpyxl

    browser = signed_in(head)
    csv_response = browser.get(URL, {"download": "services", "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Service,Visits,Ratings")
    # Passport: 2 visits, 1 rating, satisfied 1.0, waits 4 and 30 → mean 17 min.
    assert lines[1].startswith("Passport,2,1,1.0,17.0")
    xlsx = browser.get(URL, {"download": "kpis", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Visits"] == 2
    assert rows["Satisfied visitors"] == 1.0
    for table in ("criteria", "trend", "arrivals"):
        response = browser.get(URL, {"download": table, "format": "xlsx"})
        assert response.status_code == 200 and response.content[:2] == b"PK"


def test_an_unknown_download_is_a_400_that_lists_what_there_is(signed_in, head, activity):
    response = signed_in(head).get(URL, {"download": "secrets", "format": "exe"})
    assert response.status_code == 400
    assert (
        "kpis, criteria" in response.content.decode() and "csv, xlsx" in response.content.decode()
    )


def test_satisfaction_by_group_hides_groups_smaller_than_ten(signed_in, head, office_a, service_a):
    tuesday = dt.date(2026, 11, 17)
    for n in range(10):
        rated = make_visit(office_a, service_a, tuesday, "09:00", waited=1, served=5)
        make_rating(rated, (5, 5, 5, 5, 5) if n < 9 else (2, 2, 2, 2, 2), gender="woman")
    for _ in range(3):
        rated = make_visit(office_a, service_a, tuesday, "10:00", waited=1, served=5)
        make_rating(rated, (1, 1, 1, 1, 1), gender="man")
    response = signed_in(head).get(URL)
    rows = {row["value"]: row for row in response.context["per_group"]}
    # Women: 10 ratings, 9 satisfied; mean (9 × 25 + 10) / 50 = 4.7.
    assert rows["woman"]["ratings"] == 10 and rows["woman"]["satisfaction"] == 0.9
    assert rows["woman"]["mean"] == pytest.approx(4.7)
    # Men: 3 ratings, fewer than 10: nothing of theirs is shown, nor downloadable.
    assert rows["man"]["shown"] is False and rows["man"]["satisfaction"] is None
    assert "too few ratings to show" in response.content.decode()
    csv_text = signed_in(head).get(URL, {"download": "groups", "format": "csv"}).content
    assert csv_text.decode("utf-8-sig").splitlines()[1:] == [
        "gender,man,,,",
        "gender,woman,10,0.9,4.7",
    ]


def test_by_channel_and_by_service_group(signed_in, head, office_a, service_a):
    from tests.factories import ServiceFactory

    other = ServiceFactory(offices=[office_a])
    tuesday = dt.date(2026, 11, 17)
    make_visit(office_a, service_a, tuesday, "09:00", waited=1, served=5)
    make_visit(office_a, service_a, tuesday, "09:10", waited=2, served=5, source="booking")
    make_visit(office_a, other, tuesday, "09:20", waited=3, served=5)
    browser = signed_in(head)
    channels = {row["channel"]: row["visits"] for row in browser.get(URL).context["per_channel"]}
    assert channels == {"kiosk": 2, "booking": 1}
    if other.group_id != service_a.group_id:
        narrowed = browser.get(URL, {"group": other.group_id}).context["report"]
        assert {k.key: k.value for k in narrowed.kpis}["visits"] == 1


def test_tiles_draw_their_trend_when_the_period_has_one(signed_in, head, office_a, service_a):
    make_visit(office_a, service_a, dt.date(2026, 11, 16), "09:00", waited=2, served=5)
    make_visit(office_a, service_a, dt.date(2026, 11, 17), "09:00", waited=20, served=5)
    content = signed_in(head).get(URL).content.decode()
    assert 'id="spark-wait-mean' in content and 'id="spark-visits' in content
    # Mean wait over the period: 2, then 20 minutes.
    assert "From 2 to 20; lowest 2, highest 20." in content


def test_days_not_rolled_up_beyond_the_live_limit_are_left_out_and_said_so(
    signed_in, head, office_a, service_a, monkeypatch
):
    from okno.analytics import selectors

    monkeypatch.setattr(selectors, "MAX_LIVE_OFFICE_DAYS", 2)
    for day in (16, 17, 18):
        make_visit(office_a, service_a, dt.date(2026, 11, day), "09:00", waited=1, served=5)
    response = signed_in(head).get(URL, {"start": "2026-11-13", "end": "2026-11-19"})
    report = response.context["report"]
    # Six past days (13–18 November), the newest two computed live: the 17th and the 18th.
    assert report.incomplete_office_days == 4
    assert {k.key: k.value for k in report.kpis}["visits"] == 2
    assert "4 office-days of this period are not in the figures yet" in response.content.decode()
