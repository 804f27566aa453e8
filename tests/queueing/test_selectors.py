"""Reads of the live queue: the wait estimate (by its documented method), counts and the day."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.http import Http404

from okno.queueing import selectors, services
from okno.queueing.models import PriorityCategory, QueueSettings, Ticket
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    ServiceFactory,
    ServicePointFactory,
)

NOON = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Kyiv
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
HISTORY_POINTS = itertools.count(100)


@pytest.fixture
def passport(service_a):
    """Service A's passport says a visit takes 10 minutes."""
    service_a.handling_minutes = 10
    service_a.save()
    return service_a


@pytest.fixture
def open_desk(office_a):
    """open_desk(services=[...], paused=False, holding=False): a new operator at a new window."""
    numbers = iter(range(10, 100))

    def make(qualified, *, paused=False, holding=None):
        employee = EmployeeFactory(offices=[office_a])
        for service in qualified:
            CompetencyFactory(employee=employee, service=service)
        point = ServicePointFactory(office=office_a, number=next(numbers))
        services.open_desk(employee, point, now=NOON)
        if holding is not None:
            assert services.call_next(employee, now=NOON) == holding
        if paused:
            services.pause_desk(employee, reason="break", now=NOON)
        return employee

    return make


def waiting(office, service, count: int, *, start=NOON) -> list[Ticket]:
    return [
        services.issue_ticket(office, service, now=start + i * SECOND, check_hours=False)
        for i in range(count)
    ]


def serve_history(office, service, minutes: list[float], *, finished_by=NOON) -> None:
    """Served visits of the given lengths, the last one finishing at `finished_by`."""
    employee = EmployeeFactory(offices=[office])
    CompetencyFactory(employee=employee, service=service)
    point = ServicePointFactory(office=office, number=next(HISTORY_POINTS))
    services.open_desk(employee, point, now=finished_by - dt.timedelta(days=30))
    end = finished_by
    for length in reversed(minutes):
        start = end - dt.timedelta(minutes=length)
        ticket = services.issue_ticket(office, service, now=start - MINUTE, check_hours=False)
        assert services.call_next(employee, now=start) == ticket
        services.start_service(ticket, employee=employee, now=start)
        services.finish_visit(ticket, employee=employee, now=end)
        end = start - MINUTE
    services.close_desk(employee, now=finished_by)


# --- the wait estimate ---------------------------------------------------------------------------


def test_with_nobody_at_work_one_server_is_assumed_and_the_estimate_says_unstaffed(
    office_a, passport
):
    tickets = waiting(office_a, passport, 3)
    estimate = selectors.estimate_wait(tickets[2], now=NOON)
    # ahead 2; one server assumed: (2 + 1) x 10 / 1
    assert estimate == selectors.WaitEstimate(ahead=2, minutes=30, staffed=False)
    assert selectors.estimate_wait(tickets[0], now=NOON).minutes == 10


def test_with_one_free_server_the_first_in_line_waits_nothing(office_a, passport, open_desk):
    tickets = waiting(office_a, passport, 3)
    open_desk([passport])
    assert selectors.estimate_wait(tickets[0], now=NOON) == selectors.WaitEstimate(0, 0, True)
    # ahead 2, free 1: (2 - 1 + 1) x 10 / 1
    assert selectors.estimate_wait(tickets[2], now=NOON) == selectors.WaitEstimate(2, 20, True)


def test_with_every_server_busy_the_visitor_waits_for_ahead_plus_one_services(
    office_a, passport, open_desk
):
    first, second, *rest = waiting(office_a, passport, 6)
    open_desk([passport], holding=first)
    open_desk([passport], holding=second)
    # rest[3]: ahead 3, free 0, servers 2: (3 - 0 + 1) x 10 / 2
    assert selectors.estimate_wait(rest[3], now=NOON) == selectors.WaitEstimate(3, 20, True)
    # rest[0]: ahead 0 but nobody free: (0 + 1) x 10 / 2
    assert selectors.estimate_wait(rest[0], now=NOON).minutes == 5


