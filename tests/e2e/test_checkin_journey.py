"""Checking in a booking at the kiosk, in a real browser: the code typed on the kiosk turns a
confirmed booking into a ticket, which the operator's console then calls; the check-in screens
and the staff's list of bookings pass axe-core.

The journeys run whenever CI runs, and a booking can only be checked in from 15 minutes before
its time. So each journey first makes "now" bookable at the demo's main office: an extra working
day from 00:00 to 23:59 today and tomorrow, Olena on shift all that time, and the whole of
each hour bookable by phone; the booking then takes the next free slot, at most 15 minutes
ahead, which is inside its arrival window.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e import support

pytestmark = pytest.mark.e2e

OFFICE = support.QUEUE_OFFICE
OPERATOR = support.employee("operator.olena")
HEAD = support.employee("head.rynek")
# A PESEL number (group A, 15 minutes) is among Olena's services; her usual point is window 3.
SERVICE = support.service("A04")
WINDOW = str(OPERATOR["home_service_point"])


def test_a_booking_checked_in_at_the_kiosk_is_called_at_the_desk(open_page):
    booking = _booking_due_now()
    kiosk = open_page(f"/en/kiosk/{OFFICE}/")

    kiosk.get_by_role("link", name="I have a booking").click()
    expect(kiosk.locator("h1")).to_have_text("I have a booking")
    violations = support.accessibility_violations(kiosk)
    # A mistyped code first: the form comes back saying so.
    kiosk.get_by_label("Booking code").fill("ZZZZ2222")
    kiosk.get_by_role("button", name="Check in").click()
    expect(kiosk.get_by_role("alert")).to_have_text("No booking with this code was found.")
    violations += support.accessibility_violations(kiosk)
    # Then the right one, typed on the on-screen keys (a kiosk may have no keyboard).
    field = kiosk.get_by_label("Booking code")
    field.fill("")
    for key in booking.code:
        kiosk.locator(f"[data-kiosk-keypad] button[data-key='{key}']").click()
    expect(field).to_have_value(booking.code)
    kiosk.get_by_role("button", name="Check in").click()

    number = kiosk.locator(".slip__number")
    expect(number).to_have_text(re.compile(r"^A\d{3}$"))
    label = number.inner_text()
    booked_for = booking.start.astimezone(booking.office.zone).strftime("%H:%M")
    expect(kiosk.locator(".slip__booking")).to_have_text(f"Booked for {booked_for}")
    violations += support.accessibility_violations(kiosk)
    booking.refresh_from_db()
    assert booking.status == "checked_in"
    assert booking.ticket.label == label
    assert booking.ticket.source == "booking"

    desk = open_page("/en/desk/")
    support.sign_in(desk, OPERATOR["username"])
    desk.get_by_role("button", name=f"Work at service point {WINDOW}").click()
    expect(desk.locator("#desk-counts")).to_contain_text("1 visitor waiting")
    desk.get_by_role("button", name="Call next").click()
    expect(desk.locator(".desk-ticket__label")).to_have_text(label)
    booking.ticket.refresh_from_db()
    assert booking.ticket.state == "called"
    assert not violations, "axe-core found:\n" + "\n".join(violations)


def test_the_kiosk_tells_an_early_visitor_when_to_come_back_on_an_accessible_screen(open_page):
    from django.utils import timezone

    later = _booking_due_now(minutes_ahead=120)
    kiosk = open_page(f"/en/kiosk/{OFFICE}/booking/")
    kiosk.get_by_label("Booking code").fill(later.code)
    kiosk.get_by_role("button", name="Check in").click()

    expect(kiosk.locator("h1")).to_have_text("No ticket issued")
    expect(kiosk.get_by_role("alert")).to_contain_text("It is too early to check in.")
    opens = (later.start - dt.timedelta(minutes=15)).astimezone(later.office.zone)
    if opens.date() == timezone.now().astimezone(later.office.zone).date():
        expect(kiosk.get_by_role("alert")).to_contain_text(f"Please come back at {opens:%H:%M}.")
    violations = support.accessibility_violations(kiosk)
    kiosk.get_by_role("link", name="Back to the start").click()
    expect(kiosk.locator("h1")).to_have_text("Take a ticket")
    assert not violations, "axe-core found:\n" + "\n".join(violations)


def test_the_staff_list_of_bookings_shows_the_day_and_is_accessible(open_page):
    booking = _booking_due_now()
    page = open_page("/en/staff/bookings/")
    support.sign_in(page, HEAD["username"])

    expect(page.locator("h1")).to_contain_text("Bookings")
    day = booking.start.astimezone(booking.office.zone).date().isoformat()
    page.goto(f"/en/staff/bookings/?office={OFFICE}&date={day}")
    row = page.locator(f"tr[data-code='{booking.code}']")
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text(SERVICE["code"])
    violations = support.accessibility_violations(page)

    row.get_by_role("link", name=re.compile("Cancel")).click()
    expect(page.locator("h1")).to_have_text(f"Cancel booking {booking.code}")
    violations += support.accessibility_violations(page)
    page.get_by_label("Reason (the citizen is told)").fill("The office closes for a drill")
    page.get_by_role("button", name="Cancel the booking").click()
    expect(page.get_by_role("status")).to_contain_text(f"Booking {booking.code} was cancelled.")
    expect(page.locator(f"tr[data-code='{booking.code}']")).to_contain_text("Cancelled")
    assert not violations, "axe-core found:\n" + "\n".join(violations)


# --- set-up -------------------------------------------------------------------------------------


def _booking_due_now(*, minutes_ahead: int = 0):
    """A booking confirmed by phone for the first free A04 slot at least `minutes_ahead` from
    now, after making every minute of today and tomorrow bookable (see the module's doc)."""
    from django.utils import timezone

    from okno.appointments import services
    from okno.appointments.models import AppointmentSettings, StaffShift
    from okno.appointments.slots import Planner
    from okno.catalog.models import CalendarException, Office, Service
    from okno.staff.models import Employee

    office = Office.objects.get(slug=OFFICE)
    service = Service.objects.get(code=SERVICE["code"])
    operator = Employee.objects.get(user__username=OPERATOR["username"])
    now = timezone.now()
    today = now.astimezone(office.zone).date()
    for day in (today, today + dt.timedelta(days=1)):
        CalendarException.objects.update_or_create(
            office=office,
            date=day,
            defaults={"kind": "working", "opens": dt.time(0, 0), "closes": dt.time(23, 59)},
        )
        StaffShift.objects.get_or_create(
            office=office,
            employee=operator,
            weekday=day.weekday(),
            starts=dt.time(0, 0),
            defaults={"ends": dt.time(23, 59)},
        )
    AppointmentSettings.objects.update_or_create(
        office=office, defaults={"online_share": 0, "phone_share": 100}
    )
    earliest = now + dt.timedelta(minutes=minutes_ahead)
    offers = Planner(office).offers(
        service, today, today + dt.timedelta(days=1), channel="phone", now=now
    )
    offer = next(o for o in offers if o.free > 0 and o.start >= earliest)
    return services.book_for_caller(office, service, offer.start, employee=operator).booking
