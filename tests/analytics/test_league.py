"""The league of offices: the best marked per KPI, strengths and weaknesses, who sees what, files."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.utils import translation

from okno.analytics import benchmarking, services
from okno.analytics import kpis as k
from okno.analytics.benchmarking import LeagueCell, LeagueRow
from tests.analytics.conftest import make_visit
from tests.factories import OfficeFactory, ServiceFactory

URL = "/en/staff/analytics/league/"
TUESDAY = dt.date(2026, 11, 17)
#: Thursday 19 November 2026, 12:00 in Kyiv.
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def office_c(db):
    return OfficeFactory(
        slug="odesa-centre",
        name={"uk": "ЦНАП Одеса", "en": "Odesa service centre"},
        weekday_hours=("08:00", "17:00"),
    )


@pytest.fixture
def service_c(office_c):
    return ServiceFactory(code="C01", name={"en": "Licence"}, offices=[office_c])


def _visits(office, service, count, *, waited, served=10):
    for index in range(count):
        make_visit(
            office,
            service,
            TUESDAY,
            f"{9 + index // 20}:{index % 20 * 3:02d}",
            waited=waited,
            served=served,
        )


@pytest.fixture
def three_offices(office_a, office_b, office_c, service_a, service_b, service_c):
    """30 visits each on Tuesday, all served in 10 minutes, after waits of 2 (A), 10 (B) and
    20 minutes (C): against the 15-minute norm A and B are all within it, C none."""
    _visits(office_a, service_a, 30, waited=2)
    _visits(office_b, service_b, 30, waited=10)
    _visits(office_c, service_c, 30, waited=20)
    return office_a, office_b, office_c


def _row(result, key):
    return next(row for row in result.rows if row.definition.key == key)


# --- the best of each row --------------------------------------------------------------------


def test_the_shortest_wait_is_best_because_lower_is_better(three_offices):
    result = benchmarking.league(three_offices, TUESDAY, TUESDAY, now=NOW)
    wait = _row(result, "wait_mean")
    assert [cell.kpi.value for cell in wait.cells] == [2, 10, 20]
    assert [office.slug for office in wait.best] == ["kyiv-centre"]


def test_built_rollups_give_the_same_league_as_live_rows(three_offices):
    live = benchmarking.league(three_offices, TUESDAY, TUESDAY, now=NOW)
    for office in three_offices:
        services.refresh_day(office, TUESDAY, now=NOW)
    built = benchmarking.league(three_offices, TUESDAY, TUESDAY, now=NOW)
    assert built.table().rows == live.table().rows
    assert [office.slug for office in _row(built, "wait_mean").best] == ["kyiv-centre"]


def test_a_tie_marks_every_office_that_shares_the_best(three_offices):
    result = benchmarking.league(three_offices, TUESDAY, TUESDAY, now=NOW)
    within = _row(result, "wait_within_norm")
    assert [cell.kpi.value for cell in within.cells] == [1.0, 1.0, 0.0]
    assert [office.slug for office in within.best] == ["kyiv-centre", "lviv-centre"]


def test_counts_are_shown_but_never_ranked(three_offices):
    visits = _row(benchmarking.league(three_offices, TUESDAY, TUESDAY, now=NOW), "visits")
    assert [cell.kpi.value for cell in visits.cells] == [30, 30, 30]
    assert not visits.ranked and visits.best == ()


def test_per_criterion_means_are_left_out_and_empty_rows_dropped(three_offices):
    keys = {row.definition.key for row in benchmarking.league(three_offices, TUESDAY, TUESDAY).rows}
    assert "politeness_mean" not in keys
    # Nobody rated anything, so no office has a satisfaction figure: the row is not shown.
    assert "satisfaction" not in keys and "wait_mean" in keys


def test_figures_on_too_few_observations_are_not_marked_best(
    office_a, office_b, service_a, service_b
):
    _visits(office_a, service_a, 5, waited=2)
    _visits(office_b, service_b, 29, waited=10)
    result = benchmarking.league([office_a, office_b], TUESDAY, TUESDAY, now=NOW)
    assert _row(result, "wait_mean").best == ()
    assert all(not p.strengths and not p.weaknesses for p in result.profiles)


def _kpi(key, value, base=100):
    return k.kpi(key, value, base)


@pytest.mark.parametrize(
    ("key", "values", "best"),
    [
        ("satisfaction", [0.8, 0.9, 0.7], {1}),
        ("wait_mean", [12.0, 6.0, 9.0], {1}),
        ("wait_mean", [6.0, 6.0, 9.0], {0, 1}),
        # None is never best, even where lower is better.
        ("wait_mean", [None, 6.0, 9.0], {1}),
        # One office with a figure is no comparison.
        ("wait_mean", [None, 6.0, None], set()),
        # Everybody equal: nobody to learn from.
        ("wait_mean", [6.0, 6.0, 6.0], set()),
    ],
)
def test_best_indexes(key, values, best):
    assert benchmarking.best_indexes([_kpi(key, value) for value in values]) == best


def test_a_small_base_cannot_be_best_however_good():
    kpis = [_kpi("satisfaction", 1.0, base=3), _kpi("satisfaction", 0.7), _kpi("satisfaction", 0.8)]
    assert benchmarking.best_indexes(kpis) == {2}


# --- strengths and weaknesses -----------------------------------------------------------------


@pytest.fixture
def profiled(office_a, office_b, office_c):
    """Offices X (A), Y (B) and Z (C), with direction-aware z-scores worked out by hand:

    satisfaction 0.9/0.8/0.7: mean 0.8, spread √(0.02/3) → +1.22, 0, −1.22
    wait_mean (lower better) 12/6/6: mean 8, spread √8 → −1.41, +0.71, +0.71
    service_mean (lower better) 5/5/8: mean 6, spread √2 → +0.71, +0.71, −1.41
    loyalty 50 (on 10 answers: too few)/20/10: Y and Z only, mean 15, spread 5 → +1, −1
    complaints_per_1000 (lower better) 1/2/3: mean 2, spread √(2/3) → +1.22, 0, −1.22
    service_within_norm 0.5 everywhere: no spread, tells nothing
    visits: a count, never ranked
    """
    offices = (office_a, office_b, office_c)
    figures = {
        "satisfaction": [_kpi("satisfaction", v) for v in (0.9, 0.8, 0.7)],
        "wait_mean": [_kpi("wait_mean", v) for v in (12.0, 6.0, 6.0)],
        "service_mean": [_kpi("service_mean", v) for v in (5.0, 5.0, 8.0)],
        "loyalty": [_kpi("loyalty", 50.0, 10), _kpi("loyalty", 20.0), _kpi("loyalty", 10.0)],
        "complaints_per_1000": [_kpi("complaints_per_1000", v) for v in (1.0, 2.0, 3.0)],
        "service_within_norm": [_kpi("service_within_norm", 0.5) for _ in range(3)],
        "visits": [_kpi("visits", v) for v in (1000.0, 10.0, 5.0)],
    }
    rows = [
        LeagueRow(
            k.DEFINITIONS[key],
            tuple(LeagueCell(office, kpi) for office, kpi in zip(offices, kpis, strict=True)),
            ranked=key != "visits",
        )
        for key, kpis in figures.items()
    ]
    return {p.office.slug: p for p in benchmarking.profiles(offices, rows)}


def _keys(findings):
    return [finding.definition.key for finding in findings]


def test_strengths_are_the_highest_scores_ties_going_to_the_larger_relative_gap(profiled):
    # X: complaints and satisfaction both +1.22 (complaints 50 % better than the mean,
    # satisfaction 12.5 %), then service time +0.71.
    assert _keys(profiled["kyiv-centre"].strengths) == [
        "complaints_per_1000",
        "satisfaction",
        "service_mean",
    ]
    # Y: loyalty +1, then wait (25 % better) before service time (17 % better), both +0.71.
    assert _keys(profiled["lviv-centre"].strengths) == ["loyalty", "wait_mean", "service_mean"]
    assert _keys(profiled["odesa-centre"].strengths) == ["wait_mean"]


def test_weaknesses_are_the_lowest_three_and_only_below_the_others(profiled):
    assert _keys(profiled["kyiv-centre"].weaknesses) == ["wait_mean"]
    # Y is nowhere behind: no weakness is invented for it.
    assert profiled["lviv-centre"].weaknesses == ()
    # Z: service −1.41, complaints and satisfaction −1.22; loyalty (−1) is the fourth, left out.
    assert _keys(profiled["odesa-centre"].weaknesses) == [
        "service_mean",
        "complaints_per_1000",
        "satisfaction",
    ]


def test_a_figure_on_too_few_observations_is_never_a_strength(profiled):
    # X's loyalty of 50 is the highest, but rests on 10 answers.
    assert "loyalty" not in _keys(profiled["kyiv-centre"].strengths)


def test_each_finding_reads_as_a_sentence(profiled):
    finding = profiled["kyiv-centre"].weaknesses[0]
    with translation.override("en"):
        assert finding.sentence == "Mean wait: 12.0 min against 8.0 min on average across offices"


def test_strengths_and_weaknesses_from_real_visits(three_offices):
    """Waits of 2, 10 and 20 minutes (the only figures that differ), as z-scores by hand:
    mean wait 2/10/20 → spread 7.36, A +1.18, C −1.27; median from the minute bins
    2.5/11/22.5 → spread 8.19, A +1.16, C −1.28; 90th percentile 2.9/11.8/24.5 → spread
    8.86, A +1.15, C −1.29; within the norm 1/1/0 → spread 0.47, A +0.71, C −1.41."""
    result = benchmarking.league(three_offices, TUESDAY, TUESDAY, now=NOW)
    by_slug = {p.office.slug: p for p in result.profiles}
    assert _keys(by_slug["kyiv-centre"].strengths) == ["wait_mean", "wait_median", "wait_p90"]
    assert by_slug["kyiv-centre"].weaknesses == ()
    assert _keys(by_slug["odesa-centre"].weaknesses) == [
        "wait_within_norm",
        "wait_p90",
        "wait_median",
    ]
    assert by_slug["odesa-centre"].strengths == ()


# --- the page: who sees which offices ----------------------------------------------------------


def test_operators_may_not_open_the_league(signed_in, operator):
    assert signed_in(operator).get(URL).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(citizen):
    assert citizen.get(URL).status_code == 302


def test_the_head_of_a_sees_only_a_and_is_told_a_league_needs_two(signed_in, head, three_offices):
    response = signed_in(head).get(URL, {"start": "2026-11-17", "end": "2026-11-17"})
    assert response.status_code == 200
    assert [o.slug for o in response.context["league"].offices] == ["kyiv-centre"]
    content = response.content.decode()
    assert "A league needs at least two offices" in content
    assert "Lviv" not in content and "Odesa" not in content


def test_the_analyst_sees_every_office_with_the_best_marked_in_words(
    signed_in, analyst, three_offices
):
    response = signed_in(analyst).get(URL, {"start": "2026-11-17", "end": "2026-11-17"})
    assert response.status_code == 200
    slugs = [o.slug for o in response.context["league"].offices]
    assert slugs == ["kyiv-centre", "lviv-centre", "odesa-centre"]
    content = response.content.decode()
    assert "best</span></strong>" in content and "Strengths" in content
    assert "Mean wait: 2.0 min against 10.7 min on average across offices" in content


def test_a_bad_period_is_refused_with_a_message(signed_in, analyst):
    response = signed_in(analyst).get(URL, {"start": "2026-11-19", "end": "2026-11-01"})
    assert response.status_code == 400
    assert "The first day must not be after the last." in response.content.decode()


# --- downloads ---------------------------------------------------------------------------------


def _download(browser, fmt):
    query = {"start": "2026-11-17", "end": "2026-11-17", "download": "league", "format": fmt}
    return browser.get(URL, query)


def test_the_league_downloads_as_csv_and_xlsx_with_the_same_figures(
    signed_in, analyst, three_offices
):
    browser = signed_in(analyst)
    response = _download(browser, "csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Indicator",
        "Unit",
        "Kyiv service centre",
        "Lviv service centre",
        "Odesa service centre",
        "Best",
    ]
    wait = next(row for row in rows if row[0] == "Mean wait")
    assert wait == ["Mean wait", "minutes", "2.0", "10.0", "20.0", "Kyiv service centre"]

    book = openpyxl.load_workbook(io.BytesIO(_download(browser, "xlsx").content))
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(sheet[0]) == rows[0]
    assert len(sheet) == len(rows)
    for from_csv, from_xlsx in zip(rows[1:], sheet[1:], strict=True):
        for text, cell in zip(from_csv, from_xlsx, strict=True):
            if isinstance(cell, int | float):
                assert float(text) == pytest.approx(cell)
            else:
                assert text == (cell or "")


def test_an_unknown_download_is_a_bad_request(signed_in, analyst, office_a):
    response = signed_in(analyst).get(URL, {"download": "league", "format": "pdf"})
    assert response.status_code == 400
