"""The booking API: free times, booking with a code sent to the contact, managing with the secret,
staff bookings within their offices, and check-in at a kiosk.

A booking code alone reveals nothing (404 without the secret); staff of another office get 404;
every anonymous write is limited per address; a refused booking leaves nothing behind; bad input
is a JSON 4xx, never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from okno.api import appointments as booking_api
from okno.api import auth as api_auth
from okno.api import queueing as queue_api
from okno.appointments import errors, services
from okno.appointments.models import Booking, HourBudget, Slot
from okno.notifications import backends
from okno.queueing.models import Ticket
from okno.staff import services as staff_services
from tests.factories import ServiceFactory, bookable_office

KYIV = ZoneInfo("Europe/Kyiv")
MONDAY = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # 08:00 in Kyiv
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=KYIV)
PHONE = "+380671234567"
EMAIL = "olha@example.com"


@pytest.fixture(autouse=True)
def _on_monday_morning(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture(autouse=True)
def _fresh_limits_and_outbox():
    """Rate limits count in the cache and messages pile up in the console outbox."""
    cache.clear()
    backends.outbox.clear()
    yield
    cache.clear()
    backends.outbox.clear()


@pytest.fixture
def place(db) -> SimpleNamespace:
    """An office in Kyiv open 08:00–17:00 on weekdays, two qualified operators on shift all day
    and one service of 15 minutes: each slot takes 2, each hour 72 online minutes (60% of 120)."""
    office, [service], operators = bookable_office(operators=2)
    return SimpleNamespace(office=office, service=service, operators=operators)


@pytest.fixture
def outsider_token(db) -> dict:
    _other, _services, [employee] = bookable_office(operators=1)
    return bearer(employee)


def bearer(employee) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {staff_services.issue_token(employee.user)}"}


def post(client: Client, path: str, body: dict | None = None, **headers):
    return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)


def is_json_error(response, status: int, message: object = None) -> bool:
    if response.status_code != status or not response["Content-Type"].startswith(
        "application/json"
    ):
        return False
    text = response.json().get("message")
    return bool(text) and (message is None or text == str(message))


def booking_body(place, start: dt.datetime = TUESDAY_10, **extra) -> dict:
    return {
        "office_id": place.office.pk,
        "service_id": place.service.pk,
        "start": start.isoformat(),
        "contact": PHONE,
        **extra,
    }


def sent_code(to: str = PHONE) -> str:
    """The one-time code in the last message the console backend sent to `to`."""
    message = [m for m in backends.outbox if m.to == to][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


@pytest.fixture
def book(citizen, django_capture_on_commit_callbacks):
    """Books through the API as the citizen; returns the 201 answer."""

    def make(place, start: dt.datetime = TUESDAY_10, **extra) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(citizen, "/api/v1/bookings", booking_body(place, start, **extra))
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def confirmed(citizen, book, django_capture_on_commit_callbacks):
    """Books and verifies through the API; returns the 201 answer of the booking."""

    def make(place, start: dt.datetime = TUESDAY_10, contact: str = PHONE) -> dict:
        made = book(place, start, contact=contact)
        with django_capture_on_commit_callbacks(execute=True):
            response = post(
                citizen,
                f"/api/v1/bookings/{made['code']}/verify",
                {"secret": made["secret"], "otp": sent_code(contact)},
            )
        assert response.status_code == 200, response.content
        return made

    return make


def nothing_booked() -> bool:
    return (
        not Booking.objects.exists()
        and not Slot.objects.filter(booked__gt=0).exists()
        and not HourBudget.objects.filter(used_minutes__gt=0).exists()
    )


# --- free times ---------------------------------------------------------------------------------


def test_a_days_free_times_are_listed_in_the_office_time_with_their_places(citizen, place):
    response = citizen.get(
        f"/api/v1/offices/{place.office.pk}/slots",
        {"service": place.service.pk, "date": "2026-11-24"},
    )

    assert response.status_code == 200
    slots = response.json()
    # 08:00–17:00 in 15-minute slots, two operators each: 36 slots of 2 places.
    assert len(slots) == 36
    assert slots[0] == {
        "start": "2026-11-24T08:00:00+02:00",
        "end": "2026-11-24T08:15:00+02:00",
        "free": 2,
    }
    assert slots[-1]["end"] == "2026-11-24T17:00:00+02:00"
    assert {slot["free"] for slot in slots} == {2}


def test_today_starts_after_the_minimum_notice(citizen, place):
    response = citizen.get(
        f"/api/v1/offices/{place.office.pk}/slots",
        {"service": place.service.pk, "date": "2026-11-23"},
    )
    # It is 08:00; bookings must be made 30 minutes ahead.
    assert response.json()[0]["start"] == "2026-11-23T08:30:00+02:00"


def test_full_times_are_left_out_unless_asked_for(citizen, place):
    for _ in range(2):
        services.hold_slot(place.office, place.service, TUESDAY_10)
    url = f"/api/v1/offices/{place.office.pk}/slots"
    query = {"service": place.service.pk, "date": "2026-11-24"}

    starts = [slot["start"] for slot in citizen.get(url, query).json()]
    everything = citizen.get(url, {**query, "include_full": "true"}).json()

    assert "2026-11-24T10:00:00+02:00" not in starts
    assert len(starts) == 35
    full = [slot for slot in everything if slot["start"] == "2026-11-24T10:00:00+02:00"]
    assert full == [{"start": full[0]["start"], "end": "2026-11-24T10:15:00+02:00", "free": 0}]
    assert len(everything) == 36


@pytest.mark.parametrize("day", ["2027-06-01", "2026-11-20", "2026-11-28", "9999-12-31"])
def test_a_day_outside_the_horizon_in_the_past_or_closed_has_no_times(citizen, place, day):
    response = citizen.get(
        f"/api/v1/offices/{place.office.pk}/slots", {"service": place.service.pk, "date": day}
    )
    assert response.status_code == 200
    assert response.json() == []


def test_a_service_that_cannot_be_booked_here_is_refused(citizen, place):
    elsewhere = ServiceFactory()
    not_bookable = ServiceFactory(offices=[place.office], bookable=False)
    for service in (elsewhere, not_bookable):
        for path in ("slots", "booking-days"):
            response = citizen.get(
                f"/api/v1/offices/{place.office.pk}/{path}",
                {"service": service.pk, "date": "2026-11-24"},
            )
            assert is_json_error(response, 400, errors.ServiceNotBookable.message)
    unknown_office = citizen.get(
        "/api/v1/offices/999999/slots", {"service": place.service.pk, "date": "2026-11-24"}
    )
    assert is_json_error(unknown_office, 404)


def test_booking_days_cover_the_open_days_of_the_horizon(citizen, place):
    response = citizen.get(
        f"/api/v1/offices/{place.office.pk}/booking-days", {"service": place.service.pk}
    )

    days = response.json()
    assert response.status_code == 200
    # 30 days ahead are released at 08:00: Monday 23 November to Wednesday 23 December, weekdays.
    assert [day["date"] for day in days][:6] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
    ]
    assert days[-1]["date"] == "2026-12-23"
    assert len(days) == 23
    # Slots of one hour share its 72 online minutes: 4 visits of 15 minutes an hour, whatever
    # the places of its slots one by one (4 slots of 2). Today from 08:30 the 08:00 hour still
    # has two slots of 2: 4 too. Nine hours a day.
    assert days[0]["free"] == days[1]["free"] == 9 * 4


# --- a citizen's booking, start to end ----------------------------------------------------------


def test_a_citizen_books_confirms_with_the_code_moves_and_cancels(
    citizen, place, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = post(citizen, "/api/v1/bookings?lang=en", booking_body(place, language="en"))

    assert created.status_code == 201
    made = created.json()
    assert made["status"] == "pending"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", made["code"])
    assert made["start"] == "2026-11-24T10:00:00+02:00"
    assert made["end"] == "2026-11-24T10:15:00+02:00"
    # The default booking rules hold the time 10 minutes while the code is awaited.
    assert dt.datetime.fromisoformat(made["expires_at"]) == MONDAY + dt.timedelta(minutes=10)
    assert f"/{made['code']}/{made['secret']}/" in made["manage_url"]
    [message] = backends.outbox
    assert message.to == PHONE and made["code"] in message.body

    url = f"/api/v1/bookings/{made['code']}"
    secret = {"HTTP_X_BOOKING_SECRET": made["secret"]}
    pending = citizen.get(url, {"lang": "en"}, **secret).json()
    assert (pending["status"], pending["status_label"]) == ("pending", "awaiting confirmation")
    assert pending["contact"] != PHONE and pending["contact"].endswith("67")
    assert "1234" not in pending["contact"]

    with django_capture_on_commit_callbacks(execute=True):
        verified = post(citizen, f"{url}/verify", {"secret": made["secret"], "otp": sent_code()})
    assert verified.status_code == 200
    assert verified.json()["status"] == "confirmed"
    assert verified.json()["expires_at"] is None
    view = citizen.get(url, {"secret": made["secret"], "lang": "en"}).json()
    assert view["status"] == "confirmed"
    assert view["office"]["id"] == place.office.pk
    assert view["service"]["id"] == place.service.pk
    assert view["check_in_opens_at"] == "2026-11-24T09:45:00+02:00"
    assert view["check_in_closes_at"] == "2026-11-24T10:10:00+02:00"
    assert view["ticket"] is None

    moved = post(
        citizen,
        f"{url}/reschedule",
        {"secret": made["secret"], "start": "2026-11-24T11:30:00+02:00"},
    )
    assert moved.status_code == 200
    assert (moved.json()["start"], moved.json()["end"]) == (
        "2026-11-24T11:30:00+02:00",
        "2026-11-24T11:45:00+02:00",
    )
    assert dict(Slot.objects.values_list("start", "booked")) == {
        TUESDAY_10: 0,
        TUESDAY_10 + dt.timedelta(minutes=90): 1,
    }

    cancelled = post(citizen, f"{url}/cancel", {"secret": made["secret"]})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert set(Slot.objects.values_list("booked", flat=True)) == {0}
    assert set(HourBudget.objects.values_list("used_minutes", flat=True)) == {0}
    # Cancelling twice is refused, not repeated.
    again = post(citizen, f"{url}/cancel", {"secret": made["secret"]})
    assert is_json_error(again, 409, errors.BookingNotActive.message)


def test_a_time_without_an_offset_is_the_office_local_time(book, place):
    made = book(place, start=dt.datetime(2026, 11, 24, 10, 0))
    assert made["start"] == "2026-11-24T10:00:00+02:00"
    assert Booking.objects.get().start == TUESDAY_10


def test_the_same_time_in_another_offset_is_the_same_slot(book, place):
    made = book(place, start=TUESDAY_10.astimezone(dt.UTC))
    assert made["start"] == "2026-11-24T10:00:00+02:00"


def test_a_booking_answers_404_without_its_secret(citizen, book, place):
    made = book(place)
    url = f"/api/v1/bookings/{made['code']}"

    assert is_json_error(citizen.get(url), 404, errors.NotFound.message)
    assert is_json_error(citizen.get(url, {"secret": "0" * 32}), 404, errors.NotFound.message)
    assert is_json_error(citizen.get(url, HTTP_X_BOOKING_SECRET="abc"), 404)
    assert is_json_error(citizen.get("/api/v1/bookings/ZZZZZZZZ", {"secret": made["secret"]}), 404)
    # The code is read without regard to case.
    assert citizen.get(url.lower(), {"secret": made["secret"]}).status_code == 200
    # Changing needs the secret too.
    assert is_json_error(post(citizen, f"{url}/cancel", {}), 404)
    assert is_json_error(post(citizen, f"{url}/verify", {"secret": "0" * 32, "otp": "1"}), 404)
    assert Booking.objects.get().status == "pending"


def test_a_wrong_code_is_refused_and_five_release_the_time(citizen, book, place):
    made = book(place)
    url = f"/api/v1/bookings/{made['code']}/verify"
    wrong = "000000" if sent_code() != "000000" else "111111"

    for _ in range(4):
        response = post(citizen, url, {"secret": made["secret"], "otp": wrong})
        assert is_json_error(response, 400, errors.WrongCode.message)
    fifth = post(citizen, url, {"secret": made["secret"], "otp": wrong})

    assert is_json_error(fifth, 429, errors.TooManyAttempts.message)
    assert Booking.objects.get().status == "expired"
    assert Slot.objects.get().booked == 0
    # The right code comes too late now.
    late = post(citizen, url, {"secret": made["secret"], "otp": sent_code()})
    assert is_json_error(late, 410, errors.CodeExpired.message)


def test_a_code_after_the_hold_has_run_out_is_refused(citizen, book, place, time_machine):
    made = book(place)
    time_machine.move_to(MONDAY + dt.timedelta(minutes=11), tick=False)

    response = post(
        citizen,
        f"/api/v1/bookings/{made['code']}/verify",
        {"secret": made["secret"], "otp": sent_code()},
    )

    assert is_json_error(response, 410, errors.CodeExpired.message)
    assert Slot.objects.get().booked == 0


def test_a_taken_or_unknown_time_is_refused(citizen, place):
    for _ in range(2):
        services.hold_slot(place.office, place.service, TUESDAY_10)

    taken = post(citizen, "/api/v1/bookings", booking_body(place))
    off_grid = post(
        citizen, "/api/v1/bookings", booking_body(place, TUESDAY_10 + dt.timedelta(minutes=7))
    )
    saturday = post(
        citizen, "/api/v1/bookings", booking_body(place, dt.datetime(2026, 11, 28, 10, tzinfo=KYIV))
    )

    assert is_json_error(taken, 409, errors.SlotTaken.message)
    assert is_json_error(off_grid, 400, errors.SlotNotOffered.message)
    assert is_json_error(saturday, 400, errors.SlotNotOffered.message)
    assert Booking.objects.count() == 2


@pytest.mark.parametrize("contact", ["", "hello", "+380441234567", "not@an@address"])
def test_a_contact_that_cannot_receive_the_code_leaves_nothing_behind(citizen, place, contact):
    """A landline (044: Kyiv) cannot receive an SMS."""
    response = post(citizen, "/api/v1/bookings", booking_body(place, contact=contact))

    assert is_json_error(response, 400)
    assert nothing_booked()


def test_a_person_holds_at_most_two_bookings_and_one_a_day_per_service(citizen, confirmed, place):
    confirmed(place, TUESDAY_10)
    same_day = post(
        citizen, "/api/v1/bookings", booking_body(place, TUESDAY_10 + dt.timedelta(hours=2))
    )
    assert is_json_error(same_day, 409, errors.OnePerServicePerDay.message)

    confirmed(place, TUESDAY_10 + dt.timedelta(days=1))
    third = post(
        citizen, "/api/v1/bookings", booking_body(place, TUESDAY_10 + dt.timedelta(days=2))
    )

    assert is_json_error(third, 409, errors.TooManyBookings.message)
    # The refused requests left no hold behind.
    assert Booking.objects.count() == 2
    assert Slot.objects.filter(booked__gt=0).count() == 2


def test_the_honeypot_field_refuses_a_bot_and_nothing_is_made(citizen, place):
    response = post(citizen, "/api/v1/bookings", booking_body(place, website="http://spam"))

    assert is_json_error(response, 400, booking_api.HoneypotFilled.message)
    assert nothing_booked()
    assert backends.outbox == []


def test_bookings_from_one_address_are_limited(citizen, place, monkeypatch):
    monkeypatch.setattr(booking_api, "BOOKINGS_PER_ADDRESS", 2)
    starts = [TUESDAY_10 + dt.timedelta(days=n) for n in range(3)]
    contacts = [PHONE, EMAIL, "+380501112233"]

    answers = [
        post(citizen, "/api/v1/bookings", booking_body(place, start, contact=contact))
        for start, contact in zip(starts, contacts, strict=True)
    ]
    another_address = post(
        citizen,
        "/api/v1/bookings",
        booking_body(place, starts[2], contact=contacts[2]),
        REMOTE_ADDR="10.0.0.9",
    )

    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert is_json_error(answers[2], 429, errors.TooManyRequests.message)
    assert another_address.status_code == 201
    assert Booking.objects.count() == 3


def test_changes_from_one_address_are_limited(citizen, book, place, monkeypatch):
    made = book(place)
    monkeypatch.setattr(booking_api, "CHANGES_PER_ADDRESS", 3)
    url = f"/api/v1/bookings/{made['code']}/verify"

    answers = [post(citizen, url, {"secret": made["secret"], "otp": "999999"}) for _ in range(4)]

    assert is_json_error(answers[3], 429, errors.TooManyRequests.message)
    # The fourth was stopped before it counted as a wrong code.
    assert Booking.objects.get().otp_attempts == 3


# --- staff --------------------------------------------------------------------------------------


def test_staff_book_for_a_caller_confirmed_at_once_without_a_contact(citizen, place):
    """In 15 minutes: the minimum notice is for online bookings, not for a caller on the phone."""
    operator = place.operators[0]
    response = post(
        citizen,
        "/api/v1/bookings",
        booking_body(place, contact="", start=MONDAY + dt.timedelta(minutes=15)),
        **bearer(operator),
    )

    assert response.status_code == 201
    made = response.json()
    assert (made["status"], made["expires_at"]) == ("confirmed", None)
    assert made["start"] == "2026-11-23T08:15:00+02:00"
    booking = Booking.objects.get()
    assert (booking.channel, booking.booked_by) == ("phone", operator)
    assert backends.outbox == []


def test_staff_book_only_at_their_own_offices(citizen, place, outsider_token):
    response = post(citizen, "/api/v1/bookings", booking_body(place), **outsider_token)
    assert is_json_error(response, 403, queue_api.NotOfThisOffice.message)
    assert nothing_booked()


def test_a_forged_token_is_refused_not_ignored(citizen, place):
    response = post(
        citizen, "/api/v1/bookings", booking_body(place), HTTP_AUTHORIZATION="Bearer okno_forged"
    )
    assert is_json_error(response, 401)
    assert nothing_booked()


def test_staff_of_the_office_read_a_booking_without_the_secret_others_get_404(
    citizen, book, place, outsider_token
):
    made = book(place)
    url = f"/api/v1/bookings/{made['code']}"

    mine = citizen.get(url, **bearer(place.operators[1]))
    theirs = citizen.get(url, **outsider_token)

    assert mine.status_code == 200 and mine.json()["code"] == made["code"]
    assert is_json_error(theirs, 404, errors.NotFound.message)
    assert is_json_error(post(citizen, f"{url}/cancel", {"reason": "x"}, **outsider_token), 404)
    assert is_json_error(
        post(citizen, f"{url}/reschedule", {"start": TUESDAY_10.isoformat()}, **outsider_token),
        404,
    )


def test_staff_cancel_only_with_a_reason_and_the_citizen_is_told_it(
    citizen, confirmed, place, django_capture_on_commit_callbacks
):
    made = confirmed(place)
    url = f"/api/v1/bookings/{made['code']}/cancel"
    head = bearer(place.operators[0])

    without = post(citizen, url, {"reason": "   "}, **head)
    assert is_json_error(without, 400, booking_api.ReasonRequired.message)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(citizen, url, {"reason": "The operator is ill"}, **head)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == (
        "cancelled",
        "The operator is ill",
    )
    assert "The operator is ill" in backends.outbox[-1].body
    event = Booking.objects.get().events.get(action="cancelled")
    assert event.employee == place.operators[0]


# --- check-in -----------------------------------------------------------------------------------


def test_a_kiosk_checks_in_a_confirmed_booking_inside_the_window(
    citizen, confirmed, place, time_machine
):
    made = confirmed(place)
    time_machine.move_to(TUESDAY_10 - dt.timedelta(minutes=10), tick=False)

    response = post(
        citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": place.office.pk}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["late"]) == (made["code"], False)
    ticket = Ticket.objects.get(pk=body["ticket"]["id"])
    assert (ticket.source, body["ticket"]["source"]) == ("booking", "booking")
    assert body["ticket"]["label"] == ticket.label
    assert body["ticket"]["position"] == 1
    view = citizen.get(f"/api/v1/bookings/{made['code']}", {"secret": made["secret"]}).json()
    assert view["status"] == "checked_in"
    assert view["ticket"] == {"label": ticket.label, "code": ticket.code, "state": "waiting"}
    # A second check-in does not make a second ticket.
    again = post(
        citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": place.office.pk}
    )
    assert is_json_error(again, 409, errors.BookingNotActive.message)
    assert Ticket.objects.count() == 1


def test_an_early_visitor_is_told_when_check_in_opens(citizen, confirmed, place, time_machine):
    made = confirmed(place)
    time_machine.move_to(TUESDAY_10 - dt.timedelta(hours=1), tick=False)

    response = post(
        citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": place.office.pk}
    )

    assert is_json_error(response, 409, errors.TooEarly.message)
    # The default arrival window opens 15 minutes before the booked time.
    assert response.json()["opens_at"] == "2026-11-24T09:45:00+02:00"
    assert not Ticket.objects.exists()


def test_a_late_visitor_joins_as_a_walk_in(citizen, confirmed, place, time_machine):
    made = confirmed(place)
    time_machine.move_to(TUESDAY_10 + dt.timedelta(minutes=30), tick=False)

    response = post(
        citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": place.office.pk}
    )

    assert response.status_code == 200
    assert response.json()["late"] is True
    assert response.json()["ticket"]["source"] == "kiosk"


def test_check_in_at_another_office_or_with_an_unknown_code_is_refused(
    citizen, confirmed, place, time_machine
):
    made = confirmed(place)
    other, _services, _staff = bookable_office(operators=1)
    time_machine.move_to(TUESDAY_10, tick=False)

    wrong_office = post(
        citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": other.pk}
    )
    unknown = post(citizen, "/api/v1/bookings/ABCDEFGH/check-in", {"office_id": place.office.pk})
    no_office = post(citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": 999999})

    assert is_json_error(wrong_office, 400, errors.WrongOffice.message)
    assert is_json_error(unknown, 404, errors.NotFound.message)
    assert is_json_error(no_office, 404)


def test_check_ins_from_one_address_are_limited(citizen, place, monkeypatch):
    monkeypatch.setattr(booking_api, "CHECK_INS_PER_MINUTE", 2)
    url = "/api/v1/bookings/ABCDEFGH/check-in"
    body = {"office_id": place.office.pk}

    answers = [post(citizen, url, body) for _ in range(3)]
    with_token = post(citizen, url, body, **bearer(place.operators[0]))

    assert [a.status_code for a in answers] == [404, 404, 429]
    assert is_json_error(answers[2], 429, errors.TooManyRequests.message)
    # A kiosk with a staff token is not limited.
    assert with_token.status_code == 404


# --- language and robustness --------------------------------------------------------------------


def test_answers_speak_the_requested_language(citizen, place):
    url = "/api/v1/bookings"
    uk = post(
        citizen, url, booking_body(place), HTTP_AUTHORIZATION="Bearer x", HTTP_ACCEPT_LANGUAGE="uk"
    )
    en = post(
        citizen, url, booking_body(place), HTTP_AUTHORIZATION="Bearer x", HTTP_ACCEPT_LANGUAGE="en"
    )
    with translation.override("uk"):
        expected_uk = str(api_auth.InvalidToken.message)
    with translation.override("en"):
        expected_en = str(api_auth.InvalidToken.message)

    assert expected_uk != expected_en  # the catalogue has this message
    assert uk.json()["message"] == expected_uk
    assert en.json()["message"] == expected_en


@pytest.mark.parametrize(
    "change",
    [
        {"start": "tomorrow"},
        {"start": ""},
        {"start": None},
        {"start": 10**20},
        {"office_id": 0},
        {"office_id": 2**70},
        {"service_id": "passport"},
        {"contact": "+380\x00671234567"},
        {"contact": "x" * 255},
        {"language": "xx"},
        {"website": "y" * 201},
    ],
)
def test_malformed_booking_requests_are_refused_with_422(citizen, place, change):
    response = post(citizen, "/api/v1/bookings", {**booking_body(place), **change})
    assert is_json_error(response, 422)
    assert response.json()["errors"]
    assert nothing_booked()


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1970-01-01T00:00:00"]
)
def test_times_far_out_of_range_are_not_offered(citizen, place, start):
    response = post(citizen, "/api/v1/bookings", {**booking_body(place), "start": start})
    assert is_json_error(response, 400, errors.SlotNotOffered.message)


def test_malformed_paths_and_queries_are_json_4xx(citizen, place, book):
    made = book(place)
    office = place.office.pk
    answers = [
        citizen.get(f"/api/v1/offices/{office}/slots", {"service": place.service.pk}),
        citizen.get(
            f"/api/v1/offices/{office}/slots", {"service": place.service.pk, "date": "2026-13-01"}
        ),
        citizen.get(
            f"/api/v1/offices/{office}/slots",
            {"service": place.service.pk, "date": "2026-11-24", "channel": "fax"},
        ),
        citizen.get(f"/api/v1/offices/{office}/booking-days", {"service": "x"}),
        citizen.get("/api/v1/bookings/AB-CD", {"secret": made["secret"]}),
        citizen.get(f"/api/v1/bookings/{made['code']}", {"secret": "not-hex!"}),
        post(citizen, f"/api/v1/bookings/{made['code']}/verify", {"secret": made["secret"]}),
        post(
            citizen,
            f"/api/v1/bookings/{made['code']}/verify",
            {"secret": made["secret"], "otp": "abcdef"},
        ),
        post(citizen, f"/api/v1/bookings/{made['code']}/reschedule", {"start": "noon"}),
        post(citizen, f"/api/v1/bookings/{made['code']}/check-in", {"office_id": "kyiv"}),
        post(citizen, f"/api/v1/bookings/{made['code']}/cancel", {"reason": "\x00"}),
    ]
    assert [a.status_code for a in answers] == [422] * len(answers)
    assert all(is_json_error(a, 422) for a in answers)
    not_json = citizen.post("/api/v1/bookings", "{", content_type="application/json")
    assert not_json.status_code in (400, 422)
    wrong_method = citizen.delete(f"/api/v1/bookings/{made['code']}")
    assert is_json_error(wrong_method, 405)


def test_the_openapi_spec_documents_every_booking_endpoint(citizen, db):
    spec = citizen.get("/api/v1/openapi.json").json()
    paths = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert {
        ("GET", "/offices/{office_id}/slots"),
        ("GET", "/offices/{office_id}/booking-days"),
        ("POST", "/bookings"),
        ("POST", "/bookings/{code}/verify"),
        ("GET", "/bookings/{code}"),
        ("POST", "/bookings/{code}/cancel"),
        ("POST", "/bookings/{code}/reschedule"),
        ("POST", "/bookings/{code}/check-in"),
    } <= paths
    create = spec["paths"]["/api/v1/bookings"]["post"]
    assert create["description"]
    assert {"201", "400", "403", "409", "422", "429"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["example"]["start"]
    check_in = spec["paths"]["/api/v1/bookings/{code}/check-in"]["post"]
    conflict = check_in["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert conflict.endswith("/TooEarlyOut")
    detail = spec["paths"]["/api/v1/bookings/{code}"]["get"]
    assert "X-Booking-Secret" in {p["name"] for p in detail["parameters"]}
