"""The working-day calendar: statutory terms over public holidays and office exceptions, and hours."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.catalog.models import CalendarException, OpeningHours
from okno.core import calendar as calendar_module
from okno.core.calendar import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    working_days_between,
)
from tests.factories import CalendarExceptionFactory, OfficeFactory, OpeningHoursFactory

UTC = dt.UTC
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")

# Office exceptions used by the property tests: a weekday the office is closed, and a Saturday
# it works. Both fall inside the range hypothesis draws from.
CLOSED_MONDAY = dt.date(2026, 11, 16)
WORKING_SATURDAY = dt.date(2026, 11, 21)

# Public holidays come from the outside world (the `holidays` library), not from our code.
PL_HOLIDAYS = holidays.country_holidays("PL", years=range(2025, 2030))

PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
starts = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31))
counts = st.integers(min_value=0, max_value=45)


def time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


@pytest.fixture
def pl_office(db):
    """A Polish office (Europe/Warsaw) with a closed Monday and a working Saturday on record."""
    office = OfficeFactory(pl=True, weekday_hours=("08:00", "16:00"))
    CalendarExceptionFactory(office=office, date=CLOSED_MONDAY, kind="closed")
    CalendarExceptionFactory(
        office=office,
        date=WORKING_SATURDAY,
        kind="working",
        opens=time("09:00"),
        closes=time("13:00"),
    )
    return office


@pytest.fixture
def ua_office(db):
    """A Ukrainian office (Europe/Kyiv) with the same two exceptions."""
    office = OfficeFactory(weekday_hours=("08:00", "17:00"))
    CalendarExceptionFactory(office=office, date=CLOSED_MONDAY, kind="closed")
    CalendarExceptionFactory(
        office=office,
        date=WORKING_SATURDAY,
        kind="working",
        opens=time("09:00"),
        closes=time("13:00"),
    )
    return office


def pl_rule(day: dt.date) -> bool:
    """The rule, written out: the office's own record wins, else a weekday that is no holiday."""
    if day == CLOSED_MONDAY:
        return False
    if day == WORKING_SATURDAY:
        return True
    return day.weekday() < 5 and day not in PL_HOLIDAYS


def ua_rule(day: dt.date) -> bool:
    """Under martial law Ukraine keeps no public holidays as days off: only weekends and records."""
    if day == CLOSED_MONDAY:
        return False
    if day == WORKING_SATURDAY:
        return True
    return day.weekday() < 5


def nth_working_day(start: dt.date, n: int, rule) -> dt.date:
    day, found = start, 0
    while found < n:
        day += dt.timedelta(days=1)
        found += rule(day)
    return day


# --- properties of add_working_days / working_days_between -------------------------------------


@PROPERTY_SETTINGS
@given(start=starts, n=counts)
def test_add_working_days_lands_on_the_nth_working_day_by_the_rule_in_poland(pl_office, start, n):
    assert add_working_days(pl_office, start, n) == nth_working_day(start, n, pl_rule)


@PROPERTY_SETTINGS
@given(start=starts, n=counts)
def test_add_working_days_lands_on_the_nth_working_day_by_the_rule_in_ukraine(ua_office, start, n):
    assert add_working_days(ua_office, start, n) == nth_working_day(start, n, ua_rule)


@PROPERTY_SETTINGS
@given(start=starts, n=counts)
def test_add_working_days_is_strictly_increasing_in_n(pl_office, start, n):
    calendar = WorkingCalendar(pl_office)
    assert calendar.add_working_days(start, n) < calendar.add_working_days(start, n + 1)


@PROPERTY_SETTINGS
@given(start=starts, n=st.integers(min_value=1, max_value=45))
def test_a_term_never_ends_on_a_day_off(pl_office, start, n):
    calendar = WorkingCalendar(pl_office)
    end = calendar.add_working_days(start, n)
    assert calendar.is_working_day(end)
    assert pl_rule(end)


