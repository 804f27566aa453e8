"""Which times can be booked: slots derived from the calendar, the staff schedule and the rules.

For a service at an office on a day:

* the day must be open (opening hours, public holidays and the office's exceptions, through the
  working-day calendar) and inside the booking horizon: today up to `horizon_days - 1` days
  ahead, plus the day `horizon_days` ahead once the release time has passed;
* slots are laid end to end from the start of each opening interval; a slot lasts the service's
  handling time rounded up to the office's slot grid and never runs past closing time;
* a slot's capacity is the number of employees qualified for the service whose shift covers the
  whole slot (no qualified operator on shift: no slot);
* each clock hour has a budget per channel: the channel's share of the minutes staff are on
  shift in that hour while the office is open. A booking takes from every hour it overlaps the
  minutes it overlaps it; the rest of the hour stays for walk-ins.

A slot is free for a channel while it has a place left and every hour it touches has the minutes
left. `Planner` loads an office's schedule once and answers for many days.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from okno.appointments.models import AppointmentSettings, Channel, HourBudget, Slot, StaffShift
from okno.catalog.models import Office, Service
from okno.core.calendar import WorkingCalendar
from okno.staff.models import Competency

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Offer:
    """One slot as a person choosing a time sees it."""

    start: dt.datetime
    end: dt.datetime
    capacity: int
    booked: int
    free: int


def booking_rules(office: Office) -> AppointmentSettings:
    """The office's booking rules, or the defaults when it has none saved."""
    try:
        return office.appointment_settings
    except AppointmentSettings.DoesNotExist:
        return AppointmentSettings(office=office)


