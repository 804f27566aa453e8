"""Visits written straight into the queue's tables, with the times a test needs.

Office A is in Kyiv (UTC+2 in winter). `visit(day, "10:00", waited=7, served=12)` is a walk-in
who took a ticket at 10:00 local time, was called 7 minutes later and served for 12 minutes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest

from okno.catalog.models import Office, Service
from okno.feedback.models import Rating
from okno.queueing.models import Ticket
from okno.staff.models import Employee

_numbers = itertools.count(1)


def make_visit(
    office: Office,
    service: Service,
    day: dt.date,
    at: str,
    *,
    waited: float | None = None,
    served: float | None = None,
    outcome: str = Ticket.Outcome.SERVED,
    source: str = Ticket.Source.KIOSK,
    employee: Employee | None = None,
) -> Ticket:
    hour, minute = (int(part) for part in at.split(":"))
    issued = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=office.zone)
    called = issued + dt.timedelta(minutes=waited) if waited is not None else None
    started = called if served is not None else None
    finished = started + dt.timedelta(minutes=served) if started else (called or issued)
    number = next(_numbers)
    return Ticket.objects.create(
        office=office,
        service=service,
        service_day=day,
        prefix=service.group.prefix,
        number=number,
        label=f"{service.group.prefix}{number:03d}",
        code=f"T{number:08d}",
        source=source,
        state=Ticket.State.DONE,
        outcome=outcome,
        issued_at=issued,
        waiting_since=issued,
        queue_key=issued,
        called_at=called,
        last_called_at=called,
        started_at=started,
        finished_at=finished,
        employee=employee if called else None,
    )


def make_rating(ticket: Ticket, scores: tuple[int, int, int, int, int], **extra) -> Rating:
    names = ("service_time", "waiting_time", "politeness", "comfort", "information")
    return Rating.objects.create(
        office=ticket.office,
        service=ticket.service,
        ticket=ticket,
        employee=ticket.employee,
        channel=Rating.Channel.TABLET,
        visited_on=ticket.service_day,
        rated_at=ticket.finished_at,
        **dict(zip(names, scores, strict=True)),
        **extra,
    )


@pytest.fixture
def visit(office_a, service_a) -> Callable[..., Ticket]:
    def make(day: dt.date, at: str, **kwargs) -> Ticket:
        return make_visit(
            kwargs.pop("office", office_a), kwargs.pop("service", service_a), day, at, **kwargs
        )

    return make
