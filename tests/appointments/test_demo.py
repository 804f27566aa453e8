"""The demo's bookings side: rules per office, a weekly schedule inside opening hours that gives
free times for the demo services, a few sample bookings, and loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from okno.appointments.demo import RULES, SCHEDULE, load_appointments_demo
from okno.appointments.models import AppointmentSettings, Booking, LatePolicy, StaffShift
from okno.appointments.slots import Planner
from okno.catalog.models import Office, Service
from okno.staff.demo import load_demo

WARSAW = dt.timezone(dt.timedelta(hours=1))  # Przemyśl in November (CET)
#: Monday 23 November 2026, 07:00 in Przemyśl: before opening, a normal week ahead.
MONDAY_MORNING = dt.datetime(2026, 11, 23, 7, 0, tzinfo=WARSAW)


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The whole demo, loaded once for the module (it takes a few seconds) at a fixed time."""
    with django_db_blocker.unblock(), time_machine.travel(MONDAY_MORNING, tick=False):
        from django.db import transaction

        with transaction.atomic():
            first = load_demo()
            second_report = load_appointments_demo(now=MONDAY_MORNING)
            counts = (
                AppointmentSettings.objects.count(),
                StaffShift.objects.count(),
                Booking.objects.count(),
            )
            yield first, second_report, counts
            transaction.set_rollback(True)


@pytest.fixture
def demo(_demo, db):
    return _demo


def test_each_demo_office_gets_its_rules(demo):
    assert set(AppointmentSettings.objects.values_list("office__slug", flat=True)) == set(RULES)
    lipowica = AppointmentSettings.objects.get(office__slug="przemysl-lipowica")
    assert lipowica.late_policy == LatePolicy.REFUSE


def test_loading_again_creates_nothing(demo):
    _first, again, counts = demo
    assert (again.rules_created, again.shifts_created, again.bookings_created) == (0, 0, 0)
    assert not again.changed
    assert counts == (
        AppointmentSettings.objects.count(),
        StaffShift.objects.count(),
        Booking.objects.count(),
    )


def test_every_shift_lies_inside_the_offices_opening_hours_of_its_day(demo):
    shifts = StaffShift.objects.select_related("office", "employee__user")
    assert shifts.count() > 0
    for shift in shifts:
        hours = [
            (h.opens, h.closes) for h in shift.office.opening_hours.filter(weekday=shift.weekday)
        ]
        assert hours, f"{shift} is on a day {shift.office.slug} is closed"
        assert min(o for o, _c in hours) <= shift.starts < shift.ends <= max(c for _o, c in hours)
        assert shift.employee.offices.filter(pk=shift.office_id).exists()


def test_nobody_is_at_two_offices_on_the_same_day(demo):
    seen: dict[tuple[int, int], str] = {}
    for shift in StaffShift.objects.all():
        key = (shift.employee_id, shift.weekday)
        assert seen.setdefault(key, shift.office.slug) == shift.office.slug, shift
    assert set(
        StaffShift.objects.values_list("employee__user__username", flat=True).distinct()
    ) == set(SCHEDULE)


@pytest.mark.parametrize(
    ("office", "code"),
    [
        ("przemysl-rynek", "A04"),
        ("przemysl-rynek", "D01"),
        ("przemysl-zasanie", "A01"),
        ("przemysl-zasanie", "E01"),
        ("przemysl-lipowica", "A02"),
    ],
)
def test_demo_services_have_free_online_times_on_the_next_working_days(demo, office, code):
    place = Office.objects.get(slug=office)
    service = Service.objects.get(code=code)
    days = Planner(place).free_days(service, channel="online", now=MONDAY_MORNING)
    free = [day for day, places in sorted(days.items()) if places > 0]
    assert free, f"no free day for {code} at {office}"
    # Rynek and Zasanie are open Monday to Friday: free times today and every weekday after.
    if office != "przemysl-lipowica":
        assert free[:5] == [dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(5)]
    else:  # open on Tuesdays and Thursdays only
        assert free[:2] == [dt.date(2026, 11, 24), dt.date(2026, 11, 26)]


def test_sample_bookings_are_confirmed_phone_bookings_without_contacts(demo):
    # The bookings ahead; those of the past days belong to the analytics demo's history.
    made = Booking.objects.filter(start__gt=MONDAY_MORNING)
    assert made.count() >= 5
    assert set(made.values_list("office__slug", flat=True)) == {"przemysl-rynek"}
    for booking in made:
        assert (booking.status, booking.channel, booking.contact) == ("confirmed", "phone", "")
        assert booking.start > MONDAY_MORNING
