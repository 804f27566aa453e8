"""Reading KPIs for a scope (offices, days, optionally one service): rollups for the days they
cover, the raw tables (through the same `facts.day_rows`) for today and any day not built yet."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth, TruncWeek
from django.utils import timezone

from okno.analytics import kpis as k
from okno.analytics.facts import CASE_CHANNEL, day_rows
from okno.analytics.models import EmployeeDay, GroupDay, HourDay, RollupState, ServiceDay
from okno.analytics.services import local_today
from okno.cases.models import RUNNING, Case
from okno.catalog.models import Office, Service
from okno.core.calendar import WorkingCalendar, local_day_bounds
from okno.feedback.models import Complaint
from okno.feedback.services import OPEN_STATUSES
from okno.queueing.models import Ticket

GRANULARITIES = ("day", "week", "month")
#: Past office-days not rolled up yet that one page computes from the raw tables at most.
MAX_LIVE_OFFICE_DAYS = 100
_NUMERIC = (
    "IntegerField",
    "PositiveIntegerField",
    "BigIntegerField",
    "PositiveSmallIntegerField",
)
SERVICE_COLUMNS = [
    f.name
    for f in ServiceDay._meta.get_fields()
    if f.get_internal_type() in _NUMERIC and f.name != "id"
]
EMPLOYEE_COLUMNS = [
    f.name
    for f in EmployeeDay._meta.get_fields()
    if f.get_internal_type() in _NUMERIC and f.name != "id"
]


@dataclass(frozen=True)
class Scope:
    offices: tuple[Office, ...]
    start: dt.date
    end: dt.date
    service_id: int | None = None
    #: A service group (ticket letter): its services only.
    group_id: int | None = None
    #: The live rows computed for this scope's days (one computation serves the whole report).
    live: dict[tuple[Any, Any], Any] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )


@dataclass
class Report:
    scope: Scope
    kpis: list[k.Kpi]
    sums: dict[str, float]
    series: list[dict[str, Any]] = field(default_factory=list)
    #: Past office-days of the scope left out: not rolled up yet, and too many to compute live.
    incomplete_office_days: int = 0

    def by_key(self) -> dict[str, k.Kpi]:
        return {kpi.key: kpi for kpi in self.kpis}

    def sections(self) -> list[tuple[str, Any, list[k.Kpi]]]:
        grouped: dict[str, list[k.Kpi]] = defaultdict(list)
        for kpi in self.kpis:
            grouped[kpi.definition.section].append(kpi)
        return [(key, label, grouped[key]) for key, label in k.SECTIONS.items() if grouped[key]]


def report(
    scope: Scope, *, now: dt.datetime | None = None, granularity: str | None = None
) -> Report:
    """Every KPI of the scope, and (with `granularity`) the main ones per day, week or month."""
    now = now or timezone.now()
    sums = service_sums(scope, now=now)
    staff = employee_sums(scope, now=now)
    values = [
        *k.satisfaction_kpis(sums),
        *k.visit_kpis(
            sums,
            booked_visits=sums.get("booked_visits", 0),
            case_ratings=sums.get("case_ratings", 0),
        ),
        *_complaint_kpis(scope, sums.get("visits", 0), now),
        *_case_kpis(scope, now),
        *k.staff_kpis(_total(staff.values())),
    ]
    result = Report(scope, values, sums)
    if granularity:
        result.series = series(scope, granularity, now=now)
    result.incomplete_office_days = incomplete_office_days(scope, now)
    return result


def service_sums(scope: Scope, *, now: dt.datetime) -> dict[str, float]:
    """ServiceDay columns summed over the scope, plus `booked_visits` and `case_ratings`."""
    sums: dict[str, float] = {}
    for (_service, channel, _bucket), row in _grouped(scope, now).items():
        _add_dict(sums, row)
        if channel == Ticket.Source.BOOKING:
            sums["booked_visits"] = sums.get("booked_visits", 0) + row.get("visits", 0)
        if channel == CASE_CHANNEL:
            sums["case_ratings"] = sums.get("case_ratings", 0) + row.get("ratings", 0)
    return sums


def employee_sums(scope: Scope, *, now: dt.datetime) -> dict[int, dict[str, float]]:
    """EmployeeDay columns summed per employee over the scope (a service filter does not apply)."""
    per: dict[int, dict[str, float]] = defaultdict(dict)
    rows = _stored(EmployeeDay.objects.all(), scope, now)
    if rows is not None:
        for row in rows.values("employee_id").annotate(**_sums(EMPLOYEE_COLUMNS)):
            per[row["employee_id"]] = {c: float(row[f"t_{c}"] or 0) for c in EMPLOYEE_COLUMNS}
    for live in _live(scope, now, "employees"):
        _add(per[live.employee_id], live, EMPLOYEE_COLUMNS)
    return dict(per)


def series(scope: Scope, granularity: str, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Per bucket (day, week starting Monday, month): the bucket's start and its main KPIs."""
    if granularity not in GRANULARITIES:
        raise ValueError(granularity)
    buckets: dict[dt.date, dict[str, float]] = defaultdict(dict)
    for (_service, _channel, bucket), row in _grouped(scope, now, granularity).items():
        _add_dict(buckets[bucket], row)
    return [{"start": bucket, **k.breakdown(buckets[bucket])} for bucket in sorted(buckets)]


