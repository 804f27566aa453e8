"""Staff booking pages: who may open them, the day's list (local time, masked contacts, missed
visits), the per-service summary, booking for a caller and cancelling with a reason."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from okno.appointments import services as bookings
from okno.appointments.models import Booking, BookingEvent, ContactRecord
from okno.appointments.slots import Planner
from okno.notifications import backends
from tests.factories import CompetencyFactory, StaffShiftFactory

KYIV = dt.timezone(dt.timedelta(hours=2))  # Kyiv in November (EET)
MONDAY = dt.date(2026, 11, 23)
BEFORE_OPENING = dt.datetime(2026, 11, 23, 7, 0, tzinfo=KYIV)
PHONE = "+380501234567"
LIST = "/en/staff/bookings/"


def local(hour: int, minute: int = 0, *, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=KYIV)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(BEFORE_OPENING, tick=False)
    return time_machine


@pytest.fixture
def schedule(office_a, service_a, operator, head):
    """Office A (08:00-17:00) books service A01 (15 minutes): the operator and the head are on
    shift all day on weekdays and may deliver it: two places in each slot."""
    for employee in (operator, head):
        CompetencyFactory(employee=employee, service=service_a)
        for weekday in range(5):
            StaffShiftFactory(office=office_a, employee=employee, weekday=weekday)
    return service_a


def book(office, service, at: dt.datetime, employee, **kwargs) -> Booking:
    return bookings.book_for_caller(office, service, at, employee=employee, **kwargs).booking


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def row(response, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}">(.*?)</tr>', response.content.decode(), re.S)
    assert match, f"no row for {code}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


# --- who may open them --------------------------------------------------------------------------


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login(citizen, office_a):
    response = citizen.get(LIST)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]


@pytest.mark.parametrize("actor", ["clerk", "analyst"])
def test_back_office_and_analysts_do_not_work_with_bookings(request, signed_in, office_a, actor):
    browser = signed_in(request.getfixturevalue(actor))
    assert browser.get(LIST).status_code == 403
    assert browser.get(f"/en/staff/bookings/{office_a.slug}/new/").status_code == 403


def test_the_head_of_another_office_gets_a_404_for_this_office(
    signed_in, outsider, office_a, schedule, operator
):
    booking = book(office_a, schedule, local(10), operator)
    browser = signed_in(outsider)

    assert browser.get(LIST, {"office": office_a.slug}).status_code == 404
    assert browser.get(f"/en/staff/bookings/{office_a.slug}/new/").status_code == 404
    cancel_url = f"/en/staff/bookings/{office_a.slug}/{booking.code}/cancel/"
    assert browser.get(cancel_url).status_code == 404
    assert browser.post(cancel_url, {"reason": "prank"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    # Their own office's list opens, and never shows office A's bookings.
    own = browser.get(LIST)
    assert own.status_code == 200
    assert booking.code not in own.content.decode()


def test_a_booking_of_another_office_cannot_be_reached_through_ones_own_office(
    signed_in, outsider, office_a, office_b, schedule, operator
):
    booking = book(office_a, schedule, local(10), operator)
    url = f"/en/staff/bookings/{office_b.slug}/{booking.code}/cancel/"
    assert signed_in(outsider).get(url).status_code == 404


def test_the_staff_home_page_links_to_the_bookings(signed_in, operator, clerk):
    assert 'href="/en/staff/bookings/"' in signed_in(operator).get("/en/staff/").content.decode()
    assert 'href="/en/staff/bookings/"' not in signed_in(clerk).get("/en/staff/").content.decode()


# --- the day's list -----------------------------------------------------------------------------


def test_the_day_lists_bookings_in_office_time_with_a_masked_contact(
    signed_in, operator, office_a, schedule
):
    with_contact = book(office_a, schedule, local(10), operator, contact=PHONE)
    anonymous = book(office_a, schedule, local(9, 15), operator)
    tomorrow = book(office_a, schedule, local(9, day=MONDAY + dt.timedelta(days=1)), operator)

    response = signed_in(operator).get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert PHONE not in page and "501234567" not in page
    assert row(response, with_contact.code).startswith("10:00–10:15 ")
    assert "+380 •• ••• •• 67" in row(response, with_contact.code)
    assert "Confirmed" in row(response, with_contact.code)
    assert "By phone or at the desk" in row(response, with_contact.code)
    assert row(response, anonymous.code).startswith("09:15–09:30 ")
    assert tomorrow.code not in page
    # Earlier times first.
    assert page.index(anonymous.code) < page.index(with_contact.code)
    # The next day, by the date picker.
    assert tomorrow.code in signed_in(operator).get(LIST, {"date": "2026-11-24"}).content.decode()


def test_the_list_shows_missed_visits_of_the_contact_over_the_counting_period(
    signed_in, operator, office_a, schedule
):
    booking = book(office_a, schedule, local(11), operator, contact=PHONE)
    other = book(office_a, schedule, local(12), operator, contact="+380501234500")
    # Two missed visits inside the 90-day period and one long before it.
    ContactRecord.objects.filter(pk=booking.contact_record_id).update(
        no_shows=["2026-03-01", "2026-10-01", "2026-11-20"]
    )

    response = signed_in(operator).get(LIST)

    assert "2 missed visits" in row(response, booking.code)
    assert 'class="state-badge' in re.search(
        rf'<tr data-code="{booking.code}">.*?</tr>', response.content.decode(), re.S
    ).group(0)
    assert "missed visit" not in row(response, other.code)


def test_a_checked_in_booking_shows_its_ticket(signed_in, operator, office_a, schedule):
    booking = book(office_a, schedule, local(10), operator)
    arrived = bookings.check_in(booking, office=office_a, now=local(9, 55))

    response = signed_in(operator).get(LIST)

    assert arrived.ticket.label in row(response, booking.code)
    assert "Checked in" in row(response, booking.code)


def test_the_summary_counts_booked_places_places_and_times_still_free_by_phone(
    signed_in, operator, office_a, schedule
):
    book(office_a, schedule, local(10), operator)

    response = signed_in(operator).get(LIST)

    summary = re.search(r'<table class="data booking-summary">(.*?)</table>', text_raw(response))
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary.group(1)))
    # 9 open hours of 15-minute slots with two people on shift: 36 slots, 72 places. The phone
    # share of an hour is 20% of 120 staff minutes = 24 minutes: one 15-minute booking per hour,
    # so the booking at 10:00 leaves no time of that hour free by phone: 36 - 4 = 32.
    assert f"{schedule.code} · Passport 1 72 32" in cells


def text_raw(response) -> str:
    return response.content.decode().replace("\n", " ")


def test_the_service_filter_narrows_the_list(signed_in, operator, office_a, schedule):
    from tests.factories import ServiceFactory

    other_service = ServiceFactory(offices=[office_a])
    CompetencyFactory(employee=operator, service=other_service)
    passport = book(office_a, schedule, local(10), operator)
    other = book(office_a, other_service, local(11), operator)

    response = signed_in(operator).get(LIST, {"service": schedule.pk})

    assert passport.code in response.content.decode()
    assert other.code not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"date": "not-a-date"}, {"service": "abc"}, {"office": "no-such-office"}, {"date": "99999"}],
)
def test_odd_filters_never_break_the_page(signed_in, operator, office_a, query):
    response = signed_in(operator).get(LIST, query)
    assert response.status_code in (200, 404)


# --- booking for a caller -----------------------------------------------------------------------


def test_booking_for_a_caller_lists_free_phone_times_and_shows_the_code(
    signed_in, operator, office_a, schedule
):
    browser = signed_in(operator)
    url = f"/en/staff/bookings/{office_a.slug}/new/"

    times = browser.get(url, {"service": schedule.pk, "date": "2026-11-23"})
    page = times.content.decode()
    assert times.status_code == 200
    assert 'value="2026-11-23T10:00:00+02:00"' in page
    assert 'value="2026-11-23T07:45:00+02:00"' not in page  # before opening

    booked = browser.post(
        url,
        {
            "service": schedule.pk,
            "date": "2026-11-23",
            "start": "2026-11-23T10:00:00+02:00",
            "language": "pl",
        },
    )

    assert booked.status_code == 200
    booking = Booking.objects.get()
    assert booking.code in text(booked)
    assert "Read the booking code out to the caller" in text(booked)
    assert (booking.status, booking.channel, booking.booked_by, booking.language) == (
        Booking.Status.CONFIRMED,
        "phone",
        operator,
        "pl",
    )
    assert booking.start == local(10)


def test_a_callers_contact_gets_the_confirmation(
    signed_in, operator, office_a, schedule, django_capture_on_commit_callbacks
):
    backends.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(operator).post(
            f"/en/staff/bookings/{office_a.slug}/new/",
            {
                "service": schedule.pk,
                "date": "2026-11-23",
                "start": "2026-11-23T11:00:00+02:00",
                "contact": "050 123 45 67",
                "language": "en",
            },
        )
    booking = Booking.objects.get()
    assert booking.contact == PHONE
    assert [m.to for m in backends.outbox] == [PHONE]
    assert booking.code in backends.outbox[0].body


@pytest.mark.parametrize(
    ("start", "contact", "message"),
    [
        ("2026-11-23T10:05:00+02:00", "", "This time is not offered for booking"),
        ("tomorrow-ish", "", "This time is not offered for booking"),
        ("2026-11-23T10:00:00", "", "This time is not offered for booking"),  # no zone
        ("2026-11-23T10:00:00+02:00", "not a contact", "phone"),
    ],
)
def test_a_booking_the_rules_refuse_is_explained_and_nothing_is_booked(
    signed_in, operator, office_a, schedule, start, contact, message
):
    response = signed_in(operator).post(
        f"/en/staff/bookings/{office_a.slug}/new/",
        {"service": schedule.pk, "date": "2026-11-23", "start": start, "contact": contact},
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not Booking.objects.filter(status=Booking.Status.CONFIRMED).exists()


def test_a_taken_time_is_refused_with_the_reason(signed_in, operator, head, office_a, schedule):
    book(office_a, schedule, local(10), head)  # the phone share of the 10:00 hour is used up

    response = signed_in(operator).post(
        f"/en/staff/bookings/{office_a.slug}/new/",
        {"service": schedule.pk, "date": "2026-11-23", "start": "2026-11-23T10:15:00+02:00"},
    )

    assert response.status_code == 409
    assert "Somebody has just taken this time" in text(response)
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 1


def test_a_service_not_bookable_here_is_refused(signed_in, operator, office_a, service_b):
    response = signed_in(operator).get(
        f"/en/staff/bookings/{office_a.slug}/new/", {"service": service_b.pk, "date": "2026-11-23"}
    )
    assert response.status_code == 400


# --- cancelling ---------------------------------------------------------------------------------


def test_cancelling_requires_a_reason(signed_in, operator, office_a, schedule):
    booking = book(office_a, schedule, local(10), operator)
    url = f"/en/staff/bookings/{office_a.slug}/{booking.code}/cancel/"

    response = signed_in(operator).post(url, {"reason": "   "})

    assert response.status_code == 400
    assert "This field is required." in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancelling_with_a_reason_frees_the_place_and_tells_the_citizen(
    signed_in, operator, office_a, schedule, django_capture_on_commit_callbacks
):
    booking = book(office_a, schedule, local(10), operator, contact=PHONE)
    browser = signed_in(operator)
    url = f"/en/staff/bookings/{office_a.slug}/{booking.code}/cancel/"
    assert browser.get(url).status_code == 200
    backends.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, {"reason": "The operator is ill"})

    assert response.status_code == 302
    assert response["Location"] == (
        f"/en/staff/bookings/?office={office_a.slug}&date=2026-11-23&cancelled={booking.code}"
    )
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (
        Booking.Status.CANCELLED,
        "The operator is ill",
    )
    event = booking.events.get(action=BookingEvent.Action.CANCELLED)
    assert event.employee == operator
    assert [m.to for m in backends.outbox] == [PHONE]
    assert "The operator is ill" in backends.outbox[0].body
    listed = browser.get(response["Location"])
    assert f"Booking {booking.code} was cancelled." in text(listed)
    assert "Cancel" not in row(listed, booking.code).replace("Cancelled", "")
    # The place is free again.
    offer = Planner(office_a).offer_at(schedule, local(10), channel="phone", now=BEFORE_OPENING)
    assert offer.free == 1


def test_a_cancelled_booking_cannot_be_cancelled_again(signed_in, operator, office_a, schedule):
    booking = book(office_a, schedule, local(10), operator)
    bookings.cancel_booking(booking, employee=operator, reason="first")
    url = f"/en/staff/bookings/{office_a.slug}/{booking.code}/cancel/"

    response = signed_in(operator).post(url, {"reason": "second"})

    assert response.status_code == 409
    assert "This booking is no longer active." in text(response)
    booking.refresh_from_db()
    assert booking.cancel_reason == "first"


def test_an_unknown_booking_code_is_a_404(signed_in, operator, office_a):
    url = f"/en/staff/bookings/{office_a.slug}/NOSUCHCODE/cancel/"
    assert signed_in(operator).get(url).status_code == 404


@pytest.mark.parametrize("lang", ["uk", "ru", "pl", "kk", "en"])
def test_the_pages_open_in_every_language(signed_in, operator, office_a, schedule, lang):
    booking = book(office_a, schedule, local(10), operator)
    browser = signed_in(operator)
    assert browser.get(f"/{lang}/staff/bookings/").status_code == 200
    assert browser.get(f"/{lang}/staff/bookings/{office_a.slug}/new/").status_code == 200
    assert (
        browser.get(f"/{lang}/staff/bookings/{office_a.slug}/{booking.code}/cancel/").status_code
        == 200
    )


def test_moving_a_booking_takes_the_new_time_frees_the_old_and_tells_the_citizen(
    signed_in, operator, office_a, schedule, django_capture_on_commit_callbacks
):
    booking = book(office_a, schedule, local(10), operator, contact=PHONE)
    browser = signed_in(operator)
    url = f"/en/staff/bookings/{office_a.slug}/{booking.code}/move/"
    page = browser.get(url, {"date": "2026-11-23"})
    assert page.status_code == 200
    assert local(11).isoformat() in page.content.decode()
    backends.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url, {"date": "2026-11-23", "start": local(11).isoformat()})

    assert response.status_code == 302
    assert response["Location"].endswith(f"&moved={booking.code}")
    booking.refresh_from_db()
    assert booking.start == local(11)
    assert booking.events.get(action=BookingEvent.Action.RESCHEDULED).employee == operator
    assert [m.kind for m in backends.outbox] == ["appointments/notifications/rescheduled"]
    listed = browser.get(response["Location"])
    assert f"Booking {booking.code} was moved to 11:00." in text(listed)
    offer = Planner(office_a).offer_at(schedule, local(10), channel="phone", now=BEFORE_OPENING)
    assert offer.free == 1


def test_moving_to_a_time_that_is_not_offered_says_so(signed_in, operator, office_a, schedule):
    booking = book(office_a, schedule, local(10), operator)
    browser = signed_in(operator)
    url = f"/en/staff/bookings/{office_a.slug}/{booking.code}/move/"
    response = browser.post(url, {"date": "2026-11-23", "start": "not a time"})
    assert response.status_code == 400
    assert "This time is not offered" in text(response)
    booking.refresh_from_db()
    assert booking.start == local(10)


def test_another_offices_booking_cannot_be_moved(signed_in, outsider, operator, office_a, schedule):
    booking = book(office_a, schedule, local(10), operator)
    response = signed_in(outsider).get(f"/en/staff/bookings/{office_a.slug}/{booking.code}/move/")
    assert response.status_code == 404
