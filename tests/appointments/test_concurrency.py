"""Many people booking at once: a slot never takes more than its capacity, an hour never more than
its budget, and a person never more confirmed bookings than the limit, whatever the interleaving.

The workloads run in real threads released together by a barrier, each with its own database
connection, against the test database (`transaction=True`: the threads must see committed rows).
PostgreSQL only: SQLite's in-memory test database cannot be shared between connections, and
SQLite serialises every writing transaction anyway, so there is no race there to test.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection

from okno.appointments import errors, services
from okno.appointments.models import AppointmentSettings, Booking, HourBudget, Slot
from okno.catalog.models import Office, Service
from okno.notifications import backends
from tests.factories import bookable_office

KYIV = ZoneInfo("Europe/Kyiv")
NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # Monday 08:00 in Kyiv
TUESDAY_10 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=KYIV)
JOIN_TIMEOUT = 60.0
TAKEN = errors.SlotTaken.__name__
TOO_MANY = errors.TooManyBookings.__name__

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: threads cannot share SQLite's in-memory test database, and "
        "SQLite runs one writing transaction at a time, so there is no race to test",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _fresh_limits_and_outbox():
    cache.clear()
    backends.outbox.clear()
    yield
    cache.clear()
    backends.outbox.clear()


def in_threads(work: Callable[[int], object], count: int) -> list[str]:
    """Runs work(0..count-1) in threads started together; returns what each returned or raised
    (the error's class name), in order."""
    outcomes: list[str] = ["not run"] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            work(index)
            outcomes[index] = "ok"
        except Exception as error:
            outcomes[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "threads still running"
    return outcomes


def hold(office_id: int, service_id: int, start: dt.datetime) -> None:
    """What one request does: load its own office and service, then hold the time."""
    office = Office.objects.get(pk=office_id)
    service = Service.objects.get(pk=service_id)
    services.hold_slot(office, service, start, now=NOW)


@pytest.mark.parametrize(("capacity", "people"), [(1, 16), (3, 24)])
def test_people_holding_one_slot_at_once_get_exactly_its_capacity(capacity, people):
    # `capacity` operators on shift: each 15-minute slot takes `capacity` visitors, and an hour
    # has 60% of capacity × 60 minutes online, room for more than one slot's worth.
    office, [service], _staff = bookable_office(operators=capacity)

    outcomes = in_threads(lambda _i: hold(office.pk, service.pk, TUESDAY_10), people)

    assert Counter(outcomes) == {"ok": capacity, TAKEN: people - capacity}
    slot = Slot.objects.get()
    assert (slot.start, slot.booked, slot.capacity) == (TUESDAY_10, capacity, capacity)
    assert Booking.objects.filter(status="held").count() == capacity
    assert HourBudget.objects.get().used_minutes == 15 * capacity


def test_slots_of_one_hour_competing_for_its_budget_never_exceed_it():
    # Two operators: each slot takes 2. A quarter of the hour's 120 staff minutes is online:
    # 30 minutes, two visits of 15 minutes, while the hour's slots have 8 places between them.
    office, [service], _staff = bookable_office(operators=2)
    AppointmentSettings.objects.create(office=office, online_share=25, phone_share=20)
    starts = [TUESDAY_10 + dt.timedelta(minutes=15 * n) for n in range(4)]

    outcomes = in_threads(lambda i: hold(office.pk, service.pk, starts[i % 4]), 24)

    assert Counter(outcomes) == {"ok": 2, TAKEN: 22}
    budget = HourBudget.objects.get()
    assert (budget.budget_minutes, budget.used_minutes) == (30, 30)
    assert sum(Slot.objects.values_list("booked", flat=True)) == 2
    assert Booking.objects.count() == 2
    # Every slot is within its own capacity too.
    assert all(slot.booked <= slot.capacity for slot in Slot.objects.all())


def test_a_person_confirming_three_bookings_at_once_gets_at_most_two():
    """The default limit is two active bookings per person; each round is one person whose three
    codes (for three different days) are typed at the same moment."""
    office, [service], _staff = bookable_office(operators=4)
    rounds = 5
    for round_number in range(rounds):
        contact = f"person{round_number}@example.com"
        bookings = []
        for day in range(3):
            start = TUESDAY_10 + dt.timedelta(days=day, minutes=15 * round_number)
            held = services.hold_slot(office, service, start, now=NOW)
            # Committed at once (no surrounding transaction): the message is in the outbox.
            services.send_code(held.booking, contact=contact, now=NOW)
            bookings.append(held.booking.pk)
        codes = [_code_for(contact, Booking.objects.get(pk=pk).code) for pk in bookings]

        def verify(i: int, bookings: list[int] = bookings, codes: list[str] = codes) -> None:
            services.verify_booking(Booking.objects.get(pk=bookings[i]), codes[i], now=NOW)

        outcomes = in_threads(verify, 3)

        assert Counter(outcomes) == {"ok": 2, TOO_MANY: 1}, f"round {round_number}"
        statuses = Counter(Booking.objects.filter(pk__in=bookings).values_list("status", flat=True))
        assert statuses == {"confirmed": 2, "pending": 1}
    assert Booking.objects.filter(status="confirmed").count() == 2 * rounds


def test_holding_and_cancelling_at_once_keeps_the_count_exact():
    """Places given back by cancellations and taken by new holds at the same moment: the slot's
    count always equals its active bookings."""
    office, [service], _staff = bookable_office(operators=3)
    first = [services.hold_slot(office, service, TUESDAY_10, now=NOW).booking for _ in range(3)]

    def work(i: int) -> None:
        if i < 3:
            services.cancel_booking(Booking.objects.get(pk=first[i].pk), now=NOW)
        else:
            hold(office.pk, service.pk, TUESDAY_10)

    outcomes = in_threads(work, 15)

    assert outcomes[:3] == ["ok"] * 3
    assert set(outcomes[3:]) <= {"ok", TAKEN}
    slot = Slot.objects.get()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count()
    assert slot.booked == active == outcomes[3:].count("ok")
    assert slot.booked <= slot.capacity
    assert HourBudget.objects.get().used_minutes == 15 * active


def _code_for(contact: str, booking_code: str) -> str:
    message = [m for m in backends.outbox if m.to == contact and booking_code in m.body][-1]
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match, "no code in the message"
    return match.group(1)