def heat_map(scope: Scope, *, now: dt.datetime) -> dict[tuple[int, int], dict[str, float]]:
    """(ISO weekday 1–7, local hour) → visits, waits, wait_seconds over the scope."""
    cells: dict[tuple[int, int], dict[str, float]] = defaultdict(
        lambda: {"visits": 0, "waits": 0, "wait_seconds": 0, "days": 0}
    )
    rows = _stored(HourDay.objects.all(), scope, now)
    if rows is not None:
        grouped = (
            rows.annotate(weekday=ExtractIsoWeekDay("day"))
            .values("weekday", "hour")
            .annotate(
                visits=Sum("visits"),
                waits=Sum("waits"),
                wait_seconds=Sum("wait_seconds"),
                days=Count("day", distinct=True),
            )
        )
        for row in grouped:
            cell = cells[(row["weekday"], row["hour"])]
            for name in ("visits", "waits", "wait_seconds", "days"):
                cell[name] += row[name] or 0
    for live in _live(scope, now, "hours"):
        cell = cells[(live.day.isoweekday(), live.hour)]
        cell["visits"] += live.visits
        cell["waits"] += live.waits
        cell["wait_seconds"] += live.wait_seconds
        cell["days"] += 1
    return dict(cells)


def bucket_of(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


# --- helpers ------------------------------------------------------------------------------------


def _grouped(
    scope: Scope, now: dt.datetime, granularity: str | None = None
) -> dict[tuple[int, str, dt.date], dict[str, float]]:
    """ServiceDay columns summed per (service, channel, bucket) over the scope, stored and live
    together: one scan of the rollups that every service-level figure of a page is cut from.

    Kept on the scope: the totals, the series, by service and by channel reuse it. Without a
    granularity any one already read serves (the buckets are summed away), else months.
    """
    # Keyed by everything that narrows the rows: pages share `live` between scopes.
    ident = (
        scope.start,
        scope.end,
        scope.service_id,
        scope.group_id,
        *(o.pk for o in scope.offices),
    )
    cached = scope.live.get(("grouped", (granularity, ident)))
    if cached is None and granularity is None:
        cached = next(
            (v for key, v in scope.live.items() if key[0] == "grouped" and key[1][1] == ident),
            None,
        )
    if cached is not None:
        return cached
    granularity = granularity or "month"
    grouped: dict[tuple[int, str, dt.date], dict[str, float]] = defaultdict(dict)
    rows = _service_rows(scope, now)
    if rows is not None:
        trunc = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}[granularity]
        query = (
            rows.annotate(bucket=trunc)
            .values("service_id", "channel", "bucket")
            .annotate(**_sums(SERVICE_COLUMNS))
            .order_by()
        )
        for row in query:
            bucket = row.pop("bucket")
            bucket = bucket.date() if isinstance(bucket, dt.datetime) else bucket
            key = (row.pop("service_id"), row.pop("channel"), bucket)
            _add_dict(grouped[key], row)
    for live in _live(scope, now, "services"):
        key = (live.service_id, live.channel, bucket_of(live.day, granularity))
        _add(grouped[key], live, SERVICE_COLUMNS)
    scope.live[("grouped", (granularity, ident))] = dict(grouped)
    return scope.live[("grouped", (granularity, ident))]


