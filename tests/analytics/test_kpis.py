"""Each KPI formula on a small data set whose expected values are worked out by hand."""

from __future__ import annotations

import pytest

from okno.analytics import kpis as k
from okno.analytics.models import BINS


def _by_key(values: list[k.Kpi]) -> dict[str, float | None]:
    return {kpi.key: kpi.value for kpi in values}


def test_satisfaction_share_index_loyalty_and_criteria():
    # Four ratings (five criteria each):
    #   A: 5 5 5 5 5 (sum 25, overall 5.0)   recommend 10
    #   B: 4 4 4 4 3 (sum 19, overall 3.8)   recommend 9
    #   C: 4 4 4 4 4 (sum 20, overall 4.0)   recommend 6
    #   D: 1 2 3 2 2 (sum 10, overall 2.0)   no answer
    # Satisfied (overall ≥ 4): A, C → 2 of 4 = 0.5.
    # Mean overall = (25 + 19 + 20 + 10) / 20 = 3.7 → index (3.7 − 1) / 4 × 100 = 67.5.
    # Loyalty: 3 answers, promoters 2 (10, 9), detractors 1 (6) → (2 − 1) / 3 × 100 = 33.33.
    # service_time: 5 + 4 + 4 + 1 = 14 → mean 3.5; top-2 box: 3 of 4 = 0.75.
    # information: 5 + 3 + 4 + 2 = 14 → mean 3.5; top-2 box: 2 of 4 = 0.5.
    sums = {
        "ratings": 4,
        "satisfied": 2,
        "recommend_answers": 3,
        "promoters": 2,
        "detractors": 1,
        "service_time_sum": 14,
        "waiting_time_sum": 15,
        "politeness_sum": 16,
        "comfort_sum": 15,
        "information_sum": 14,
        "service_time_top": 3,
        "information_top": 2,
    }
    values = _by_key(k.satisfaction_kpis(sums))
    assert values["satisfaction"] == 0.5
    assert values["satisfaction_index"] == pytest.approx(67.5)
    assert values["loyalty"] == pytest.approx(100 / 3)
    assert values["service_time_mean"] == 3.5
    assert values["service_time_top"] == 0.75
    assert values["information_top"] == 0.5


def test_the_satisfaction_target_is_ninety_per_cent():
    met = k.satisfaction_kpis({"ratings": 10, "satisfied": 9})[0]
    missed = k.satisfaction_kpis({"ratings": 10, "satisfied": 8})[0]
    assert (met.meets_target, missed.meets_target) == (True, False)


def test_no_ratings_give_no_values_rather_than_zero():
    values = _by_key(k.satisfaction_kpis({}))
    assert values["satisfaction"] is None
    assert values["satisfaction_index"] is None
    assert values["loyalty"] is None


def _bins(**counts: int) -> dict[str, int]:
    return {f"wait_bin_{int(index):02d}": n for index, n in counts.items()}


def test_percentiles_interpolate_inside_the_bin():
    # Edges: bin 0 = 0–1 min, 1 = 1–2, 2 = 2–3, 3 = 3–4, 4 = 4–5, 5 = 5–6, 6 = 6–8, 7 = 8–10.
    # Ten waits: 4 in 0–1, 4 in 6–8, 2 in 8–10.
    bins = [0] * BINS
    bins[0], bins[6], bins[7] = 4, 4, 2
    # Median: rank 5 → the 1st of the 4 values in 6–8 → 6 + 2 × 1/4 = 6.5.
    assert k.percentile(bins, 0.5) == pytest.approx(6.5)
    # 90th: rank 9 → the 1st of the 2 in 8–10 → 8 + 2 × 1/2 = 9.
    assert k.percentile(bins, 0.9) == pytest.approx(9.0)


def test_a_percentile_in_the_open_last_bin_is_its_lower_edge():
    bins = [0] * BINS
    bins[-1] = 3
    assert k.percentile(bins, 0.9) == 120.0
    assert k.percentile([0] * BINS, 0.5) is None


def test_wait_service_and_access_kpis():
    # 10 visits, 3 from bookings; 8 called with 4,800 s of waiting in all (mean 10 min), 6 of
    # them within the norm; 5 served in 3,000 s (mean 10 min), 4 within the typical time;
    # 4 bookings came due, 1 not kept; 2 walk-ins never called; 4 ratings, 1 of them of an
    # application → 3 ratings of 5 served visits = 0.6.
    sums = {
        "visits": 10,
        "waits": 8,
        "wait_seconds": 4800,
        "waits_within_norm": 6,
        "served": 5,
        "services": 5,
        "service_seconds": 3000,
        "services_within_norm": 4,
        "bookings": 4,
        "bookings_no_show": 1,
        "not_called": 2,
        "ratings": 4,
    }
    values = _by_key(k.visit_kpis(sums, booked_visits=3, case_ratings=1))
    assert values["wait_mean"] == 10
    assert values["wait_within_norm"] == 0.75
    assert values["service_mean"] == 10
    assert values["service_within_norm"] == 0.8
    assert values["visits"] == 10
    assert values["digital_take_up"] == 0.3
    assert values["no_show_rate"] == 0.25
    assert values["not_called"] == 2
    assert values["rating_coverage"] == 0.6


def test_complaints_cases_and_staff():
    complaints = _by_key(
        k.complaint_kpis(received=3, visits=1500, due=4, due_on_time=3, open_now=2, overdue_now=1)
    )
    assert complaints["complaints_per_1000"] == 2.0  # 3 × 1000 / 1500
    assert complaints["complaints_on_time"] == 0.75
    assert (complaints["complaints_open"], complaints["complaints_overdue"]) == (2, 1)
    cases = _by_key(
        k.case_kpis(
            decided=4,
            decided_on_time=3,
            working_days=22,
            overdue_now=5,
            missing=1,
            handed_out=4,
            visits=6,
        )
    )
    assert cases["cases_on_time"] == 0.75
    assert cases["case_days"] == 5.5
    # 6 visits for 4 applications: 1.5, within the target of 2.
    assert cases["visits_per_case"] == 1.5
    assert k.case_kpis(
        decided=0,
        decided_on_time=0,
        working_days=0,
        overdue_now=0,
        missing=0,
        handed_out=4,
        visits=6,
    )[3].meets_target
    # 45 served in 9 desk-hours (32,400 s) → 5 an hour.
    staff = _by_key(k.staff_kpis({"served": 45, "desk_seconds": 32400}))
    assert staff["visits_per_operator_hour"] == 5


def test_every_kpi_has_words_for_its_formula():
    for definition in k.DEFINITIONS.values():
        assert str(definition.label) and len(str(definition.formula)) > 20
        assert definition.section in k.SECTIONS