class Planner:
    """An office's calendar, staff schedule and booking rules, loaded once."""

    def __init__(self, office: Office, *, rules: AppointmentSettings | None = None) -> None:
        schedule = _schedule(office)
        self.office = office
        self.zone = office.zone
        self.rules = rules or schedule.rules
        self.calendar = schedule.calendar
        self._shifts = schedule.shifts
        self._qualified = schedule.qualified
        self._bookable = schedule.bookable

    def is_bookable(self, service: Service) -> bool:
        """The office is active and offers the service in person, open to booking."""
        return self.office.is_active and service.pk in self._bookable

    # --- the rules --------------------------------------------------------------------------
    def bookable_days(self, now: dt.datetime) -> tuple[dt.date, dt.date]:
        """The first and last local dates a person may book on at `now`."""
        local = now.astimezone(self.zone)
        ahead = self.rules.horizon_days - 1
        if local.time() >= self.rules.release_time:
            ahead += 1
        return local.date(), local.date() + dt.timedelta(days=ahead)

    def slot_minutes(self, service: Service) -> int:
        step = self.rules.slot_step_minutes
        return max(step, math.ceil(service.handling_minutes / step) * step)

    def share(self, channel: str) -> int:
        return self.rules.online_share if channel == Channel.ONLINE else self.rules.phone_share

    def earliest_start(self, now: dt.datetime, channel: str) -> dt.datetime:
        if channel == Channel.ONLINE:
            return now + dt.timedelta(minutes=self.rules.min_lead_minutes)
        return now

    # --- slots ------------------------------------------------------------------------------
    def candidate_slots(
        self, service: Service, day: dt.date
    ) -> list[tuple[dt.datetime, dt.datetime, int]]:
        """(start, end, capacity) of every slot of the day, before bookings and budgets."""
        length = dt.timedelta(minutes=self.slot_minutes(service))
        qualified = self._qualified_for(service)
        shifts = [s for s in self._shifts.get(day.weekday(), ()) if s[0] in qualified]
        if not shifts:
            return []
        slots = []
        for opens, closes in self.calendar.day(day).intervals:
            start = self._at(day, opens)
            close = self._at(day, closes)
            while start + length <= close:
                end = start + length
                local_start, local_end = start.time(), (start + length).time()
                capacity = sum(
                    1
                    for _employee, starts, ends in shifts
                    if starts <= local_start and local_end <= ends and local_start < local_end
                )
                if capacity:
                    slots.append((start, end, capacity))
                start = end
        return slots

    def hour_budget(self, hour: dt.datetime, channel: str) -> int:
        """Minutes `channel` may book in the clock hour starting at `hour` (aware, local)."""
        local = hour.astimezone(self.zone)
        day = local.date()
        window = (local.time(), (local + HOUR).time() if local.hour < 23 else dt.time.max)
        minutes = 0
        for opens, closes in self.calendar.day(day).intervals:
            for _employee, starts, ends in self._shifts.get(day.weekday(), ()):
                lo = max(window[0], opens, starts)
                hi = min(window[1], closes, ends)
                if lo < hi:
                    minutes += _minutes_between(lo, hi)
        return minutes * self.share(channel) // 100

    def budget_needs(self, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
        return budget_needs(start, end, self.zone)

    def offers(
        self,
        service: Service,
        first: dt.date,
        last: dt.date | None = None,
        *,
        channel: str = Channel.ONLINE,
        now: dt.datetime | None = None,
    ) -> list[Offer]:
        """Every slot from `first` to `last` (inclusive) with its free places for `channel`.

        Days outside the booking horizon and slots starting too soon are left out; full slots
        are included with `free == 0` so a page can show them as taken.
        """
        return self._offers_and_budgets(service, first, last, channel=channel, now=now)[0]

    def _offers_and_budgets(
        self,
        service: Service,
        first: dt.date,
        last: dt.date | None,
        *,
        channel: str,
        now: dt.datetime | None,
        only: dt.datetime | None = None,
    ) -> tuple[list[Offer], dict[dt.datetime, int]]:
        """The offers (or the one starting at `only`), and the minutes left in each hour."""
        now = now or timezone.now()
        last = last or first
        open_first, open_last = self.bookable_days(now)
        first, last = max(first, open_first), min(last, open_last)
        if first > last:
            return [], {}
        earliest = self.earliest_start(now, channel)
        candidates = [
            slot
            for day in _days(first, last)
            for slot in self.candidate_slots(service, day)
            if slot[0] >= earliest and (only is None or slot[0] == only)
        ]
        if not candidates:
            return [], {}
        booked = dict(
            Slot.objects.filter(
                office=self.office,
                service=service,
                start__gte=candidates[0][0],
                start__lte=candidates[-1][0],
            ).values_list("start", "booked")
        )
        used = self._used_minutes(candidates[0][0], candidates[-1][1], channel)
        left: dict[dt.datetime, int] = {}
        offers = []
        for start, end, capacity in candidates:
            taken = booked.get(start, 0)
            free = max(0, capacity - taken)
            for hour, need in self.budget_needs(start, end):
                if hour not in left:
                    left[hour] = max(0, self.hour_budget(hour, channel) - used.get(hour, 0))
                free = min(free, left[hour] // need)
            offers.append(Offer(start, end, capacity, taken, max(0, free)))
        return offers, left

    def offer_at(
        self, service: Service, start: dt.datetime, *, channel: str, now: dt.datetime
    ) -> Offer | None:
        """The slot starting exactly at `start`, if it is one a person may book now."""
        day = start.astimezone(self.zone).date()
        offers, _left = self._offers_and_budgets(
            service, day, day, channel=channel, now=now, only=start
        )
        return offers[0] if offers else None

    def free_days(
        self, service: Service, *, channel: str = Channel.ONLINE, now: dt.datetime | None = None
    ) -> dict[dt.date, int]:
        """Places still bookable per day (0 for an open day that is fully booked).

        Slots of one hour share its budget, so an hour gives at most as many places as its
        minutes left allow, however many of its slots are free one by one.
        """
        now = now or timezone.now()
        first, last = self.bookable_days(now)
        offers, left = self._offers_and_budgets(service, first, last, channel=channel, now=now)
        per_hour: dict[dt.datetime, list[Offer]] = {}
        days: dict[dt.date, int] = {}
        for offer in offers:
            days.setdefault(offer.start.astimezone(self.zone).date(), 0)
            needs = self.budget_needs(offer.start, offer.end)
            if len(needs) == 1:
                per_hour.setdefault(needs[0][0], []).append(offer)
            else:  # a slot across hours: its own free count already respects every hour
                days[offer.start.astimezone(self.zone).date()] += offer.free
        for hour, group in per_hour.items():
            minutes = int((group[0].end - group[0].start).total_seconds() // 60)
            places = min(sum(o.free for o in group), left.get(hour, 0) // minutes)
            days[hour.astimezone(self.zone).date()] += places
        return days

    # --- helpers ----------------------------------------------------------------------------
    def _qualified_for(self, service: Service) -> frozenset[int]:
        return self._qualified.get(service.pk, frozenset())

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def _used_minutes(
        self, start: dt.datetime, end: dt.datetime, channel: str
    ) -> dict[dt.datetime, int]:
        rows = (
            HourBudget.objects.filter(
                office=self.office, channel=channel, hour__gte=start - HOUR, hour__lt=end
            )
            .values("hour")
            .annotate(used=Sum("used_minutes"))
        )
        return {row["hour"]: row["used"] for row in rows}


# --- the office's schedule, cached -------------------------------------------------------------

#: Changes (a new random value) whenever anything a schedule is made of is saved or deleted.
SCHEDULE_VERSION_KEY = "okno:appointments:schedule-version"
#: Trust a cached schedule at most this long: only a change that bypasses the models (raw SQL,
#: bulk_create) waits for it.
SCHEDULE_SECONDS = 60


@dataclass(frozen=True)
class Schedule:
    """What slots are made of at one office, read in four queries and kept between requests."""

    rules: AppointmentSettings
    calendar: WorkingCalendar
    shifts: dict[int, list[tuple[int, dt.time, dt.time]]]
    qualified: dict[int, frozenset[int]]
    bookable: frozenset[int]
    version: str
    loaded_at: float


_schedules: dict[tuple[int, object], Schedule] = {}
_schedules_lock = threading.Lock()


def schedule_version() -> str:
    version = cache.get(SCHEDULE_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(SCHEDULE_VERSION_KEY, version, None)
        version = cache.get(SCHEDULE_VERSION_KEY) or version
    return version


def forget_schedules(**_signal: object) -> None:
    """A schedule changed: every process reads its schedules again (now and after the commit)."""
    cache.delete(SCHEDULE_VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(SCHEDULE_VERSION_KEY))


def _schedule(office: Office) -> Schedule:
    version = schedule_version()
    key = (office.pk, office.updated_at)
    cached = _schedules.get(key)
    if (
        cached is not None
        and cached.version == version
        and time.monotonic() - cached.loaded_at < SCHEDULE_SECONDS
    ):
        return cached
    schedule = _load_schedule(office, version)
    with _schedules_lock:
        if len(_schedules) > 2000:
            _schedules.clear()
        _schedules[key] = schedule
    return schedule


def _load_schedule(office: Office, version: str) -> Schedule:
    rows: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for employee_id, weekday, starts, ends in StaffShift.objects.filter(
        office=office, employee__user__is_active=True, employee__offices=office
    ).values_list("employee_id", "weekday", "starts", "ends"):
        rows[(weekday, employee_id)].append((starts, ends))
    # One person's overlapping or touching shifts are one stretch of work: they count once.
    shifts: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
    for (weekday, employee_id), intervals in rows.items():
        for starts, ends in _merged(intervals):
            shifts[weekday].append((employee_id, starts, ends))
    on_shift = {employee_id for _weekday, employee_id in rows}
    qualified: dict[int, set[int]] = defaultdict(set)
    for employee_id, service_id in Competency.objects.filter(employee_id__in=on_shift).values_list(
        "employee_id", "service_id"
    ):
        qualified[service_id].add(employee_id)
    from okno.appointments.selectors import bookable_services

    return Schedule(
        bookable=frozenset(bookable_services(office).values_list("pk", flat=True)),
        rules=booking_rules(office),
        calendar=WorkingCalendar(office),
        shifts=dict(shifts),
        qualified={service: frozenset(ids) for service, ids in qualified.items()},
        version=version,
        loaded_at=time.monotonic(),
    )


def connect_signals() -> None:
    """Forget cached schedules whenever one of their ingredients changes."""
    from django.contrib.auth import get_user_model

    from okno.catalog.models import CalendarException, OpeningHours
    from okno.staff.models import Employee

    m2m_changed.connect(
        forget_schedules,
        sender=Service.offices.through,
        dispatch_uid="appointments-schedule:service-offices",
    )
    for model in (
        Service,
        AppointmentSettings,
        StaffShift,
        Competency,
        OpeningHours,
        CalendarException,
        Employee,
        get_user_model(),
    ):
        uid = f"appointments-schedule:{model._meta.label}"
        post_save.connect(forget_schedules, sender=model, dispatch_uid=uid)
        post_delete.connect(forget_schedules, sender=model, dispatch_uid=uid)
    m2m_changed.connect(
        forget_schedules,
        sender=Employee.offices.through,
        dispatch_uid="appointments-schedule:employee-offices",
    )


def budget_needs(
    start: dt.datetime, end: dt.datetime, zone: dt.tzinfo
) -> list[tuple[dt.datetime, int]]:
    """The clock hours (local to `zone`) a slot overlaps and how many minutes of each it takes."""
    hour = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    needs = []
    while hour < end:
        lo, hi = max(hour, start), min(hour + HOUR, end)
        if lo < hi:
            needs.append((hour, int((hi - lo).total_seconds() // 60)))
        hour = hour + HOUR
    return needs


def _merged(intervals: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    merged: list[tuple[dt.time, dt.time]] = []
    for starts, ends in sorted(intervals):
        if merged and starts <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((starts, ends))
    return merged


def _minutes_between(lo: dt.time, hi: dt.time) -> int:
    def minutes(t: dt.time) -> int:
        return 24 * 60 if t == dt.time.max else t.hour * 60 + t.minute

    return minutes(hi) - minutes(lo)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