def _service_rows(scope: Scope, now: dt.datetime) -> QuerySet[ServiceDay] | None:
    rows = _stored(ServiceDay.objects.all(), scope, now)
    if rows is not None and scope.service_id:
        rows = rows.filter(service_id=scope.service_id)
    if rows is not None and scope.group_id:
        rows = rows.filter(service__group_id=scope.group_id)
    return rows


def _stored(queryset: QuerySet[Any], scope: Scope, now: dt.datetime) -> QuerySet[Any] | None:
    """The rollup rows of the scope's days that the rollups cover (None: they cover none)."""
    complete = _complete_until(scope.offices)
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for office in scope.offices:
        until = min(scope.end, complete.get(office.pk, scope.start - dt.timedelta(days=1)))
        if until >= scope.start:
            by_day[until].append(office.pk)
    if not by_day:
        return None
    condition = Q()
    for until, ids in by_day.items():
        condition |= Q(office_id__in=ids, day__lte=until)
    return queryset.filter(condition, day__gte=scope.start)


def _live(scope: Scope, now: dt.datetime, part: str) -> Iterable[Any]:
    """Rows computed from the raw tables for the scope's days the rollups do not cover yet.

    Today always; past days not rolled up yet (a new install with imported history, a long
    outage of the periodic job) only up to MAX_LIVE_OFFICE_DAYS per page, newest first, so that
    a request stays short: the rest is left out and counted in `incomplete_office_days`.
    """
    for office, day, today in _planned(scope, now):
        if (office.pk, day) not in scope.live:
            scope.live[(office.pk, day)] = _live_rows(office, day, now, today=today)
        for row in getattr(scope.live[(office.pk, day)], part):
            if part != "services" or _in_scope(scope, row.service_id):
                yield row


def incomplete_office_days(scope: Scope, now: dt.datetime | None = None) -> int:
    """How many of the scope's past office-days are neither rolled up nor computed live."""
    return _planned(scope, now or timezone.now()).skipped


class _Plan(list):
    """The office-days to compute live, and how many past ones were left out."""

    skipped: int = 0


def _planned(scope: Scope, now: dt.datetime) -> _Plan:
    # Keyed by the period: pages share `live` between scopes of different periods.
    key = ("planned", (scope.start, scope.end))
    if key not in scope.live:
        scope.live[key] = _plan_live(scope, now, _complete_until(scope.offices))
    return scope.live[key]


def _plan_live(scope: Scope, now: dt.datetime, complete: dict[int, dt.date]) -> _Plan:
    todays, past = [], []
    for office in scope.offices:
        today = local_today(office, now)
        day = max(
            scope.start,
            complete.get(office.pk, scope.start - dt.timedelta(days=1)) + dt.timedelta(days=1),
        )
        while day <= min(scope.end, today):
            (todays if day == today else past).append((office, day, today))
            day += dt.timedelta(days=1)
    past.sort(key=lambda item: item[1], reverse=True)
    plan = _Plan(todays + past[:MAX_LIVE_OFFICE_DAYS])
    plan.skipped = max(0, len(past) - MAX_LIVE_OFFICE_DAYS)
    return plan


