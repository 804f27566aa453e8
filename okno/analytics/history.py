"""A fast generator of past activity (visits, bookings, ratings, complaints) for KPI benchmarks.

`okno simulate --history` drives the queue's service functions one visit at a time: faithful, but
far too slow for the 10-million-ticket benchmark. This module writes the rows those services
would have left straight into their tables, in batches per office: PostgreSQL's COPY on
PostgreSQL, `bulk_create` elsewhere. Ids come from the tables' own sequences in blocks, so a
ticket, its booking and its rating can point at each other before any of them is written.

Two entry points share the day logic: `generate_history` makes new offices (10 operators who
deliver every generated service, open 8:00-18:00 on weekdays) for benchmarks, and
`fill_offices` writes the past of offices that exist (the demo's), with their services,
operators, competencies, shifts, service points and opening hours.

What a day looks like (all drawn from `random.Random`, so one seed gives the same rows):

* **Visitors** arrive Poisson-ish around `visits_per_day`, busier on Mondays and mid-morning
  (`HOURLY_SHAPE`, `WEEKDAY_FACTOR` of the simulator), only in the office's opening hours (the
  working-day calendar: public holidays are closed as they would be for the kiosk); a shorter
  day, or one with fewer operators at work, gets proportionally fewer.
* **Waits** are lognormal (median about 8 minutes, a tail past 30); the ticket is then called
  by the operator free first among those at work who may deliver the service, so nobody serves
  two visitors at once (a busy office, or a service few can deliver, makes a longer wait). **Service times** are lognormal with their mean at the service's handling time.
* **Outcomes**: served ~90 %, no-show ~5 % (after a repeated call), cancelled ~3 % (never
  called), transferred ~2 % (a successor ticket keeps number, label, code and waiting time,
  as `okno.queueing.services.transfer` does).
* **Bookings**: ~30 % of visitors come with one (checked in, ticket placed by the slot time
  minus the head start), plus bookings nobody came to and cancelled ones; slots respect their
  capacity. **Ratings** for a share of served visits, lower when the wait was long, with a
  follow-up when a score is low (as `record_rating` opens one). **Complaints** ~1 per 1,000
  visits, with deadlines by the feedback rules.

Not written (nothing in the KPIs reads them, and they would triple the rows): ticket and
booking events, desk pauses, hour budgets.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from okno.appointments.models import Booking, Channel, Slot, StaffShift
from okno.catalog.models import Office, OpeningHours, Service, ServiceGroup, ServicePoint
from okno.core.calendar import WorkingCalendar
from okno.core.codes import READABLE
from okno.feedback import services as feedback_services
from okno.feedback.models import Complaint, ComplaintEvent, FollowUp, Rating
from okno.queueing.models import DeskSession, QueueSettings, Ticket, TicketSequence
from okno.queueing.services import CODE_ALPHABET, CODE_LENGTH
from okno.queueing.simulation import GROUP_POPULARITY, HOURLY_SHAPE, WEEKDAY_FACTOR
from okno.staff.models import Competency, Employee, Role
from okno.staff.services import create_employee

Outcome = Ticket.Outcome

OPENS = dt.time(8, 0)
CLOSES = dt.time(18, 0)
HOURS = tuple(range(OPENS.hour, CLOSES.hour))
#: Mon-Fri factors scaled so that an average working day has `visits_per_day` visitors.
_WEEK_MEAN = sum(WEEKDAY_FACTOR[d] for d in range(5)) / 5
DAY_FACTOR = {d: WEEKDAY_FACTOR[d] / _WEEK_MEAN for d in range(7)}
#: The arrival weight of a full day from OPENS to CLOSES: a shorter day gets fewer visitors.
FULL_DAY_WEIGHT = sum(HOURLY_SHAPE[h] for h in HOURS)
#: Arrival weight of an opening hour `HOURLY_SHAPE` does not list (as the simulator assumes).
OTHER_HOUR_WEIGHT = 0.4
DAY_FACTOR_SIGMA = 0.07

CANCEL_SHARE = 0.03
NO_SHOW_SHARE = 0.05
TRANSFER_SHARE = 0.02
BOOKING_SHARE = 0.30
BOOKING_NO_SHOW_SHARE = 0.05
BOOKING_CANCELLED_SHARE = 0.03
COMPLAINT_SHARE = 0.001
SLOW_WALKER_SHARE = 0.12

#: Waits in minutes: lognormal, median 8 (walk-ins) or 3 (booked, placed ahead by the slot).
WAIT_SIGMA = 0.75
WALK_IN_WAIT_MEDIAN = 8.0
BOOKED_WAIT_MEDIAN = 3.0
SUCCESSOR_WAIT_MEDIAN = 4.0
SERVICE_SIGMA = 0.45
SLOT_STEP_MINUTES = 15
#: Defaults of AppointmentSettings the generated offices keep.
ARRIVAL_BEFORE = 15 * 60
ARRIVAL_AFTER = 10 * 60
BOOKING_HEAD_START = 30 * 60
#: A score at or below this opens a follow-up (FeedbackSettings.low_score's default).
LOW_SCORE = 2

#: The generated catalogue: group letter, names, and its services' (handling, max wait, weight).
#: Short, frequent services and a few long, rare ones; the mean is about 6 minutes, so ten
#: operators carry 550 visitors a day (about 60 % busy) with room for the morning peak.
GROUPS: tuple[tuple[str, dict[str, str], tuple[tuple[int, int, float], ...]], ...] = (
    (
        "A",
        {"en": "Identity documents", "uk": "Документи", "pl": "Dokumenty tożsamości"},
        ((4, 15, 3.0), (6, 15, 2.0), (9, 20, 1.0), (15, 20, 0.4)),
    ),
    (
        "B",
        {"en": "Residence", "uk": "Реєстрація місця проживання", "pl": "Meldunek"},
        ((3, 10, 2.5), (5, 15, 1.5), (7, 15, 1.0), (12, 20, 0.3)),
    ),
    (
        "C",
        {"en": "Civil status", "uk": "Цивільний стан", "pl": "Stan cywilny"},
        ((4, 15, 1.0), (6, 15, 0.8), (9, 20, 0.5), (15, 30, 0.2)),
    ),
    (
        "D",
        {"en": "Vehicles", "uk": "Транспорт", "pl": "Pojazdy"},
        ((5, 15, 1.5), (7, 20, 1.0), (10, 20, 0.6), (20, 30, 0.15)),
    ),
    (
        "E",
        {"en": "Business and property", "uk": "Бізнес і майно", "pl": "Firma i nieruchomości"},
        ((3, 10, 1.2), (5, 15, 0.8), (10, 20, 0.4), (20, 30, 0.15)),
    ),
)

#: Short neutral comments and answers (synthetic, no personal data), by office language.
COMMENTS = {
    "uk": (
        "Все швидко, дякую.",
        "Довго чекали в черзі.",
        "Ввічливий працівник.",
        "Мало місць для очікування.",
        "Незрозуміло, які документи потрібні.",
        "Зручний запис онлайн.",
    ),
    "pl": (
        "Wszystko sprawnie, dziękuję.",
        "Długo czekałem w kolejce.",
        "Uprzejma obsługa.",
        "Mało miejsc w poczekalni.",
        "Niejasne, jakie dokumenty są potrzebne.",
        "Wygodna rezerwacja online.",
    ),
}
COMPLAINT_TEXTS = {
    "uk": (
        "Прошу переглянути організацію черги.",
        "Довгий час очікування у вікні.",
        "Пропоную додати інформацію про перелік документів.",
        "Дякую за якісне обслуговування.",
    ),
    "pl": (
        "Proszę o poprawę organizacji kolejki.",
        "Długi czas oczekiwania przy okienku.",
        "Proponuję dodać informację o wymaganych dokumentach.",
        "Dziękuję za sprawną obsługę.",
    ),
}
ANSWERS = {
    "uk": "Дякуємо за звернення, ми розглянули його та вжили заходів.",
    "pl": "Dziękujemy za zgłoszenie, sprawa została rozpatrzona.",
}
FOLLOW_UP_NOTES = {"uk": "Зателефонували відвідувачу.", "pl": "Oddzwoniono do klienta."}

TICKET_COLUMNS = (
    "id",
    "office_id",
    "service_id",
    "service_day",
    "prefix",
    "number",
    "label",
    "code",
    "source",
    "priority_id",
    "priority_weight",
    "state",
    "outcome",
    "issued_at",
    "waiting_since",
    "queue_key",
    "called_at",
    "last_called_at",
    "recall_count",
    "started_at",
    "finished_at",
    "service_point_id",
    "employee_id",
    "note",
    "transferred_from_id",
)
SLOT_COLUMNS = ("id", "office_id", "service_id", "start", "end", "capacity", "booked")
BOOKING_COLUMNS = (
    "id",
    "office_id",
    "service_id",
    "slot_id",
    "start",
    "end",
    "minutes",
    "channel",
    "status",
    "code",
    "language",
    "contact_kind",
    "contact",
    "contact_record_id",
    "otp_hash",
    "otp_sent_at",
    "otp_sends",
    "otp_attempts",
    "expires_at",
    "created_at",
    "confirmed_at",
    "reminded_day_at",
    "reminded_soon_at",
    "ticket_id",
    "rescheduled_from_id",
    "booked_by_id",
    "cancel_reason",
)
RATING_COLUMNS = (
    "id",
    "office_id",
    "service_id",
    "ticket_id",
    "case_id",
    "employee_id",
    "service_point_id",
    "channel",
    "service_time",
    "waiting_time",
    "politeness",
    "comfort",
    "information",
    "recommend",
    "comment",
    "age_band",
    "gender",
    "disability",
    "client_id",
    "visited_on",
    "rated_at",
    "entered_by_id",
)
FOLLOW_UP_COLUMNS = (
    "id",
    "rating_id",
    "office_id",
    "status",
    "note",
    "created_at",
    "closed_at",
    "closed_by_id",
)
DESK_SESSION_COLUMNS = (
    "id",
    "employee_id",
    "service_point_id",
    "opened_at",
    "closed_at",
    "paused_at",
    "pause_reason",
)

#: Rating channels and their shares (mostly the tablet at the window and the ticket's link).
RATING_CHANNELS = (
    (Rating.Channel.TABLET, 0.55),
    (Rating.Channel.LINK, 0.33),
    (Rating.Channel.MESSAGE, 0.07),
    (Rating.Channel.TERMINAL, 0.05),
)
#: The overall impression 1..5: mostly good.
SCORE_WEIGHTS = ((5, 0.55), (4, 0.28), (3, 0.10), (2, 0.04), (1, 0.03))
AGE_BANDS = tuple(Rating.AgeBand.values)
GENDERS = tuple(Rating.Gender.values)
RATING_CHANNEL_VALUES = [channel for channel, _share in RATING_CHANNELS]
RATING_CHANNEL_CUM = list(itertools.accumulate(share for _channel, share in RATING_CHANNELS))
SCORE_VALUES = [score for score, _share in SCORE_WEIGHTS]
SCORE_CUM = list(itertools.accumulate(share for _score, share in SCORE_WEIGHTS))


@dataclass
class HistorySummary:
    """What `generate_history` wrote: each count equals the rows it added to its table."""

    offices: int = 0
    days: int = 0
    office_days: int = 0
    employees: int = 0
    tickets: int = 0
    ticket_sequences: int = 0
    slots: int = 0
    bookings: int = 0
    ratings: int = 0
    follow_ups: int = 0
    complaints: int = 0
    desk_sessions: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        rows = self.tickets + self.bookings + self.ratings + self.desk_sessions + self.slots
        return rows / self.seconds if self.seconds else 0.0


def generate_history(
    *,
    offices: int = 50,
    days: int = 365,
    visits_per_day: int = 550,
    seed: int = 1,
    end: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    rating_share: float = 0.6,
    operators: int = 10,
) -> HistorySummary:
    """Create `offices` new offices with staff and services, and their past `days` of activity.

    The days are the `days` calendar days before `end` (default: today in UTC; `end` itself is
    not included); each office's open days among them get visitors. `progress(done, total)` is
    called after each office. New offices are numbered after the ones an earlier run made, so
    runs can add to one database.
    """
    if not 0.0 <= rating_share <= 1.0:
        raise ValueError("rating_share must be between 0 and 1")
    started = time.monotonic()
    end = end or timezone.now().astimezone(dt.UTC).date()
    summary = HistorySummary(days=days)
    with transaction.atomic():
        plans = _make_offices(count=offices, operators=operators)
    summary.offices = len(plans)
    summary.employees = sum(len(plan.operators) + 1 for plan in plans)
    first_day = end - dt.timedelta(days=days)
    end_moment = dt.datetime.combine(end, dt.time(0, 0), tzinfo=dt.UTC)
    jobs = [
        _Job(
            _OfficeHistory(
                plan,
                rng=random.Random(f"{seed}:{plan.office.slug}"),
                visits_per_day=visits_per_day,
                rating_share=rating_share,
                complaint_share=COMPLAINT_SHARE,
                end_moment=end_moment,
            ),
            first_day,
            end,
        )
        for plan in plans
    ]
    _write_jobs(jobs, summary, progress)
    summary.seconds = time.monotonic() - started
    return summary


def fill_offices(
    offices: Iterable[Office],
    *,
    days: int,
    visits_per_day: int | Mapping[Office, int],
    seed: int = 1,
    end: dt.date | None = None,
    rating_share: float = 0.0,
    complaint_share: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
    now: dt.datetime | None = None,
) -> HistorySummary:
    """Write the past `days` of activity of existing offices, with their own staff and services.

    The same day as `generate_history` draws, with what each office has: the services it offers
    in person that one of its operators may deliver, its active service points, its opening
    hours (a shorter day gets fewer visitors), and its operators on the weekdays of their
    shifts there (all its open days when they have none anywhere). `visits_per_day` is for a
    full day with every operator at a window, per office when a mapping. The days are the
    `days` calendar days before `end` (default: the office's local today at `now`, which is
    never included);
    days that already have tickets are left alone, and an office without an operator, a
    service point or a service they deliver gets nothing. Counts what it wrote in the summary
    (`offices`: those that got days; `employees`: none, they all existed).
    """
    if not 0.0 <= rating_share <= 1.0 or not 0.0 <= complaint_share <= 1.0:
        raise ValueError("rating_share and complaint_share must be between 0 and 1")
    started = time.monotonic()
    now = now or timezone.now()
    summary = HistorySummary(days=days)
    jobs = []
    for office in offices:
        plan = _existing_office_plan(office)
        if plan is None:
            continue
        last = end or now.astimezone(office.zone).date()
        first_day = last - dt.timedelta(days=days)
        taken = Ticket.objects.filter(
            office=office, service_day__gte=first_day, service_day__lt=last
        ).values_list("service_day", flat=True)
        volume = (
            visits_per_day if isinstance(visits_per_day, int) else visits_per_day.get(office, 0)
        )
        generator = _OfficeHistory(
            plan,
            rng=random.Random(f"{seed}:{office.slug}"),
            visits_per_day=volume,
            rating_share=rating_share,
            complaint_share=complaint_share,
            end_moment=dt.datetime.combine(last, dt.time(0, 0), tzinfo=office.zone),
        )
        jobs.append(_Job(generator, first_day, last, frozenset(taken.distinct())))
    summary.offices = len(jobs)
    _write_jobs(jobs, summary, progress)
    summary.seconds = time.monotonic() - started
    return summary


@dataclass
class _Job:
    """One office's days to write: from `first_day` until before `end`, except `skip`."""

    generator: _OfficeHistory
    first_day: dt.date
    end: dt.date
    skip: frozenset[dt.date] = frozenset()


