"""The citizen's booking pages, step by step with the test client: choose, hold, confirm, manage."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from okno.appointments import services
from okno.appointments.models import Booking, Slot
from okno.notifications import backends
from tests.factories import (
    LifeSituationStepFactory,
    RequiredDocumentFactory,
    ServiceFactory,
    bookable_office,
)

pytestmark = pytest.mark.django_db

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
#: Monday 23 November 2026, 08:00 in Kyiv: the office has just opened.
MONDAY_8 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=KYIV)
NINE = dt.datetime(2026, 11, 23, 9, 0, tzinfo=KYIV)
PHONE = "+380671234567"


@pytest.fixture(autouse=True)
def _clean_slate(settings):
    """Rate-limit counters live in the cache and messages in the outbox: both start empty."""
    settings.OKNO_SMS_BACKEND = "console"
    settings.OKNO_EMAIL_BACKEND = "console"
    cache.clear()
    backends.outbox.clear()
    yield
    cache.clear()
    backends.outbox.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_8, tick=False) as traveller:
        yield traveller


@pytest.fixture
def place(frozen):
    """One operator on shift 08:00-17:00 on weekdays: each 15-minute slot has one place."""
    office, (service,), _staff = bookable_office(
        operators=1,
        slug="kyiv-centre",
        name={"uk": "ЦНАП Київ", "en": "Kyiv service centre"},
        latitude=Decimal("50.450100"),
        longitude=Decimal("30.523400"),
    )
    service.slug = "passport"
    service.name = {"uk": "Паспорт", "en": "Passport, biometric; new"}
    service.save()
    RequiredDocumentFactory(service=service, name={"uk": "Свідоцтво", "en": "Birth certificate"})
    return office, service


def book_url(service, office=None, day=None) -> str:
    url = f"/en/book/{service.slug}/"
    if office is not None:
        url += f"{office.slug}/"
    if day is not None:
        url += f"{day.isoformat()}/"
    return url


def hold(client: Client, place, start: dt.datetime = NINE):
    office, service = place
    return client.post(book_url(service, office, start.date()), {"start": start.isoformat()})


def last_code(to: str = PHONE) -> str:
    message = [m for m in backends.outbox if m.to == to][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def held_booking() -> Booking:
    return Booking.objects.get()


def confirm(client: Client, place, capture, start: dt.datetime = NINE) -> Booking:
    """The whole flow through the pages; returns the confirmed booking."""
    response = hold(client, place, start)
    code = held_booking().code if response.status_code == 302 else None
    assert code, response.content
    with capture(execute=True):
        client.post(f"/en/booking/hold/{code}/contact/", {"contact": PHONE, "consent": "on"})
    client.post(f"/en/booking/hold/{code}/code/", {"code": last_code()})
    booking = Booking.objects.get(code=code)
    assert booking.status == Booking.Status.CONFIRMED
    return booking


def manage_url(booking: Booking) -> str:
    return f"/en/booking/{booking.code}/{services.manage_secret(booking)}/"


# --- the flow -----------------------------------------------------------------------------------


def test_a_citizen_books_a_visit_step_by_step(client, place, django_capture_on_commit_callbacks):
    office, service = place

    start = client.get("/en/book/")
    assert start.status_code == 200
    assert f'href="/en/book/{service.slug}/"' in start.content.decode()

    chosen = client.get(f"/en/book/?service={service.slug}")
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/en/book/{service.slug}/"

    offices = client.get(book_url(service)).content.decode()
    assert "Kyiv service centre" in offices
    assert f'href="/en/book/{service.slug}/{office.slug}/"' in offices
    assert "First free day: Monday, 23 November" in offices

    days = client.get(book_url(service, office)).content.decode()
    assert f'href="{book_url(service, office, MONDAY_8.date())}"' in days
    # Saturday: the office is closed, so no link.
    assert book_url(service, office, dt.date(2026, 11, 28)) not in days

    times = client.get(book_url(service, office, MONDAY_8.date())).content.decode()
    # Bookable from 30 minutes ahead: 08:30 is the first time, 08:15 is too soon.
    assert 'value="2026-11-23T08:30:00+02:00"' in times
    assert 'value="2026-11-23T08:15:00+02:00"' not in times
    assert ">09:00</time>" in times

    held = hold(client, place)
    booking = held_booking()
    assert held.status_code == 302
    assert held["Location"] == f"/en/booking/hold/{booking.code}/contact/"
    assert booking.status == Booking.Status.HELD
    assert booking.start == NINE

    contact_page = client.get(held["Location"]).content.decode()
    assert "held for you for 10 more minutes, until 08:10" in contact_page
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(held["Location"], {"contact": "067 123 45 67", "consent": "on"})
    assert sent.status_code == 302
    assert sent["Location"] == f"/en/booking/hold/{booking.code}/code/"
    assert [m.to for m in backends.outbox] == [PHONE]

    code_page = client.get(sent["Location"]).content.decode()
    assert 'autocomplete="one-time-code"' in code_page
    assert 'inputmode="numeric"' in code_page
    with django_capture_on_commit_callbacks(execute=True):
        verified = client.post(sent["Location"], {"code": last_code()})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert verified.status_code == 302
    assert verified["Location"] == manage_url(booking)

    page = client.get(verified["Location"]).content.decode()
    assert "Your booking is confirmed" in page
    assert f'<p class="booking-code" translate="no">{booking.code}</p>' in page
    assert "<svg" in page and 'role="img"' in page
    assert "Monday, 23 November 2026, 09:00" in page
    assert "Kyiv service centre" in page
    assert "Birth certificate" in page
    assert f"{manage_url(booking)}calendar.ics" in page
    assert f"{manage_url(booking)}cancel/" in page
    assert f"{manage_url(booking)}move/" in page
    # The hold is done: the form steps no longer open for this browser.
    assert client.get(f"/en/booking/hold/{booking.code}/contact/").status_code == 404


def test_the_qr_code_encodes_the_booking_code_for_the_kiosk(
    client, place, django_capture_on_commit_callbacks
):
    import segno

    booking = confirm(client, place, django_capture_on_commit_callbacks)
    page = client.get(manage_url(booking)).content.decode()
    expected = segno.make(booking.code, error="m").svg_inline(
        scale=1, border=4, omitsize=True, lineclass=None
    )
    drawing = re.search(r' d="([^"]+)"', expected).group(1)
    assert drawing in page


def test_offices_are_alphabetical_without_a_location_and_nearest_first_with_one(client, place):
    _office, service = place
    far, (_other,), _staff = bookable_office(
        operators=1,
        slug="aaa-lviv",
        name={"en": "A Lviv centre"},
        latitude=Decimal("49.84"),
        longitude=Decimal("24.03"),
    )
    service.offices.add(far)

    alphabetical = client.get(book_url(service)).content.decode()
    assert alphabetical.index("A Lviv centre") < alphabetical.index("Kyiv service centre")

    # Standing 240 m from the Kyiv office (0.0034° of longitude at 50.45° N); Lviv is ~467 km.
    nearest = client.get(book_url(service) + "?lat=50.45&lon=30.52").content.decode()
    assert nearest.index("Kyiv service centre") < nearest.index("A Lviv centre")
    assert "0.2 km away" in nearest
    assert re.search(r"46\d\.\d km away", nearest)


def test_a_location_that_is_not_a_place_on_earth_is_ignored(client, place):
    _office, service = place
    for query in ("?lat=abc&lon=1", "?lat=91&lon=0", "?lat=nan&lon=0", "?lat=1e999&lon=0"):
        response = client.get(book_url(service) + query)
        assert response.status_code == 200
        assert "km away" not in response.content.decode()


def test_the_calendar_marks_full_days_and_closed_days(client, place):
    office, service = place
    # Fill every online place of Tuesday 24 November: two 15-minute slots per hour fit the
    # online share (60 % of the operator's 60 minutes is 36 minutes).
    planner_day = dt.date(2026, 11, 24)
    # Taken one by one: each place taken may use up its hour's budget for the other slots.
    while free := [offer for offer in _offers(office, service, planner_day) if offer.free]:
        services.hold_slot(office, service, free[0].start)
    assert Booking.objects.count() == 2 * 9  # two per opening hour, 08:00-17:00
    days = client.get(book_url(service, office)).content.decode()
    tuesday = re.search(r'<td class="day day--full">.*?</td>', days, re.S)
    assert tuesday and ">24<" in tuesday.group(0) and "fully booked" in tuesday.group(0)
    assert book_url(service, office, planner_day) not in days
    assert '<td class="day day--closed"><span class="day__number">28</span>' in days


def test_unknown_service_office_or_day_is_a_404(client, place):
    office, service = place
    assert client.get("/en/book/no-such-service/").status_code == 404
    assert client.get(f"/en/book/{service.slug}/no-such-office/").status_code == 404
    assert client.get(f"/en/book/{service.slug}/{office.slug}/2026-13-45/").status_code == 404
    not_bookable = ServiceFactory(offices=[office], bookable=False)
    assert client.get(f"/en/book/{not_bookable.slug}/").status_code == 404
    unknown = client.get("/en/book/?service=no-such-service")
    assert unknown.status_code == 200
    assert "cannot be booked online" in unknown.content.decode()


# --- refusals -----------------------------------------------------------------------------------


def test_a_bad_phone_number_is_refused_with_a_message(client, place):
    hold(client, place)
    booking = held_booking()
    response = client.post(
        f"/en/booking/hold/{booking.code}/contact/", {"contact": "12", "consent": "on"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert 'aria-invalid="true"' in page
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD
    assert backends.outbox == []


def test_the_consent_box_must_be_ticked(client, place):
    hold(client, place)
    booking = held_booking()
    response = client.post(f"/en/booking/hold/{booking.code}/contact/", {"contact": PHONE})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    assert backends.outbox == []


def test_the_honeypot_refuses_the_form_and_releases_the_time(client, place):
    hold(client, place)
    booking = held_booking()
    response = client.post(
        f"/en/booking/hold/{booking.code}/contact/",
        {"contact": PHONE, "consent": "on", "website": "http://spam.example"},
    )
    assert response.status_code == 400
    assert "must stay empty" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    assert backends.outbox == []
    assert client.get(f"/en/booking/hold/{booking.code}/contact/").status_code == 404


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, place):
    hold(client, place)
    page = client.get(f"/en/booking/hold/{held_booking().code}/contact/").content.decode()
    trap = re.search(r'<div class="visually-hidden" aria-hidden="true">.*?</div>', page, re.S)
    assert trap and 'name="website"' in trap.group(0) and 'tabindex="-1"' in trap.group(0)
    assert "Leave this empty" in trap.group(0)


def test_a_wrong_code_is_refused_and_the_right_one_still_works(
    client, place, django_capture_on_commit_callbacks
):
    hold(client, place)
    booking = held_booking()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/booking/hold/{booking.code}/contact/", {"contact": PHONE, "consent": "on"}
        )
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    refused = client.post(f"/en/booking/hold/{booking.code}/code/", {"code": wrong})
    assert refused.status_code == 400
    assert "The code is not correct" in refused.content.decode()
    not_digits = client.post(f"/en/booking/hold/{booking.code}/code/", {"code": "12ab"})
    assert not_digits.status_code == 400
    assert "six digits" in not_digits.content.decode()

    accepted = client.post(f"/en/booking/hold/{booking.code}/code/", {"code": right})
    assert accepted.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_five_wrong_codes_release_the_time(client, place, django_capture_on_commit_callbacks):
    hold(client, place)
    booking = held_booking()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/booking/hold/{booking.code}/contact/", {"contact": PHONE, "consent": "on"}
        )
    wrong = "000000" if last_code() != "000000" else "111111"
    statuses = [
        client.post(f"/en/booking/hold/{booking.code}/code/", {"code": wrong}).status_code
        for _ in range(services.OTP_MAX_ATTEMPTS)
    ]
    assert statuses == [400] * (services.OTP_MAX_ATTEMPTS - 1) + [429]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0


def test_a_new_code_only_after_a_minute(client, place, frozen, django_capture_on_commit_callbacks):
    hold(client, place)
    booking = held_booking()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/booking/hold/{booking.code}/contact/", {"contact": PHONE, "consent": "on"}
        )
    too_soon = client.post(f"/en/booking/hold/{booking.code}/resend/")
    assert too_soon.status_code == 429
    assert "wait a minute" in too_soon.content.decode()

    frozen.shift(dt.timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(f"/en/booking/hold/{booking.code}/resend/")
    assert resent.status_code == 302
    assert len(backends.outbox) == 2
    assert "A new code was sent." in client.get(resent["Location"]).content.decode()


def test_a_hold_that_ran_out_says_so(client, place, frozen):
    hold(client, place)
    booking = held_booking()
    frozen.shift(dt.timedelta(minutes=11))
    response = client.get(f"/en/booking/hold/{booking.code}/contact/")
    assert response.status_code == 410
    assert "has run out" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED


def test_a_time_taken_meanwhile_shows_a_message_and_the_times_again(client, place):
    office, service = place
    services.hold_slot(office, service, NINE)  # somebody else, a moment earlier
    response = hold(client, place)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Somebody has just taken this time" in page
    assert 'value="2026-11-23T09:15:00+02:00"' in page
    assert 'value="2026-11-23T09:00:00+02:00"' not in page


def test_a_time_that_is_not_offered_is_refused(client, place):
    office, service = place
    for start in ("garbage", "2026-11-23T09:00:00", "2026-11-23T09:07:00+02:00"):
        response = client.post(book_url(service, office, NINE.date()), {"start": start})
        assert response.status_code == 400, start
        assert "not offered" in response.content.decode()
    assert not Booking.objects.exists()


def test_choosing_another_time_gives_up_the_one_held_before(client, place):
    hold(client, place)
    first = held_booking()
    hold(client, place, NINE + dt.timedelta(minutes=15))
    first.refresh_from_db()
    assert first.status == Booking.Status.CANCELLED
    assert Booking.objects.filter(status=Booking.Status.HELD).count() == 1


def test_unknown_code_or_secret_is_a_404(client, place, django_capture_on_commit_callbacks):
    booking = confirm(client, place, django_capture_on_commit_callbacks)
    secret = services.manage_secret(booking)
    assert client.get(f"/en/booking/{booking.code}/{secret}/").status_code == 200
    for url in (
        f"/en/booking/{booking.code}/{'0' * 32}/",
        f"/en/booking/ZZZZZZZZ/{secret}/",
        f"/en/booking/{'Z' * 40}/{secret}/",
        f"/en/booking/{booking.code}/{'0' * 32}/calendar.ics",
        f"/en/booking/{booking.code}/{'0' * 32}/cancel/",
        f"/en/booking/{booking.code}/{'0' * 32}/move/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()
    # The form steps of somebody else's hold: this browser's session does not hold it.
    assert Client().get(f"/en/booking/hold/{booking.code}/contact/").status_code == 404


def test_holding_times_is_rate_limited_per_address(client, place):
    office, service = place
    url = book_url(service, office, NINE.date())
    statuses = [client.post(url, {"start": "garbage"}).status_code for _ in range(20)]
    assert statuses == [400] * 20
    refused = client.post(url, {"start": NINE.isoformat()})
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert not Booking.objects.exists()
    # Another address is not held back.
    other = Client(REMOTE_ADDR="198.51.100.7").post(url, {"start": NINE.isoformat()})
    assert other.status_code == 302


def test_forms_need_the_csrf_token(place):
    office, service = place
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(book_url(service, office, NINE.date()), {"start": NINE.isoformat()})
    assert response.status_code == 403
    assert not Booking.objects.exists()


# --- the booking's page: calendar file, cancel, move --------------------------------------------


def test_the_calendar_file_is_a_valid_event_without_personal_data(
    client, place, django_capture_on_commit_callbacks
):
    booking = confirm(client, place, django_capture_on_commit_callbacks)
    response = client.get(manage_url(booking) + "calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="booking-{booking.code}.ics"' in response["Content-Disposition"]
    raw = response.content.decode()
    assert raw.endswith("\r\n")
    lines = raw.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "\n" not in raw.replace("\r\n", "")
    unfolded = re.sub(r"\r\n ", "", raw).split("\r\n")
    fields = dict(line.split(":", 1) for line in unfolded if line)
    assert unfolded[0] == "BEGIN:VCALENDAR"
    assert fields["VERSION"] == "2.0"
    assert "PRODID" in fields
    assert fields["UID"].startswith(f"booking-{booking.code}@")
    # 09:00 in Kyiv (UTC+2 in November) is 07:00 UTC; booked at 08:00 Kyiv.
    assert fields["DTSTART"] == "20261123T070000Z"
    assert fields["DTEND"] == "20261123T071500Z"
    assert fields["DTSTAMP"] == "20261123T060000Z"
    assert fields["STATUS"] == "CONFIRMED"
    # Commas and semicolons of the service's name are escaped.
    assert fields["SUMMARY"] == "Passport\\, biometric\\; new — Kyiv service centre"
    assert "Kyiv service centre" in fields["LOCATION"]
    assert booking.code in fields["DESCRIPTION"]
    assert "\\nWhat to bring:\\n- Birth certificate" in fields["DESCRIPTION"]
    assert "0671234567" not in raw and services.manage_secret(booking) not in raw
    assert [
        line for line in unfolded if line in ("BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR")
    ] == ["BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR"]


def test_long_lines_are_folded_without_splitting_a_character():
    from okno.appointments.views.booking import _ics_fold

    line = "DESCRIPTION:" + "Паспорт громадянина України, " * 10
    folded = _ics_fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line


def test_the_citizen_cancels_from_the_booking_page(
    client, place, django_capture_on_commit_callbacks
):
    booking = confirm(client, place, django_capture_on_commit_callbacks)
    url = manage_url(booking) + "cancel/"
    asked = client.get(url)
    assert asked.status_code == 200
    assert "Yes, cancel my booking" in asked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url)
    assert done.status_code == 302
    assert done["Location"] == manage_url(booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    page = client.get(done["Location"]).content.decode()
    assert "Your booking is cancelled" in page
    assert "<strong>cancelled</strong>" in page
    assert "cancel/" not in page and "move/" not in page
    # Cancelling twice says why instead of failing.
    again = client.post(url)
    assert again.status_code == 409
    assert "no longer active" in again.content.decode()


def test_the_citizen_moves_the_booking_to_another_time(
    client, place, django_capture_on_commit_callbacks
):
    booking = confirm(client, place, django_capture_on_commit_callbacks)
    days = client.get(manage_url(booking) + "move/").content.decode()
    day_url = manage_url(booking) + "move/2026-11-24/"
    assert f'href="{day_url}"' in days
    times = client.get(day_url).content.decode()
    ten = dt.datetime(2026, 11, 24, 10, 0, tzinfo=KYIV)
    assert f'value="{ten.isoformat()}"' in times
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(day_url, {"start": ten.isoformat()})
    assert moved.status_code == 302
    assert moved["Location"] == manage_url(booking)
    booking.refresh_from_db()
    assert booking.start == ten
    assert booking.status == Booking.Status.CONFIRMED
    page = client.get(moved["Location"]).content.decode()
    assert "Tuesday, 24 November 2026, 10:00" in page
    assert "moved to the new time" in page


def test_moving_to_a_taken_time_says_so(client, place, django_capture_on_commit_callbacks):
    office, service = place
    booking = confirm(client, place, django_capture_on_commit_callbacks)
    ten = dt.datetime(2026, 11, 24, 10, 0, tzinfo=KYIV)
    services.hold_slot(office, service, ten)
    response = client.post(manage_url(booking) + "move/2026-11-24/", {"start": ten.isoformat()})
    assert response.status_code == 409
    assert "Somebody has just taken this time" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == NINE


# --- language and links from the portal ---------------------------------------------------------


def test_pages_speak_the_language_of_their_address(client, place):
    office, service = place
    for language, name in (("uk", "Паспорт"), ("en", "Passport")):
        page = client.get(f"/{language}/book/{service.slug}/").content.decode()
        assert f'<html lang="{language}">' in page
        assert name in page
    page = client.get(f"/uk/book/{service.slug}/{office.slug}/").content.decode()
    assert f'href="/en/book/{service.slug}/{office.slug}/"' in page  # the language switcher


def test_the_held_booking_follows_the_language_of_the_contact_step(
    client, place, django_capture_on_commit_callbacks
):
    office, service = place
    client.post(
        f"/uk/book/{service.slug}/{office.slug}/{NINE.date()}/", {"start": NINE.isoformat()}
    )
    booking = held_booking()
    assert booking.language == "uk"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/booking/hold/{booking.code}/contact/", {"contact": PHONE, "consent": "on"}
        )
    booking.refresh_from_db()
    assert booking.language == "en"


def test_a_bookable_service_passport_has_a_book_button(client, place):
    office, service = place
    page = client.get(f"/en/services/{service.slug}/").content.decode()
    assert f'href="/en/book/?service={service.slug}"' in page
    not_bookable = ServiceFactory(offices=[office], bookable=False)
    page = client.get(f"/en/services/{not_bookable.slug}/").content.decode()
    assert "/en/book/" not in page


def test_life_situations_and_office_pages_link_to_booking(client, place):
    office, service = place
    step = LifeSituationStepFactory(service=service)
    page = client.get(f"/en/situations/{step.situation.slug}/").content.decode()
    assert f'href="/en/book/?service={service.slug}"' in page
    page = client.get(f"/en/offices/{office.slug}/").content.decode()
    assert f'href="/en/book/?service={service.slug}&amp;office={office.slug}"' in page
    followed = client.get(f"/en/book/?service={service.slug}&office={office.slug}")
    assert followed["Location"] == f"/en/book/{service.slug}/{office.slug}/"


def _offers(office, service, day):
    from okno.appointments.slots import Planner

    return Planner(office).offers(service, day)


def test_the_start_page_finds_a_bookable_service_by_search(client, place):
    _office, service = place
    other = ServiceFactory(name={"en": "Driving licence"}, offices=[place[0]])
    found = client.get("/en/book/?q=passport").content.decode()
    assert f'href="/en/book/{service.slug}/"' in found
    assert f'href="/en/book/{other.slug}/"' not in found
    nothing = client.get("/en/book/?q=zzzzzz").content.decode()
    assert "No bookable service matches your search." in nothing