def test_several_servers_share_the_line_and_the_estimate_rounds_up(office_a, passport, open_desk):
    busy, *rest = waiting(office_a, passport, 7)
    open_desk([passport], holding=busy)
    open_desk([passport])
    open_desk([passport])
    # rest[5]: ahead 5, free 2, servers 3: (5 - 2 + 1) x 10 / 3 = 13.3 -> 14
    assert selectors.estimate_wait(rest[5], now=NOON) == selectors.WaitEstimate(5, 14, True)
    # rest[1]: ahead 1 < free 2
    assert selectors.estimate_wait(rest[1], now=NOON).minutes == 0


def test_paused_and_unqualified_desks_do_not_serve_the_line(office_a, passport, open_desk):
    tickets = waiting(office_a, passport, 4)
    open_desk([passport])
    open_desk([passport], paused=True)
    open_desk([ServiceFactory(offices=[office_a])])
    # servers 1, free 1, ahead 3: (3 - 1 + 1) x 10 / 1
    assert selectors.estimate_wait(tickets[3], now=NOON) == selectors.WaitEstimate(3, 30, True)


def test_the_mean_of_recent_service_times_replaces_the_passport_after_five_visits(
    office_a, passport
):
    serve_history(office_a, passport, [4, 6, 8, 10])
    assert selectors.mean_service_minutes(office_a, passport, now=NOON) == 10.0  # passport
    serve_history(office_a, passport, [12], finished_by=NOON - dt.timedelta(hours=2))
    assert selectors.mean_service_minutes(office_a, passport, now=NOON) == 8.0  # (4+6+8+10+12)/5

    ticket = waiting(office_a, passport, 3, start=NOON + MINUTE)[2]
    # ahead 2, nobody at work: (2 + 1) x 8 / 1
    assert selectors.estimate_wait(ticket, now=NOON + MINUTE).minutes == 24


def test_only_the_last_fourteen_days_of_the_same_group_count_for_the_mean(office_a, passport):
    serve_history(office_a, passport, [30] * 5, finished_by=NOON - dt.timedelta(days=15))
    other_group = ServiceFactory(offices=[office_a])
    serve_history(office_a, other_group, [2] * 5)
    assert selectors.mean_service_minutes(office_a, passport, now=NOON) == 10.0
    same_group = ServiceFactory(group=passport.group, offices=[office_a])
    serve_history(office_a, same_group, [3, 3, 3, 5, 6])
    assert selectors.mean_service_minutes(office_a, passport, now=NOON) == 4.0


def test_a_new_ticket_expects_everybody_waiting_in_its_group_ahead(office_a, passport, open_desk):
    waiting(office_a, passport, 2)
    open_desk([passport])
    # ahead 2, free 1, servers 1: (2 - 1 + 1) x 10
    assert selectors.estimate_new_ticket(office_a, passport, now=NOON) == (
        selectors.WaitEstimate(2, 20, True)
    )


def test_a_ticket_no_longer_waiting_has_no_estimate(office_a, passport, open_desk):
    ticket = waiting(office_a, passport, 1)[0]
    open_desk([passport], holding=ticket)
    ticket.refresh_from_db()
    assert selectors.estimate_wait(ticket, now=NOON) == selectors.WaitEstimate(0, 0, True)


# --- people ahead --------------------------------------------------------------------------------


def test_people_ahead_counts_the_same_group_in_queue_order(office_a, service_a):
    same_group = ServiceFactory(group=service_a.group, offices=[office_a])
    other_group = ServiceFactory(offices=[office_a])
    PriorityCategory.objects.create(
        office=office_a, code="disability", name={"en": "d"}, weight_minutes=30
    )
    first = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    services.issue_ticket(office_a, other_group, now=NOON, check_hours=False)
    second = services.issue_ticket(office_a, same_group, now=NOON, check_hours=False)
    priority = services.issue_ticket(
        office_a, service_a, priority="disability", now=NOON + 10 * MINUTE, check_hours=False
    )
    third = services.issue_ticket(office_a, service_a, now=NOON + 11 * MINUTE, check_hours=False)

    assert [selectors.people_ahead(t) for t in (priority, first, second, third)] == [0, 1, 2, 3]
    services.cancel_ticket(first, now=NOON + 12 * MINUTE)
    third.refresh_from_db()
    assert selectors.people_ahead(third) == 2
    assert selectors.people_ahead(first) == 0  # no longer waiting


