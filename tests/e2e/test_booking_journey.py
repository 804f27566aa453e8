"""A citizen books a visit in Chromium: service → office → day → time → contact → code → cancel.

The one-time code is read from the console backend's outbox: the live server runs in this
process, so what it "sends" lands in the same list. Every booking page is checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from playwright.sync_api import expect

from okno.notifications import backends
from tests.e2e import support

pytestmark = pytest.mark.e2e

OFFICE = "przemysl-rynek"
#: PESEL (A04): 15 minutes at the window, offered at the Market Square office.
SERVICE = support.service("A04")
#: Monday 23 November 2026, 08:00 in Przemyśl: the office opened at 07:30.
MONDAY_MORNING = dt.datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
PHONE = "+48 512 345 678"
PHONE_E164 = "+48512345678"


@pytest.fixture
def on_shift(site):
    """Somebody qualified for the service on shift at the office on weekdays (the demo's weekly
    schedule does that; this holds the journey up if the demo ever comes without one)."""
    from okno.appointments.models import StaffShift
    from okno.catalog.models import Office
    from okno.staff.models import Employee

    office = Office.objects.get(slug=OFFICE)
    if not StaffShift.objects.filter(office=office).exists():
        operator = Employee.objects.get(user__username="operator.anna")
        for weekday in range(5):
            StaffShift.objects.create(
                office=office,
                employee=operator,
                weekday=weekday,
                starts=dt.time(7, 30),
                ends=dt.time(15, 30),
            )
    cache.clear()  # no rate-limit counts left from other tests of this process
    backends.outbox.clear()
    yield
    backends.outbox.clear()


def test_a_citizen_books_a_visit_confirms_it_with_the_code_and_cancels_it(page, site, on_shift):
    from okno.appointments.models import Booking

    violations: list[str] = []

    def check(heading: str | re.Pattern[str]) -> None:
        expect(page.locator("h1")).to_have_text(heading)
        violations.extend(support.accessibility_violations(page))

    with time_machine.travel(MONDAY_MORNING, tick=True):
        page.goto("/en/book/")
        check("Book a visit")

        page.goto(f"/en/services/{SERVICE['slug']}/")
        page.get_by_role("link", name="Book a visit").click()
        assert page.url == f"{site}/en/book/{SERVICE['slug']}/"
        check("Choose an office")

        page.locator(f"a[href='/en/book/{SERVICE['slug']}/{OFFICE}/']").click()
        check("Choose a day")

        page.locator("td.day--free a").first.click()
        check(re.compile(r"^Choose a time on "))

        first_time = page.locator(".booking-times__list button").first
        chosen = first_time.get_attribute("value")
        first_time.click()
        check("Where should we send the code?")
        expect(page.locator(".booking-hold")).to_contain_text("held for you")

        page.get_by_label("Mobile phone number or e-mail address").fill(PHONE)
        page.get_by_label("I agree to receive messages").check()
        page.get_by_role("button", name="Send me the code").click()
        check("Enter the code")

        message = next(m for m in reversed(backends.outbox) if m.to == PHONE_E164)
        code = re.search(r"\b(\d{6})\b", message.body).group(1)
        page.get_by_label("Code from the message").fill(code)
        page.get_by_role("button", name="Confirm the booking").click()
        check("Your booking is confirmed")

        booking = Booking.objects.get(code=page.locator(".booking-code").inner_text())
        assert booking.status == Booking.Status.CONFIRMED
        assert booking.start == dt.datetime.fromisoformat(chosen)
        expect(page.locator(".booking-code")).to_have_text(booking.code)
        expect(page.locator(".booking-qr svg[role=img]")).to_be_visible()

        page.get_by_role("link", name="Cancel this booking").click()
        check(f"Cancel booking {booking.code}?")
        page.get_by_role("button", name="Yes, cancel my booking").click()
        check("Your booking")
        expect(page.locator(".booking-status strong")).to_have_text("cancelled")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert violations == []


def test_use_my_location_puts_the_nearest_office_first(browser, site, on_shift):
    lipowica = support.office("przemysl-lipowica")
    context = browser.new_context(
        base_url=site,
        locale="en-GB",
        geolocation={"latitude": lipowica["latitude"], "longitude": lipowica["longitude"]},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    with time_machine.travel(MONDAY_MORNING, tick=True):
        page.goto(f"/en/book/{SERVICE['slug']}/")
        page.get_by_role("button", name="Use my location").click()
        page.wait_for_url(re.compile(r"\?lat=.*&lon="))
        first = page.locator(".booking-office").first
        expect(first.locator("a")).to_have_text(lipowica["name"]["en"])
        expect(first).to_contain_text("0.0 km away")
        assert support.accessibility_violations(page) == []
    context.close()
