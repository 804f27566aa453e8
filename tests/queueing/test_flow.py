"""A visitor's whole way through the queue, end to end through the service functions."""

from __future__ import annotations

import datetime as dt

import pytest

from okno.queueing import errors, selectors, services
from okno.queueing.models import PriorityCategory, Ticket, TicketEvent
from tests.factories import CompetencyFactory, ServiceFactory, ServicePointFactory

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv


@pytest.fixture
def desk(office_a, operator, service_a):
    point = ServicePointFactory(office=office_a, number=4)
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, point, now=NOON)
    return point


def test_a_visitor_is_issued_called_served_and_every_step_is_recorded(
    desk, operator, office_a, service_a
):
    ticket = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    assert ticket.label == f"{service_a.group.prefix}001"
    assert ticket.state == Ticket.State.WAITING

    called = services.call_next(operator, now=NOON + dt.timedelta(minutes=6))
    assert called == ticket
    assert called.service_point == desk
    services.recall(called, employee=operator, now=NOON + dt.timedelta(minutes=7))
    services.start_service(called, employee=operator, now=NOON + dt.timedelta(minutes=8))
    done = services.finish_visit(
        called, employee=operator, note="ok", now=NOON + dt.timedelta(minutes=20)
    )

    assert (done.state, done.outcome) == (Ticket.State.DONE, Ticket.Outcome.SERVED)
    actions = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", "employee"))
    assert actions == [
        ("issued", None),
        ("called", operator.pk),
        ("recalled", operator.pk),
        ("started", operator.pk),
        ("finished", operator.pk),
    ]


def test_numbers_count_per_letter_and_start_again_each_day(office_a, service_a):
    other_group = ServiceFactory(offices=[office_a])
    first = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    second = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    other = services.issue_ticket(office_a, other_group, now=NOON, check_hours=False)
    tomorrow = services.issue_ticket(
        office_a, service_a, now=NOON + dt.timedelta(days=1), check_hours=False
    )
    assert [first.number, second.number, other.number, tomorrow.number] == [1, 2, 1, 1]


def test_priority_goes_first_but_not_before_someone_who_waited_longer_than_its_head_start(
    desk, operator, office_a, service_a
):
    pregnancy = PriorityCategory.objects.create(
        office=office_a, code="pregnancy", name={"en": "pregnancy"}, weight_minutes=10
    )
    early = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    recent = services.issue_ticket(
        office_a, service_a, now=NOON + dt.timedelta(minutes=5), check_hours=False
    )
    late_priority = services.issue_ticket(
        office_a,
        service_a,
        priority="pregnancy",
        now=NOON + dt.timedelta(minutes=11),
        check_hours=False,
    )
    calls = []
    moment = NOON + dt.timedelta(minutes=12)
    for _ in range(3):
        ticket = services.call_next(operator, now=moment)
        calls.append(ticket)
        services.start_service(ticket, employee=operator, now=moment)
        services.finish_visit(ticket, employee=operator, now=moment)
    # early waited 12 min > late_priority's 1 min + 10 head start; recent waited 7 < 11.
    assert calls == [early, late_priority, recent]
    assert pregnancy.tickets.count() == 1


def test_no_show_needs_a_recall_or_some_minutes(desk, operator, office_a, service_a):
    services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    ticket = services.call_next(operator, now=NOON)
    with pytest.raises(errors.NoShowTooEarly):
        services.mark_no_show(ticket, employee=operator, now=NOON + dt.timedelta(minutes=1))
    services.mark_no_show(ticket, employee=operator, now=NOON + dt.timedelta(minutes=3))
    ticket.refresh_from_db()
    assert ticket.outcome == Ticket.Outcome.NO_SHOW


def test_a_transfer_keeps_number_code_and_waiting_time(desk, operator, office_a, service_a):
    second = ServiceFactory(offices=[office_a])
    ticket = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    services.call_next(operator, now=NOON + dt.timedelta(minutes=5))
    successor = services.transfer(
        ticket, employee=operator, service=second, now=NOON + dt.timedelta(minutes=9)
    )
    ticket.refresh_from_db()
    assert ticket.outcome == Ticket.Outcome.TRANSFERRED
    assert (successor.label, successor.code, successor.waiting_since) == (
        ticket.label,
        ticket.code,
        NOON,
    )
    assert selectors.ticket_by_code(ticket.code) == successor
    assert successor.state == Ticket.State.WAITING


def test_an_illegal_transition_is_a_clear_error(desk, operator, office_a, service_a):
    services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    ticket = services.call_next(operator, now=NOON)
    with pytest.raises(errors.TransitionNotAllowed):
        services.finish_visit(ticket, employee=operator, now=NOON)
    with pytest.raises(errors.TicketInHand):
        services.call_next(operator, now=NOON)


def test_the_estimate_counts_people_ahead_and_servers(desk, operator, office_a, service_a):
    tickets = [
        services.issue_ticket(
            office_a, service_a, now=NOON + dt.timedelta(seconds=i), check_hours=False
        )
        for i in range(3)
    ]
    service_a.handling_minutes = 10
    estimate = selectors.estimate_wait(tickets[2], now=NOON)
    # 2 ahead, one free server: waits for 2 services to end at one point.
    assert (estimate.ahead, estimate.minutes, estimate.staffed) == (2, 20, True)
    assert selectors.estimate_wait(tickets[0], now=NOON).minutes == 0
