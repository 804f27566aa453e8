"""Rollups: one office-day's sums by hand, a rebuild equal to reading the raw tables, and the
periodic job that builds days after midnight and redoes days changed late."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.analytics import selectors, services
from okno.analytics.facts import day_rows
from okno.analytics.models import ChangedDay, EmployeeDay, HourDay, RollupState, ServiceDay
from okno.feedback.models import Rating
from okno.queueing.models import Ticket
from okno.staff.models import Role
from tests.analytics.conftest import make_rating, make_visit
from tests.factories import EmployeeFactory

TUESDAY = dt.date(2026, 11, 17)
#: Thursday 19 November 2026, 12:00 in Kyiv: Tuesday is two days past.
NOW = dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def anna(office_a):
    return EmployeeFactory(username="anna", role=Role.OPERATOR, offices=[office_a])


@pytest.fixture
def tuesday(visit, anna):
    """Five visits on Tuesday, worked out in the test below."""
    v1 = visit(TUESDAY, "09:10", waited=7, served=12, employee=anna)
    visit(TUESDAY, "09:40", waited=20, served=20, employee=anna)
    visit(TUESDAY, "10:05", waited=6, served=10, employee=anna, source=Ticket.Source.BOOKING)
    visit(TUESDAY, "10:30", outcome=Ticket.Outcome.CANCELLED)
    visit(
        TUESDAY,
        "11:00",
        waited=3,
        employee=anna,
        source=Ticket.Source.BOOKING,
        outcome=Ticket.Outcome.NO_SHOW,
    )
    make_rating(v1, (5, 5, 5, 5, 4), recommend=10, gender="woman")
    return v1


def _sum(rows, name):
    return sum(getattr(row, name) for row in rows)


def test_one_office_day_by_hand(office_a, tuesday, anna):
    rows = day_rows(office_a, TUESDAY, now=NOW)
    services_ = rows.services
    assert _sum(services_, "visits") == 5
    assert (
        _sum(services_, "served"),
        _sum(services_, "no_show"),
        _sum(services_, "cancelled"),
    ) == (3, 1, 1)
    # Called: 7 + 20 + 6 + 3 minutes. Within the norm: 7 (walk-in, 15) and 3 (booked, 5); the
    # booked visitor called after 6 minutes missed the booked norm of 5.
    assert _sum(services_, "waits") == 4
    assert _sum(services_, "wait_seconds") == 36 * 60
    assert _sum(services_, "waits_within_norm") == 2
    # Served for 12, 20 and 10 minutes against a typical 15.
    assert _sum(services_, "service_seconds") == 42 * 60
    assert _sum(services_, "services_within_norm") == 2
    assert _sum(services_, "not_called") == 1
    # The 7-minute wait is counted in the 6–8 minute bin (index 6).
    assert _sum(services_, "wait_bin_06") == 2  # 7 and 6 minutes
    booked = [row for row in services_ if row.channel == Ticket.Source.BOOKING]
    assert _sum(booked, "visits") == 2
    assert _sum(services_, "ratings") == 1 and _sum(services_, "satisfied") == 1
    assert _sum(services_, "promoters") == 1
    [person] = rows.employees
    assert person.employee_id == anna.pk
    assert (person.served, person.service_seconds, person.ratings) == (3, 42 * 60, 1)
    assert {h.hour: h.visits for h in rows.hours} == {9: 2, 10: 2, 11: 1}
    assert [(g.dimension, g.value, g.ratings) for g in rows.groups] == [("gender", "woman", 1)]


def test_refresh_day_stores_the_same_rows_and_can_be_repeated(office_a, tuesday):
    first = services.refresh_day(office_a, TUESDAY, now=NOW)
    again = services.refresh_day(office_a, TUESDAY, now=NOW)
    assert (
        first
        == again
        == ServiceDay.objects.count() + EmployeeDay.objects.count() + HourDay.objects.count() + 1
    )


def _report(office, start, end, now):
    return {
        kpi.key: kpi.value
        for kpi in selectors.report(selectors.Scope((office,), start, end), now=now).kpis
    }


def test_the_report_reads_rollups_and_the_live_day_alike(office_a, visit, tuesday):
    visit(NOW.date(), "09:00", waited=4, served=5)
    live = _report(office_a, TUESDAY, NOW.date(), NOW)
    services.rebuild([office_a], TUESDAY - dt.timedelta(days=1), NOW.date(), now=NOW)
    RollupState.objects.update(complete_until=NOW.date() - dt.timedelta(days=1))
    assert ServiceDay.objects.filter(day=TUESDAY).exists()
    assert _report(office_a, TUESDAY, NOW.date(), NOW) == live
    assert live["visits"] == 6


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    visits=st.lists(
        st.tuples(
            st.integers(0, 4),  # days before NOW
            st.integers(8, 16),  # hour
            st.one_of(st.none(), st.integers(0, 140)),  # minutes waited
            st.one_of(st.none(), st.integers(1, 60)),  # minutes served
            st.sampled_from([Ticket.Source.KIOSK, Ticket.Source.BOOKING]),
            st.one_of(
                st.none(),
                st.tuples(*[st.integers(1, 5)] * 5),
            ),
        ),
        max_size=25,
    )
)
def test_rollups_equal_a_raw_recomputation(office_a, service_a, visits):
    """Whatever the visits, the KPIs read from rebuilt rollups equal those computed raw."""
    cache.clear()  # today's live rows are shared for a minute; each example has its own day
    Rating.objects.all().delete()
    Ticket.objects.all().delete()
    for model in (RollupState, ServiceDay, EmployeeDay, HourDay, ChangedDay):
        model.objects.all().delete()
    for days_before, hour, waited, served, source, scores in visits:
        if waited is None:
            outcome, served = Ticket.Outcome.CANCELLED, None
        else:
            outcome = Ticket.Outcome.SERVED if served else Ticket.Outcome.NO_SHOW
        ticket = make_visit(
            office_a,
            service_a,
            NOW.date() - dt.timedelta(days=days_before),
            f"{hour}:00",
            waited=waited,
            served=served,
            outcome=outcome,
            source=source,
        )
        if scores and outcome == Ticket.Outcome.SERVED:
            make_rating(ticket, scores)
    start = NOW.date() - dt.timedelta(days=4)
    raw = _report(office_a, start, NOW.date(), NOW)
    services.refresh_due(NOW)
    assert (
        RollupState.objects.get().complete_until >= NOW.date() - dt.timedelta(days=1) or not visits
    )
    assert _report(office_a, start, NOW.date(), NOW) == raw


def test_the_periodic_job_builds_finished_days_and_redoes_late_changes(office_a, tuesday):
    result = services.refresh_due(NOW)
    assert result["days_built"] == 2  # Tuesday and Wednesday; Thursday is today
    assert RollupState.objects.get(office=office_a).complete_until == NOW.date() - dt.timedelta(
        days=1
    )
    assert services.refresh_due(NOW) == {"days_built": 0, "days_redone": 0}
    # A rating given today for Tuesday's visit marks Tuesday; the next run redoes it.
    late = Ticket.objects.filter(outcome=Ticket.Outcome.SERVED).exclude(pk=tuesday.pk).first()
    make_rating(late, (2, 2, 2, 2, 2))
    assert ChangedDay.objects.filter(office=office_a, day=TUESDAY).exists()
    assert services.refresh_due(NOW)["days_redone"] == 1
    assert not ChangedDay.objects.exists()
    assert sum(r.ratings for r in ServiceDay.objects.filter(day=TUESDAY)) == 2


def test_a_rating_for_today_marks_nothing(office_a, visit):
    with time_machine.travel(NOW, tick=False):
        make_rating(visit(NOW.date(), "09:00", waited=1, served=1), (5, 5, 5, 5, 5))
    assert not ChangedDay.objects.exists()


def test_a_day_is_rebuilt_once_more_when_it_has_settled(office_a, visit):
    """A write no signal announces (a booking marked not kept by a conditional update) is in
    the rollups once the day is SETTLE_DAYS old."""
    yesterday = NOW.date() - dt.timedelta(days=1)
    old = yesterday - dt.timedelta(days=services.SETTLE_DAYS)
    visit(old, "09:00", waited=1, served=1)
    services.refresh_due(NOW - dt.timedelta(days=1))  # builds everything up to the day before
    assert sum(r.visits for r in ServiceDay.objects.filter(day=old)) == 1
    Ticket.objects.filter(service_day=old).update(outcome=Ticket.Outcome.NO_SHOW)
    services.refresh_due(NOW)  # builds yesterday, and rebuilds the day SETTLE_DAYS before it
    assert sum(r.no_show for r in ServiceDay.objects.filter(day=old)) == 1


def test_an_offline_terminals_upload_marks_the_days_it_rated(office_a, service_a):
    from okno.feedback import ingest

    scores = {"service_time": 5, "waiting_time": 4, "politeness": 5, "comfort": 5, "information": 5}
    items = [
        {
            "client_id": f"t-{n}",
            "office_id": office_a.pk,
            "service_id": service_a.pk,
            "visited_on": day,
            "channel": "terminal",
            "scores": scores,
        }
        for n, day in enumerate(["2026-11-16", "2026-11-17", "2026-11-17", "2026-11-19"])
    ]
    with time_machine.travel(NOW, tick=False):
        ingest.ingest_ratings(items, allowed_office_ids=None, now=NOW)
    # The 16th and 17th are past; the 19th is today in Kyiv, read live.
    assert sorted(ChangedDay.objects.values_list("day", flat=True)) == [
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 17),
    ]