def _live_rows(office: Office, day: dt.date, now: dt.datetime, *, today: dt.date) -> Any:
    """An office-day's rows from the raw tables. Today's are shared through the cache for
    OKNO_LIVE_FIGURES_SECONDS: a dashboard of 50 offices would otherwise read 50 offices' raw
    tables on every request, and "live" within a minute is live enough for a head."""
    seconds = settings.OKNO_LIVE_FIGURES_SECONDS
    if day != today or not seconds:
        return day_rows(office, day, now=now)
    key = f"analytics:live:{office.pk}:{day.isoformat()}"
    rows = cache.get(key)
    if rows is None:
        rows = day_rows(office, day, now=now)
        cache.set(key, rows, seconds)
    return rows


def _in_scope(scope: Scope, service_id: int) -> bool:
    if scope.service_id and service_id != scope.service_id:
        return False
    if scope.group_id:
        if ("group", None) not in scope.live:
            scope.live[("group", None)] = set(
                Service.objects.filter(group_id=scope.group_id).values_list("pk", flat=True)
            )
        return service_id in scope.live[("group", None)]
    return True


def _complete_until(offices: Iterable[Office]) -> dict[int, dt.date]:
    return dict(
        RollupState.objects.filter(office__in=[o.pk for o in offices]).values_list(
            "office_id", "complete_until"
        )
    )


def _add(target: dict[str, float], row: Any, columns: Iterable[str]) -> None:
    for column in columns:
        target[column] = target.get(column, 0) + getattr(row, column)


def _add_dict(target: dict[str, float], row: dict[str, Any]) -> None:
    for column, value in row.items():
        name = column.removeprefix("t_")
        target[name] = target.get(name, 0) + float(value or 0)


def _sums(columns: Iterable[str]) -> dict[str, Sum]:
    """Sum() of each column, under an alias that cannot clash with the column's own name."""
    return {f"t_{column}": Sum(column) for column in columns}


