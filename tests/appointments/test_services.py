"""Booking services: the code, fair allocation, moving, cancelling, check-in, reminders, upkeep."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine

from okno.appointments import errors, services
from okno.appointments.models import AppointmentSettings, Booking, BookingEvent, Slot
from okno.appointments.slots import Planner
from okno.notifications import backends
from okno.queueing.models import Ticket
from tests.factories import bookable_office

pytestmark = pytest.mark.django_db

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=KYIV)  # a Monday
TUESDAY = dt.date(2026, 11, 24)
PHONE = "067 123 45 67"


def at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=KYIV)


@pytest.fixture(autouse=True)
def empty_outbox():
    backends.outbox.clear()
    yield
    backends.outbox.clear()


@pytest.fixture
def world():
    office, (first, second), staff = bookable_office(operators=2, services=2)
    return office, first, second, staff


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", backends.outbox[-1].body).group(1)


def confirmed(office, service, start, capture, *, contact=PHONE, now=NOW) -> Booking:
    with capture(execute=True):
        held = services.hold_slot(office, service, start, language="en", now=now)
        booking = services.send_code(held.booking, contact=contact, now=now)
    with capture(execute=True):
        return services.verify_booking(booking, last_code(), now=now)


# --- booking by code --------------------------------------------------------------------------


def test_a_booking_is_held_then_confirmed_by_the_code_sent_to_the_person(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    booking = confirmed(office, service, at(TUESDAY, "10:00"), django_capture_on_commit_callbacks)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.contact == "+380671234567"
    assert booking.contact_record is not None
    assert booking.otp_hash == ""
    messages = [m.kind for m in backends.outbox]
    assert messages == ["appointments/notifications/code", "appointments/notifications/confirmed"]
    assert booking.code in backends.outbox[-1].body
    assert services.manage_url(booking) in backends.outbox[-1].body
    actions = list(booking.events.values_list("action", flat=True))
    assert actions == ["held", "code_sent", "confirmed"]
    assert Slot.objects.get(pk=booking.slot_id).booked == 1


def test_a_time_that_is_not_a_slot_is_refused(world):
    office, service, _other, _staff = world
    with pytest.raises(errors.SlotNotOffered):
        services.hold_slot(office, service, at(TUESDAY, "10:07"), now=NOW)
    with pytest.raises(errors.SlotNotOffered):
        services.hold_slot(office, service, at(dt.date(2026, 11, 28), "10:00"), now=NOW)  # Sat


def test_a_service_that_cannot_be_booked_is_refused(world):
    office, service, _other, _staff = world
    service.bookable = False
    service.save()
    with pytest.raises(errors.ServiceNotBookable):
        services.hold_slot(office, service, at(TUESDAY, "10:00"), now=NOW)


def test_a_wrong_code_is_counted_and_the_fifth_releases_the_time(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    with django_capture_on_commit_callbacks(execute=True):
        held = services.hold_slot(office, service, start, now=NOW)
        booking = services.send_code(held.booking, contact=PHONE, now=NOW)
    wrong = "000000" if last_code() != "000000" else "111111"
    for _ in range(services.OTP_MAX_ATTEMPTS - 1):
        with pytest.raises(errors.WrongCode):
            services.verify_booking(booking, wrong, now=NOW)
    with pytest.raises(errors.TooManyAttempts):
        services.verify_booking(booking, wrong, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0


def test_a_hold_not_completed_in_time_is_released(world):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    held = services.hold_slot(office, service, start, now=NOW)
    hold = AppointmentSettings(office=office).hold_minutes
    assert services.expire_holds(now=NOW + dt.timedelta(minutes=hold - 1)) == 0
    assert services.expire_holds(now=NOW + dt.timedelta(minutes=hold + 1)) == 1
    held.booking.refresh_from_db()
    assert held.booking.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=held.booking.slot_id).booked == 0
    with pytest.raises(errors.CodeExpired):
        services.verify_booking(held.booking, "123456", now=NOW + dt.timedelta(hours=1))


def test_a_bad_contact_is_refused_with_a_message_and_nothing_is_sent(world):
    office, service, _other, _staff = world
    held = services.hold_slot(office, service, at(TUESDAY, "10:00"), now=NOW)
    with pytest.raises(errors.InvalidContact) as error:
        services.send_code(held.booking, contact="call me maybe", now=NOW)
    assert error.value.message
    assert backends.outbox == []
    held.booking.refresh_from_db()
    assert held.booking.status == Booking.Status.HELD


def test_a_new_code_waits_a_minute_and_at_most_three_are_sent(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    held = services.hold_slot(office, service, at(TUESDAY, "10:00"), now=NOW)
    booking = held.booking
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.send_code(booking, contact=PHONE, now=NOW)
    with pytest.raises(errors.ResendTooSoon):
        services.send_code(booking, contact=PHONE, now=NOW + dt.timedelta(seconds=30))
    for minutes in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            booking = services.send_code(
                booking, contact=PHONE, now=NOW + dt.timedelta(minutes=minutes)
            )
    with pytest.raises(errors.TooManyAttempts):
        services.send_code(booking, contact=PHONE, now=NOW + dt.timedelta(minutes=3))
    assert len(backends.outbox) == 3
    # Only the latest code confirms.
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.verify_booking(booking, last_code(), now=NOW + dt.timedelta(minutes=3))
    assert booking.status == Booking.Status.CONFIRMED


# --- fair allocation ----------------------------------------------------------------------------


def test_one_person_holds_at_most_two_active_bookings_by_default(
    world, django_capture_on_commit_callbacks
):
    office, service, other, _staff = world
    confirmed(office, service, at(TUESDAY, "10:00"), django_capture_on_commit_callbacks)
    confirmed(office, other, at(TUESDAY, "11:00"), django_capture_on_commit_callbacks)
    held = services.hold_slot(office, service, at(TUESDAY + dt.timedelta(1), "10:00"), now=NOW)
    # The same number written differently is the same person.
    with pytest.raises(errors.TooManyBookings):
        services.send_code(held.booking, contact="+38 (067) 123-45-67", now=NOW)


def test_one_booking_per_service_per_day(world, django_capture_on_commit_callbacks):
    office, service, _other, _staff = world
    confirmed(office, service, at(TUESDAY, "10:00"), django_capture_on_commit_callbacks)
    held = services.hold_slot(office, service, at(TUESDAY, "15:00"), now=NOW)
    with pytest.raises(errors.OnePerServicePerDay):
        services.send_code(held.booking, contact=PHONE, now=NOW)
    # Another day is fine.
    confirmed(
        office, service, at(TUESDAY + dt.timedelta(1), "10:00"), django_capture_on_commit_callbacks
    )


def test_the_limits_are_checked_again_when_confirming(world, django_capture_on_commit_callbacks):
    """Two codes requested in parallel both pass the first check; the second confirmation fails."""
    office, service, _other, _staff = world
    pending = []
    for hhmm in ("10:00", "10:15", "10:30"):
        with django_capture_on_commit_callbacks(execute=True):
            held = services.hold_slot(office, service, at(TUESDAY + dt.timedelta(1), hhmm), now=NOW)
            booking = services.send_code(held.booking, contact=PHONE, now=NOW)
        pending.append((booking, last_code()))
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_booking(*pending[0], now=NOW)
    with pytest.raises(errors.OnePerServicePerDay):
        services.verify_booking(*pending[1], now=NOW)


def test_online_booking_pauses_after_repeated_no_shows_but_staff_can_still_book(
    world, django_capture_on_commit_callbacks
):
    office, service, other, staff = world
    AppointmentSettings.objects.create(office=office, no_show_limit=2, max_active_per_contact=5)
    for day in (TUESDAY, TUESDAY + dt.timedelta(1)):
        confirmed(office, service, at(day, "10:00"), django_capture_on_commit_callbacks)
    assert services.mark_no_shows(at(TUESDAY + dt.timedelta(2), "09:00")) == 2
    later = at(TUESDAY + dt.timedelta(2), "09:00")
    held = services.hold_slot(office, service, at(TUESDAY + dt.timedelta(3), "10:00"), now=later)
    with pytest.raises(errors.NoShowLimit):
        services.send_code(held.booking, contact=PHONE, now=later)
    by_phone = services.book_for_caller(
        office,
        other,
        at(TUESDAY + dt.timedelta(3), "11:00"),
        employee=staff[0],
        contact=PHONE,
        now=later,
    )
    assert by_phone.booking.status == Booking.Status.CONFIRMED
    assert by_phone.booking.channel == "phone"


# --- moving and cancelling ----------------------------------------------------------------------


def test_moving_a_booking_frees_the_old_time_and_takes_the_new(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    booking = confirmed(office, service, at(TUESDAY, "10:00"), django_capture_on_commit_callbacks)
    old_slot = booking.slot_id
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.reschedule_booking(booking, at(TUESDAY, "14:00"), now=NOW)
    assert booking.start == at(TUESDAY, "14:00")
    assert Slot.objects.get(pk=old_slot).booked == 0
    assert Slot.objects.get(pk=booking.slot_id).booked == 1
    assert backends.outbox[-1].kind == "appointments/notifications/rescheduled"
    event = booking.events.get(action="rescheduled")
    assert event.detail["from"] == at(TUESDAY, "10:00").isoformat()


def test_a_cancelled_confirmed_booking_frees_its_place_and_tells_the_person(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, staff = world
    booking = confirmed(office, service, at(TUESDAY, "10:00"), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking, employee=staff[0], reason="Operator ill", now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    assert "Operator ill" in backends.outbox[-1].body
    event = booking.events.get(action="cancelled")
    assert event.employee == staff[0]
    with pytest.raises(errors.BookingNotActive):
        services.cancel_booking(booking, now=NOW)


def test_the_manage_link_needs_the_right_secret(world):
    office, service, _other, _staff = world
    held = services.hold_slot(office, service, at(TUESDAY, "10:00"), now=NOW)
    assert services.booking_by_secret(held.booking.code.lower(), held.secret) == held.booking
    with pytest.raises(errors.NotFound):
        services.booking_by_secret(held.booking.code, held.secret[:-1] + "x")
    with pytest.raises(errors.NotFound):
        services.booking_by_code("NOPE")


# --- check-in -----------------------------------------------------------------------------------


def test_check_in_inside_the_window_places_the_ticket_by_the_booked_time(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    booking = confirmed(office, service, start, django_capture_on_commit_callbacks)
    rules = AppointmentSettings(office=office)
    with time_machine.travel(start - dt.timedelta(minutes=5), tick=False):
        result = services.check_in(booking, office=office, now=start - dt.timedelta(minutes=5))
    assert not result.late
    ticket = result.ticket
    assert ticket.source == Ticket.Source.BOOKING
    assert ticket.queue_key == start - dt.timedelta(minutes=rules.booking_head_start_minutes)
    assert result.booking.status == Booking.Status.CHECKED_IN
    assert Booking.objects.get(pk=booking.pk).ticket == ticket


def test_an_early_visitor_is_told_when_to_come_back(world, django_capture_on_commit_callbacks):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    booking = confirmed(office, service, start, django_capture_on_commit_callbacks)
    with pytest.raises(errors.TooEarly) as error:
        services.check_in(booking, office=office, now=start - dt.timedelta(minutes=30))
    assert error.value.opens_at == start - dt.timedelta(minutes=15)


def test_a_late_visitor_joins_as_a_walk_in_or_is_refused(world, django_capture_on_commit_callbacks):
    office, service, other, _staff = world
    start = at(TUESDAY, "10:00")
    late = start + dt.timedelta(minutes=11)
    booking = confirmed(office, service, start, django_capture_on_commit_callbacks)
    result = services.check_in(booking, office=office, now=late)
    assert result.late
    assert result.ticket.source == Ticket.Source.KIOSK
    assert result.ticket.queue_key == late
    AppointmentSettings.objects.create(office=office, late_policy="refuse")
    second = confirmed(office, other, start, django_capture_on_commit_callbacks)
    with pytest.raises(errors.TooLate):
        services.check_in(second, office=office, now=late)


def test_check_in_at_another_office_is_refused(world, django_capture_on_commit_callbacks):
    office, service, _other, _staff = world
    elsewhere, _services, _ = bookable_office()
    booking = confirmed(office, service, at(TUESDAY, "10:00"), django_capture_on_commit_callbacks)
    with pytest.raises(errors.WrongOffice):
        services.check_in(booking, office=elsewhere, now=at(TUESDAY, "09:55"))


def test_a_booking_not_checked_in_becomes_a_no_show_once_the_window_closes(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    booking = confirmed(office, service, start, django_capture_on_commit_callbacks)
    assert services.mark_no_shows(start + dt.timedelta(minutes=10)) == 0
    assert services.mark_no_shows(start + dt.timedelta(minutes=11)) == 1
    assert services.mark_no_shows(start + dt.timedelta(minutes=12)) == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert booking.contact_record.no_shows == [TUESDAY.isoformat()]


# --- reminders and privacy ----------------------------------------------------------------------


def test_reminders_go_once_a_day_before_and_two_hours_before(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    start = at(TUESDAY + dt.timedelta(2), "10:00")  # Thursday
    confirmed(office, service, start, django_capture_on_commit_callbacks)
    backends.outbox.clear()

    def sweep(moment):
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_due_reminders(moment)

    assert sweep(start - dt.timedelta(hours=25)) == 0
    assert sweep(start - dt.timedelta(hours=24)) == 1
    assert sweep(start - dt.timedelta(hours=23)) == 0
    assert sweep(start - dt.timedelta(hours=2)) == 1
    assert sweep(start - dt.timedelta(hours=1)) == 0
    assert [m.kind for m in backends.outbox] == [
        "appointments/notifications/reminder_day",
        "appointments/notifications/reminder_soon",
    ]
    assert BookingEvent.objects.filter(action="reminded").count() == 2


def test_a_booking_made_an_hour_ahead_gets_no_day_before_reminder(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    booked_at = start - dt.timedelta(hours=3)
    confirmed(office, service, start, django_capture_on_commit_callbacks, now=booked_at)
    backends.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(start - dt.timedelta(hours=2)) == 1
    assert [m.kind for m in backends.outbox] == ["appointments/notifications/reminder_soon"]


def test_messages_speak_the_language_the_person_booked_in(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    with django_capture_on_commit_callbacks(execute=True):
        held = services.hold_slot(office, service, at(TUESDAY, "10:00"), language="uk", now=NOW)
        services.send_code(held.booking, contact=PHONE, now=NOW)
    assert "/uk/booking/" not in backends.outbox[-1].body  # the code message has no link
    assert re.search(r"[А-Яа-яІіЇї]", backends.outbox[-1].body)


def test_the_contact_is_forgotten_two_days_after_the_visit(
    world, django_capture_on_commit_callbacks
):
    office, service, _other, _staff = world
    start = at(TUESDAY, "10:00")
    booking = confirmed(office, service, start, django_capture_on_commit_callbacks)
    services.mark_no_shows(start + dt.timedelta(hours=1))
    assert services.forget_contacts(start + dt.timedelta(days=1)) == 0
    assert services.forget_contacts(start + dt.timedelta(days=3)) == 1
    booking.refresh_from_db()
    assert booking.contact == ""
    assert booking.contact_record.no_shows  # the count survives, the number does not


def test_upkeep_runs_every_job(world):
    office, service, _other, _staff = world
    services.hold_slot(office, service, at(TUESDAY, "10:00"), now=NOW)
    summary = services.run_upkeep(NOW + dt.timedelta(hours=1))
    assert summary == {"expired": 1, "no_shows": 0, "reminders": 0, "forgotten": 0}


def test_free_places_shown_match_what_can_be_held(world):
    office, service, _other, _staff = world
    planner = Planner(office)
    offers = [o for o in planner.offers(service, TUESDAY, now=NOW) if o.start.hour == 10]
    # Two operators, 60 % online: 72 minutes an hour = four 15-minute bookings, 2 per slot.
    assert [o.free for o in offers] == [2, 2, 2, 2]
    for _ in range(2):
        services.hold_slot(office, service, offers[0].start, now=NOW)
    with pytest.raises(errors.SlotTaken):
        services.hold_slot(office, service, offers[0].start, now=NOW)
    services.hold_slot(office, service, offers[1].start, now=NOW)
    services.hold_slot(office, service, offers[2].start, now=NOW)
    after = [o.free for o in planner.offers(service, TUESDAY, now=NOW) if o.start.hour == 10]
    assert after == [0, 0, 0, 0]
