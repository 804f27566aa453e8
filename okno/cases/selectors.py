"""Reads that the case pages, the API, the alerts and the benchmark share, and who may see or
move a case.

Who sees what: the front office and the head see their offices' cases; a back-office employee
sees the cases of the units they belong to (or head) and the cases assigned to them; analysts,
administrators and superusers see all. Nobody learns that a case out of their scope exists: it is
a 404.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from okno.cases.models import OPEN_STATUSES, RUNNING, Case, CaseEvent, ProviderUnit
from okno.catalog.models import Office
from okno.core import deadlines
from okno.core.calendar import WorkingCalendar
from okno.core.scoping import sees_all_offices, visible_office_ids
from okno.staff.models import Employee, Role

User = AbstractBaseUser | AnonymousUser
Status = Case.Status

#: The work lists a person can open, in the order the page offers them.
WORK_LISTS = ("mine", "pool", "due_soon", "overdue", "open", "all")

#: Steps each role may take (the head and superusers may take them all, in their scope).
FRONT_OFFICE_STEPS = frozenset(
    {Status.SENT, Status.READY, Status.ISSUED, Status.CLOSED, Status.WITHDRAWN}
)
BACK_OFFICE_STEPS = frozenset(
    {
        Status.IN_PROGRESS,
        Status.WAITING_APPLICANT,
        Status.WAITING_AGENCY,
        Status.DECIDED,
        Status.READY,
        Status.ISSUED,
        Status.WITHDRAWN,
    }
)


#: Service passport fields no work list shows (long translated texts).
_PASSPORT_TEXTS = (
    "summary",
    "keywords",
    "fee_legal_basis",
    "result",
    "result_delivery",
    "refusal_grounds",
    "legal_basis",
)

#: Who registers applications.
INTAKE_ROLES = frozenset({Role.OPERATOR, Role.HEAD, Role.ADMINISTRATOR})


# --- scope ---------------------------------------------------------------------------------------


def visible_cases(user: User) -> QuerySet[Case]:
    """The cases `user` may see (an empty queryset for people who are not staff)."""
    cases = Case.objects.all()
    if sees_all_offices(user):
        return cases
    employee = _employee(user)
    if employee is None:
        return cases.none()
    if employee.role == Role.BACK_OFFICE:
        return cases.filter(Q(unit__in=unit_ids(employee)) | Q(assignee=employee))
    return cases.filter(office__in=visible_office_ids(user) or [])


def get_case_for_user(user: User, number: str) -> Case:
    """The case with this number if `user` may see it; 404 otherwise."""
    case = (
        visible_cases(user)
        .select_related(
            "office",
            "service",
            "unit__head__user",
            "assignee__user",
            "registered_by__user",
            "pickup_point",
            "ticket",
        )
        .filter(number=(number or "").strip().upper())
        .first()
    )
    if case is None:
        raise Http404
    return case


def unit_ids(employee: Employee) -> list[int]:
    cached = getattr(employee, "_case_unit_ids", None)
    if cached is None:
        cached = list(
            ProviderUnit.objects.filter(Q(members=employee) | Q(head=employee))
            .values_list("pk", flat=True)
            .distinct()
        )
        employee._case_unit_ids = cached
    return cached


def allowed_steps(user: User, case: Case) -> list[str]:
    """The statuses `user` may move `case` to now (the table's steps their role is given)."""
    from okno.cases.services import TRANSITIONS

    possible = TRANSITIONS[case.status]
    if user.is_authenticated and user.is_superuser:
        mine = possible
    else:
        employee = _employee(user)
        if employee is None:
            return []
        mine = frozenset()
        in_office = employee.sees_all_offices or case.office_id in (visible_office_ids(user) or [])
        if employee.role == Role.HEAD and in_office:
            mine = possible
        elif employee.role == Role.OPERATOR and in_office:
            mine = FRONT_OFFICE_STEPS
        elif employee.role == Role.ADMINISTRATOR:
            mine = possible
        elif employee.role == Role.BACK_OFFICE and (
            case.unit_id in unit_ids(employee) or case.assignee_id == employee.pk
        ):
            mine = BACK_OFFICE_STEPS
    return [status for status in Status.values if status in possible and status in mine]


def may_assign(user: User, case: Case) -> bool:
    """Heads of the office, the unit's head and the assignee hand a case on; admins too."""
    if not case.is_open:
        return False
    if user.is_authenticated and user.is_superuser:
        return True
    employee = _employee(user)
    if employee is None:
        return False
    if employee.role == Role.ADMINISTRATOR:
        return True
    if employee.role == Role.HEAD and case.office_id in (visible_office_ids(user) or []):
        return True
    return case.assignee_id == employee.pk or (
        case.unit_id is not None and case.unit.head_id == employee.pk
    )


def may_register(user: User) -> bool:
    """Who takes applications in (and prints their receipts): the front office and the head;
    administrators set things right."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return True
    employee = _employee(user)
    return employee is not None and employee.role in INTAKE_ROLES


def may_take(user: User, case: Case) -> bool:
    employee = _employee(user)
    return (
        employee is not None
        and case.is_open
        and case.assignee_id is None
        and case.unit_id in unit_ids(employee)
    )


def may_attach(user: User, case: Case) -> bool:
    """Staff who may act on the case may attach files to it; readers (analysts) may not."""
    return bool(allowed_steps(user, case)) or may_assign(user, case)


# --- work lists ----------------------------------------------------------------------------------


def work_list(
    user: User,
    which: str,
    *,
    office: Office | None = None,
    service_id: int | None = None,
    status: str = "",
    due_by: dt.date | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """One of `WORK_LISTS` for `user`, filtered, most urgent first.

    mine: open cases assigned to them; pool: open cases of their units nobody has taken;
    due_soon: open cases whose deadline is within the office's alert lead (working days);
    overdue: open, running (not paused) cases past their deadline; open; all.
    """
    now = now or timezone.now()
    cases = visible_cases(user)
    if office is not None:
        cases = cases.filter(office=office)
    if which == "mine":
        employee = _employee(user)
        cases = (
            cases.filter(assignee=employee, status__in=OPEN_STATUSES) if employee else cases.none()
        )
    elif which == "pool":
        employee = _employee(user)
        ids = unit_ids(employee) if employee else []
        cases = cases.filter(unit__in=ids, assignee__isnull=True, status__in=OPEN_STATUSES)
    elif which == "due_soon":
        offices = _offices_of(user, office, calendars=True)
        cases = cases.filter(RUNNING).filter(_due_soon(offices, now))
    elif which == "overdue":
        cases = cases.filter(RUNNING).filter(_overdue(_offices_of(user, office), now))
    elif which == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    if service_id:
        cases = cases.filter(service_id=service_id)
    if status:
        cases = cases.filter(status=status)
    if due_by is not None:
        cases = cases.filter(deadline__lte=due_by)
    ordering = ["-registered_at", "-pk"] if which == "all" else ["deadline", "pk"]
    return (
        cases.select_related("office", "service", "assignee__user", "unit")
        # The passports' long texts: a list shows none of them, and they are most of a row.
        .defer(*(f"service__{name}" for name in _PASSPORT_TEXTS), "office__accessibility")
        .order_by(*ordering)
    )


@dataclass(frozen=True)
class Clock:
    """What to show of a case's deadline: the date, days left in the term's unit, paused or not."""

    deadline: dt.date
    days_left: int
    unit: str
    paused: bool
    overdue: bool
    done: bool


def clock(
    case: Case, *, calendar: WorkingCalendar | None = None, now: dt.datetime | None = None
) -> Clock:
    """The deadline as a person should read it today (in the office's time zone)."""
    office = case.office
    today = (now or timezone.now()).astimezone(office.zone).date()
    calendar = calendar or WorkingCalendar(office)
    unit = case.service.term_unit
    left = deadlines.days_left(calendar, today, case.deadline, unit)
    return Clock(
        deadline=case.deadline,
        days_left=left,
        unit=unit,
        paused=case.paused_on is not None,
        overdue=case.is_open and case.paused_on is None and today > case.deadline,
        done=not case.is_open,
    )


def trail(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("employee__user").order_by("at", "pk")


def responsible(case: Case) -> tuple[str, str]:
    """The named person who answers for the case now: (name, role), never a private contact.

    The assignee; for a case still in the pool, the unit's head; else the service's responsible
    official from its passport."""
    person = case.assignee or (case.unit.head if case.unit_id and case.unit else None)
    if person is not None:
        # A login name is not a name to publish: without a full name, only the role is shown.
        return person.user.get_full_name(), person.position or person.get_role_display()
    official = case.service.responsible_official
    if official:
        name, _comma, position = official.partition(",")
        return name.strip(), position.strip()
    return "", ""


def overdue_counts(user: User, *, now: dt.datetime | None = None) -> dict[int, int]:
    """Overdue cases per office (office id -> count), for the head's overview."""
    from django.db.models import Count

    now = now or timezone.now()
    offices = _offices_of(user, None)
    rows = (
        visible_cases(user)
        .filter(RUNNING)
        .filter(_overdue(offices, now))
        .values("office")
        .annotate(n=Count("pk"))
    )
    return {row["office"]: row["n"] for row in rows}


# --- helpers -------------------------------------------------------------------------------------


def _employee(user: User) -> Employee | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "employee", None)


def _offices_of(user: User, office: Office | None, *, calendars: bool = False) -> list[Office]:
    """The offices whose cases `user` sees; with `calendars`, loaded with what their working-day
    calendars and alert settings read (the overdue list needs only their time zones)."""
    if office is not None:
        return [office]
    ids = visible_office_ids(user)
    offices = Office.objects.all() if ids is None else Office.objects.filter(pk__in=ids)
    employee = _employee(user)
    if employee is not None and employee.role == Role.BACK_OFFICE:
        # A back-office unit may serve offices the employee is not listed in.
        offices = Office.objects.filter(
            Q(pk__in=ids or []) | Q(provider_units__in=unit_ids(employee))
        ).distinct()
    if not calendars:
        return list(offices.only("pk", "time_zone"))
    return list(
        offices.select_related("case_settings").prefetch_related(
            "opening_hours", "calendar_exceptions"
        )
    )


def _overdue(offices: list[Office], now: dt.datetime) -> Q:
    """Past the deadline in each office's own today (offices in different time zones)."""
    by_today: dict[dt.date, list[int]] = defaultdict(list)
    for office in offices:
        by_today[now.astimezone(office.zone).date()].append(office.pk)
    condition = Q(pk__in=[])
    for today, ids in by_today.items():
        condition |= Q(office__in=ids, deadline__lt=today)
    return condition


def _due_soon(offices: list[Office], now: dt.datetime) -> Q:
    """From today to the office's alert lead in working days ahead (its own calendar)."""
    from okno.cases.services import case_settings

    windows: dict[tuple[dt.date, dt.date], list[int]] = defaultdict(list)
    for office in offices:
        today = now.astimezone(office.zone).date()
        lead = case_settings(office).alert_working_days_before
        windows[(today, WorkingCalendar(office).add_working_days(today, lead))].append(office.pk)
    condition = Q(pk__in=[])
    for (today, cutoff), ids in windows.items():
        condition |= Q(office__in=ids, deadline__gte=today, deadline__lte=cutoff)
    return condition
