"""The analytics demo: two months of past visits at the demo offices with their own staff, and the
rollups of those days, written once however often the demo loads."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client, override_settings

from okno.analytics.demo import load_analytics_demo
from okno.analytics.facts import day_rows
from okno.analytics.models import ROLLUPS, EmployeeDay, RollupState, ServiceDay
from okno.appointments.models import Booking
from okno.catalog.models import Office
from okno.feedback.models import Complaint, Rating
from okno.queueing.demo import DEMO_OFFICES
from okno.queueing.models import DeskSession, Ticket
from okno.staff.demo import load_demo
from okno.staff.models import Competency, Employee

#: Wednesday 18 November 2026, 11:00 in Przemyśl (CET). The 60 days before it run from Saturday
#: 19 September to Tuesday 17 November; the one public holiday on a weekday among them is
#: Independence Day, Wednesday 11 November (All Saints' Day, 1 November, is a Sunday).
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 18)
FIRST = dt.date(2026, 9, 19)
YESTERDAY = dt.date(2026, 11, 17)
INDEPENDENCE_DAY = dt.date(2026, 11, 11)
#: Today's midnight in Przemyśl.
MIDNIGHT = dt.datetime(2026, 11, 17, 23, 0, tzinfo=dt.UTC)


def _days(weekdays: set[int]) -> set[dt.date]:
    days, day = set(), FIRST
    while day < TODAY:
        if day.weekday() in weekdays and day != INDEPENDENCE_DAY:
            days.add(day)
        day += dt.timedelta(days=1)
    return days


def _counts() -> dict[str, int]:
    return {
        "tickets": Ticket.objects.count(),
        "bookings": Booking.objects.count(),
        "desk_sessions": DeskSession.objects.count(),
        "service_days": ServiceDay.objects.count(),
        "employee_days": EmployeeDay.objects.count(),
    }


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The demo without its applications (nothing here reads them), loaded once at NOW (its
    last part writes the visits), then the analytics part a second time; all rolled back after
    the module."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        mock.patch("okno.staff.demo.load_cases_demo"),
        transaction.atomic(),
    ):
        first = load_demo().analytics
        counts = _counts()
        second = load_analytics_demo(now=NOW)
        yield first, counts, second
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo, db):
    return _demo


def test_the_demo_offices_have_tickets_on_their_past_open_days_and_none_today(demo):
    first, counts, _second = demo
    assert first.offices_filled == 3 and first.offices_skipped == 0
    assert first.tickets == counts["tickets"] > 0
    expected = {
        # Rynek and Zasanie open Monday to Friday, Lipowica on Tuesdays and Thursdays only.
        "przemysl-rynek": _days({0, 1, 2, 3, 4}),
        "przemysl-zasanie": _days({0, 1, 2, 3, 4}),
        "przemysl-lipowica": _days({1, 3}),
    }
    for slug, days in expected.items():
        tickets = Ticket.objects.filter(office__slug=slug)
        assert set(tickets.values_list("service_day", flat=True)) == days, slug
    # Monday 21 September to Friday 13 November is 8 weeks, then Monday 16 and Tuesday 17:
    # 42 weekdays less Independence Day.
    assert len(expected["przemysl-rynek"]) == 41
    assert not Ticket.objects.filter(service_day__gte=TODAY).exists()
    assert not Ticket.objects.filter(issued_at__gte=MIDNIGHT).exists()


def test_the_volume_is_modest_and_follows_the_number_of_operators(demo):
    per_day = {
        slug: Ticket.objects.filter(office__slug=slug, transferred_from__isnull=True).count()
        / Ticket.objects.filter(office__slug=slug).values("service_day").distinct().count()
        for slug in DEMO_OFFICES
    }
    # 16 a day per operator on a full day with all at work: Rynek 5 (3 on the days two are at
    # Lipowica, Friday closes at 14:00), Zasanie 2, Lipowica one at a time for 6.5 hours.
    assert 45 <= per_day["przemysl-rynek"] <= 85
    assert 20 <= per_day["przemysl-zasanie"] <= 38
    assert 6 <= per_day["przemysl-lipowica"] <= 20


def test_visitors_are_served_by_that_offices_operators_who_may_deliver_the_service(demo):
    competent = set(Competency.objects.values_list("employee_id", "service_id"))
    served = Ticket.objects.filter(employee__isnull=False)
    for employee_id, service_id in served.values_list("employee_id", "service_id").distinct():
        assert (employee_id, service_id) in competent
    for office in Office.objects.filter(slug__in=DEMO_OFFICES):
        staff = set(office.employees.filter(role="operator").values_list("pk", flat=True))
        assert set(served.filter(office=office).values_list("employee_id", flat=True)) <= staff
        points = set(office.service_points.values_list("pk", flat=True))
        assert (
            set(served.filter(office=office).values_list("service_point_id", flat=True)) <= points
        )
    # The schedule: Anna is at Lipowica on Tuesdays, Marek on Thursdays, never both places a day.
    lipowica = served.filter(office__slug="przemysl-lipowica")
    by_weekday = {
        (ticket.service_day.weekday(), ticket.employee.user.username)
        for ticket in lipowica.select_related("employee__user")
    }
    assert by_weekday == {(1, "operator.anna"), (3, "operator.marek")}
    anna = Employee.objects.get(user__username="operator.anna")
    assert not served.filter(
        office__slug="przemysl-rynek", employee=anna, service_day__week_day=3
    ).exists()  # Django's week_day 3 is Tuesday


def test_bookings_and_desk_sessions_are_written_but_no_ratings_or_complaints(demo):
    first, counts, _second = demo
    # The appointments demo's few sample bookings are in the days ahead.
    past = Booking.objects.filter(start__lt=MIDNIGHT)
    assert first.bookings == past.count() > 0
    booked = Ticket.objects.filter(source=Ticket.Source.BOOKING, transferred_from__isnull=True)
    checked_in = Booking.objects.filter(status=Booking.Status.CHECKED_IN, ticket__isnull=False)
    assert booked.count() == checked_in.count() > 0
    assert first.desk_sessions == counts["desk_sessions"] > 0
    assert not Rating.objects.filter(ticket__isnull=False).exists()
    assert not Complaint.objects.filter(ticket__isnull=False).exists()


def test_the_rollups_cover_those_days_and_equal_a_recomputation(demo):
    first, _counts, _second = demo
    for office in Office.objects.filter(slug__in=DEMO_OFFICES):
        ticket_days = set(
            Ticket.objects.filter(office=office).values_list("service_day", flat=True)
        )
        rolled = set(ServiceDay.objects.filter(office=office).values_list("day", flat=True))
        assert ticket_days <= rolled
        state = RollupState.objects.get(office=office)
        assert state.complete_until == YESTERDAY
    # Every calendar day of the 60 at each of the three offices.
    assert first.office_days_built == 3 * 60
    rynek = Office.objects.get(slug="przemysl-rynek")
    monday = dt.date(2026, 11, 16)
    live = day_rows(rynek, monday, now=NOW)
    assert live.services and live.employees and live.hours
    for model, rows in zip(
        ROLLUPS, (live.services, live.employees, live.hours, live.groups), strict=True
    ):
        stored = model.objects.filter(office=rynek, day=monday)
        assert sorted(map(_row, stored), key=repr) == sorted(map(_row, rows), key=repr), model


def _row(instance: object) -> dict[str, object]:
    row = model_to_dict(instance)
    row.pop("id", None)
    return row


def test_loading_again_adds_nothing(demo):
    _first, counts, second = demo
    assert _counts() == counts
    assert second.offices_skipped == 3
    assert (second.tickets, second.bookings, second.office_days_built) == (0, 0, 0)
    assert not second.changed


def test_the_head_of_a_demo_office_sees_a_mean_wait(demo):
    head = Employee.objects.get(user__username="head.zasanie")
    browser = Client()
    browser.force_login(head.user)
    response = browser.get("/en/staff/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    tile = re.search(r'id="kpi-wait_mean".*?<p class="kpi-tile__value">(.*?)</p>', html, flags=re.S)
    assert tile is not None
    assert tile.group(1).strip() != "—"
    assert re.search(r"\d", tile.group(1))
