"""Served visits to rate: a ticket taken through the queue's own services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from okno.catalog.models import ServicePoint
from okno.queueing import services as queue
from okno.queueing.models import Ticket
from tests.factories import CompetencyFactory

#: Tuesday 24 November 2026, 10:00 in Kyiv.
VISIT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def serve(office_a, service_a, operator) -> Callable[..., Ticket]:
    """`serve()` issues a ticket at office A and has the operator serve it at window 1."""
    CompetencyFactory(employee=operator, service=service_a)
    point = ServicePoint.objects.get(office=office_a, number=1)
    queue.open_desk(operator, point, now=VISIT)

    def serve(*, at: dt.datetime = VISIT, outcome: str = Ticket.Outcome.SERVED) -> Ticket:
        ticket = queue.issue_ticket(office_a, service_a, now=at, check_hours=False)
        called = queue.call_next(operator, now=at + dt.timedelta(minutes=4))
        queue.start_service(called, employee=operator, now=at + dt.timedelta(minutes=5))
        queue.finish_visit(
            called, employee=operator, outcome=outcome, now=at + dt.timedelta(minutes=12)
        )
        ticket.refresh_from_db()
        return ticket

    return serve