def _total(rows: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for row in rows:
        _add_dict(total, row)
    return total


def _period_condition(scope: Scope, field_name: str) -> Q:
    """`field_name` (a timestamp) within the scope's days, each office by its own local time."""
    by_zone: dict[str, list[Office]] = defaultdict(list)
    for office in scope.offices:
        by_zone[office.time_zone].append(office)
    condition = Q(pk__in=[])
    for offices in by_zone.values():
        zone, ids = offices[0].zone, [office.pk for office in offices]
        start, _ = local_day_bounds(zone, scope.start)
        _, end = local_day_bounds(zone, scope.end)
        condition |= Q(office_id__in=ids, **{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return condition


def _narrowed(queryset: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    """Complaints or cases of the scope's service, or of its service group."""
    if scope.service_id:
        queryset = queryset.filter(service_id=scope.service_id)
    if scope.group_id:
        queryset = queryset.filter(service__group_id=scope.group_id)
    return queryset


def _complaint_kpis(scope: Scope, visits: float, now: dt.datetime) -> list[k.Kpi]:
    complaints = _narrowed(Complaint.objects.filter(kind=Complaint.Kind.COMPLAINT), scope)
    ids = [o.pk for o in scope.offices]
    received = complaints.filter(_period_condition(scope, "received_at")).count()
    due = complaints.filter(office_id__in=ids, deadline__gte=scope.start, deadline__lte=scope.end)
    on_time = due.filter(answered_at__isnull=False, answered_at__date__lte=F("deadline")).count()
    open_now = complaints.filter(office_id__in=ids, status__in=OPEN_STATUSES)
    today = timezone.localdate(now)
    return k.complaint_kpis(
        received=received,
        visits=int(visits),
        due=due.count(),
        due_on_time=on_time,
        open_now=open_now.count(),
        overdue_now=open_now.filter(deadline__lt=today).count(),
    )


def _case_kpis(scope: Scope, now: dt.datetime) -> list[k.Kpi]:
    cases = _narrowed(Case.objects.all(), scope)
    offices = {o.pk: o for o in scope.offices}
    calendars = {pk: WorkingCalendar(office) for pk, office in offices.items()}
    decided = cases.filter(_period_condition(scope, "decided_at"))
    working_days = on_time = count = 0
    rows = decided.values_list("office_id", "registered_at", "decided_at", "deadline")
    for office_id, registered_at, decided_at, deadline in rows.iterator():
        office = offices[office_id]
        decided_on = decided_at.astimezone(office.zone).date()
        registered_on = registered_at.astimezone(office.zone).date()
        working_days += calendars[office_id].working_days_between(registered_on, decided_on)
        on_time += decided_on <= deadline
        count += 1
    running = cases.filter(RUNNING, office_id__in=list(offices))
    handed = cases.filter(_period_condition(scope, "issued_at")).aggregate(
        cases=Count("pk"),
        intake=Count("pk", filter=Q(ticket__isnull=False)),
        at_centre=Count("pk", filter=Q(delivery=Case.Delivery.AT_CENTRE)),
    )
    return k.case_kpis(
        decided=count,
        decided_on_time=on_time,
        working_days=working_days,
        overdue_now=running.filter(deadline__lt=timezone.localdate(now)).count(),
        missing=cases.filter(_period_condition(scope, "registered_at"))
        .exclude(missing_documents_reason="")
        .count(),
        handed_out=handed["cases"],
        visits=handed["intake"] + handed["at_centre"],
    )


def employee_kpis(scope: Scope, employee_id: int, *, now: dt.datetime | None = None) -> list[k.Kpi]:
    """One employee's KPIs over the scope: ratings of their visits, service time, pace."""
    now = now or timezone.now()
    sums = employee_sums(scope, now=now).get(employee_id, {})
    services = int(sums.get("services", 0))
    service = [
        k.kpi(
            "service_mean", k.minutes(k.ratio(sums.get("service_seconds", 0), services)), services
        ),
        k.kpi(
            "service_within_norm", k.ratio(sums.get("services_within_norm", 0), services), services
        ),
    ]
    return [*k.satisfaction_kpis(sums), *service, *k.staff_kpis(sums)]


def by_service(scope: Scope, *, now: dt.datetime | None = None) -> dict[int, dict[str, float]]:
    """ServiceDay columns summed per service over the scope, for the drill-down table."""
    per: dict[int, dict[str, float]] = defaultdict(dict)
    for (service_id, _channel, _bucket), row in _grouped(scope, now or timezone.now()).items():
        _add_dict(per[service_id], row)
    return dict(per)


def by_channel(scope: Scope, *, now: dt.datetime | None = None) -> dict[str, dict[str, float]]:
    """ServiceDay columns summed per channel (kiosk, booking, staff, phone; "case" for ratings
    of applications)."""
    per: dict[str, dict[str, float]] = defaultdict(dict)
    for (_service, channel, _bucket), row in _grouped(scope, now or timezone.now()).items():
        _add_dict(per[channel], row)
    return dict(per)


def by_group(
    scope: Scope, *, now: dt.datetime | None = None
) -> dict[tuple[str, str], dict[str, float]]:
    """Ratings and satisfied ratings per group the raters told (age band, gender, disability).

    Not narrowed by service: a rater's self-description is kept apart from what they rated.
    """
    now = now or timezone.now()
    per: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    rows = _stored(GroupDay.objects.all(), scope, now)
    if rows is not None:
        grouped = rows.values("dimension", "value").annotate(
            t_ratings=Sum("ratings"), t_satisfied=Sum("satisfied"), t_score_sum=Sum("score_sum")
        )
        for row in grouped.order_by():
            _add_dict(per[(row.pop("dimension"), row.pop("value"))], row)
    for live in _live(scope, now, "groups"):
        target = per[(live.dimension, live.value)]
        _add(target, live, ("ratings", "satisfied", "score_sum"))
    return dict(per)
