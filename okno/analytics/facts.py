"""The rollup rows of one office-day, computed from the raw tickets, bookings, ratings and desks.

`day_rows` is the single definition of every sum: the nightly rollup saves its rows, and
today's live figures use the same rows without saving them, so a dashboard never mixes two
ways of counting.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from okno.analytics.models import (
    MINUTE_EDGES,
    EmployeeDay,
    GroupDay,
    HourDay,
    ServiceDay,
)
from okno.appointments.models import Booking
from okno.catalog.models import Office, Service
from okno.core.calendar import local_day_bounds
from okno.feedback.models import CRITERIA, Rating
from okno.queueing.models import DeskPause, DeskSession, Ticket
from okno.queueing.services import queue_settings

#: A rating is "satisfied" when its overall score, the mean of the five criteria, is 4 or more.
SATISFIED_OVERALL = 4
TOP_BOX = 4
PROMOTER = 9
DETRACTOR = 6
#: Rows of ratings of applications (not of a visit) carry this channel.
CASE_CHANNEL = "case"
GROUP_DIMENSIONS = ("age_band", "gender", "disability")


def minute_bin(seconds: float) -> int:
    """The index of the bin (see MINUTE_EDGES) a duration of `seconds` falls in."""
    return bisect_right(MINUTE_EDGES, seconds / 60)


def wait_norm_minutes(*, office_norm: int, booked_norm: int, service: Service, booked: bool) -> int:
    """The wait a visit should not exceed: the booked norm for booked visits; for walk-ins the
    service's own norm, or the office's when that is stricter."""
    if booked:
        return booked_norm
    return min(office_norm, service.max_wait_minutes)


@dataclass
class DayRows:
    """The rollup rows of one office-day, unsaved."""

    services: list[ServiceDay] = field(default_factory=list)
    employees: list[EmployeeDay] = field(default_factory=list)
    hours: list[HourDay] = field(default_factory=list)
    groups: list[GroupDay] = field(default_factory=list)

    def all(self) -> list[Any]:
        return [*self.services, *self.employees, *self.hours, *self.groups]


def day_rows(office: Office, day: dt.date, *, now: dt.datetime | None = None) -> DayRows:
    """Every rollup row of `office` on its local `day`, from the raw tables as they are now."""
    now = now or timezone.now()
    settings = queue_settings(office)
    zone = office.zone
    services: dict[tuple[int, str], ServiceDay] = {}
    employees: dict[int, EmployeeDay] = {}
    hours: dict[int, HourDay] = {}
    groups: dict[tuple[str, str], GroupDay] = {}

    def service_row(service_id: int, channel: str) -> ServiceDay:
        key = (service_id, channel)
        if key not in services:
            services[key] = ServiceDay(
                office=office, day=day, service_id=service_id, channel=channel
            )
        return services[key]

    def employee_row(employee_id: int) -> EmployeeDay:
        if employee_id not in employees:
            employees[employee_id] = EmployeeDay(office=office, day=day, employee_id=employee_id)
        return employees[employee_id]

    tickets = list(
        Ticket.objects.filter(office=office, service_day=day).values_list(
            "service_id",
            "source",
            "outcome",
            "transferred_from_id",
            "issued_at",
            "waiting_since",
            "called_at",
            "started_at",
            "finished_at",
            "employee_id",
        )
    )
    catalogue = Service.objects.in_bulk({t[0] for t in tickets})
    for (
        service_id,
        source,
        outcome,
        transferred_from,
        issued_at,
        waiting_since,
        called_at,
        started_at,
        finished_at,
        employee_id,
    ) in tickets:
        row = service_row(service_id, source)
        service = catalogue[service_id]
        if outcome:
            setattr(row, outcome, getattr(row, outcome) + 1)
        if transferred_from is None:
            local_hour = issued_at.astimezone(zone).hour
            if local_hour not in hours:
                hours[local_hour] = HourDay(office=office, day=day, hour=local_hour)
            hour = hours[local_hour]
            row.visits += 1
            hour.visits += 1
            if called_at is None and outcome and source != Ticket.Source.BOOKING:
                row.not_called += 1
            if called_at is not None:
                seconds = max(0.0, (called_at - waiting_since).total_seconds())
                norm = wait_norm_minutes(
                    office_norm=settings.wait_norm_minutes,
                    booked_norm=settings.booked_wait_norm_minutes,
                    service=service,
                    booked=source == Ticket.Source.BOOKING,
                )
                within = seconds <= norm * 60
                for target in (row, hour):
                    target.waits += 1
                    target.wait_seconds += round(seconds)
                    target.waits_within_norm += within
                _bump(row, "wait_bin", minute_bin(seconds))
        if outcome == Ticket.Outcome.SERVED and started_at and finished_at:
            seconds = max(0.0, (finished_at - started_at).total_seconds())
            within = seconds <= service.handling_minutes * 60
            row.services += 1
            row.service_seconds += round(seconds)
            row.services_within_norm += within
            _bump(row, "service_bin", minute_bin(seconds))
            if employee_id:
                person = employee_row(employee_id)
                person.served += 1
                person.services += 1
                person.service_seconds += round(seconds)
                person.services_within_norm += within

    _add_bookings(office, day, zone, service_row)
    _add_ratings(office, day, service_row, employee_row, groups)
    _add_desk_time(office, day, zone, now, employee_row)
    return DayRows(
        services=list(services.values()),
        employees=list(employees.values()),
        hours=sorted(hours.values(), key=lambda h: h.hour),
        groups=list(groups.values()),
    )


# --- helpers ------------------------------------------------------------------------------------


def _bump(row: Any, prefix: str, index: int) -> None:
    name = f"{prefix}_{index:02d}"
    setattr(row, name, getattr(row, name) + 1)


def _add_bookings(office: Office, day: dt.date, zone: Any, service_row: Any) -> None:
    """Bookings for a time on `day` that came to an end: checked in or not come."""
    start, end = local_day_bounds(zone, day)
    settled = (Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW)
    rows = Booking.objects.filter(
        office=office, start__gte=start, start__lt=end, status__in=settled
    ).values_list("service_id", "status")
    for service_id, status in rows:
        row = service_row(service_id, Ticket.Source.BOOKING)
        row.bookings += 1
        if status == Booking.Status.CHECKED_IN:
            row.bookings_checked_in += 1
        else:
            row.bookings_no_show += 1


def _add_ratings(
    office: Office,
    day: dt.date,
    service_row: Any,
    employee_row: Any,
    groups: dict[tuple[str, str], GroupDay],
) -> None:
    rows = Rating.objects.filter(office=office, visited_on=day).values_list(
        "service_id", "ticket__source", "employee_id", "recommend", *GROUP_DIMENSIONS, *CRITERIA
    )
    for service_id, source, employee_id, recommend, *rest in rows:
        told = dict(zip(GROUP_DIMENSIONS, rest[: len(GROUP_DIMENSIONS)], strict=True))
        scores = dict(zip(CRITERIA, rest[len(GROUP_DIMENSIONS) :], strict=True))
        targets = [service_row(service_id, source or CASE_CHANNEL)]
        if employee_id:
            targets.append(employee_row(employee_id))
        total = sum(scores.values())
        satisfied = is_satisfied(total)
        for target in targets:
            add_rating(target, scores, recommend)
        for dimension, value in told.items():
            if value:
                if (dimension, value) not in groups:
                    groups[(dimension, value)] = GroupDay(
                        office=office, day=day, dimension=dimension, value=value
                    )
                group = groups[(dimension, value)]
                group.ratings += 1
                group.satisfied += satisfied
                group.score_sum += total


def is_satisfied(total: int) -> bool:
    """Whether a rating whose five scores add up to `total` is satisfied (overall mean ≥ 4)."""
    return total >= SATISFIED_OVERALL * len(CRITERIA)


def add_rating(target: Any, scores: dict[str, int], recommend: int | None) -> None:
    """Count one rating into a row holding RatingSums."""
    target.ratings += 1
    target.satisfied += is_satisfied(sum(scores.values()))
    for name, score in scores.items():
        setattr(target, f"{name}_sum", getattr(target, f"{name}_sum") + score)
        setattr(target, f"{name}_top", getattr(target, f"{name}_top") + (score >= TOP_BOX))
    if recommend is not None:
        target.recommend_answers += 1
        target.promoters += recommend >= PROMOTER
        target.detractors += recommend <= DETRACTOR


def _add_desk_time(
    office: Office, day: dt.date, zone: Any, now: dt.datetime, employee_row: Any
) -> None:
    """Each employee's time at an open service point within the day, pauses excluded."""
    start, end = local_day_bounds(zone, day)
    end = min(end, now)
    sessions = DeskSession.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=start),
        service_point__office=office,
        opened_at__lt=end,
    ).values_list("pk", "employee_id", "opened_at", "closed_at")
    open_time: dict[int, float] = defaultdict(float)
    owners = {}
    for pk, employee_id, opened, closed in sessions:
        owners[pk] = employee_id
        open_time[employee_id] += _overlap(opened, closed or now, start, end)
    pauses = DeskPause.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start),
        session_id__in=list(owners),
        started_at__lt=end,
    ).values_list("session_id", "started_at", "ended_at")
    for session_id, began, ended in pauses:
        open_time[owners[session_id]] -= _overlap(began, ended or now, start, end)
    for employee_id, seconds in open_time.items():
        if seconds > 0:
            employee_row(employee_id).desk_seconds += round(seconds)


def _overlap(a: dt.datetime, b: dt.datetime, start: dt.datetime, end: dt.datetime) -> float:
    return max(0.0, (min(b, end) - max(a, start)).total_seconds())