def _write_jobs(
    jobs: list[_Job], summary: HistorySummary, progress: Callable[[int, int], None] | None
) -> None:
    """Write each office's days in a transaction of its own, counting them in `summary`."""
    writer = _Writer()
    ids = {
        model: _IdPool(model)
        for model in (Ticket, Slot, Booking, Rating, FollowUp, DeskSession, Complaint)
    }
    try:
        for done, job in enumerate(jobs, start=1):
            with transaction.atomic():
                writer.check_keys_at_once(True)
                try:
                    job.generator.write(job.first_day, job.end, writer, ids, summary, skip=job.skip)
                finally:
                    # Never leave the transaction while the other thread still writes in it.
                    writer.pending.join()
                    writer.check_keys_at_once(False)
            if progress is not None:
                progress(done, len(jobs))
    finally:
        writer.close()


# --- the catalogue, the offices and their staff ---------------------------------------------------


@dataclass
class _ServicePlan:
    id: int
    prefix: str
    handling: int
    slot_seconds: int
    service_mu: float


@dataclass
class _OfficePlan:
    office: Office
    services: list[_ServicePlan]
    service_cum: list[float]
    #: (employee id, service point id) per operator.
    operators: list[tuple[int, int]]
    head_id: int | None
    #: Per operator, the ids of the services they may deliver (None: every operator, every one).
    skills: list[frozenset[int]] | None = None
    #: Per operator, the weekdays they work at this office (None: every day it is open).
    weekdays: list[frozenset[int]] | None = None


