"""Slot rules, as examples and as properties: opening hours, staff on shift, horizon, budgets.

The rules are in okno/appointments/slots.py's docstring. Expected values below are worked out
from those rules by hand (or by a direct re-statement of the rule), never read off the code.
Each hypothesis example runs inside a savepoint that is rolled back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Iterator

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.appointments import errors, services
from okno.appointments.models import AppointmentSettings, Booking, Channel, HourBudget, Slot
from okno.appointments.slots import Planner, budget_needs
from okno.catalog.models import CalendarException, OpeningHours
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    OfficeFactory,
    ServiceFactory,
    StaffShiftFactory,
    bookable_office,
)

pytestmark = pytest.mark.django_db

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
#: Monday 23 November 2026, 09:00 in Kyiv.
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=KYIV)
TUESDAY = dt.date(2026, 11, 24)

examples = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def local(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=KYIV)


# --- examples -------------------------------------------------------------------------------------


def test_slots_are_laid_end_to_end_from_opening_and_never_run_past_closing():
    office, (service,), _staff = bookable_office(hours=("09:00", "10:00"), handling_minutes=20)
    # 20 minutes on a 15-minute grid: 30-minute slots; 09:00 and 09:30 fit, 10:00 would not.
    offers = Planner(office).offers(service, TUESDAY, now=MONDAY_9)
    assert [(o.start, o.end) for o in offers] == [
        (local(TUESDAY, "09:00"), local(TUESDAY, "09:30")),
        (local(TUESDAY, "09:30"), local(TUESDAY, "10:00")),
    ]


def test_a_slot_needs_a_qualified_operator_on_shift_for_all_of_it():
    office = OfficeFactory(weekday_hours=("08:00", "12:00"))
    service = ServiceFactory(offices=[office], handling_minutes=30)
    qualified = EmployeeFactory(offices=[office])
    CompetencyFactory(employee=qualified, service=service)
    StaffShiftFactory(
        office=office, employee=qualified, weekday=1, starts=dt.time(9), ends=dt.time(10, 15)
    )
    unqualified = EmployeeFactory(offices=[office])
    StaffShiftFactory(
        office=office, employee=unqualified, weekday=1, starts=dt.time(8), ends=dt.time(12)
    )
    offers = Planner(office).offers(service, TUESDAY, now=MONDAY_9)
    # 09:00–09:30 and 09:30–10:00 are covered; 10:00–10:30 is not (the shift ends 10:15).
    assert [o.start for o in offers] == [local(TUESDAY, "09:00"), local(TUESDAY, "09:30")]
    assert all(o.capacity == 1 for o in offers)


def test_capacity_is_the_number_of_qualified_operators_on_shift():
    office, (service,), _staff = bookable_office(operators=3)
    offers = Planner(office).offers(service, TUESDAY, now=MONDAY_9)
    assert {o.capacity for o in offers} == {3}


def test_no_slots_on_a_public_holiday_or_a_closed_day_and_special_hours_are_respected():
    office, (service,), _staff = bookable_office(hours=("08:00", "17:00"))
    CalendarException.objects.create(office=office, date=TUESDAY, kind="closed")
    wednesday = TUESDAY + dt.timedelta(days=1)
    CalendarException.objects.create(
        office=office, date=wednesday, kind="shortened", opens=dt.time(10), closes=dt.time(11)
    )
    planner = Planner(office)
    assert planner.offers(service, TUESDAY, now=MONDAY_9) == []
    starts = [o.start for o in planner.offers(service, wednesday, now=MONDAY_9)]
    assert starts == [local(wednesday, t) for t in ("10:00", "10:15", "10:30", "10:45")]
    polish, (polish_service,), _ = bookable_office(pl=True)
    # 24 December is a public holiday in Poland since 2025.
    christmas_eve = dt.date(2026, 12, 24)
    assert Planner(polish).offers(polish_service, christmas_eve, now=MONDAY_9) == []


def test_the_horizon_opens_one_more_day_at_the_release_time():
    office, (service,), _staff = bookable_office()
    AppointmentSettings.objects.create(office=office, horizon_days=3, release_time=dt.time(8))
    planner = Planner(office)
    before = dt.datetime(2026, 11, 23, 7, 59, tzinfo=KYIV)
    after = dt.datetime(2026, 11, 23, 8, 0, tzinfo=KYIV)
    assert planner.bookable_days(before) == (dt.date(2026, 11, 23), dt.date(2026, 11, 25))
    assert planner.bookable_days(after) == (dt.date(2026, 11, 23), dt.date(2026, 11, 26))
    assert planner.offers(service, dt.date(2026, 11, 26), now=before) == []
    assert planner.offers(service, dt.date(2026, 11, 26), now=after) != []


def test_online_times_start_after_the_lead_time_and_phone_times_right_away():
    office, (service,), _staff = bookable_office()
    AppointmentSettings.objects.create(office=office, min_lead_minutes=60)
    planner = Planner(office)
    now = dt.datetime(2026, 11, 23, 9, 5, tzinfo=KYIV)
    online = planner.offers(service, now.date(), channel=Channel.ONLINE, now=now)
    phone = planner.offers(service, now.date(), channel=Channel.PHONE, now=now)
    assert online[0].start == local(now.date(), "10:15")
    assert phone[0].start == local(now.date(), "09:15")


def test_each_channel_gets_its_share_of_the_hour():
    # One operator, 60 minutes an hour; online 50 %: 30 minutes = two 15-minute bookings.
    office, (service,), _staff = bookable_office(operators=1)
    AppointmentSettings.objects.create(office=office, online_share=50, phone_share=25)
    planner = Planner(office)
    nine = [o for o in planner.offers(service, TUESDAY, now=MONDAY_9) if o.start.hour == 9]
    for offer in nine[:2]:
        services.hold_slot(office, service, offer.start, now=MONDAY_9)
    after = [o for o in planner.offers(service, TUESDAY, now=MONDAY_9) if o.start.hour == 9]
    assert [o.free for o in after] == [0, 0, 0, 0]
    with pytest.raises(errors.SlotTaken):
        services.hold_slot(office, service, nine[2].start, now=MONDAY_9)
    # The phone share (15 minutes) is separate: one booking by phone still fits.
    phone = [
        o
        for o in planner.offers(service, TUESDAY, channel=Channel.PHONE, now=MONDAY_9)
        if o.start.hour == 9 and o.free
    ]
    assert [o.start for o in phone] == [nine[2].start, nine[3].start]


def test_a_booking_takes_minutes_from_every_hour_it_overlaps():
    needs = budget_needs(local(TUESDAY, "09:45"), local(TUESDAY, "10:30"), KYIV)
    assert needs == [(local(TUESDAY, "09:00"), 15), (local(TUESDAY, "10:00"), 30)]


def test_free_days_count_places_and_leave_out_closed_days():
    office, (service,), _staff = bookable_office(operators=1, hours=("09:00", "10:00"))
    AppointmentSettings.objects.create(office=office, horizon_days=7, online_share=50)
    days = Planner(office).free_days(service, now=MONDAY_9)
    # Today (Monday) from 09:30 (30-minute lead) is past the 09:00-10:00 hour's first slots but
    # the two 09:30/09:45 slots fit the 30-minute budget; Tue-Fri: two places each (30 min);
    # the weekend is closed; next Monday is the 7th day, not yet released (release 08:00 < 09:00:
    # released, so it counts too).
    expected = {dt.date(2026, 11, 23): 2}
    for offset in (1, 2, 3, 4, 7):
        expected[dt.date(2026, 11, 23) + dt.timedelta(days=offset)] = 2
    assert days == expected


# --- properties ------------------------------------------------------------------------------------

times = st.integers(min_value=6 * 4, max_value=20 * 4).map(lambda q: dt.time(q // 4, q % 4 * 15))


@st.composite
def schedules(draw):
    """Opening intervals per weekday, shifts per operator, a closed date, a service length."""
    hours = {}
    for weekday in range(7):
        if draw(st.booleans()):
            opens, closes = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
            hours[weekday] = (opens, closes)
    shifts = draw(
        st.lists(
            st.tuples(
                st.integers(0, 2),  # operator
                st.integers(0, 6),  # weekday
                st.lists(times, min_size=2, max_size=2, unique=True).map(sorted),
            ),
            max_size=8,
            unique_by=lambda s: (s[0], s[1], s[2][0]),
        )
    )
    closed = TUESDAY + dt.timedelta(days=draw(st.integers(0, 6)))
    handling = draw(st.integers(5, 75))
    step = draw(st.sampled_from([5, 10, 15, 20, 30]))
    online = draw(st.integers(0, 100))
    return hours, shifts, closed, handling, step, online


def make_world(hours, shifts, closed, handling, step, online, *, qualified=(0, 1)):
    office = OfficeFactory()
    for weekday, (opens, closes) in hours.items():
        OpeningHours.objects.create(office=office, weekday=weekday, opens=opens, closes=closes)
    CalendarException.objects.create(office=office, date=closed, kind="closed")
    AppointmentSettings.objects.create(
        office=office,
        slot_step_minutes=step,
        online_share=online,
        phone_share=100 - online,
        min_lead_minutes=0,
    )
    service = ServiceFactory(offices=[office], handling_minutes=handling)
    operators = [EmployeeFactory(offices=[office]) for _ in range(3)]
    for index in qualified:
        CompetencyFactory(employee=operators[index], service=service)
    for operator, weekday, (starts, ends) in shifts:
        StaffShiftFactory(
            office=office, employee=operators[operator], weekday=weekday, starts=starts, ends=ends
        )
    return office, service


@examples
@given(world=schedules())
def test_no_slot_outside_opening_hours_on_a_closed_day_or_without_a_qualified_operator(world):
    hours, shifts, closed, handling, step, online = world
    with rolled_back():
        office, service = make_world(hours, shifts, closed, handling, step, online)
        week = [TUESDAY + dt.timedelta(days=i) for i in range(7)]
        offers = Planner(office).offers(service, week[0], week[-1], now=MONDAY_9)
        length = dt.timedelta(minutes=-(-handling // step) * step)
        for offer in offers:
            day = offer.start.date()
            assert day != closed
            assert day.weekday() in hours
            opens, closes = hours[day.weekday()]
            assert local(day, opens.isoformat()) <= offer.start
            assert offer.end <= local(day, closes.isoformat())
            assert offer.end - offer.start == length >= dt.timedelta(minutes=handling)
            covering = {
                operator
                for operator, weekday, (starts, ends) in shifts
                if operator in (0, 1)
                and weekday == day.weekday()
                and starts <= offer.start.time()
                and offer.end.time() <= ends
            }
            assert 1 <= offer.capacity == len(covering)


@examples
@given(
    world=schedules(),
    picks=st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=1, max_size=25),
)
def test_capacity_is_never_exceeded_whatever_is_booked_and_cancelled(world, picks):
    hours, shifts, closed, handling, step, online = world
    with rolled_back():
        office, service = make_world(hours, shifts, closed, handling, step, online)
        planner = Planner(office)
        week_end = TUESDAY + dt.timedelta(days=6)
        candidates = planner.offers(service, TUESDAY, week_end, now=MONDAY_9)
        if not candidates:
            return
        held: list[Booking] = []
        for pick, cancel in picks:
            if cancel and held:
                services.cancel_booking(held.pop(pick % len(held)), now=MONDAY_9)
                continue
            offer = candidates[pick % len(candidates)]
            with contextlib.suppress(errors.SlotTaken):
                held.append(services.hold_slot(office, service, offer.start, now=MONDAY_9).booking)
        active = list(Booking.objects.filter(office=office, status__in=Booking.ACTIVE))
        # Per slot: never more active bookings than qualified operators on shift.
        for offer in planner.offers(service, TUESDAY, week_end, now=MONDAY_9):
            in_slot = sum(1 for b in active if b.start == offer.start)
            assert in_slot <= offer.capacity
            assert (
                Slot.objects.get(office=office, start=offer.start).booked == in_slot
                if in_slot
                else True
            )
        # Per hour: the minutes booked online never exceed the online share of staff minutes.
        used: dict[dt.datetime, int] = {}
        for booking in active:
            for hour, need in budget_needs(booking.start, booking.end, KYIV):
                used[hour] = used.get(hour, 0) + need
        for hour, minutes in used.items():
            assert minutes <= planner.hour_budget(hour, Channel.ONLINE)
            row = HourBudget.objects.get(office=office, hour=hour, channel=Channel.ONLINE)
            assert row.used_minutes == minutes


def test_a_change_to_the_schedule_is_seen_at_once_despite_the_cache():
    office, (service,), staff = bookable_office(operators=1)
    assert {o.capacity for o in Planner(office).offers(service, TUESDAY, now=MONDAY_9)} == {1}
    newcomer = EmployeeFactory(offices=[office])
    CompetencyFactory(employee=newcomer, service=service)
    for weekday in (1, 2):
        StaffShiftFactory(office=office, employee=newcomer, weekday=weekday)
    assert {o.capacity for o in Planner(office).offers(service, TUESDAY, now=MONDAY_9)} == {2}
    CalendarException.objects.create(office=office, date=TUESDAY, kind="closed")
    assert Planner(office).offers(service, TUESDAY, now=MONDAY_9) == []
    staff[0].user.is_active = False
    staff[0].user.save()
    wednesday = TUESDAY + dt.timedelta(days=1)
    assert {o.capacity for o in Planner(office).offers(service, wednesday, now=MONDAY_9)} == {1}


def test_a_service_taken_off_booking_or_off_the_office_is_refused_at_once_despite_the_cache():
    office, (service,), _staff = bookable_office()
    start = local(TUESDAY, "10:00")
    assert Planner(office).is_bookable(service)
    service.bookable = False
    service.save()
    with pytest.raises(errors.ServiceNotBookable):
        services.hold_slot(office, service, start, now=MONDAY_9)
    service.bookable = True
    service.save()
    service.offices.remove(office)
    with pytest.raises(errors.ServiceNotBookable):
        services.hold_slot(office, service, start, now=MONDAY_9)