@PROPERTY_SETTINGS
@given(start=starts, n=counts)
def test_working_days_between_counts_back_what_add_working_days_added(pl_office, start, n):
    end = add_working_days(pl_office, start, n)
    assert working_days_between(pl_office, start, end) == n


@PROPERTY_SETTINGS
@given(start=starts, end=starts)
def test_working_days_between_is_antisymmetric_and_counts_by_the_rule(ua_office, start, end):
    calendar = WorkingCalendar(ua_office)
    low, high = sorted((start, end))
    expected = sum(ua_rule(low + dt.timedelta(days=i)) for i in range(1, (high - low).days + 1))
    assert calendar.working_days_between(low, high) == expected
    assert calendar.working_days_between(high, low) == -expected


@PROPERTY_SETTINGS
@given(start=starts)
def test_adding_zero_working_days_gives_the_start_even_on_a_day_off(pl_office, start):
    assert add_working_days(pl_office, start, 0) == start


@PROPERTY_SETTINGS
@given(start=starts, n=st.integers(max_value=-1))
def test_a_negative_number_of_working_days_is_refused(pl_office, start, n):
    with pytest.raises(ValueError, match="must not be negative"):
        add_working_days(pl_office, start, n)


# --- worked examples ----------------------------------------------------------------------------


def test_polish_independence_day_is_skipped(pl_office):
    # Tuesday 10 November + 1 working day: Wednesday 11 November is a public holiday.
    assert add_working_days(pl_office, dt.date(2026, 11, 10), 1) == dt.date(2026, 11, 12)
    assert not is_working_day(pl_office, dt.date(2026, 11, 11))


def test_polish_christmas_is_skipped(pl_office):
    # From Wednesday 23 December: 24, 25, 26 are holidays (Christmas Eve is one since 2025),
    # 27 is a Sunday, so the first working day is Monday 28 December.
    assert add_working_days(pl_office, dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 28)
    assert working_days_between(pl_office, dt.date(2026, 12, 23), dt.date(2026, 12, 28)) == 1


def test_ukrainian_weekends_are_days_off_while_the_library_lists_no_holidays_in_2026(db):
    office = OfficeFactory()  # no exceptions of its own
    calendar = WorkingCalendar(office)
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_working_day(day) is (day.weekday() < 5), day
        day += dt.timedelta(days=1)
    # Independence Day falls on a Monday; under martial law it is not a day off.
    assert calendar.holiday_name(dt.date(2026, 8, 24)) == ""
    assert add_working_days(office, dt.date(2026, 8, 21), 1) == dt.date(2026, 8, 24)


def test_a_closed_weekday_is_not_a_working_day(pl_office):
    assert CLOSED_MONDAY.weekday() == 0
    assert not is_working_day(pl_office, CLOSED_MONDAY)
    # Friday 13 November + 1: the weekend, then the closed Monday, so Tuesday.
    assert add_working_days(pl_office, dt.date(2026, 11, 13), 1) == dt.date(2026, 11, 17)


def test_a_working_saturday_is_a_working_day(pl_office):
    assert WORKING_SATURDAY.weekday() == 5
    assert is_working_day(pl_office, WORKING_SATURDAY)
    # Friday 20 November + 1 is that Saturday.
    assert add_working_days(pl_office, dt.date(2026, 11, 20), 1) == WORKING_SATURDAY


def test_a_working_exception_on_a_public_holiday_makes_it_a_working_day(db):
    office = OfficeFactory(pl=True)
    holiday = dt.date(2026, 11, 11)
    CalendarExceptionFactory(
        office=office, date=holiday, kind="shortened", opens=time("09:00"), closes=time("12:00")
    )
    calendar = WorkingCalendar(office)
    assert calendar.is_working_day(holiday)
    info = calendar.day(holiday)
    assert info.working and info.intervals == ((time("09:00"), time("12:00")),)
    assert info.holiday  # the holiday is still named, so visitors see why the hours differ


# --- opening hours, exceptions and time zones ----------------------------------------------------