def _make_offices(*, count: int, operators: int) -> list[_OfficePlan]:
    catalogue = _catalogue()
    services = [service for service, _weight in catalogue]
    service_plans = [_service_plan(service) for service in services]
    service_cum = list(itertools.accumulate(weight for _service, weight in catalogue))
    taken = Office.objects.filter(slug__startswith="gen-").values_list("slug", flat=True)
    start = 1 + max((int(s[4:]) for s in taken if s[4:].isdigit()), default=0)
    plans = []
    for number in range(start, start + count):
        polish = number % 2 == 0
        office = Office.objects.create(
            slug=f"gen-{number:03d}",
            name={"en": f"Generated office {number}", "pl": f"Urząd {number} (wygenerowany)"}
            if polish
            else {"en": f"Generated office {number}", "uk": f"ЦНАП {number} (згенерований)"},
            country="PL" if polish else "UA",
            time_zone="Europe/Warsaw" if polish else "Europe/Kyiv",
            default_language="pl" if polish else "uk",
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(office=office, weekday=weekday, opens=OPENS, closes=CLOSES)
            for weekday in range(5)
        )
        QueueSettings.objects.create(office=office)
        office.services.add(*services)
        staff = []
        for n in range(1, operators + 1):
            point = ServicePoint.objects.create(office=office, number=n, label=str(n))
            employee = create_employee(
                f"gen-{number:03d}-{n:02d}",
                role=Role.OPERATOR,
                offices=[office],
                home_service_point=point,
            )
            staff.append((employee.pk, point.pk))
        head = create_employee(f"gen-{number:03d}-head", role=Role.HEAD, offices=[office])
        Competency.objects.bulk_create(
            Competency(employee_id=employee_id, service=service)
            for employee_id, _point in staff
            for service in services
        )
        StaffShift.objects.bulk_create(
            StaffShift(
                office=office, employee_id=employee_id, weekday=weekday, starts=OPENS, ends=CLOSES
            )
            for employee_id, _point in staff
            for weekday in range(5)
        )
        # The working-day calendar and the complaint deadlines read these; loaded once.
        prefetch_related_objects([office], "opening_hours", "calendar_exceptions")
        plans.append(
            _OfficePlan(
                office=office,
                services=service_plans,
                service_cum=service_cum,
                operators=staff,
                head_id=head.pk,
            )
        )
    return plans