# --- the office at a glance ----------------------------------------------------------------------


def test_group_counts_show_every_offered_group_its_line_and_servers(office_a, service_a, open_desk):
    quiet = ServiceFactory(offices=[office_a])
    ServiceFactory(offices=[office_a], is_active=False)  # its group is not shown
    waiting(office_a, service_a, 2, start=NOON - 7 * MINUTE)
    open_desk([service_a])
    open_desk([service_a, quiet])
    open_desk([service_a], paused=True)

    counts = {c.group.prefix: c for c in selectors.group_counts(office_a)}
    assert set(counts) == {service_a.group.prefix, quiet.group.prefix}
    busy = counts[service_a.group.prefix]
    assert (busy.waiting, busy.longest_since, busy.servers) == (2, NOON - 7 * MINUTE, 2)
    assert busy.longest_minutes(NOON) == 7
    empty = counts[quiet.group.prefix]
    assert (empty.waiting, empty.longest_since, empty.servers) == (0, None, 1)
    assert empty.longest_minutes(NOON) == 0


def test_day_stats_count_todays_outcomes_waits_services_and_the_norm(office_a, service_a, operator):
    QueueSettings.objects.create(office=office_a, wait_norm_minutes=15)
    office_a.refresh_from_db()
    yesterday = services.issue_ticket(
        office_a, service_a, now=NOON - dt.timedelta(days=1), check_hours=False
    )
    served, no_show, cancelled, still = waiting(office_a, service_a, 4, start=NOON)
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, ServicePointFactory(office=office_a, number=4), now=NOON)
    services.cancel_ticket(yesterday, now=NOON - dt.timedelta(days=1))

    assert services.call_next(operator, now=NOON + 5 * MINUTE) == served  # waited 5 min
    services.start_service(served, employee=operator, now=NOON + 5 * MINUTE)
    services.finish_visit(served, employee=operator, now=NOON + 15 * MINUTE)  # 10 min of service
    services.cancel_ticket(cancelled, now=NOON + 16 * MINUTE)
    assert services.call_next(operator, now=NOON + 20 * MINUTE + 3 * SECOND) == no_show
    services.mark_no_show(no_show, employee=operator, now=NOON + 25 * MINUTE)
    late = services.issue_ticket(office_a, service_a, now=NOON + 25 * MINUTE, check_hours=False)

    stats = selectors.day_stats(office_a, now=NOON + 30 * MINUTE)
    assert (stats.issued, stats.served, stats.no_show, stats.cancelled, stats.transferred) == (
        5,
        1,
        1,
        1,
        0,
    )
    # Waits until the first call: 5 min and 20 min (from 12:00:01 to 12:20:03).
    assert stats.average_wait_minutes == round((5 * 60 + 20 * 60 + 2) / 2 / 60, 1)
    assert stats.average_service_minutes == 10.0
    # Over the 15-minute norm: the no-show (waited 20 min) and `still` (waiting 30 min); not
    # `late` (5 min).
    assert stats.over_norm == 2
    assert late.state == still.state == Ticket.State.WAITING


def test_desk_states_say_who_is_idle_calling_serving_or_paused(office_a, service_a, open_desk):
    first, second = waiting(office_a, service_a, 2)
    idle = open_desk([service_a])
    calling = open_desk([service_a], holding=first)
    serving = open_desk([service_a], holding=second)
    services.start_service(second, employee=serving, now=NOON + MINUTE)
    paused = open_desk([service_a], paused=True)
    gone = open_desk([service_a])
    services.close_desk(gone, now=NOON + MINUTE)

    states = [(d.session.employee, d.status, d.ticket) for d in selectors.desk_states(office_a)]
    assert states == [
        (idle, "idle", None),
        (calling, "called", first),
        (serving, "serving", second),
        (paused, "paused", None),
    ]