@pytest.fixture
def lunch_office(db):
    """A Polish office: 08:00-16:00 on weekdays, except Tuesday 08:00-12:00 and 13:00-18:00."""
    office = OfficeFactory(pl=True)
    for weekday in (0, 2, 3, 4):
        OpeningHoursFactory(
            office=office, weekday=weekday, opens=time("08:00"), closes=time("16:00")
        )
    OpeningHoursFactory(office=office, weekday=1, opens=time("13:00"), closes=time("18:00"))
    OpeningHoursFactory(office=office, weekday=1, opens=time("08:00"), closes=time("12:00"))
    return office


def warsaw(day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, time(clock), tzinfo=WARSAW)


TUESDAY = dt.date(2026, 11, 10)
WEDNESDAY_HOLIDAY = dt.date(2026, 11, 11)
THURSDAY = dt.date(2026, 11, 12)


def test_a_day_with_a_lunch_break_has_two_intervals_in_order(lunch_office):
    info = WorkingCalendar(lunch_office).day(TUESDAY)
    assert info.working and info.open
    assert info.intervals == ((time("08:00"), time("12:00")), (time("13:00"), time("18:00")))
    assert info.holiday == "" and info.exception_kind == ""


@pytest.mark.parametrize(
    ("clock", "is_open"),
    [
        ("07:59", False),
        ("08:00", True),
        ("11:59", True),
        ("12:00", False),  # closing time itself is closed
        ("12:30", False),  # lunch
        ("13:00", True),
        ("17:59", True),
        ("18:00", False),
    ],
)
def test_is_open_at_respects_the_lunch_break(lunch_office, clock, is_open):
    assert WorkingCalendar(lunch_office).is_open_at(warsaw(TUESDAY, clock)) is is_open


def test_next_opening_after_lunch_starts_is_the_afternoon(lunch_office):
    assert WorkingCalendar(lunch_office).next_opening(warsaw(TUESDAY, "12:30")) == warsaw(
        TUESDAY, "13:00"
    )


def test_next_opening_skips_a_public_holiday(lunch_office):
    # After Tuesday's closing the next day is Independence Day, so Thursday morning.
    calendar = WorkingCalendar(lunch_office)
    assert calendar.next_opening(warsaw(TUESDAY, "18:00")) == warsaw(THURSDAY, "08:00")
    holiday = calendar.day(WEDNESDAY_HOLIDAY)
    assert not holiday.working and holiday.intervals == ()
    assert holiday.holiday


def test_next_opening_while_open_is_the_next_interval_not_now(lunch_office):
    assert WorkingCalendar(lunch_office).next_opening(warsaw(TUESDAY, "09:00")) == warsaw(
        TUESDAY, "13:00"
    )


def test_next_opening_is_none_for_an_office_without_hours(db):
    office = OfficeFactory(pl=True)
    assert WorkingCalendar(office).next_opening(warsaw(TUESDAY, "09:00")) is None


def test_a_closed_exception_closes_a_normal_weekday(lunch_office):
    CalendarException.objects.create(
        office=lunch_office, date=THURSDAY, kind="closed", note={"en": "Inventory"}
    )
    calendar = WorkingCalendar(lunch_office)
    info = calendar.day(THURSDAY)
    assert not info.working and info.intervals == ()
    assert info.exception_kind == "closed" and info.note == {"en": "Inventory"}
    assert not calendar.is_open_at(warsaw(THURSDAY, "10:00"))
    # After Tuesday evening: Wednesday is a holiday, Thursday closed, so Friday.
    assert calendar.next_opening(warsaw(TUESDAY, "18:00")) == warsaw(dt.date(2026, 11, 13), "08:00")


def test_a_working_saturday_opens_with_its_own_hours(lunch_office):
    saturday = dt.date(2026, 11, 14)
    CalendarException.objects.create(
        office=lunch_office,
        date=saturday,
        kind="working",
        opens=time("10:00"),
        closes=time("14:00"),
    )
    calendar = WorkingCalendar(lunch_office)
    info = calendar.day(saturday)
    assert info.working and info.intervals == ((time("10:00"), time("14:00")),)
    assert calendar.is_open_at(warsaw(saturday, "11:00"))
    assert not calendar.is_open_at(warsaw(saturday, "14:30"))
    assert calendar.next_opening(warsaw(dt.date(2026, 11, 13), "17:00")) == warsaw(
        saturday, "10:00"
    )


