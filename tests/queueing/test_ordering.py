"""The queue order, as properties: head start plus waiting time, no starvation, and scope.

The rule (services module docstring): a waiting ticket's place is the moment its visitor started
waiting minus its priority head start; the earliest place is called first, ties go to the earlier
issued ticket, then the earlier created. Each hypothesis example runs inside a savepoint that is
rolled back, so examples do not see each other's tickets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okno.queueing import services
from okno.queueing.models import PriorityCategory, Ticket
from tests.factories import CompetencyFactory, ServiceFactory, ServicePointFactory

START = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)  # 08:00 in Kyiv
CALLING = START + dt.timedelta(hours=4)  # after every issue time drawn below

examples = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: (seconds after START, head start in minutes or 0 for none, which service)
ticket_specs = st.lists(
    st.tuples(
        st.integers(0, 3 * 3600),
        st.one_of(st.just(0), st.integers(0, 60)),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture
def world(office_a, operator):
    """Three services of office A in three groups; the operator, qualified for all, at window 4."""
    offered = [ServiceFactory(offices=[office_a]) for _ in range(3)]
    for service in offered:
        CompetencyFactory(employee=operator, service=service)
    services.open_desk(operator, ServicePointFactory(office=office_a, number=4), now=START)
    return offered


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone at the end of the example, whatever happened inside."""
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def issue_all(office, offered, specs) -> list[Ticket]:
    categories: dict[int, PriorityCategory] = {}
    tickets = []
    for seconds, weight, which in specs:
        category = None
        if weight:
            category = categories.get(weight) or PriorityCategory.objects.create(
                office=office, code=f"w{weight}", name={"en": f"w{weight}"}, weight_minutes=weight
            )
            categories[weight] = category
        tickets.append(
            services.issue_ticket(
                office,
                offered[which],
                priority=category,
                now=START + dt.timedelta(seconds=seconds),
                check_hours=False,
            )
        )
    return tickets


def call_until_empty(operator, *, limit: int = 100) -> list[Ticket]:
    called = []
    for _ in range(limit):
        ticket = services.call_next(operator, now=CALLING)
        if ticket is None:
            return called
        called.append(ticket)
        services.cancel_ticket(ticket, employee=operator, now=CALLING)  # frees the desk
    raise AssertionError("call_next never ran out of tickets")


@examples
@given(specs=ticket_specs)
def test_call_next_orders_by_waiting_time_minus_head_start_then_issue_time(
    world, office_a, operator, specs
):
    with rolled_back():
        tickets = issue_all(office_a, world, specs)

        def place(index: int) -> tuple:
            seconds, weight, _which = specs[index]
            issued = START + dt.timedelta(seconds=seconds)
            return (issued - dt.timedelta(minutes=weight), issued, index)

        expected = [tickets[i] for i in sorted(range(len(specs)), key=place)]
        assert call_until_empty(operator) == expected


@examples
@given(
    weight=st.integers(1, 60),
    gap_seconds=st.integers(0, 2 * 3600),
    others=st.lists(
        st.tuples(st.integers(0, 3 * 3600), st.integers(0, 60), st.integers(0, 2)), max_size=4
    ),
)
def test_priority_never_starves_someone_who_waited_longer_than_the_head_start(
    world, office_a, operator, weight, gap_seconds, others
):
    with rolled_back():
        plain, prioritised, *_others = issue_all(
            office_a, world, [(0, 0, 0), (gap_seconds, weight, 1), *others]
        )
        order = call_until_empty(operator)
        priority_first = order.index(prioritised) < order.index(plain)
        # Ahead only if it came within its head start; at exactly the head start the earlier
        # issued ticket wins the tie.
        assert priority_first == (gap_seconds < weight * 60)


@pytest.fixture
def two_offices(office_a, office_b, operator):
    """Three services of office A and one offered in A and B; the operator at A's window 4."""
    shared = ServiceFactory(offices=[office_a, office_b])
    services.open_desk(operator, ServicePointFactory(office=office_a, number=4), now=START)
    return [ServiceFactory(offices=[office_a]) for _ in range(3)] + [shared]


@examples
@given(
    qualified=st.sets(st.integers(0, 3), min_size=1),
    specs=st.lists(st.tuples(st.integers(0, 3600), st.integers(0, 3)), min_size=1, max_size=8),
    elsewhere=st.integers(0, 3),
)
def test_call_next_only_gives_tickets_of_the_operators_services_at_their_office(
    two_offices, office_a, office_b, operator, qualified, specs, elsewhere
):
    offered, shared = two_offices, two_offices[3]
    with rolled_back():
        for which in qualified:
            CompetencyFactory(employee=operator, service=offered[which])
        tickets = [
            services.issue_ticket(
                office_a,
                offered[which],
                now=START + dt.timedelta(seconds=seconds),
                check_hours=False,
            )
            for seconds, which in specs
        ]
        theirs = [
            services.issue_ticket(office_b, shared, now=START, check_hours=False)
            for _ in range(elsewhere)
        ]

        called = call_until_empty(operator)

        allowed = {offered[which].pk for which in qualified}
        assert all(t.office_id == office_a.pk and t.service_id in allowed for t in called)
        assert {t.pk for t in called} == {t.pk for t in tickets if t.service_id in allowed}
        still_waiting = set(
            Ticket.objects.filter(state=Ticket.State.WAITING).values_list("pk", flat=True)
        )
        assert still_waiting == {t.pk for t in tickets + theirs if t not in called}