def test_recent_calls_are_todays_last_eight_newest_first(office_a, service_a, operator):
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, ServicePointFactory(office=office_a, number=4), now=NOON)
    yesterday = services.issue_ticket(
        office_a, service_a, now=NOON - dt.timedelta(days=1), check_hours=False
    )
    services.call_next(operator, now=NOON - dt.timedelta(days=1))
    services.cancel_ticket(yesterday, now=NOON - dt.timedelta(days=1))
    tickets = waiting(office_a, service_a, 10)
    for minute, ticket in enumerate(tickets, start=1):
        assert services.call_next(operator, now=NOON + minute * MINUTE) == ticket
        if ticket is tickets[9]:
            break
        services.cancel_ticket(ticket, now=NOON + minute * MINUTE)
    never_called = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    # Ticket 10 is still at the window and called again: it stays on top.
    services.recall(tickets[9], employee=operator, now=NOON + 20 * MINUTE)

    recent = selectors.recent_calls(office_a, now=NOON + 21 * MINUTE)
    assert recent == list(reversed(tickets))[:8]
    assert yesterday not in recent and never_called not in recent
    assert selectors.recent_calls(office_a, limit=3, now=NOON + 21 * MINUTE) == recent[:3]
    assert selectors.current_calls(office_a) == [tickets[9]]


def test_a_code_finds_the_visitors_current_ticket_even_after_a_transfer(
    office_a, service_a, operator
):
    CompetencyFactory(employee=operator, service=service_a)
    services.open_desk(operator, ServicePointFactory(office=office_a, number=4), now=NOON)
    ticket = services.issue_ticket(office_a, service_a, now=NOON, check_hours=False)
    assert selectors.ticket_by_code(ticket.code) == ticket
    services.call_next(operator, now=NOON + MINUTE)
    successor = services.transfer(
        ticket, employee=operator, service=ServiceFactory(offices=[office_a]), now=NOON + MINUTE
    )
    assert selectors.ticket_by_code(ticket.code) == successor
    with pytest.raises(Http404):
        selectors.ticket_by_code("no-such-code")


def test_the_waiting_line_and_per_service_counts_of_an_office(office_a, office_b, service_a):
    other = ServiceFactory(offices=[office_a, office_b])
    a1 = services.issue_ticket(office_a, service_a, now=NOON + MINUTE, check_hours=False)
    o1 = services.issue_ticket(office_a, other, now=NOON, check_hours=False)
    services.issue_ticket(office_b, other, now=NOON, check_hours=False)

    assert list(selectors.waiting_tickets(office_a)) == [o1, a1]
    assert list(selectors.waiting_tickets(office_a, service_ids=[service_a.pk])) == [a1]
    assert selectors.service_counts(office_a, [service_a.pk, other.pk, 0]) == {
        service_a.pk: 1,
        other.pk: 1,
        0: 0,
    }


def test_an_operator_may_call_only_for_active_in_person_services_of_the_office(
    office_a, office_b, service_a, service_b, operator
):
    retired = ServiceFactory(offices=[office_a], is_active=False)
    for service in (service_a, service_b, retired):
        CompetencyFactory(employee=operator, service=service)
    assert selectors.qualified_services(operator, office_a) == [service_a]
    assert selectors.qualified_services(operator, office_b) == [service_b]


def test_the_points_to_pick_from_show_who_works_where(office_a, operator):
    first, second = office_a.service_points.order_by("number")
    ServicePointFactory(office=office_a, number=3, is_active=False)
    session = services.open_desk(operator, second, now=NOON)
    assert selectors.open_service_points(office_a) == [(first, None), (second, session)]
