"""The queue's invariants that the database itself enforces, whatever code writes the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from okno.queueing import services
from okno.queueing.models import (
    DeskSession,
    PriorityCategory,
    QueueSettings,
    Ticket,
    TicketSequence,
)
from tests.factories import EmployeeFactory, ServicePointFactory

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 24)


def ticket_row(office, service, **fields) -> Ticket:
    """A ticket written straight to the table (services never do this; the database must cope)."""
    values = {
        "office": office,
        "service": service,
        "service_day": DAY,
        "prefix": "A",
        "number": 1,
        "label": "A001",
        "code": services._new_code(),
        "issued_at": NOON,
        "waiting_since": NOON,
        "queue_key": NOON,
    }
    values.update(fields)
    return Ticket.objects.create(**values)


def test_a_number_is_handed_out_once_per_letter_office_and_day(office_a, office_b, service_a):
    original = ticket_row(office_a, service_a, number=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        ticket_row(office_a, service_a, number=7)
    # Another letter, another office, another day, or a transfer's successor may share it.
    ticket_row(office_a, service_a, number=7, prefix="B")
    ticket_row(office_b, service_a, number=7)
    ticket_row(office_a, service_a, number=7, service_day=DAY + dt.timedelta(days=1))
    ticket_row(office_a, service_a, number=7, code=original.code, transferred_from=original)
    assert Ticket.objects.filter(number=7).count() == 5


def test_a_citizens_code_belongs_to_one_visit_and_its_transfers(office_a, service_a):
    original = ticket_row(office_a, service_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ticket_row(office_a, service_a, number=2, code=original.code)
    successor = ticket_row(office_a, service_a, code=original.code, transferred_from=original)
    assert successor.code == original.code


def test_a_service_point_holds_one_ticket_at_a_time(office_a, service_a):
    point = office_a.service_points.get(number=1)
    ticket_row(office_a, service_a, state="serving", called_at=NOON, service_point=point)
    for state in ("called", "serving"):
        with pytest.raises(IntegrityError), transaction.atomic():
            ticket_row(
                office_a, service_a, number=2, state=state, called_at=NOON, service_point=point
            )
    # Finished tickets stay linked to the point they were served at.
    ticket_row(
        office_a,
        service_a,
        number=3,
        state="done",
        outcome="served",
        called_at=NOON,
        service_point=point,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "done", "outcome": ""},
        {"state": "waiting", "outcome": "served"},
        {"state": "called", "called_at": None},
        {"state": "done", "outcome": "served", "called_at": None},
        {"number": 0},
    ],
    ids=[
        "done-without-outcome",
        "outcome-while-waiting",
        "called-unstamped",
        "served-uncalled",
        "zero",
    ],
)
def test_a_ticket_row_must_be_consistent(fields, office_a, service_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        ticket_row(office_a, service_a, **fields)


def test_a_ticket_cancelled_while_waiting_needs_no_call_time(office_a, service_a):
    ticket = ticket_row(office_a, service_a, state="done", outcome="cancelled")
    assert ticket.called_at is None


def test_the_ticket_counter_is_one_row_per_office_day_and_letter(office_a):
    TicketSequence.objects.create(office=office_a, service_day=DAY, prefix="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketSequence.objects.create(office=office_a, service_day=DAY, prefix="A")


@pytest.mark.parametrize("weight", [0, 241])
def test_a_priority_head_start_is_bounded(weight, office_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorityCategory.objects.create(
            office=office_a, code="x", name={"en": "x"}, weight_minutes=weight
        )


def test_a_priority_code_is_unique_within_an_office(office_a, office_b):
    PriorityCategory.objects.create(office=office_a, code="elderly", name={"en": "e"})
    PriorityCategory.objects.create(office=office_b, code="elderly", name={"en": "e"})
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorityCategory.objects.create(office=office_a, code="elderly", name={"en": "e"})


def test_one_open_session_per_point_and_per_employee(office_a, operator):
    first, second = office_a.service_points.order_by("number")
    colleague = EmployeeFactory(offices=[office_a])
    DeskSession.objects.create(employee=operator, service_point=first, opened_at=NOON)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeskSession.objects.create(employee=colleague, service_point=first, opened_at=NOON)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeskSession.objects.create(employee=operator, service_point=second, opened_at=NOON)
    # Closed sessions are history and do not count.
    DeskSession.objects.create(
        employee=colleague, service_point=first, opened_at=NOON, closed_at=NOON
    )


@pytest.mark.parametrize(
    "fields", [{"paused_at": NOON}, {"pause_reason": "lunch"}], ids=["no-reason", "no-time"]
)
def test_a_pause_has_both_a_time_and_a_reason(fields, office_a, operator):
    point = ServicePointFactory(office=office_a, number=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeskSession.objects.create(employee=operator, service_point=point, opened_at=NOON, **fields)


def test_the_wait_runs_until_the_first_call(office_a, service_a):
    ticket = ticket_row(office_a, service_a, waiting_since=NOON - dt.timedelta(minutes=4))
    assert ticket.waited(NOON) == dt.timedelta(minutes=4)
    ticket.called_at = NOON + dt.timedelta(minutes=2)
    assert ticket.waited(NOON + dt.timedelta(hours=1)) == dt.timedelta(minutes=6)


def test_an_office_without_queue_settings_uses_the_defaults(office_a):
    rules = services.queue_settings(office_a)
    assert not QueueSettings.objects.exists()  # nothing saved by asking
    assert (
        rules.no_show_after_recalls,
        rules.no_show_after_minutes,
        rules.wait_norm_minutes,
        rules.issue_outside_hours,
    ) == (1, 3, 15, False)
    QueueSettings.objects.create(office=office_a, wait_norm_minutes=20)
    office_a.refresh_from_db()
    assert services.queue_settings(office_a).wait_norm_minutes == 20
