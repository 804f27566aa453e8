"""Checking in a booking at the kiosk: the code (typed) turns a booking into a ticket placed by
its slot; early, late, wrong-office, unknown and spent codes get a screen that says what to do."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from okno.appointments import services as bookings
from okno.appointments.models import AppointmentSettings, Booking, LatePolicy
from okno.queueing.models import Ticket
from okno.queueing.views.kiosk import CHECKIN_ATTEMPTS_PER_MINUTE
from tests.factories import bookable_office

KYIV = dt.timezone(dt.timedelta(hours=2))  # Kyiv in November (EET)
MONDAY = dt.date(2026, 11, 23)
SLOT = dt.datetime(2026, 11, 23, 10, 0, tzinfo=KYIV)  # the booked time, 10:00 in Kyiv
BOOKED_AT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=KYIV)


def local(hour: int, minute: int = 0, *, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=KYIV)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Time is frozen, so every test would count in the same rate-limit window.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office(db):
    office, _services, _staff = bookable_office(slug="kyiv-bookings")
    return office


@pytest.fixture
def booking(office) -> Booking:
    """A booking for 10:00 made by phone at 08:00 (confirmed at once)."""
    service = office.services.get()
    employee = office.employees.first()
    held = bookings.book_for_caller(office, service, SLOT, employee=employee, now=BOOKED_AT)
    return held.booking


def check_in(code: str, office, *, at: dt.datetime, client: Client | None = None, **query):
    browser = client or Client()
    with time_machine.travel(at, tick=False):
        return browser.post(f"/en/kiosk/{office.slug}/booking/", {"code": code}, **query)


def follow(response, *, at: dt.datetime):
    """The page a check-in redirects to (the ticket screen), at the same moment."""
    with time_machine.travel(at, tick=False):
        return Client().get(response["Location"])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


# --- the way in ---------------------------------------------------------------------------------


def test_the_start_screen_has_an_i_have_a_booking_button(office):
    page = Client().get(f"/en/kiosk/{office.slug}/").content.decode()
    assert f'href="/en/kiosk/{office.slug}/booking/"' in page
    assert "I have a booking" in page


def test_the_code_screen_asks_for_the_code_with_a_kiosk_friendly_input(office):
    page = Client().get(f"/en/kiosk/{office.slug}/booking/").content.decode()
    field = re.search(r"<input id=\"booking-code\"[^>]*>", page, re.S).group(0)
    assert 'name="code"' in field
    assert 'autocomplete="off"' in field
    assert 'inputmode="text"' in field
    assert 'autocapitalize="characters"' in field
    assert "data-kiosk-scan hidden" in page  # the camera button shows only where it can work
    # Every character a code can hold has an on-screen key.
    assert all(f'data-key="{key}"' in page for key in "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


def test_the_kiosk_keeps_autoprint_on_the_way_to_the_check_in(office):
    page = Client().get(f"/en/kiosk/{office.slug}/?autoprint=1").content.decode()
    assert f'href="/en/kiosk/{office.slug}/booking/?autoprint=1"' in page


# --- inside the arrival window ------------------------------------------------------------------


def test_a_booking_inside_the_window_gets_a_booking_ticket_placed_by_its_slot(office, booking):
    arrived = local(9, 50)  # the window is 09:45-10:10

    response = check_in(booking.code.lower(), office, at=arrived)  # the case does not matter

    assert response.status_code == 302
    booking.refresh_from_db()
    ticket = booking.ticket
    assert booking.status == Booking.Status.CHECKED_IN
    assert ticket.source == Ticket.Source.BOOKING
    assert ticket.office == office
    # Placed as if waiting since the slot minus the 30-minute head start, not since arrival.
    assert ticket.queue_key == SLOT - dt.timedelta(minutes=30)
    assert response["Location"] == f"/en/kiosk/{office.slug}/ticket/{ticket.code}/"
    screen = text(follow(response, at=arrived))
    assert ticket.label in screen
    assert "Booked for 10:00" in screen
    assert "regular queue ticket" not in screen


def test_a_typed_code_with_spaces_is_accepted(office, booking):
    spaced = f" {booking.code[:4]} {booking.code[4:]} "
    assert check_in(spaced, office, at=local(10, 0)).status_code == 302


def test_the_ticket_screen_keeps_autoprint_and_links_to_the_ticket_page(office, booking):
    response = check_in(booking.code, office, at=local(10, 5), QUERY_STRING="autoprint=1")
    with time_machine.travel(local(10, 5), tick=False):
        page = Client().get(response["Location"]).content.decode()
    booking.refresh_from_db()
    assert response["Location"].endswith("?autoprint=1")
    assert 'data-kiosk-autoprint="1"' in page
    assert f"/en/t/{booking.ticket.code}/" in page


# --- too early, too late ------------------------------------------------------------------------


def test_too_early_says_when_to_come_back_in_office_time(office, booking):
    response = check_in(booking.code, office, at=local(9, 30))

    assert response.status_code == 409
    screen = text(response)
    assert "It is too early to check in." in screen
    assert "Please come back at 09:45." in screen  # 15 minutes before the slot, Kyiv time
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.ticket is None


def test_a_booking_for_another_day_names_that_day(office):
    service = office.services.get()
    tuesday = local(10, 0, day=MONDAY + dt.timedelta(days=1))
    held = bookings.book_for_caller(
        office, service, tuesday, employee=office.employees.first(), now=BOOKED_AT
    )

    screen = text(check_in(held.booking.code, office, at=local(11, 0)))

    assert "Your booking is on 24 November at 10:00." in screen
    assert "Please come back that day at 09:45." in screen


def test_a_late_arrival_joins_as_a_walk_in_and_the_screen_says_so(office, booking):
    arrived = local(10, 20)  # the window closed at 10:10

    response = check_in(booking.code, office, at=arrived)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    assert booking.ticket.source == Ticket.Source.KIOSK
    assert booking.ticket.queue_key == arrived  # no head start: counted from arrival
    screen = text(follow(response, at=arrived))
    assert "Booked for 10:00" in screen
    assert "Your booked time has passed, so this is a regular queue ticket." in screen


def test_a_late_arrival_is_refused_where_the_office_says_so_and_offered_a_ticket(office, booking):
    AppointmentSettings.objects.create(office=office, late_policy=LatePolicy.REFUSE)

    response = check_in(booking.code, office, at=local(10, 20))

    assert response.status_code == 409
    page = response.content.decode()
    assert "The time for this booking has passed; please take a ticket at the kiosk." in text(
        response
    )
    assert f'href="/en/kiosk/{office.slug}/service/{booking.service_id}/"' in page
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Ticket.objects.exists()


# --- codes that cannot be checked in ------------------------------------------------------------


def test_a_booking_for_another_office_is_refused_and_names_the_right_one(office, booking):
    elsewhere, _services, _staff = bookable_office(
        slug="elsewhere", address={"en": "1 Other Street"}
    )

    response = check_in(booking.code, elsewhere, at=local(10, 0))

    assert response.status_code == 400
    screen = text(response)
    assert "This booking is for another office." in screen
    # Where the booking is: the other office's name and address.
    assert f"Your booking is at: {office.name['en']}, {office.address['en']}." in screen
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "", "   ", "X" * 30, "<script>"])
def test_an_unknown_code_shows_the_form_again_with_the_reason(office, booking, code):
    response = check_in(code, office, at=local(10, 0))

    assert response.status_code == 404
    assert "No booking with this code was found." in text(response)
    assert 'id="booking-code"' in response.content.decode()
    assert "<script>" not in response.content.decode().split("<body")[1]
    assert not Ticket.objects.exists()


def test_a_booking_checked_in_once_cannot_be_checked_in_again(office, booking):
    assert check_in(booking.code, office, at=local(10, 0)).status_code == 302

    again = check_in(booking.code, office, at=local(10, 1))

    assert again.status_code == 409
    assert "This booking has already been checked in." in text(again)
    assert Ticket.objects.count() == 1


def test_a_cancelled_booking_cannot_be_checked_in(office, booking):
    bookings.cancel_booking(booking, reason="the caller changed their mind", now=BOOKED_AT)

    response = check_in(booking.code, office, at=local(10, 0))

    assert response.status_code == 409
    assert "This booking was cancelled." in text(response)
    assert not Ticket.objects.exists()


def test_code_attempts_are_limited_per_address(office, booking):
    browser = Client()
    for _attempt in range(CHECKIN_ATTEMPTS_PER_MINUTE):
        assert check_in("ZZZZZZZZ", office, at=local(10, 0), client=browser).status_code == 404

    refused = check_in(booking.code, office, at=local(10, 0), client=browser)

    assert refused.status_code == 429
    assert "Too many requests" in text(refused)
    assert not Ticket.objects.exists()
    # Another address is not held back.
    other = check_in(booking.code, office, at=local(10, 0), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_the_check_in_address_refuses_other_methods_without_an_error(office):
    response = Client().put(f"/en/kiosk/{office.slug}/booking/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


@pytest.mark.parametrize("lang", ["uk", "ru", "pl", "kk", "en"])
def test_the_check_in_screens_work_in_every_language(office, booking, lang):
    assert Client().get(f"/{lang}/kiosk/{office.slug}/booking/").status_code == 200
    with time_machine.travel(local(9, 0), tick=False):
        early = Client().post(f"/{lang}/kiosk/{office.slug}/booking/", {"code": booking.code})
    assert early.status_code == 409
    assert "09:45" in text(early)
