"""Keeping the rollups up to date: rebuild an office-day, catch up after midnight, redo late changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from okno.analytics.facts import day_rows
from okno.analytics.models import (
    ROLLUPS,
    ChangedDay,
    EmployeeDay,
    GroupDay,
    HourDay,
    RollupState,
    ServiceDay,
)
from okno.catalog.models import Office
from okno.feedback.models import Rating
from okno.queueing.models import Ticket

#: A day is rebuilt once more this many days after it ended: ratings come in for a week after
#: the visit (the default rating window), bookings are marked not kept after their slot, and
#: several of these writes are conditional updates that announce themselves to nobody.
SETTLE_DAYS = 8
#: How many office-days one periodic run rebuilds at most, so that the job stays short; a
#: backlog (a new install with history, a long outage) is worked off over the next runs.
BATCH = 500

Progress = Callable[[int, int, Office, dt.date], None]


def refresh_day(office: Office, day: dt.date, *, now: dt.datetime | None = None) -> int:
    """Rebuild every rollup row of `office` on `day` from the raw tables; returns the row count.

    Safe to repeat and to run concurrently: the rows of one office are rebuilt under a lock on
    its RollupState row, and the office-day's "changed" mark is removed before the raw rows are
    read, so a change that lands meanwhile marks it again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_state(office, now)
        ChangedDay.objects.filter(office=office, day=day).delete()
        rows = day_rows(office, day, now=now)
        for model in ROLLUPS:
            model.objects.filter(office=office, day=day).delete()
        ServiceDay.objects.bulk_create(rows.services)
        EmployeeDay.objects.bulk_create(rows.employees)
        HourDay.objects.bulk_create(rows.hours)
        GroupDay.objects.bulk_create(rows.groups)
    return len(rows.all())


def rebuild(
    offices: Iterable[Office],
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Rebuild the rollups of `offices` for every day from `start` to `end` (inclusive), never
    past yesterday; returns the office-days rebuilt. Marks each office complete up to `end`
    when its rollups had no gap before `start`."""
    now = now or timezone.now()
    last_days = {
        office: min(end, local_today(office, now) - dt.timedelta(days=1)) for office in offices
    }
    plan = []
    for office, last in last_days.items():
        day = start
        while day <= last:
            plan.append((office, day))
            day += dt.timedelta(days=1)
    for done, (office, day) in enumerate(plan, start=1):
        refresh_day(office, day, now=now)
        if progress:
            progress(done, len(plan), office, day)
    for office, last in last_days.items():
        state = RollupState.objects.filter(office=office).first()
        if (
            state
            and state.complete_until >= start - dt.timedelta(days=1)
            and last > state.complete_until
        ):
            RollupState.objects.filter(office=office).update(complete_until=last, refreshed_at=now)
    return len(plan)


def refresh_due(now: dt.datetime, *, batch: int = BATCH) -> dict[str, int]:
    """The periodic job: build the days each office has finished since its rollups were last
    complete (and, with yesterday, rebuild the day SETTLE_DAYS before it, now settled), then
    redo the office-days marked as changed afterwards."""
    done = 0
    for office in Office.objects.filter(is_active=True).order_by("pk"):
        state = _lock_state(office, now)
        yesterday = local_today(office, now) - dt.timedelta(days=1)
        day = state.complete_until + dt.timedelta(days=1)
        while day <= yesterday and done < batch:
            refresh_day(office, day, now=now)
            claimed = RollupState.objects.filter(office=office, complete_until__lt=day).update(
                complete_until=day, refreshed_at=now
            )
            done += 1
            if claimed and day == yesterday:
                refresh_day(office, day - dt.timedelta(days=SETTLE_DAYS), now=now)
            day += dt.timedelta(days=1)
    redone = 0
    for mark in ChangedDay.objects.select_related("office").order_by("day")[: max(0, batch - done)]:
        if mark.day < local_today(mark.office, now):
            refresh_day(mark.office, mark.day, now=now)
            redone += 1
    return {"days_built": done, "days_redone": redone}


def mark_changed(office_id: int, day: dt.date) -> None:
    """Note that `office_id`'s rollup of `day` is out of date (a late rating, a late status)."""
    try:
        with transaction.atomic():
            ChangedDay.objects.get_or_create(office_id=office_id, day=day)
    except IntegrityError:
        pass  # marked by someone else at the same moment: once is enough


def local_today(office: Office, now: dt.datetime) -> dt.date:
    return now.astimezone(office.zone).date()


# --- helpers ------------------------------------------------------------------------------------


def _lock_state(office: Office, now: dt.datetime) -> RollupState:
    """The office's RollupState row, locked; a new one starts the day before its first visit."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update().filter(office=office).first()
        if state:
            return state
        first = _first_day(office) or local_today(office, now)
        RollupState.objects.get_or_create(
            office=office,
            defaults={"complete_until": first - dt.timedelta(days=1), "refreshed_at": now},
        )
        return RollupState.objects.select_for_update().get(office=office)


def _first_day(office: Office) -> dt.date | None:
    days = [
        Ticket.objects.filter(office=office).aggregate(first=Min("service_day"))["first"],
        Rating.objects.filter(office=office).aggregate(first=Min("visited_on"))["first"],
    ]
    known = [day for day in days if day]
    return min(known) if known else None
