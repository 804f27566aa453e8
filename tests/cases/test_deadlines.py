"""The statutory term with pauses, as properties against a real working-day calendar.

The calendar is a Polish office's (public holidays from the `holidays` library, Saturdays and
Sundays off) with a few closed days of its own, so terms cross weekends, holidays and exceptions.
The expected values come from the rule, stated in okno/core/deadlines.py: the term counts days
after registration (working days, or calendar days then moved off a day off); a day the case
waited all day, strictly between the day a pause started and the day it ended, does not count.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.core import deadlines
from okno.core.calendar import WorkingCalendar
from tests.factories import CalendarExceptionFactory, OfficeFactory

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
UNITS = st.sampled_from([deadlines.WORKING_DAYS, deadlines.CALENDAR_DAYS])
DAYS = st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31))


@pytest.fixture
def calendar() -> WorkingCalendar:
    office = OfficeFactory(pl=True)
    for closed in (dt.date(2026, 12, 24), dt.date(2027, 5, 4), dt.date(2026, 8, 14)):
        CalendarExceptionFactory(office=office, date=closed)
    return WorkingCalendar(office)


@st.composite
def pauses(draw, start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Up to three pauses after `start`, in order, not overlapping."""
    result = []
    cursor = start
    for _ in range(draw(st.integers(0, 3))):
        begin = cursor + dt.timedelta(days=draw(st.integers(0, 20)))
        end = begin + dt.timedelta(days=draw(st.integers(0, 30)))
        result.append((begin, end))
        cursor = end
    return result


def counted(calendar, day, unit, stretches) -> bool:
    """Does `day` count towards the term? The rule, written out independently."""
    if any(start < day < end for start, end in stretches):
        return False
    return unit == deadlines.CALENDAR_DAYS or calendar.is_working_day(day)


@PROPERTY
@given(registered=DAYS, term=st.integers(1, 60), unit=UNITS, data=st.data())
def test_the_term_counts_exactly_its_days_and_ends_on_a_working_day(
    calendar, registered, term, unit, data
):
    stretches = data.draw(pauses(registered))
    due = deadlines.due_date(calendar, registered, term, unit, stretches)
    assert calendar.is_working_day(due)
    days = [registered + dt.timedelta(days=n) for n in range(1, (due - registered).days + 1)]
    count = sum(counted(calendar, day, unit, stretches) for day in days)
    if unit == deadlines.WORKING_DAYS:
        assert count == term
        assert counted(calendar, due, unit, stretches)  # the last day is itself a counted day
    else:
        # The term's last counted day may be a day off: the deadline then moves to the next
        # working day, and the days in between are days off.
        last = [day for day in days if counted(calendar, day, unit, stretches)][term - 1]
        assert all(not calendar.is_working_day(day) for day in days if last <= day < due)


@PROPERTY
@given(registered=DAYS, term=st.integers(1, 60), unit=UNITS)
def test_without_pauses_a_working_day_term_is_the_calendars_own_count(
    calendar, registered, term, unit
):
    due = deadlines.due_date(calendar, registered, term, unit)
    if unit == deadlines.WORKING_DAYS:
        assert due == calendar.add_working_days(registered, term)
    else:
        assert due >= registered + dt.timedelta(days=term)


@PROPERTY
@given(registered=DAYS, term=st.integers(1, 40), unit=UNITS, data=st.data())
def test_a_pause_never_brings_the_deadline_forward(calendar, registered, term, unit, data):
    stretches = data.draw(pauses(registered))
    plain = deadlines.due_date(calendar, registered, term, unit)
    assert deadlines.due_date(calendar, registered, term, unit, stretches) >= plain
    # A pause after the deadline, or one without a whole day of waiting, changes nothing.
    late = [(plain, plain + dt.timedelta(days=30))]
    short = [(registered + dt.timedelta(days=2), registered + dt.timedelta(days=3))]
    assert deadlines.due_date(calendar, registered, term, unit, late) == plain
    assert deadlines.due_date(calendar, registered, term, unit, short) == plain


@PROPERTY
@given(registered=DAYS, term=st.integers(1, 40), waited=st.integers(2, 40))
def test_waiting_calendar_days_moves_a_calendar_term_by_the_whole_days_waited(
    calendar, registered, term, waited
):
    """A calendar-day term paused on its first day for `waited` days ends `waited - 1` days
    later (before being moved off a day off)."""
    unit = deadlines.CALENDAR_DAYS
    pause = [(registered, registered + dt.timedelta(days=waited))]
    due = deadlines.due_date(calendar, registered, term, unit, pause)
    raw_end = registered + dt.timedelta(days=term + waited - 1)
    assert due >= raw_end
    assert all(
        not calendar.is_working_day(raw_end + dt.timedelta(days=n))
        for n in range((due - raw_end).days)
    )


def test_an_open_pause_counts_until_today(calendar):
    registered = dt.date(2026, 11, 2)  # a Monday
    unit = deadlines.WORKING_DAYS
    open_pause = [(dt.date(2026, 11, 3), None)]
    as_of_wednesday = deadlines.due_date(
        calendar, registered, 5, unit, open_pause, today=dt.date(2026, 11, 4)
    )
    as_of_friday = deadlines.due_date(
        calendar, registered, 5, unit, open_pause, today=dt.date(2026, 11, 6)
    )
    # Wednesday waited nothing whole yet; by Friday, Wednesday and Thursday were waited.
    assert (as_of_wednesday, as_of_friday) == (dt.date(2026, 11, 9), dt.date(2026, 11, 12))


def test_a_service_given_on_the_spot_is_due_the_same_day(calendar):
    day = dt.date(2026, 11, 24)
    assert deadlines.due_date(calendar, day, 0, deadlines.ON_THE_SPOT) == day


def test_days_left_counts_in_the_terms_unit(calendar):
    friday, tuesday = dt.date(2026, 11, 27), dt.date(2026, 12, 1)
    assert deadlines.days_left(calendar, friday, tuesday, deadlines.WORKING_DAYS) == 2
    assert deadlines.days_left(calendar, friday, tuesday, deadlines.CALENDAR_DAYS) == 4
    assert deadlines.days_left(calendar, tuesday, friday, deadlines.WORKING_DAYS) == -2
