"""Past visits for the demo offices and their rollups, so the KPI pages have figures after `okno demo`.

The feedback demo gives the offices two months of ratings, but the queue has no past tickets, so
waits, service times, arrivals and bookings would stay empty. This writes about `DAYS` past days
of visits with the bulk generator (`history.fill_offices`) for each demo office present, with
its own services, operators, competencies, shifts and service points; no ratings and no
complaints (the feedback demo made those), then builds the rollups of those days.

Idempotent: an office that already has a ticket before today is left alone, so loading again
writes nothing (and real use is never mixed with invented days). Today is never touched: the
live simulator and real work own it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from okno.analytics.history import fill_offices
from okno.analytics.models import RollupState
from okno.analytics.services import local_today, rebuild
from okno.catalog.models import Office
from okno.feedback.models import Rating
from okno.queueing.demo import DEMO_OFFICES
from okno.queueing.models import Ticket
from okno.staff.models import Employee, Role

DAYS = 60
SEED = 1284
#: Visitors on a full day with every operator at a window, per operator: at the demo's 10–30
#: minute services a little over half of a window's time, so the morning peak makes a queue
#: that clears (more, and waits of an hour become common). A day never gets more than
#: `MAX_VISITS`.
VISITS_PER_OPERATOR = 16
MAX_VISITS = 150


@dataclass
class AnalyticsDemoReport:
    """What `load_analytics_demo` wrote; every count is rows (or office-days) it added."""

    offices_filled: int = 0
    #: Demo offices left alone because they already had past tickets.
    offices_skipped: int = 0
    tickets: int = 0
    bookings: int = 0
    desk_sessions: int = 0
    office_days_built: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.tickets or self.bookings or self.office_days_built)

    def summary(self) -> str:
        """One line for the demo loader's output."""
        if not self.changed:
            return "past visits: already there, nothing written"
        return (
            f"past visits: {self.tickets} tickets and {self.bookings} bookings at "
            f"{self.offices_filled} offices, {self.office_days_built} office-days of KPI "
            f"rollups built ({self.seconds:.1f} s)"
        )


def load_analytics_demo(
    *,
    now: dt.datetime | None = None,
    days: int = DAYS,
    progress: Callable[[str], None] | None = None,
) -> AnalyticsDemoReport:
    """Past visits at each demo office present that has none yet, and their rollups."""
    started = time.monotonic()
    now = now or timezone.now()
    say = progress or (lambda _message: None)
    report = AnalyticsDemoReport()
    offices = []
    for office in Office.objects.filter(slug__in=DEMO_OFFICES).order_by("slug"):
        if Ticket.objects.filter(office=office, service_day__lt=local_today(office, now)).exists():
            report.offices_skipped += 1
        else:
            offices.append(office)
    if not offices:
        return report
    volume = {office: _visits_per_day(office) for office in offices}
    say("past visits")
    written = fill_offices(
        offices, days=days, visits_per_day=volume, seed=SEED, now=now, rating_share=0.0
    )
    report.offices_filled = written.offices
    report.tickets = written.tickets
    report.bookings = written.bookings
    report.desk_sessions = written.desk_sessions
    say("KPI rollups of the past days")
    for office in offices:
        report.office_days_built += _build_rollups(office, now=now, days=days)
    report.seconds = time.monotonic() - started
    return report


def _visits_per_day(office: Office) -> int:
    operators = Employee.objects.filter(
        offices=office, role=Role.OPERATOR, user__is_active=True
    ).count()
    return min(MAX_VISITS, VISITS_PER_OPERATOR * operators)


def _build_rollups(office: Office, *, now: dt.datetime, days: int) -> int:
    """Build every past day with data up to yesterday and mark the office complete until then,
    so the periodic job starts from today instead of rebuilding it all again."""
    yesterday = local_today(office, now) - dt.timedelta(days=1)
    start = yesterday - dt.timedelta(days=days - 1)
    # Ratings older than the visits (none in the demo as shipped) are built too.
    first_rating = Rating.objects.filter(office=office).aggregate(first=Min("visited_on"))["first"]
    if first_rating is not None:
        start = min(start, first_rating)
    with transaction.atomic():
        built = rebuild([office], start, yesterday, now=now)
        state = RollupState.objects.select_for_update().filter(office=office).first()
        if state is None:
            RollupState.objects.create(office=office, complete_until=yesterday, refreshed_at=now)
        elif state.complete_until < yesterday:
            state.complete_until = yesterday
            state.refreshed_at = now
            state.save(update_fields=["complete_until", "refreshed_at"])
    return built