def _existing_office_plan(office: Office) -> _OfficePlan | None:
    """The plan of an office that exists: its operators with their skills, points and days."""
    services = list(
        Service.objects.filter(offices=office, is_active=True, in_person=True)
        .select_related("group")
        .order_by("code")
    )
    points = list(ServicePoint.objects.filter(office=office, is_active=True).order_by("number"))
    employees = list(
        Employee.objects.filter(offices=office, role=Role.OPERATOR, user__is_active=True)
        .select_related("home_service_point")
        .order_by("user__username")
    )
    if not services or not points or not employees:
        return None
    offered = {service.pk for service in services}
    skills: dict[int, set[int]] = defaultdict(set)
    for employee_id, service_id in Competency.objects.filter(
        employee__in=employees, service_id__in=offered
    ).values_list("employee_id", "service_id"):
        skills[employee_id].add(service_id)
    here: dict[int, set[int]] = defaultdict(set)
    elsewhere: dict[int, set[int]] = defaultdict(set)
    for employee_id, office_id, weekday in StaffShift.objects.filter(
        employee__in=employees
    ).values_list("employee_id", "office_id", "weekday"):
        (here if office_id == office.pk else elsewhere)[employee_id].add(weekday)
    working = [employee for employee in employees if skills[employee.pk]]
    # Each at their home window when it is here; the others at the windows nobody calls home.
    homes = {e.home_service_point_id for e in working if e.home_service_point in points}
    spare = itertools.cycle([p for p in points if p.pk not in homes] or points)
    operators, operator_skills, weekdays = [], [], []
    for employee in working:
        home = employee.home_service_point
        point = home if home in points else next(spare)
        operators.append((employee.pk, point.pk))
        operator_skills.append(frozenset(skills[employee.pk]))
        weekdays.append(frozenset(here[employee.pk] or set(range(7)) - elsewhere[employee.pk]))
    if not operators:
        return None
    # Each group draws visitors by its popularity, shared among its services here.
    group_sizes = Counter(service.group.prefix for service in services)
    weights = [
        GROUP_POPULARITY.get(service.group.prefix, 1.0) / group_sizes[service.group.prefix]
        for service in services
    ]
    prefetch_related_objects([office], "opening_hours", "calendar_exceptions")
    head = Employee.objects.filter(offices=office, role=Role.HEAD).order_by("pk").first()
    return _OfficePlan(
        office=office,
        services=[_service_plan(service) for service in services],
        service_cum=list(itertools.accumulate(weights)),
        operators=operators,
        head_id=head.pk if head else None,
        skills=operator_skills,
        weekdays=weekdays,
    )


def _catalogue() -> list[tuple[Service, float]]:
    """The generated services with their popularity (reused when an earlier run made them)."""
    services = []
    for order, (prefix, names, specs) in enumerate(GROUPS):
        group, _created = ServiceGroup.objects.get_or_create(
            prefix=prefix, defaults={"name": names, "order": order}
        )
        for index, (handling, max_wait, weight) in enumerate(specs, start=1):
            code = f"GEN-{prefix}{index}"
            on_the_spot = handling < 8
            service, _created = Service.objects.select_related("group").get_or_create(
                code=code,
                defaults={
                    "slug": code.lower(),
                    "group": group,
                    "name": {k: f"{v} {index}" for k, v in names.items()},
                    "handling_minutes": handling,
                    "max_wait_minutes": max_wait,
                    "term_value": 0 if on_the_spot else 10,
                    "term_unit": Service.TermUnit.ON_THE_SPOT
                    if on_the_spot
                    else Service.TermUnit.WORKING_DAYS,
                },
            )
            services.append((service, weight))
    return services


def _service_plan(service: Service) -> _ServicePlan:
    slot_minutes = math.ceil(service.handling_minutes / SLOT_STEP_MINUTES) * SLOT_STEP_MINUTES
    return _ServicePlan(
        id=service.pk,
        prefix=service.group.prefix,
        handling=service.handling_minutes,
        slot_seconds=slot_minutes * 60,
        # Lognormal with its mean at the handling time: mu = ln(mean) - sigma^2 / 2.
        service_mu=math.log(service.handling_minutes * 60) - SERVICE_SIGMA**2 / 2,
    )


# --- one office's history ------------------------------------------------------------------------


@dataclass
class _Visit:
    """One ticket in the making; times are seconds after the day's opening."""

    id: int
    service: _ServicePlan
    issued: float
    source: str
    outcome: str = Outcome.SERVED
    waiting_since: float = 0.0
    queue_key: float = 0.0
    slot: tuple[int, int] | None = None
    number: int = 0
    label: str = ""
    code: str = ""
    prefix: str = ""
    called: float | None = None
    last_called: float | None = None
    recall_count: int = 0
    started: float | None = None
    finished: float = 0.0
    operator: int | None = None
    transferred_from: _Visit | None = None


_Rows = tuple[type[models.Model], Sequence[str], list[tuple[Any, ...]]]