def test_an_ordinary_sunday_is_neither_working_nor_open(lunch_office):
    info = WorkingCalendar(lunch_office).day(dt.date(2026, 11, 15))
    assert not info.working and not info.open


def test_hours_are_read_in_the_offices_own_time_zone(db):
    office = OfficeFactory(weekday_hours=("08:00", "17:00"))  # Europe/Kyiv, UTC+2 in November
    calendar = WorkingCalendar(office)
    # 23:30 UTC on Monday is already 01:30 on Tuesday in Kyiv.
    late_monday_utc = dt.datetime(2026, 11, 9, 23, 30, tzinfo=UTC)
    assert not calendar.is_open_at(late_monday_utc)
    assert calendar.next_opening(late_monday_utc) == dt.datetime(2026, 11, 10, 8, 0, tzinfo=KYIV)
    assert calendar.next_opening(late_monday_utc) == dt.datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
    # 06:30 UTC is 08:30 in Kyiv: open, although 06:30 would be before opening time.
    assert calendar.is_open_at(dt.datetime(2026, 11, 10, 6, 30, tzinfo=UTC))
    # 15:30 UTC is 17:30 in Kyiv: closed, although 15:30 would be within the hours.
    assert not calendar.is_open_at(dt.datetime(2026, 11, 10, 15, 30, tzinfo=UTC))


def test_late_friday_in_utc_is_saturday_in_kyiv_so_the_office_next_opens_on_monday(db):
    office = OfficeFactory(weekday_hours=("08:00", "17:00"))
    friday_night_utc = dt.datetime(2026, 11, 13, 23, 30, tzinfo=UTC)  # Saturday 01:30 in Kyiv
    assert WorkingCalendar(office).next_opening(friday_night_utc) == dt.datetime(
        2026, 11, 16, 8, 0, tzinfo=KYIV
    )


def test_days_lists_consecutive_dates(lunch_office):
    days = WorkingCalendar(lunch_office).days(TUESDAY, 7)
    assert [d.date for d in days] == [TUESDAY + dt.timedelta(days=i) for i in range(7)]


def test_opening_hours_rows_are_the_only_source_of_weekly_intervals(lunch_office):
    OpeningHours.objects.filter(office=lunch_office, weekday=3).delete()
    info = WorkingCalendar(lunch_office).day(THURSDAY)
    assert info.working  # still a working day for statutory terms
    assert not info.open  # but nobody is there


# --- holiday names in the page language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("uk", "День незалежності"),
        ("pl", "Narodowe Święto Niepodległości"),
        ("en", "National Independence Day"),
    ],
)
def test_holiday_names_come_in_the_page_language(db, language, name):
    office = OfficeFactory(pl=True)
    assert WorkingCalendar(office, language=language).holiday_name(WEDNESDAY_HOLIDAY) == name


@pytest.mark.parametrize("language", ["kk", "ru", None])
def test_holiday_names_the_library_lacks_come_in_the_countrys_own_language_whatever_the_server_locale(
    db, monkeypatch, language
):
    # The library guesses a language from the process locale when it is given none; the page
    # must not depend on how the server was started.
    monkeypatch.setenv("LANGUAGE", "de")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    calendar_module._public_holidays.cache_clear()
    office = OfficeFactory(pl=True)
    try:
        assert (
            WorkingCalendar(office, language=language).holiday_name(WEDNESDAY_HOLIDAY)
            == "Narodowe Święto Niepodległości"
        )
    finally:
        calendar_module._public_holidays.cache_clear()


def test_an_unknown_region_falls_back_to_the_national_calendar(db):
    office = OfficeFactory(pl=True, subdivision="XX")
    assert not is_working_day(office, WEDNESDAY_HOLIDAY)
    assert is_working_day(office, THURSDAY)