@dataclass
class _Batch:
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    slots: list[tuple[Any, ...]] = field(default_factory=list)
    bookings: list[tuple[Any, ...]] = field(default_factory=list)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    follow_ups: list[tuple[Any, ...]] = field(default_factory=list)
    desk_sessions: list[tuple[Any, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.tickets)


#: Rows go to the writer every this many tickets: memory stays flat and the two threads overlap.
FLUSH_TICKETS = 5_000


class _OpenDay:
    """What an open day offers: its hours, who is at a window and the services they deliver.

    Times are seconds after the day's first opening. Days with the same hours and the same
    people share one instance.
    """

    def __init__(
        self, plan: _OfficePlan, intervals: Sequence[tuple[dt.time, dt.time]], weekday: int
    ) -> None:
        spans = sorted((_seconds(opens), _seconds(closes)) for opens, closes in intervals)
        origin = spans[0][0]
        self.opens = min(opens for opens, _closes in intervals)
        self.seconds = max(closes for _opens, closes in spans) - origin
        self.intervals = [(opens - origin, closes - origin) for opens, closes in spans]
        # Arrivals by the clock hour's weight, spread over the open part of each hour.
        self.pieces: list[tuple[int, int]] = []
        weights = []
        for opens, closes in spans:
            moment = opens
            while moment < closes:
                piece_end = min(closes, (moment // 3600 + 1) * 3600)
                length = piece_end - moment
                self.pieces.append((moment - origin, length))
                weights.append(
                    HOURLY_SHAPE.get(moment // 3600, OTHER_HOUR_WEIGHT) * (length / 3600)
                )
                moment = piece_end
        self.piece_cum = list(itertools.accumulate(weights))
        self.present = [
            n
            for n in range(len(plan.operators))
            if plan.weekdays is None or weekday in plan.weekdays[n]
        ]
        self.staff_for = {
            service.id: [
                n for n in self.present if plan.skills is None or service.id in plan.skills[n]
            ]
            for service in plan.services
        }
        kept = [i for i, service in enumerate(plan.services) if self.staff_for[service.id]]
        self.services = [plan.services[i] for i in kept]
        if len(kept) == len(plan.services):
            self.service_cum = plan.service_cum
        else:
            cum = plan.service_cum
            self.service_cum = list(
                itertools.accumulate(cum[i] - (cum[i - 1] if i else 0.0) for i in kept)
            )
        #: Expected visitors relative to a full day with everyone at a window.
        self.weight = 0.0
        if self.services and self.pieces:
            self.weight = (self.piece_cum[-1] / FULL_DAY_WEIGHT) * (
                len(self.present) / len(plan.operators)
            )
        self._fits: dict[int, list[bool]] = {}

    def fits(self, slot_seconds: int) -> list[bool]:
        """Whether each slot of this length, laid end to end from opening, is in open hours."""
        if slot_seconds not in self._fits:
            self._fits[slot_seconds] = [
                any(
                    opens <= index * slot_seconds and (index + 1) * slot_seconds <= closes
                    for opens, closes in self.intervals
                )
                for index in range(self.seconds // slot_seconds)
            ]
        return self._fits[slot_seconds]


class _OfficeHistory:
    """Draws and writes the days of one office."""

    def __init__(
        self,
        plan: _OfficePlan,
        *,
        rng: random.Random,
        visits_per_day: int,
        rating_share: float,
        complaint_share: float,
        end_moment: dt.datetime,
    ) -> None:
        self.plan = plan
        self.office = plan.office
        self.zone = plan.office.zone
        self.rng = rng
        self.ids: dict[type[models.Model], _IdPool] = {}
        self.visits_per_day = visits_per_day
        self.rating_share = rating_share
        self.complaint_share = complaint_share
        self.end_moment = end_moment
        self.language = plan.office.default_language
        self.complaints: list[tuple[_Visit, dt.datetime, dt.date]] = []
        self.rule = feedback_services.deadline_rule(plan.office.country)
        self._open_days: dict[tuple[Any, ...], _OpenDay] = {}

    def write(
        self,
        first_day: dt.date,
        end: dt.date,
        writer: _Writer,
        ids: dict[type[models.Model], _IdPool],
        summary: HistorySummary,
        *,
        skip: Collection[dt.date] = (),
    ) -> None:
        """Write the office's open days from `first_day` until before `end`, except `skip`."""
        self.ids = ids
        calendar = WorkingCalendar(self.office)
        batch = _Batch()
        sequences = []
        day = first_day
        while day < end:
            intervals = calendar.day(day).intervals
            today = self._open_day(day, intervals) if intervals and day not in skip else None
            if today is not None and today.weight > 0:
                counters = self._day(day, today, batch)
                sequences.extend(
                    TicketSequence(
                        office=self.office, service_day=day, prefix=prefix, last_number=last
                    )
                    for prefix, last in sorted(counters.items())
                )
                summary.office_days += 1
                if len(batch) >= FLUSH_TICKETS:
                    self._flush(batch, writer, summary)
                    batch = _Batch()
            day += dt.timedelta(days=1)
        self._flush(batch, writer, summary)
        writer.drain()
        TicketSequence.objects.bulk_create(sequences, batch_size=2000)
        summary.ticket_sequences += len(sequences)
        summary.complaints += self._write_complaints()

    def _open_day(self, day: dt.date, intervals: Sequence[tuple[dt.time, dt.time]]) -> _OpenDay:
        weekday = day.weekday()
        key = (tuple(intervals), weekday if self.plan.weekdays is not None else None)
        if key not in self._open_days:
            self._open_days[key] = _OpenDay(self.plan, intervals, weekday)
        return self._open_days[key]

    def _flush(self, batch: _Batch, writer: _Writer, summary: HistorySummary) -> None:
        writer.submit(
            [
                (Slot, SLOT_COLUMNS, batch.slots),
                (Ticket, TICKET_COLUMNS, batch.tickets),
                (Booking, BOOKING_COLUMNS, batch.bookings),
                (Rating, RATING_COLUMNS, batch.ratings),
                (FollowUp, FOLLOW_UP_COLUMNS, batch.follow_ups),
                (DeskSession, DESK_SESSION_COLUMNS, batch.desk_sessions),
            ]
        )
        summary.slots += len(batch.slots)
        summary.tickets += len(batch.tickets)
        summary.bookings += len(batch.bookings)
        summary.ratings += len(batch.ratings)
        summary.follow_ups += len(batch.follow_ups)
        summary.desk_sessions += len(batch.desk_sessions)

    # --- a day --------------------------------------------------------------------------------

    def _day(self, day: dt.date, today: _OpenDay, batch: _Batch) -> dict[str, int]:
        """Draw one open day into `batch`; returns the last number per ticket letter."""
        rng = self.rng
        base = dt.datetime.combine(day, today.opens, tzinfo=self.zone).astimezone(dt.UTC)
        expected = self.visits_per_day * DAY_FACTOR[day.weekday()] * today.weight
        expected *= max(0.5, rng.gauss(1.0, DAY_FACTOR_SIGMA))
        count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
        pieces = rng.choices(today.pieces, cum_weights=today.piece_cum, k=count)
        services = rng.choices(today.services, cum_weights=today.service_cum, k=count)
        slot_use: Counter[tuple[int, int]] = Counter()
        drafts = []
        for (start, length), service in zip(pieces, services, strict=True):
            moment = start + rng.random() * length
            slot = None
            if rng.random() < BOOKING_SHARE:
                slot = self._take_slot(service, moment, slot_use, today)
            if slot is not None:
                start = slot[1] * service.slot_seconds
                issued = start + rng.uniform(-ARRIVAL_BEFORE, ARRIVAL_AFTER)
                drafts.append((issued, service, Ticket.Source.BOOKING, slot))
            else:
                drafts.append((moment, service, Ticket.Source.KIOSK, None))
        # Numbers go in the order of issue, per letter, from 1 (as `issue_ticket` hands them out).
        drafts.sort(key=lambda draft: draft[0])
        counters: dict[str, int] = defaultdict(int)
        visits = []
        for issued, service, source, slot in drafts:
            visit = _Visit(
                id=self.ids[Ticket].take(), service=service, issued=issued, source=source
            )
            counters[service.prefix] += 1
            visit.prefix = service.prefix
            visit.number = counters[service.prefix]
            visit.label = f"{service.prefix}{visit.number:03d}"
            visit.code = _code(rng, CODE_ALPHABET, CODE_LENGTH, visit.id, 7)
            visit.waiting_since = issued
            visit.slot = slot
            if slot is not None:
                visit.queue_key = slot[1] * service.slot_seconds - BOOKING_HEAD_START
            else:
                visit.queue_key = issued
            visits.append(visit)
        served = self._serve(visits, today)
        self._rows(day, base, served, batch, slot_use, today)
        return counters

    def _take_slot(
        self,
        service: _ServicePlan,
        moment: float,
        slot_use: Counter[tuple[int, int]],
        today: _OpenDay,
    ) -> tuple[int, int] | None:
        """A slot near `moment` with a place left (slots are laid end to end from opening; those
        across a break are not offered)."""
        fits = today.fits(service.slot_seconds)
        per_day = len(fits)
        if not per_day:
            return None
        first = min(int(moment // service.slot_seconds), per_day - 1)
        for index in itertools.chain(range(first, per_day), range(first - 1, -1, -1)):
            key = (service.id, index)
            if fits[index] and slot_use[key] < len(today.present):
                slot_use[key] += 1
                return key
        return None

    def _serve(self, visits: list[_Visit], today: _OpenDay) -> list[_Visit]:
        """Outcomes, calls and service: each call goes to the operator free first among those
        at a window who may deliver the service."""
        rng = self.rng
        calls: list[tuple[float, int, _Visit]] = []
        order = itertools.count()
        for visit in visits:
            draw = rng.random()
            median = BOOKED_WAIT_MEDIAN if visit.slot else WALK_IN_WAIT_MEDIAN
            wait = rng.lognormvariate(math.log(median * 60), WAIT_SIGMA)
            if draw < CANCEL_SHARE:
                # Gave up before being called: leaves from the queue, never called.
                visit.outcome = Outcome.CANCELLED
                visit.finished = visit.issued + wait * rng.uniform(0.3, 1.0)
                continue
            if draw < CANCEL_SHARE + NO_SHOW_SHARE:
                visit.outcome = Outcome.NO_SHOW
            elif draw < CANCEL_SHARE + NO_SHOW_SHARE + TRANSFER_SHARE and len(today.services) > 1:
                visit.outcome = Outcome.TRANSFERRED
            heapq.heappush(calls, (visit.issued + wait, next(order), visit))
        free = dict.fromkeys(today.present, 0.0)
        done = list(visits)
        while calls:
            due, _order, visit = heapq.heappop(calls)
            # The first free; on a tie the first in the list (operators are in a fixed order).
            operator = min(today.staff_for[visit.service.id], key=free.__getitem__)
            free_at = free[operator]
            called = due if free_at <= due else free_at + rng.uniform(3, 20)
            visit.called = visit.last_called = called
            visit.operator = operator
            if visit.outcome == Outcome.NO_SHOW:
                # Called again, then marked absent (allowed after one repeated call).
                visit.recall_count = 1
                visit.last_called = called + rng.uniform(60, 120)
                visit.finished = called + rng.uniform(180, 300)
            else:
                walk = rng.uniform(10, 60)
                if rng.random() < SLOW_WALKER_SHARE:
                    visit.recall_count = 1
                    visit.last_called = called + 60
                    walk += rng.uniform(60, 120)
                visit.started = called + walk
                length = rng.lognormvariate(visit.service.service_mu, SERVICE_SIGMA)
                if visit.outcome == Outcome.TRANSFERRED:
                    length *= rng.uniform(0.2, 0.5)
                visit.finished = visit.started + length
                if visit.outcome == Outcome.TRANSFERRED:
                    successor = self._successor(visit, today)
                    wait = rng.lognormvariate(math.log(SUCCESSOR_WAIT_MEDIAN * 60), WAIT_SIGMA)
                    heapq.heappush(calls, (successor.issued + wait, next(order), successor))
                    done.append(successor)
            free[operator] = visit.finished
        return done

    def _successor(self, visit: _Visit, today: _OpenDay) -> _Visit:
        """The ticket `transfer()` opens: same number, label and code, waiting time kept."""
        others = [s for s in today.services if s.id != visit.service.id]
        service = self.rng.choice(others)
        return _Visit(
            id=self.ids[Ticket].take(),
            service=service,
            issued=visit.finished,
            source=visit.source,
            waiting_since=visit.waiting_since,
            queue_key=visit.queue_key,
            number=visit.number,
            label=visit.label,
            code=visit.code,
            prefix=service.prefix,
            transferred_from=visit,
        )

    # --- rows ---------------------------------------------------------------------------------

    def _rows(
        self,
        day: dt.date,
        base: dt.datetime,
        visits: list[_Visit],
        batch: _Batch,
        slot_use: Counter[tuple[int, int]],
        today: _OpenDay,
    ) -> None:
        rng = self.rng
        office_id = self.office.pk
        operators = self.plan.operators

        def at(seconds: float | None) -> dt.datetime | None:
            if seconds is None:
                return None
            return base + dt.timedelta(seconds=round(seconds))

        # Bookings nobody came to hold their place; cancelled ones gave it back.
        extra = []
        for status, share in (
            (Booking.Status.NO_SHOW, BOOKING_NO_SHOW_SHARE),
            (Booking.Status.CANCELLED, BOOKING_CANCELLED_SHARE),
        ):
            for _n in range(round(len(visits) * share * rng.uniform(0.8, 1.2))):
                service = rng.choices(today.services, cum_weights=today.service_cum)[0]
                moment = rng.random() * today.seconds
                slot = self._take_slot(service, moment, slot_use, today)
                if slot is None:
                    continue
                if status == Booking.Status.CANCELLED:
                    slot_use[slot] -= 1
                extra.append((status, service, slot))
        slot_ids = {}
        for key in sorted({visit.slot for visit in visits if visit.slot} | {e[2] for e in extra}):
            service = next(s for s in self.plan.services if s.id == key[0])
            slot_id = self.ids[Slot].take()
            slot_ids[key] = slot_id
            start = key[1] * service.slot_seconds
            batch.slots.append(
                (
                    slot_id,
                    office_id,
                    key[0],
                    at(start),
                    at(start + service.slot_seconds),
                    len(today.present),
                    slot_use[key],
                )
            )

        last_finish = dict.fromkeys(today.present, float(today.seconds))
        for visit in visits:
            employee_id = point_id = None
            if visit.operator is not None:
                employee_id, point_id = operators[visit.operator]
                last_finish[visit.operator] = max(last_finish[visit.operator], visit.finished)
            finished_at = at(visit.finished)
            batch.tickets.append(
                (
                    visit.id,
                    office_id,
                    visit.service.id,
                    day,
                    visit.prefix,
                    visit.number,
                    visit.label,
                    visit.code,
                    visit.source,
                    None,
                    0,
                    Ticket.State.DONE,
                    visit.outcome,
                    at(visit.issued),
                    at(visit.waiting_since),
                    at(visit.queue_key),
                    at(visit.called),
                    at(visit.last_called),
                    visit.recall_count,
                    at(visit.started),
                    finished_at,
                    point_id,
                    employee_id,
                    "",
                    visit.transferred_from.id if visit.transferred_from else None,
                )
            )
            if visit.slot is not None and visit.transferred_from is None:
                self._booking(batch, visit.service, visit.slot, slot_ids, at, visit.id, None)
            if visit.outcome == Outcome.SERVED and rng.random() < self.rating_share:
                assert finished_at is not None and visit.called is not None
                self._rating(batch, visit, day, finished_at, employee_id, point_id)
            if visit.transferred_from is None and rng.random() < self.complaint_share:
                assert finished_at is not None
                self.complaints.append((visit, finished_at, day))
        for status, service, slot in extra:
            self._booking(batch, service, slot, slot_ids, at, None, status)
        for operator, finish in last_finish.items():
            employee_id, point_id = operators[operator]
            batch.desk_sessions.append(
                (
                    self.ids[DeskSession].take(),
                    employee_id,
                    point_id,
                    base,
                    at(finish + 60),
                    None,
                    "",
                )
            )

    def _booking(
        self,
        batch: _Batch,
        service: _ServicePlan,
        slot: tuple[int, int],
        slot_ids: dict[tuple[int, int], int],
        at: Callable[[float | None], dt.datetime | None],
        ticket_id: int | None,
        status: str | None,
    ) -> None:
        rng = self.rng
        booking_id = self.ids[Booking].take()
        start = at(slot[1] * service.slot_seconds)
        assert start is not None
        created = start - dt.timedelta(seconds=rng.uniform(3600, 14 * 86400))
        channel = Channel.ONLINE if rng.random() < 0.8 else Channel.PHONE
        booked_by = None
        if channel == Channel.PHONE:
            booked_by = rng.choice(self.plan.operators)[0]
        batch.bookings.append(
            (
                booking_id,
                self.office.pk,
                service.id,
                slot_ids[slot],
                start,
                start + dt.timedelta(seconds=service.slot_seconds),
                service.slot_seconds // 60,
                channel,
                status or Booking.Status.CHECKED_IN,
                _code(rng, READABLE, 8, booking_id, 6),
                self.language,
                "",
                "",
                None,
                "",
                None,
                0,
                0,
                created + dt.timedelta(minutes=10),
                created,
                created + dt.timedelta(seconds=rng.uniform(30, 300)),
                None,
                None,
                ticket_id,
                None,
                booked_by,
                "",
            )
        )

    def _rating(
        self,
        batch: _Batch,
        visit: _Visit,
        day: dt.date,
        finished_at: dt.datetime,
        employee_id: int | None,
        point_id: int | None,
    ) -> None:
        rng = self.rng
        channel = rng.choices(RATING_CHANNEL_VALUES, cum_weights=RATING_CHANNEL_CUM)[0]
        if channel in (Rating.Channel.TABLET, Rating.Channel.TERMINAL):
            delay = rng.uniform(5, 240)
        else:
            delay = min(rng.lognormvariate(math.log(3 * 3600), 1.2), 6 * 86400)
        rated_at = min(finished_at + dt.timedelta(seconds=delay), self.end_moment)
        assert visit.called is not None
        waited = (visit.called - visit.waiting_since) / 60
        overall = rng.choices(SCORE_VALUES, cum_weights=SCORE_CUM)[0]
        scores = [min(5, max(1, overall + rng.choice((-1, 0, 0, 0, 0, 1)))) for _n in range(5)]
        # The waiting score falls with the wait: a point per quarter of an hour past ten minutes.
        penalty = max(0, int((waited - 10) // 15) + 1) if waited > 10 else 0
        scores[1] = max(1, scores[1] - penalty)
        recommend = None
        if rng.random() < 0.7:
            recommend = min(10, max(0, round(sum(scores) / 2.5 + rng.uniform(-1.5, 1.0))))
        described = rng.random() < 0.4
        comment = ""
        if rng.random() < 0.1:
            comment = rng.choice(COMMENTS.get(self.language, COMMENTS["uk"]))
        rating_id = self.ids[Rating].take()
        batch.ratings.append(
            (
                rating_id,
                self.office.pk,
                visit.service.id,
                visit.id,
                None,
                employee_id,
                point_id,
                channel,
                *scores,
                recommend,
                comment,
                rng.choice(AGE_BANDS) if described else "",
                rng.choice(GENDERS) if described else "",
                (Rating.Disability.YES if rng.random() < 0.08 else Rating.Disability.NO)
                if described
                else "",
                None,
                day,
                rated_at,
                None,
            )
        )
        if min(scores) <= LOW_SCORE:
            closed_at = rated_at + dt.timedelta(seconds=rng.uniform(3600, 5 * 86400))
            is_done = closed_at < self.end_moment and rng.random() < 0.85
            batch.follow_ups.append(
                (
                    self.ids[FollowUp].take(),
                    rating_id,
                    self.office.pk,
                    FollowUp.Status.DONE if is_done else FollowUp.Status.OPEN,
                    FOLLOW_UP_NOTES.get(self.language, FOLLOW_UP_NOTES["uk"]) if is_done else "",
                    rated_at,
                    closed_at if is_done else None,
                    None,
                )
            )

    # --- complaints ---------------------------------------------------------------------------

    def _write_complaints(self) -> int:
        """About 1 per 1,000 visits; deadlines by the country's rule, most answered in time."""
        rng = self.rng
        rule = self.rule
        complaints, events = [], []
        texts = COMPLAINT_TEXTS.get(self.language, COMPLAINT_TEXTS["uk"])
        for visit, finished_at, _day in self.complaints:
            received_at = min(
                finished_at + dt.timedelta(seconds=rng.uniform(600, 3 * 86400)),
                self.end_moment - dt.timedelta(seconds=1),
            )
            received = received_at.astimezone(self.zone).date()
            deadline = feedback_services.due_date(self.office, received, rule.days, rule.unit)
            due_moment = dt.datetime.combine(deadline, dt.time(17, 0), tzinfo=self.zone)
            status, answered_at, closed_at = Complaint.Status.IN_REVIEW, None, None
            draw = rng.random()
            if draw < 0.85:  # answered in time
                answered_at = received_at + (due_moment - received_at) * rng.uniform(0.1, 0.95)
            elif draw < 0.95:  # answered late
                answered_at = due_moment + dt.timedelta(days=rng.uniform(1, 10))
            if answered_at is not None and answered_at < self.end_moment:
                status = Complaint.Status.ANSWERED
                closed_at = answered_at + dt.timedelta(days=rng.uniform(1, 7))
                if closed_at < self.end_moment and rng.random() < 0.5:
                    status = Complaint.Status.CLOSED
                else:
                    closed_at = None
            else:
                answered_at = None
                if rng.random() < 0.3:
                    status = Complaint.Status.RECEIVED
            employee_id = (
                self.plan.operators[visit.operator][0] if visit.operator is not None else None
            )
            complaint_id = self.ids[Complaint].take()
            kind = rng.choices(Complaint.Kind.values, weights=(0.8, 0.15, 0.05))[0]
            complaints.append(
                Complaint(
                    id=complaint_id,
                    code=_code(rng, READABLE, 10, complaint_id, 6),
                    kind=kind,
                    category=rng.choice(Complaint.Category.values),
                    office=self.office,
                    service_id=visit.service.id,
                    ticket_id=visit.id,
                    employee_concerned_id=employee_id,
                    text=rng.choice(texts),
                    channel=rng.choice(
                        (
                            Complaint.Channel.PORTAL,
                            Complaint.Channel.PORTAL,
                            Complaint.Channel.PAPER,
                        )
                    ),
                    language=self.language,
                    status=status,
                    assignee_id=self.plan.head_id,
                    received_at=received_at,
                    deadline=deadline,
                    answer=ANSWERS.get(self.language, ANSWERS["uk"]) if answered_at else "",
                    answered_at=answered_at,
                    closed_at=closed_at,
                )
            )
            head = self.plan.head_id
            events.append((complaint_id, ComplaintEvent.Action.RECEIVED, received_at, None, {}))
            if head is not None:
                events.append(
                    (
                        complaint_id,
                        ComplaintEvent.Action.ASSIGNED,
                        received_at,
                        None,
                        {"to": head, "auto": True},
                    )
                )
            if status != Complaint.Status.RECEIVED:
                review_at = received_at + dt.timedelta(hours=rng.uniform(1, 48))
                if answered_at is not None:
                    review_at = min(review_at, answered_at)
                events.append(
                    (complaint_id, ComplaintEvent.Action.REVIEW_STARTED, review_at, head, {})
                )
            if answered_at is not None:
                on_time = answered_at.astimezone(self.zone).date() <= deadline
                events.append(
                    (
                        complaint_id,
                        ComplaintEvent.Action.ANSWERED,
                        answered_at,
                        head,
                        {"on_time": on_time},
                    )
                )
            if closed_at is not None:
                events.append((complaint_id, ComplaintEvent.Action.CLOSED, closed_at, head, {}))
        Complaint.objects.bulk_create(complaints, batch_size=1000)
        ComplaintEvent.objects.bulk_create(
            (
                ComplaintEvent(
                    complaint_id=complaint_id, action=action, at=at, employee_id=who, detail=detail
                )
                for complaint_id, action, at, who, detail in events
            ),
            batch_size=1000,
        )
        return len(complaints)


# --- writing ------------------------------------------------------------------------------------


class _Writer:
    """COPY on PostgreSQL, `bulk_create` elsewhere; rows are tuples in the columns' order.

    On PostgreSQL a second thread runs the COPYs while this one draws the next days: the server
    (indexes, constraints) and Python each keep a core busy. Both use the same connection and
    so the same transaction; psycopg holds the connection's lock for a whole COPY, so the id
    blocks the drawing thread asks for in between simply wait their turn.
    """

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.pending: queue.Queue[list[_Rows] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def submit(self, tables: list[_Rows]) -> None:
        """Write these tables' rows, in order (now, or soon on the writing thread)."""
        self._raise_if_failed()
        if not self.postgres:
            for model, columns, rows in tables:
                if rows:
                    model._default_manager.bulk_create(
                        (model(**dict(zip(columns, row, strict=True))) for row in rows),
                        batch_size=2000,
                    )
            return
        if self.thread is None:
            connection.ensure_connection()
            self.thread = threading.Thread(
                target=self._run, args=(connection.connection,), daemon=True
            )
            self.thread.start()
        self.pending.put(tables)

    def check_keys_at_once(self, at_once: bool) -> None:
        """Foreign keys checked by each COPY rather than all at the commit (PostgreSQL).

        Django makes them deferred; checked at commit, the whole office's checks would run
        while this thread waits, instead of beside the drawing of the next days.
        """
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS ALL {'IMMEDIATE' if at_once else 'DEFERRED'}")

    def drain(self) -> None:
        """Wait until everything submitted is written (before the commit or other queries)."""
        if self.thread is not None:
            self.pending.join()
        self._raise_if_failed()

    def close(self) -> None:
        if self.thread is not None:
            self.pending.put(None)
            self.thread.join()
            self.thread = None

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self, raw: Any) -> None:
        quote = connection.ops.quote_name
        while True:
            tables = self.pending.get()
            try:
                if tables is None:
                    return
                if self.error is None:
                    for model, columns, rows in tables:
                        if not rows:
                            continue
                        statement = "COPY {} ({}) FROM STDIN (FORMAT BINARY)".format(
                            quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
                        )
                        with raw.cursor() as cursor, cursor.copy(statement) as copy:
                            copy.set_types(_binary_types(model, columns))
                            for row in rows:
                                copy.write_row(row)
            except BaseException as error:  # handed to the drawing thread, which raises it
                self.error = error
            finally:
                self.pending.task_done()


#: PostgreSQL column types as psycopg names them for a binary COPY (varchar travels as text).
_BINARY_TYPES = {
    "smallint": "int2",
    "integer": "int4",
    "bigint": "int8",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "varchar": "text",
    "text": "text",
    "boolean": "bool",
}


def _binary_types(model: type[models.Model], columns: Sequence[str]) -> list[str]:
    """The types of a binary COPY's columns, read from the model's fields."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    return [
        _BINARY_TYPES[str(fields[column].db_type(connection)).split("(")[0]] for column in columns
    ]


class _IdPool:
    """Primary keys handed out before the rows are written, so rows can point at each other.

    PostgreSQL: blocks of values from the table's own sequence (safe beside other writers).
    SQLite: counting on from the largest id (writes are serialised there anyway).
    """

    BLOCK = 50_000

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.model = model
        self.free: list[int] = []
        self.next_local: int | None = None
        self.postgres = connection.vendor == "postgresql"

    def take(self) -> int:
        if self.free:
            return self.free.pop()
        if not self.postgres:
            if self.next_local is None:
                largest = self.model._default_manager.aggregate(m=models.Max("pk"))["m"]
                self.next_local = (largest or 0) + 1
            value = self.next_local
            self.next_local += 1
            return value
        if not self.free:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, self.BLOCK],
                )
                self.free = sorted((row[0] for row in cursor.fetchall()), reverse=True)
        return self.free.pop()


def _seconds(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _code(rng: random.Random, alphabet: str, length: int, number: int, width: int) -> str:
    """A code of random letters ending with `number` written in the alphabet: unique by design."""
    base = len(alphabet)
    tail = []
    for _n in range(width):
        number, digit = divmod(number, base)
        tail.append(alphabet[digit])
    if number:
        raise ValueError("the id does not fit in the code")
    head = "".join(rng.choices(alphabet, k=length - width))
    return head + "".join(reversed(tail))
